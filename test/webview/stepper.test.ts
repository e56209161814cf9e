/**
 * The collector stepper in Debian's chromium (network blocked), on a real heap: the reports that
 * `heap-inspector step --html` writes for test/programs/webview/stepper_demo.py (old garbage that
 * holds a young object, a young cycle with `__del__`, a weak reference with a callback and a
 * `weakref.finalize`, a live cache).
 *
 * - Every phase of gc.collect(0) and gc.collect(2), one screenshot each
 *   (test-output/webview/stepper-gen{0,2}-phase-N.png): the title and the sentence are the
 *   engine's, the objects the phase touches are ringed on the graph with their numbers, the
 *   details show refcount / internal references / gc_refs for the selected object.
 * - Prediction vs. reality embedded by `step --html`; "after" animated (freed objects fade out).
 * - A mismatch flagged loudly with its objects; 3.14's incremental collector said.
 * - As a VS Code panel: the stepper asks the extension for its numbers, "Run for real" posts
 *   `runCollection`, Cancel posts `cancelCollection`, the result arrives, then the capture after
 *   it, animated; while the older capture is shown, questions are answered from the page only.
 * - The panel at 500, 800 and 1400 px: the toolbar never covers the side list's tabs, every
 *   headline number stays in view (the narrow-panel layout bug).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { HeapView } from '../../protocol/heapView';
import type { CollectionComparison, StepperData } from '../../protocol/stepper';
import { renderHtmlReport } from '../../cli/report/html';
import { phaseTouches } from '../../webview/report/stepper/phases';
import { findPython } from '../../scripts/python.mjs';
import * as web from '../helpers/browser';

const PROGRAMS = path.join(__dirname, '..', 'programs', 'webview');
const DEMO = 'stepper_demo.py';
const CLI = path.join(web.root, 'bin', 'heap-inspector.js');

function markerLine(file: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.findIndex((l) => l.includes('# @capture')) + 1;
}

interface Written {
  html: string;
  view: HeapView;
  stepper: StepperData;
  json: CollectionComparison;
  status: number | null;
  stderr: string;
}

function embedded<T>(html: string, id: string): T {
  const m = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(html);
  assert.ok(m, `the report embeds #${id}`);
  return JSON.parse(m[1]) as T;
}

/** `heap-inspector step --generation N --html … --json …` on the demo program. */
function stepReport(generation: number): Written {
  const html = path.join(web.outDir, `stepper-gen${generation}.html`);
  const json = path.join(web.outDir, `stepper-gen${generation}.json`);
  const line = markerLine(path.join(PROGRAMS, DEMO));
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'step',
      '--python',
      findPython(),
      '--generation',
      String(generation),
      '--at',
      `${DEMO}:${line}`,
      '--html',
      html,
      '--json',
      json,
      DEMO,
    ],
    { cwd: PROGRAMS, encoding: 'utf8', timeout: 120_000 },
  );
  const text = readFileSync(html, 'utf8');
  return {
    html,
    view: embedded<HeapView>(text, 'heap-data'),
    stepper: embedded<StepperData>(text, 'stepper-data'),
    json: JSON.parse(readFileSync(json, 'utf8')) as CollectionComparison,
    status: r.status,
    stderr: r.stderr,
  };
}

const chromium = web.chromiumForTests();
const reports: Record<number, Written> = {};

before(() => {
  web.ensureBundle();
  reports[0] = stepReport(0);
  reports[2] = stepReport(2);
});

// --- The CLI's report, without a browser ---------------------------------------------------------

describe('heap-inspector step --html', () => {
  test('writes a self-contained report with the stepper data and the real collection', () => {
    for (const g of [0, 2]) {
      const r = reports[g];
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`gc\\.collect\\(${g}\\) at .*stepper_demo\\.py`));
      assert.match(r.stderr, /✓ the same objects, address for address/);
      const html = readFileSync(r.html, 'utf8');
      assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//, 'nothing remote');
      assert.doesNotMatch(
        /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '',
        /unsafe-/,
      );
      // The report embeds exactly what --json wrote, and the phases of every generation.
      assert.deepEqual(r.stepper.collection, r.json);
      assert.equal(r.stepper.generations.length, 3);
      for (const gen of r.stepper.generations) {
        assert.equal(gen.phases.length, 9);
        assert.equal(gen.flags.length, r.stepper.ids.length);
      }
      assert.equal(r.json.match, true);
      // Bounded: the view's objects and its embedded neighbourhood, nothing more.
      const known = new Set([...r.view.nodes, ...(r.view.context?.nodes ?? [])].map((n) => n.id));
      for (const id of r.stepper.ids) {
        assert.ok(known.has(id) || r.stepper.nodes.some((n) => n.id === id), `id ${id} is known`);
      }
    }
    // The young collection cannot free the Buffer the old Session holds; the full one can.
    assert.equal(reports[0].json.collected.byType['__main__.Buffer'], undefined);
    assert.equal(reports[2].json.collected.byType['__main__.Buffer'], 1);
    assert.deepEqual(reports[0].json.finalizers.ran, { '__main__.Job': 2 });
    assert.deepEqual(reports[0].json.finalizeCallbacks.fired, ['closed']);
  });
});

