/**
 * The collector stepper as a VS Code panel, in Debian's chromium (network blocked), on the report
 * `heap-inspector step --html` writes for test/programs/webview/stepper_demo.py (stepper.test.ts
 * has the HTML report):
 *
 * - the stepper asks the extension for its numbers, "Run for real" posts `runCollection`, Cancel
 *   posts `cancelCollection`, the result arrives, then the capture after it, animated; while the
 *   older capture is shown, questions are answered from the page only;
 * - the panel at 500, 800 and 1400 px: the toolbar never covers the side list's tabs, every
 *   headline number stays in view (the narrow-panel layout bug).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { HeapView } from '../../protocol/heapView';
import type { CollectionComparison, StepperData } from '../../protocol/stepper';
import * as web from '../helpers/browser';
import { stepperOpener, stepReport, type Written } from './stepperReports';

const chromium = web.chromiumForTests();
const open = stepperOpener(chromium);
const reports: Record<number, Written> = {};

before(() => {
  web.ensureBundle();
  reports[0] = stepReport(0, 'stepper-panel-gen0');
});

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

interface Posted {
  posted: { type: string; requestId?: number; generation?: number; node?: number }[];
}

async function openPanel(width: number, height: number): Promise<web.Opened> {
  const file = path.join(web.outDir, 'stepper-panel.html');
  writeFileSync(file, web.panelTestPage());
  return open(file, { width, height, init: web.RECORDING_VSCODE_API });
}

const send = (page: Page, m: unknown): Promise<void> =>
  page.evaluate((msg) => window.postMessage(msg, '*'), m);
const posted = (page: Page) => page.evaluate(() => (window as unknown as Posted).posted);

async function answerStepper(page: Page, data: StepperData, from = 0): Promise<void> {
  await page.waitForFunction(
    (n) => (window as unknown as Posted).posted.slice(n).some((m) => m.type === 'requestStepper'),
    from,
  );
  const req = (await posted(page)).slice(from).find((m) => m.type === 'requestStepper')!;
  await send(page, { type: 'stepper', requestId: req.requestId, data });
}

/** The capture after: the view less what the collector freed (what the extension would send). */
function afterView(view: HeapView, c: CollectionComparison): HeapView {
  const gone = new Set(c.collected.addresses.filter((a) => !c.resurrected.includes(a)));
  const nodes = view.nodes.filter((n) => !gone.has(n.address));
  const ids = new Set(nodes.map((n) => n.id));
  return {
    ...view,
    nodes,
    edges: view.edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
    cycles: view.cycles.map((cy) => ({ ...cy, members: cy.members.filter((m) => ids.has(m)) })),
    context: undefined,
  };
}

