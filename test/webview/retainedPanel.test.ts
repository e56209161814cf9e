/**
 * What holds the memory in a VS Code panel, in Debian's chromium (network blocked): the report's
 * bundle in the panel's page, with an "extension" that answers the dominator-tree requests
 * (`requestDominatorChildren`, `requestTypeTops`) with the language server's own code
 * (LoadedSnapshot) on real captures:
 *
 * - test/programs/webview/leaky_service.py (about 530,000 objects): the suspect's list opens onto
 *   its 51,947 sessions, paged in as they scroll into view;
 * - test/programs/webview/million_rows.py: one list of a million floats, a million rows under one
 *   row, from the first to the last, with only the rows in view in the DOM.
 *
 * The frame intervals while scrolling with the mouse wheel are printed (a figure, not a check).
 * Screenshots: test-output/webview/retained-panel-*.png.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { FromWebview } from '../../protocol/messages';
import { LoadedSnapshot } from '../../server/lsp/loadedSnapshot';
import * as web from '../helpers/browser';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { clickTwisty, domRows, grid, shotOf, waitRows } from '../helpers/memoryTable';
import { captureProgram, type Capture } from '../helpers/programCapture';

const caps: Record<string, Capture> = {};
before(() => {
  web.ensureBundle();
  caps.leaky = captureProgram('leaky_service.py', 'retained-panel-leaky');
  caps.million = captureProgram('million_rows.py', 'retained-panel-million');
});

const chromium = web.chromiumForTests();

interface Posted {
  posted: FromWebview[];
}

interface Panel {
  page: Page;
  loaded: LoadedSnapshot;
  /** The pages of rows the webview asked for. */
  asked: { node?: number; type?: string; offset: number }[];
  close(): Promise<void>;
}

/** The panel showing `cap`, its questions answered as the language server answers them. */
async function openPanel(cap: Capture, name: string): Promise<Panel> {
  const loaded = LoadedSnapshot.fromFile(name, 'test', cap.snapshot);
  const file = path.join(web.outDir, `${name}.html`);
  writeFileSync(file, web.panelTestPage());
  const o = await chromium.open(file, { init: web.RECORDING_VSCODE_API, height: 1100 });
  const { page } = o;
  const send = (m: unknown): Promise<void> =>
    page.evaluate((msg) => window.postMessage(msg, '*'), m);
  const asked: Panel['asked'] = [];
  const serve = async (): Promise<void> => {
    // Taken out of the page as they are answered (the page keeps posting its state).
    const all = await page.evaluate(() => (window as unknown as Posted).posted.splice(0));
    for (const m of all) {
      if (m.type === 'requestDominatorChildren') {
        asked.push({ node: m.node, offset: m.offset });
        const p = loaded.retained.children(m.node, m.offset, m.limit);
        await send({ type: 'dominatorChildren', requestId: m.requestId, page: p });
      } else if (m.type === 'requestTypeTops') {
        asked.push({ type: m.typeName, offset: m.offset });
        const p = loaded.retained.typeTops(m.typeName, m.offset, m.limit);
        await send({ type: 'typeTops', requestId: m.requestId, page: p });
      }
    }
  };
  await page.waitForFunction(() =>
    (window as unknown as Posted).posted.some((m) => m.type === 'ready'),
  );
  await send({ type: 'view', title: `Heap — ${name}`, view: loaded.view });
  const timer = setInterval(() => void serve().catch(() => undefined), 50);
  await web.settled(page);
  return {
    page,
    loaded,
    asked,
    async close() {
      clearInterval(timer);
      await web.checkClean(o, name);
      await o.close();
    },
  };
}

/** "Show in table" on the first suspect, then opens its row: the row count grows by `children`. */
async function openSuspectRow(page: Page, path: string, children: number): Promise<void> {
  await page.locator('[data-testid="suspect-show-table"]').click();
  await page.waitForSelector('[data-testid="memory-path"]');
  assert.equal(await web.text(page, 'memory-path'), path);
  const before = Number((await grid(page)).rows);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(
    (n) =>
      Number(
        (document.querySelector('[data-testid="memory-table"]') as HTMLElement).dataset.rows,
      ) >= n,
    before + children,
  );
}

/** Scrolls the table to `fraction` of its height; resolves when every row in view is loaded. */
async function scrollTo(page: Page, fraction: number): Promise<void> {
  const before = (await grid(page)).first;
  await page.evaluate((f) => {
    const s = document.querySelector('[data-testid="memory-table"] .vt-scroll') as HTMLElement;
    s.scrollTop = (s.scrollHeight - s.clientHeight) * f;
  }, fraction);
  // Drawn there (the first row drawn moved), and nothing in view still loading.
  await page.waitForFunction((first) => {
    const g = document.querySelector('[data-testid="memory-table"]') as HTMLElement;
    const rows = [...g.querySelectorAll('.vt-content [role="row"]')];
    return (
      g.dataset.first !== first &&
      rows.length > 10 &&
      rows.every((r) => !r.classList.contains('loading'))
    );
  }, before);
}

/**
 * Scrolls with the mouse wheel (`dy` pixels a step); returns the intervals between the frames the page drew meanwhile
 * (median, 90th percentile, worst) and how often the grid drew.
 */
