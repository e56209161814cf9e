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
 * - As a VS Code panel: stepperPanel.test.ts.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderHtmlReport } from '../../cli/report/html';
import type { HeapView } from '../../protocol/heapView';
import type { StepperData } from '../../protocol/stepper';
import { phaseTouches } from '../../webview/report/stepper/phases';
import * as web from '../helpers/browser';
import { stepperOpener, stepReport, type Written } from './stepperReports';

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

const open = stepperOpener(chromium);

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
