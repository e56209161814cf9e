/**
 * What holds the memory, in Debian's chromium (network blocked), on a real capture of
 * test/webview/programs/leaky_service.py (about 530,000 objects: 52,000 sessions that a list keeps
 * forever), in the report `heap-inspector snapshot --html` writes.
 *
 * - The leak suspect: its path from a root as Python writes it, what it holds grouped by type.
 * - The table by type: counts, shallow and retained bytes as the engine computed them; a type
 *   opens onto its largest objects, an object onto what it retains; only the rows in view are in
 *   the DOM, at any scroll position.
 * - The treemap: click into a rectangle, the breadcrumb leads back.
 * - "Show in graph": a focused neighbourhood (not the heap), the retained set ringed, and every
 *   ringed object really inside the retained set (the dominator tree's intervals).
 *
 * The same views in a VS Code panel: retainedPanel.test.ts.
 * Screenshots (dark and light) go to test-output/webview/retained-*.png.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as web from '../helpers/browser';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { captureProgram, type Capture } from '../helpers/programCapture';
import { clickTwisty, domRows, grid, shotOf, waitRows } from '../helpers/memoryTable';

const SESSIONS = 52_000;
const ADMINS = 52;

let cap: Capture;
before(() => {
  web.ensureBundle();
  cap = captureProgram('leaky_service.py', 'retained');
});

const chromium = web.chromiumForTests();

type Hook = {
  __heapInspector: {
    select(id: number | null): void;
    rings(): number[];
    memoryGrid(): { frames(): number };
  };
};

describe('what holds the memory, in the report', { ...web.chromiumSuite, ...SUITE_LIMIT }, () => {
  test('the capture is large and its summary names the leak', () => {
    assert.ok(cap.summary.heap.objects >= 500_000, `${cap.summary.heap.objects} objects`);
    const s = cap.summary.retained?.suspects[0];
    assert.ok(s, 'a leak suspect');
    assert.equal(s.accumulation.path, "__main__.registry['users']");
    // Every session but the admins' (the admins list holds them too) and the one a frame holds.
    assert.equal(s.content[0].type, '__main__.Session');
    assert.equal(s.content[0].count, SESSIONS - ADMINS - 1);
  });

  for (const scheme of ['dark', 'light'] as const) {
    test(
      `${scheme}: suspects, table, treemap and the ringed retained set`,
      TEST_LIMIT,
      async () => {
        const o = await chromium.open(cap.html, { colorScheme: scheme, height: 1100 });
        const { page } = o;
        try {
          await web.settled(page);
          const retained = cap.view.retained;
          assert.ok(retained);
          const suspect = retained.suspects[0];

          // --- Leak suspect: path, content by type ---------------------------------------------
          assert.equal(await web.text(page, 'suspect-path'), "__main__.registry['users']");
          const head = await web.text(page, 'suspect-content-head');
          assert.match(head, /51,947 × Session/);
          const tops = await page.locator('[data-testid="top-retainer"]').allTextContents();
          assert.ok(tops.length >= 3, 'the largest retainers listed');
          assert.match(tops.join('\n'), /__main__\.cache/);
          await shotOf(page, 'suspects', `retained-suspects-${scheme}`);

          // --- The table by type ---------------------------------------------------------------
          // Figures for the report, not checks: the first graph frame, the table's first draw.
          const firstPaint = (await web.dataset(page, 'graph')).firstPaint;
          const t0 = await page.evaluate(() => performance.now());
          await page.locator('[data-testid="view-memory"]').click();
          await waitRows(page, retained.types.length);
          const tableMs = (await page.evaluate(() => performance.now())) - t0;
          console.log(
            `report of ${cap.summary.heap.objects} objects (${scheme}): first graph frame at ` +
              `${firstPaint} ms, the table of ${retained.types.length} types drawn ` +
              `${tableMs.toFixed(0)} ms after the click`,
          );
          let rows = await domRows(page);
          const firstType = retained.types[0];
          assert.ok(firstType);
          assert.equal(rows[0].cells[0], firstType.type.split('.').pop());
          const count = Number(rows[0].cells[1].replace(/,/g, ''));
          assert.equal(count, firstType.count, 'count as the engine counted');
          // Only rows in view are in the DOM.
          const domCount = rows.length;
          assert.ok(domCount < 60, `${domCount} rows in the DOM`);

          // Session opens onto its largest objects, one of them onto what it retains.
          await page.locator('[data-testid="memory-filter"]').fill('Session');
          await waitRows(page, 1);
          await clickTwisty(page, 0);
          const sessionTops = retained.types.find((t) => t.type === '__main__.Session');
          assert.ok(sessionTops);
          // The embedded tops and one row for the others.
          const shownTops = retained.typeTops['__main__.Session']?.length ?? 0;
          assert.ok(shownTops > 0);
          await waitRows(page, 1 + shownTops + (sessionTops.tops > shownTops ? 1 : 0));
          rows = await domRows(page);
          assert.equal(rows[1].level, 2);
          assert.match(rows[1].cells[0], /Session/);
          // Each as Python reaches it: an item of the list, or inside the registry when both of
          // its lists hold it (an admin's session).
          const names = rows.slice(1, 1 + shownTops).map((r) => r.cells[0]);
          assert.ok(
            names.every((n) => /^(in )?__main__\.registry/.test(n)),
            names.join('\n'),
          );
          assert.ok(names.some((n) => /^__main__\.registry\['users'\]\[\d+\]\s*Session$/.test(n)));
          const before = Number((await grid(page)).rows);
          await clickTwisty(page, 1);
          await page.waitForFunction(
            (n) =>
              Number(
                (document.querySelector('[data-testid="memory-table"]') as HTMLElement).dataset
                  .rows,
              ) > n,
            before,
          );
          rows = await domRows(page);
          assert.equal(rows[2].level, 3, 'what the session retains, one level down');
          // By the reference that holds each: the session's attributes, as the engine has them.
          const held = rows.filter((r) => r.level === 3).map((r) => r.cells[0]);
          for (const attr of ['.requests', '.settings', '.token', '.user'])
            assert.ok(
              held.some((n) => n.startsWith(attr)),
              `${attr} among ${held.join(', ')}`,
            );
          await shotOf(page, 'memory-panel', `retained-table-types-${scheme}`);

          // "Show in table" on the suspect: the dominator tree open down to it, with its path.
          await page.locator('[data-testid="suspect-show-table"]').click();
          await page.waitForSelector('[data-testid="memory-path"]');
          assert.equal(await web.text(page, 'memory-path'), "__main__.registry['users']");
          assert.equal(
            await page.locator('[data-testid="memory-mode"]').inputValue(),
            'tree',
            'the dominator tree',
          );
          const current = await page
            .locator('[data-testid="memory-table"] [role="row"].current')
            .getAttribute('aria-level');
          assert.ok(Number(current) >= 3, `the list is deep in the tree (level ${current})`);
          // Open it: its children, then one row for those the report leaves out.
          const cur = await page
            .locator('[data-testid="memory-table"] [role="row"].current')
            .getAttribute('data-index');
          const rowsBefore = Number((await grid(page)).rows);
          await page.keyboard.press('ArrowRight');
          await page.waitForFunction(
            (n) =>
              Number(
                (document.querySelector('[data-testid="memory-table"]') as HTMLElement).dataset
                  .rows,
              ) > n,
            rowsBefore,
          );
          rows = await domRows(page);
          const next = rows.find((r) => r.index === Number(cur) + 1);
          assert.match(next?.cells[0] ?? '', /Session/);
          await shotOf(page, 'memory-panel', `retained-table-tree-${scheme}`);

          // Scrolled to the end: still only the rows in view.
          await page.evaluate(() => {
            const s = document.querySelector(
              '[data-testid="memory-table"] .vt-scroll',
            ) as HTMLElement;
            s.scrollTop = s.scrollHeight;
          });
          await page.waitForFunction(() => {
            const g = document.querySelector('[data-testid="memory-table"]') as HTMLElement;
            return g.dataset.last === g.dataset.rows;
          });
          assert.ok((await domRows(page)).length < 60);
          await page.waitForSelector('[data-testid="not-in-report"]');

          // --- The treemap: click into the largest rectangle, back with the breadcrumb ----------
          await page.locator('[data-testid="view-treemap"]').click();
          await page.waitForFunction(
            () =>
              Number(
                (document.querySelector('[data-testid="treemap"]') as SVGElement).dataset.rects,
              ) > 5,
          );
          await shotOf(page, 'treemap-panel', `retained-treemap-${scheme}`);
          const crumbs0 = await page
            .locator(
              '[data-testid="treemap-crumbs"] button, [data-testid="treemap-crumbs"] [aria-current]',
            )
            .count();
          // The suspect's "Treemap" button zooms onto it.
          await page.locator('[data-testid="view-graph"]').click();
          await page.locator('[data-testid="suspect-show-treemap"]').click();
          await page.waitForFunction(
            (id) =>
              (document.querySelector('[data-testid="treemap"]') as SVGElement).dataset.root ===
              String(id),
            suspect.accumulation.node,
          );
          assert.ok(
            (await page.locator('[data-testid="treemap-crumbs"] button').count()) > crumbs0,
            'the breadcrumb grew',
          );
          const crumbs = await web.text(page, 'treemap-crumbs');
          assert.match(crumbs, /\['users'\]/);
          await shotOf(page, 'treemap-panel', `retained-treemap-zoomed-${scheme}`);
          // Click a rectangle that has children: the treemap zooms into it.
          const child = await page.evaluate(() => {
            const g = [...document.querySelectorAll('[data-testid="treemap"] .tm-node')].find(
              (x) =>
                (x as SVGGElement).dataset.kind === 'row' &&
                Number((x as SVGGElement).dataset.children) > 0,
            ) as SVGGElement | undefined;
            return g ? Number(g.dataset.id) : null;
          });
          if (child !== null) {
            await page
              .locator(`[data-testid="treemap"] .tm-node[data-id="${child}"] rect`)
              .first()
              .click();
            await page.waitForFunction(
              (id) =>
                (document.querySelector('[data-testid="treemap"]') as SVGElement).dataset.root ===
                String(id),
              child,
            );
          }
          // Back to the top with the breadcrumb's first entry.
          await page.locator('[data-testid="treemap-crumbs"] button').first().click();
          await page.waitForFunction(
            () =>
              (document.querySelector('[data-testid="treemap"]') as SVGElement).dataset.root ===
              '-1',
          );

          // --- Show in graph: a focused neighbourhood with the retained set ringed -------------
          await page.locator('[data-testid="view-graph"]').click();
          await page.locator('[data-testid="suspect-show-graph"]').click();
          await page.waitForSelector('[data-testid="retained-overlay"]:not([hidden])');
          await web.settled(page);
          const drawn = Number((await web.dataset(page, 'graph')).nodes);
          assert.ok(drawn > 5 && drawn < 400, `a neighbourhood of ${drawn} objects, not the heap`);
          const ringed = await page.evaluate(() =>
            (window as unknown as Hook).__heapInspector.rings(),
          );
          assert.ok(ringed.length > 5, `${ringed.length} objects ringed`);
          // Every ringed object lies inside the ringed object's retained set (dominator intervals).
          const byId = new Map(
            [...cap.view.nodes, ...(cap.view.context?.nodes ?? [])].map((n) => [n.id, n]),
          );
          // The suspect is ringed as what holds them all, the list it holds among them.
          assert.ok(ringed.includes(suspect.node), 'the suspect is ringed');
          assert.ok(ringed.includes(suspect.accumulation.node), 'the list is ringed');
          const iv = byId.get(suspect.node)?.retained?.interval;
          assert.ok(iv, 'the ringed object has its interval');
          for (const id of ringed) {
            const r = byId.get(id)?.retained?.interval;
            assert.ok(r && r[0] >= iv[0] && r[0] < iv[1], `object ${id} is in the retained set`);
          }
          // Not every drawn object is ringed: the path from the root holds the list, not the reverse.
          assert.ok(ringed.length < drawn);
          assert.match(await web.text(page, 'retained-overlay'), /retains/);
          await shotOf(page, 'graph', `retained-graph-${scheme}`);

          // From any object: the details ring what the selected one retains instead.
          const list = suspect.accumulation.node;
          await page.evaluate((id) => (window as unknown as Hook).__heapInspector.select(id), list);
          await page.waitForSelector('[data-testid="details-retained"]');
          assert.match(await web.text(page, 'details-retained'), /Retains 417,5\d\d objects/);
          await page.locator('[data-testid="ring-retained"]').click();
          await page.waitForFunction(
            (reg) => !(window as unknown as Hook).__heapInspector.rings().includes(reg),
            suspect.node,
          );
          const listRings = await page.evaluate(() =>
            (window as unknown as Hook).__heapInspector.rings(),
          );
          const liv = byId.get(list)?.retained?.interval;
          assert.ok(liv && listRings.includes(list));
          for (const id of listRings) {
            const r = byId.get(id)?.retained?.interval;
            assert.ok(r && r[0] >= liv[0] && r[0] < liv[1], `object ${id} is in the list's set`);
          }
          assert.equal(
            await page.locator('[data-testid="ring-retained"]').getAttribute('aria-pressed'),
            'true',
          );
          await shotOf(page, 'details', `retained-details-${scheme}`);
          await web.checkClean(o, `report ${scheme}`);
        } finally {
          await o.close();
        }
      },
    );
  }
});