describe('the collector stepper in chromium (VS Code panel)', web.chromiumSuite, () => {
  test('asks for its numbers, runs the collection, cancel, the result and the capture after it', async () => {
    const r = reports[0];
    const plain = JSON.parse(JSON.stringify(r.stepper)) as StepperData;
    delete plain.collection;
    const o = await openPanel(1400, 900);
    const { page } = o;
    try {
      await page.waitForFunction(() =>
        (window as unknown as Posted).posted.some((m) => m.type === 'ready'),
      );
      await send(page, { type: 'view', title: 'Heap: stepper_demo.py', view: r.view });
      await web.settled(page);
      // The numbers come without one object (as if an expansion brought it in later).
      const buffer = r.view.nodes.find((n) => n.type === '__main__.Buffer')!;
      const at = plain.ids.indexOf(buffer.id);
      const partial = JSON.parse(JSON.stringify(plain)) as StepperData;
      partial.ids.splice(at, 1);
      for (const g of partial.generations) {
        for (const key of ['internal', 'gcRefs', 'fromOlder', 'flags'] as const)
          g[key].splice(at, 1);
      }
      await page.click('[data-testid="stepper-toggle"]');
      await answerStepper(page, partial);
      await page.waitForSelector('[data-testid="stepper"][data-ready="true"]');
      await page.click('[data-testid="stepper-gen-0"]');
      // Play: the phases advance by themselves, and pause.
      await page.click('[data-testid="stepper-play"]');
      await page.waitForSelector('[data-testid="stepper"][data-phase="2"]', { timeout: 6_000 });
      await page.click('[data-testid="stepper-play"]');
      // Selecting the object asks the extension for its numbers, and shows them.
      const asked = (await posted(page)).length;
      await page.evaluate(
        (id) =>
          (
            window as unknown as { __heapInspector: { select(id: number): void } }
          ).__heapInspector.select(id),
        buffer.id,
      );
      await page.waitForFunction(
        ([n, id]) =>
          (window as unknown as Posted).posted
            .slice(n)
            .some(
              (m) =>
                m.type === 'requestStepper' &&
                (m as unknown as { nodes?: number[] }).nodes?.includes(id as number),
            ),
        [asked, buffer.id],
      );
      await answerStepper(page, plain, asked);
      await page.waitForSelector('[data-testid="stepper-gc-refs"]');
      assert.equal(
        await web.text(page, 'stepper-gc-refs'),
        String(plain.generations[0].gcRefs[at]),
      );
      await page.click('[data-testid="stepper-phase-5"]');
      await web.settled(page);
      await web.shot(page, 'stepper-panel-phase-5');
      // Run for real: the extension is asked; while it runs, Cancel is offered.
      const n0 = (await posted(page)).length;
      await page.click('[data-testid="run-collection"]');
      await page.waitForFunction(
        (n) =>
          (window as unknown as Posted).posted.slice(n).some((m) => m.type === 'runCollection'),
        n0,
      );
      const run = (await posted(page)).slice(n0).find((m) => m.type === 'runCollection')!;
      assert.equal(run.generation, 0);
      await send(page, {
        type: 'collection',
        state: 'running',
        message: 'Running gc.collect(0) in the paused program…',
      });
      await page.waitForSelector('[data-testid="collection-running"]');
      await web.shot(page, 'stepper-panel-running');
      await page.click('[data-testid="cancel-collection"]');
      await page.waitForFunction(
        (n) =>
          (window as unknown as Posted).posted.slice(n).some((m) => m.type === 'cancelCollection'),
        n0,
      );
      const honest =
        'Stopped waiting for gc.collect(0). A collection cannot be interrupted from outside: the program finishes it on its paused thread (if a finalizer is blocking, only once that finalizer returns) and stays paused where it was.';
      await send(page, { type: 'collection', state: 'cancelled', message: honest });
      assert.equal(await web.text(page, 'collection-failure'), honest);
      await web.shot(page, 'stepper-panel-cancelled');
      // Again, to the end: the result, then the capture after it.
      await page.click('[data-testid="run-collection"]');
      await send(page, {
        type: 'collectionResult',
        before: r.view,
        stepper: r.stepper,
        after: true,
      });
      await page.waitForSelector('[data-testid="reality"][data-match="true"]');
      assert.equal((await web.dataset(page, 'stepper')).phase, '9');
      await send(page, {
        type: 'view',
        title: 'Heap: stepper_demo.py',
        view: afterView(r.view, r.json),
      });
      await page.waitForSelector('[data-testid="reality"][data-showing="after"]', {
        timeout: 10_000,
      });
      await web.settled(page);
      const freed = r.json.collected.addresses.filter((a) =>
        r.view.nodes.some((n) => n.address === a),
      ).length;
      assert.equal(
        Number((await web.dataset(page, 'graph')).nodes),
        r.view.nodes.length - freed + 0,
      );
      await web.shot(page, 'stepper-panel-after');
      // Back to the capture before: questions about it are answered from the page, not the extension
      // (which now holds the capture after).
      await page.click('[data-testid="show-before"]');
      await page.waitForSelector('[data-testid="reality"][data-showing="before"]');
      await web.settled(page);
      const n1 = (await posted(page)).length;
      const pool = r.view.nodes.find((n) => !n.unreachable && n.type === 'builtins.dict')!;
      await page.evaluate(
        (id) =>
          (
            window as unknown as { __heapInspector: { select(id: number): void } }
          ).__heapInspector.select(id),
        pool.id,
      );
      await page.waitForSelector(`[data-testid="details"][data-node-id="${pool.id}"]`);
      await page.waitForTimeout(300);
      assert.deepEqual(
        (await posted(page)).slice(n1).filter((m) => m.type === 'requestPath'),
        [],
        'no question about an old capture goes to the extension',
      );
      await web.checkClean(o, 'stepper panel');
    } finally {
      await o.close();
    }
  });

  test('narrow, medium and wide panels: toolbar clear of the tabs, the headline numbers in view', async () => {
    const r = reports[0];
    const plain = JSON.parse(JSON.stringify(r.stepper)) as StepperData;
    delete plain.collection;
    for (const width of [500, 800, 1400]) {
      const o = await openPanel(width, 800);
      const { page } = o;
      try {
        await page.waitForFunction(() =>
          (window as unknown as Posted).posted.some((m) => m.type === 'ready'),
        );
        await send(page, { type: 'view', title: 'Heap', view: r.view });
        await web.settled(page);
        // A string: the test's TypeScript transform would add helpers the page lacks.
        const boxes = (await page.evaluate(`(() => {
          const r = (sel) => {
            const b = document.querySelector(sel).getBoundingClientRect();
            return { left: b.left, top: b.top, right: b.right, bottom: b.bottom, width: b.width, height: b.height };
          };
          return {
            toolbar: r('.toolbar'),
            tabs: r('.tabs'),
            graph: r('.graph-box'),
            stats: ['unreachable-count', 'cycle-count', 'finalizer-count', 'finalize-pending', 'heap-objects']
              .map((id) => r('[data-testid="' + id + '"]')),
            top: r('.top'),
            page: document.documentElement.scrollWidth,
          };
        })()`)) as {
          toolbar: Box;
          tabs: Box;
          graph: Box;
          stats: Box[];
          top: Box;
          page: number;
        };
        const overlap = (a: Box, b: Box) =>
          a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        assert.ok(!overlap(boxes.toolbar, boxes.tabs), `${width}px: the toolbar covers the tabs`);
        assert.ok(!overlap(boxes.graph, boxes.tabs), `${width}px: the graph covers the tabs`);
        for (const s of boxes.stats) {
          assert.ok(
            s.bottom <= Math.min(800, boxes.top.bottom) && s.right <= width,
            `${width}px: a headline number is out of view`,
          );
        }
        assert.ok(boxes.page <= width, `${width}px: no sideways scrolling`);
        assert.ok(
          boxes.graph.height >= 220,
          `${width}px: the graph keeps room (${boxes.graph.height})`,
        );
        await web.shot(page, `panel-width-${width}`);
        // With the stepper open too.
        await page.click('[data-testid="stepper-toggle"]');
        await answerStepper(page, plain);
        await page.click('[data-testid="stepper-gen-0"]');
        await page.click('[data-testid="stepper-phase-3"]');
        await web.settled(page);
        const graph = await page.evaluate(
          () =>
            (document.querySelector('.graph-box') as HTMLElement).getBoundingClientRect().height,
        );
        assert.ok(graph >= 220, `${width}px with the stepper: the graph keeps room (${graph})`);
        await page.evaluate(() => document.querySelector('.toolbar')?.scrollIntoView());
        await web.shot(page, `panel-width-${width}-stepper`);
        await web.checkClean(o, `panel ${width}`);
      } finally {
        await o.close();
      }
    }
  });
});