// --- In chromium --------------------------------------------------------------------------------

function open(
  file: string,
  opts: { width?: number; height?: number; init?: string } = {},
): Promise<web.Opened> {
  return chromium.open(file, { width: opts.width ?? 1400, ...opts });
}

/** Which drawn objects a phase touches, by the stepper's own rule (what the page must ring). */
function touched(data: StepperData, generation: number, phase: string, drawn: Set<number>): number {
  const g = data.generations[generation];
  return data.ids.filter((id, i) => drawn.has(id) && phaseTouches(phase, g, i)).length;
}

describe('the collector stepper in chromium (HTML report)', web.chromiumSuite, () => {
  for (const generation of [0, 2]) {
    test(`gc.collect(${generation}): every phase on the graph, the numbers, prediction vs. reality, after`, async () => {
      const r = reports[generation];
      const o = await open(r.html);
      const { page } = o;
      try {
        await web.settled(page);
        // The report opens the stepper on the collection it ran.
        await page.waitForSelector('[data-testid="stepper"][data-ready="true"]');
        assert.equal((await web.dataset(page, 'stepper')).generation, String(generation));
        await page.evaluate(() => document.querySelector('.graph-panel')?.scrollIntoView());
        const drawn = new Set<number>(
          await page.evaluate(() =>
            (
              window as unknown as { __heapInspector: { model(): { nodes: { id: number }[] } } }
            ).__heapInspector
              .model()
              .nodes.map((n) => n.id),
          ),
        );
        const phases = r.stepper.generations[generation].phases;
        for (const phase of phases) {
          await page.click(`[data-testid="stepper-phase-${phase.step}"]`);
          await page.waitForSelector(`[data-testid="stepper"][data-phase="${phase.step}"]`);
          await web.settled(page);
          assert.equal((await web.dataset(page, 'stepper')).phaseId, phase.id);
          assert.match(
            await web.text(page, 'stepper-title'),
            new RegExp(`${phase.step}\\s*${phase.title}`),
          );
          assert.equal(await web.text(page, 'stepper-explanation'), phase.explanation);
          const want = touched(r.stepper, generation, phase.id, drawn);
          const g = await web.dataset(page, 'graph');
          assert.ok(
            Number(g.overlayRings) >= want,
            `${phase.id}: ${g.overlayRings} ringed, ${want} touched`,
          );
          if (want > 0)
            assert.ok(Number(g.overlayTags) > 0, `${phase.id}: numbers beside the objects`);
          await web.shot(page, `stepper-gen${generation}-phase-${phase.step}`);
        }
        // The Buffer the old Session holds: its numbers in the details.
        const buffer = r.view.nodes.find((n) => n.type === '__main__.Buffer' && n.unreachable)!;
        const i = r.stepper.ids.indexOf(buffer.id);
        const g = r.stepper.generations[generation];
        await page.click('[data-testid="stepper-phase-2"]');
        await page.evaluate(
          (id) =>
            (
              window as unknown as { __heapInspector: { select(id: number): void } }
            ).__heapInspector.select(id),
          buffer.id,
        );
        await page.waitForSelector('[data-testid="stepper-details"]');
        assert.equal(await web.text(page, 'stepper-refcount'), String(buffer.refcount));
        assert.equal(await web.text(page, 'stepper-internal'), String(g.internal[i]));
        assert.equal(await web.text(page, 'stepper-gc-refs'), String(g.gcRefs[i]));
        const fate = await web.text(page, 'stepper-fate');
        if (generation === 0) {
          assert.equal(await web.text(page, 'stepper-from-older'), String(g.fromOlder[i]));
          assert.ok(g.fromOlder[i] > 0);
          assert.match(fate, /older generations/);
          assert.match(fate, /The next full collection frees it/);
        } else {
          assert.match(fate, /unreachable/);
          assert.match(fate, /collected it ✓/);
        }
        await web.settled(page);
        await web.shot(page, `stepper-gen${generation}-details`);
        // Prediction vs. reality.
        const reality = await web.dataset(page, 'reality');
        assert.equal(reality.match, 'true');
        assert.equal(
          await web.text(page, 'reality-predicted-count'),
          String(r.json.predicted.count),
        );
        assert.equal(
          await web.text(page, 'reality-collected-count'),
          String(r.json.collected.count),
        );
        await page.evaluate(() =>
          document.querySelector('[data-testid="reality"]')?.scrollIntoView(),
        );
        await web.shot(page, `stepper-gen${generation}-reality`);
        // After: the freed objects fade out and leave the graph; the others stay.
        const drawnAddresses = (): Promise<string[]> =>
          page.evaluate(() =>
            (
              window as unknown as {
                __heapInspector: { model(): { nodes: { n: { address: string } }[] } };
              }
            ).__heapInspector
              .model()
              .nodes.map((d) => d.n.address),
          );
        const freed = new Set(
          r.json.collected.addresses.filter((a) => !r.json.resurrected.includes(a)),
        );
        const viewAddresses = r.view.nodes.map((n) => n.address);
        await page.evaluate(() => document.querySelector('.graph-panel')?.scrollIntoView());
        await page.click('[data-testid="show-after"]');
        await page.waitForFunction(
          () =>
            document.querySelector('[data-testid="stepper"]')?.getAttribute('data-animating') ===
            'true',
        );
        await page.waitForSelector('[data-testid="reality"][data-showing="after"]', {
          timeout: 10_000,
        });
        await web.settled(page);
        const left = new Set(await drawnAddresses());
        assert.deepEqual(
          [...left].filter((a) => freed.has(a)),
          [],
          'nothing freed is drawn',
        );
        assert.deepEqual(
          viewAddresses.filter((a) => !freed.has(a) && !left.has(a)),
          [],
          'what survived is still drawn',
        );
        assert.match(await web.text(page, 'stepper-after'), /less what the collector freed/);
        await web.shot(page, `stepper-gen${generation}-after`);
        await page.click('[data-testid="show-before"]');
        await page.waitForSelector('[data-testid="reality"][data-showing="before"]');
        await web.settled(page);
        const again = new Set(await drawnAddresses());
        assert.deepEqual(
          viewAddresses.filter((a) => !again.has(a)),
          [],
          'everything back',
        );
        await web.checkClean(o, `stepper gen ${generation}`);
      } finally {
        await o.close();
      }
    });
  }

  test('a mismatch is flagged loudly with its objects; 3.14’s incremental collector is said', async () => {
    const r = reports[0];
    const stepper = JSON.parse(JSON.stringify(r.stepper)) as StepperData;
    const c = stepper.collection!;
    // Pretend the collector kept a Job and collected an object the prediction did not name.
    const job = r.view.nodes.find((n) => n.type === '__main__.Job')!;
    const other = r.view.nodes.find((n) => n.type === '__main__.Buffer')!;
    c.collected.addresses = [
      ...c.collected.addresses.filter((a) => a !== job.address),
      other.address,
    ];
    c.match = false;
    c.mismatch = {
      onlyPredicted: [{ address: job.address, type: job.type }],
      onlyCollected: [{ address: other.address, type: other.type }],
    };
    stepper.incremental = true;
    const view: HeapView = JSON.parse(JSON.stringify(r.view)) as HeapView;
    view.summary.gc.incremental = true;
    const file = path.join(web.outDir, 'stepper-mismatch.html');
    writeFileSync(file, renderHtmlReport(view, { stepper }));
    const o = await open(file);
    const { page } = o;
    try {
      await web.settled(page);
      await page.waitForSelector('[data-testid="reality"][data-match="false"]');
      const verdict = await web.text(page, 'reality-verdict');
      assert.match(
        verdict,
        /MISMATCH: the prediction and CPython’s collector disagree on 2 objects/,
      );
      assert.match(await web.text(page, 'only-predicted'), new RegExp(`Job\\s*${job.address}`));
      assert.match(
        await web.text(page, 'only-collected'),
        new RegExp(`Buffer\\s*${other.address}`),
      );
      // On the graph, at the last phase: the two objects ringed as prediction ≠ reality.
      await page.click('[data-testid="stepper-phase-9"]');
      await web.settled(page);
      assert.match(
        await web.text(page, 'stepper-incremental'),
        /incremental \(CPython 3\.14\+\).*not claimed to match/,
      );
      await page.evaluate(() => document.querySelector('.graph-panel')?.scrollIntoView());
      await web.shot(page, 'stepper-mismatch');
      await page.click('[data-testid="stepper-gen-2"]');
      assert.match(
        await web.text(page, 'stepper-incremental'),
        /full collection, gc\.collect\(2\), still finds exactly/,
      );
      await web.checkClean(o, 'mismatch');
    } finally {
      await o.close();
    }
  });
});

// --- As a VS Code panel -------------------------------------------------------------------------

const FAKE_API = `
  window.posted = [];
  window.acquireVsCodeApi = function () {
    return {
      postMessage: function (m) { window.posted.push(JSON.parse(JSON.stringify(m))); },
      getState: function () { return null; },
      setState: function () {},
    };
  };`;

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
  return open(file, { width, height, init: FAKE_API });
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