async function wheelScroll(page: Page, steps: number, dy = 400): Promise<string> {
  const box = await page.locator('[data-testid="memory-table"] .vt-scroll').boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  // A string: the test's TypeScript transform would add helpers the page lacks.
  await page.evaluate(`
    window.__frames = [];
    window.__run = true;
    requestAnimationFrame(function tick(t) {
      window.__frames.push(t);
      if (window.__run) requestAnimationFrame(tick);
    });`);
  const before = Number((await grid(page)).frames);
  for (let i = 0; i < steps; i++) await page.mouse.wheel(0, dy);
  await page.waitForTimeout(200);
  const frames = (await page.evaluate(`window.__run = false; window.__frames`)) as number[];
  const gaps = frames.slice(1).map((t, i) => t - frames[i]);
  gaps.sort((x, y) => x - y);
  const at = (q: number): string => (gaps[Math.floor(q * (gaps.length - 1))] ?? 0).toFixed(1);
  const drawn = Number((await grid(page)).frames) - before;
  assert.ok(drawn > 0, 'the grid drew while scrolling');
  return `${drawn} grid draws, frame interval median ${at(0.5)} ms, 90th ${at(0.9)} ms, worst ${at(1)} ms`;
}

describe(
  'what holds the memory, in a VS Code panel',
  { ...web.chromiumSuite, ...SUITE_LIMIT },
  () => {
    test(
      "the suspect's 51,947 sessions page in from the language server as they scroll",
      TEST_LIMIT,
      async () => {
        const p = await openPanel(caps.leaky, 'retained-panel-leaky');
        try {
          const suspect = p.loaded.view.retained?.suspects[0];
          assert.ok(suspect);
          const children = suspect.content[0].count;
          await openSuspectRow(p.page, "__main__.registry['users']", children);
          await scrollTo(p.page, 0.5);
          assert.ok(
            p.asked.some((a) => a.node === suspect.accumulation.node && a.offset > 10_000),
            `a page from the middle was asked for: ${JSON.stringify(p.asked.slice(-5))}`,
          );
          const rows = await domRows(p.page);
          assert.ok(rows.length < 60, `${rows.length} rows in the DOM`);
          assert.ok(
            rows.some((r) => /^\[\d+\]\s*Session$/.test(r.cells[0])),
            'sessions drawn half way down, by their index in the list',
          );
          const figures = await wheelScroll(p.page, 40);
          assert.ok((await domRows(p.page)).length < 60, 'still only the rows in view');
          console.log(`panel, ${children} rows under one row, 40 wheel steps: ${figures}`);
          await shotOf(p.page, 'memory-panel', 'retained-panel-table');
        } finally {
          await p.close();
        }
      },
    );

    test('a type opens onto its tops, paged from the language server', TEST_LIMIT, async () => {
      const p = await openPanel(caps.leaky, 'retained-panel-types');
      try {
        const session = p.loaded.view.retained?.types.find((t) => t.type === '__main__.Session');
        assert.ok(session);
        await p.page.locator('[data-testid="view-memory"]').click();
        await p.page.locator('[data-testid="memory-filter"]').fill('Session');
        await waitRows(p.page, 1);
        await clickTwisty(p.page, 0);
        await waitRows(p.page, 1 + session.tops);
        await p.page.waitForFunction(
          () =>
            document.querySelectorAll('[data-testid="memory-table"] [role="row"].loading')
              .length === 0,
        );
        assert.ok(p.asked.some((a) => a.type === '__main__.Session' && a.offset === 0));
        const names = (await domRows(p.page)).slice(1).map((r) => r.cells[0]);
        assert.ok(names.length > 10);
        assert.ok(
          names.every((n) => /^(in )?__main__\.registry/.test(n)),
          `every session by its path:\n${names.join('\n')}`,
        );
        // Far down the list: another page.
        await scrollTo(p.page, 0.8);
        assert.ok(p.asked.some((a) => a.type === '__main__.Session' && a.offset > 30_000));
      } finally {
        await p.close();
      }
    });

    test(
      'a million rows under one row: the first, the middle and the last, few in the DOM',
      TEST_LIMIT,
      async () => {
        const p = await openPanel(caps.million, 'retained-panel-million');
        try {
          const suspect = p.loaded.view.retained?.suspects[0];
          assert.ok(suspect);
          assert.equal(suspect.content[0].count, 1_000_000);
          await openSuspectRow(p.page, '__main__.readings', 1_000_000);
          const total = Number((await grid(p.page)).rows);
          assert.ok(total > 1_000_000, `${total} rows`);
          // The middle: a page there is asked for; its rows are floats of the list.
          await scrollTo(p.page, 0.5);
          assert.ok(p.asked.some((a) => a.offset >= 400_000 && a.offset <= 600_000));
          let rows = await domRows(p.page);
          assert.ok(rows.length < 60, `${rows.length} rows in the DOM`);
          // Each item by its index, and the value at that index (`readings[i] == i / 8`).
          const items = rows.map((r) => /^\[(\d+)\]\s*([\d.]+)/.exec(r.cells[0])).filter((m) => m);
          assert.ok(items.length > 10, rows.map((r) => r.cells[0]).join('\n'));
          for (const m of items) assert.equal(Number(m?.[2]), Number(m?.[1]) / 8, m?.[0]);
          // The end: End on the keyboard reaches the last row, a float of the list.
          await p.page.locator('[data-testid="memory-table"] [role="row"]').nth(2).click();
          await p.page.keyboard.press('End');
          await p.page.waitForFunction((n) => {
            const g = document.querySelector('[data-testid="memory-table"]') as HTMLElement;
            const cur = g.querySelector('[role="row"].current') as HTMLElement | null;
            return cur?.dataset.index === String(n - 1) && !cur.classList.contains('loading');
          }, total);
          rows = await domRows(p.page);
          assert.ok(rows.length < 60, `${rows.length} rows in the DOM at the end`);
          // Upwards from the end.
          const figures = await wheelScroll(p.page, 40, -400);
          console.log(`panel, a million rows under one row, 40 wheel steps: ${figures}`);
          await scrollTo(p.page, 0.25);
          await shotOf(p.page, 'memory-panel', 'retained-panel-million');
        } finally {
          await p.close();
        }
      },
    );
  },
);
