/**
 * The heap view (dist/webview/report.js + .css) end to end in Debian's chromium, network blocked:
 *
 * - as the offline HTML report (renderHtmlReport, fixture views written to test-output/webview/);
 * - as a VS Code panel: reportPanel.test.ts.
 *
 * The graph is a canvas: tests read its `data-*` counts, the hidden list of the most important
 * objects (`graph-objects`), and `window.__heapInspector` (positions for clicks). Screenshots of
 * every state go to test-output/webview/. Fixtures: test/fixtures/heapviews/ (pool-capture.json
 * is buildHeapView of a real capture of examples/connection_pool.py:54). Run
 * `node scripts/build.mjs` first (npm test does).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HeapView, ViewNode } from '../../protocol/heapView';
import { renderHtmlReport } from '../../cli/report/html';
import { validateHeapView } from '../../webview/validation/heapViewGuard';
import { buildVerdict, richText } from '../../webview/model/verdict';
import { makeLargeHeapView } from '../fixtures/heapviews/make-large';
import {
  checkClean,
  chromiumForTests,
  chromiumSuite,
  ensureBundle,
  outDir,
  settled,
  shot,
  text,
} from '../helpers/browser';
import {
  canvasBrightness,
  clickNode,
  fixture,
  graphData,
  HOSTILE,
  reportOpeners,
} from './reportPages';

before(ensureBundle);

// --- Without a browser -----------------------------------------------------------------------

describe('the HTML report file', () => {
  test('one self-contained file: strict CSP with a fresh nonce, a blob worker, no URLs', () => {
    const view = fixture('small');
    const a = renderHtmlReport(view);
    const b = renderHtmlReport(view);
    const nonce = /script-src 'nonce-([^']+)'/.exec(a)?.[1];
    assert.ok(nonce, 'CSP meta with a script nonce');
    assert.notEqual(nonce, /script-src 'nonce-([^']+)'/.exec(b)?.[1], 'nonce is fresh per report');
    const csp = /Content-Security-Policy" content="([^"]+)"/.exec(a)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /worker-src blob:/);
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
    assert.equal((a.match(/<script\b/g) ?? []).length, 2);
    assert.doesNotMatch(a, /sourceMappingURL/);
    assert.doesNotMatch(a, /\b(src|href)="(https?:)?\/\//);
    assert.doesNotMatch(a, /@font-face|url\(http/, 'icons are inline SVG, no font file');
    const html = renderHtmlReport(fixture('hostile'));
    assert.ok(!html.includes(HOSTILE.script) && !html.includes(HOSTILE.img));
    assert.equal((html.match(/<\/script>/gi) ?? []).length, 2);
  });

  test('fixtures are valid views; the verdict names the loop and the pending __del__', () => {
    for (const name of ['small', 'cycle-rich', 'finalizer-rich', 'hostile', 'pool-capture']) {
      const r = validateHeapView(fixture(name));
      assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error}`);
    }
    const bad = fixture('small') as unknown as { nodes: { category: string }[] };
    bad.nodes[2].category = 'banana';
    const r = validateHeapView(bad);
    assert.match(r.ok ? '' : r.error, /nodes\[2\]\.category/);
    const v = buildVerdict(fixture('pool-capture'));
    const all = [richText(v.headline), ...v.points.map((p) => richText(p.text))].join('\n');
    assert.match(all, /3 objects \(168 B\) are unreachable/);
    assert.match(all, /connection\.self_reference is connection/);
    assert.match(all, /Connection\.__del__ is pending on 3 objects/);
  });
});

// --- In chromium ------------------------------------------------------------------------------

const chromium = chromiumForTests();
const { openFile, openReport } = reportOpeners(chromium);

describe('heap view in chromium (HTML report)', chromiumSuite, () => {
  test('connection pool (real capture): cycles, __del__, what frees them, why alive, expand, search, themes, export', async () => {
    const view = fixture('pool-capture');
    // As if the program ran with tracemalloc on: where each Connection was made.
    for (const n of view.nodes) {
      if (n.type === '__main__.Connection')
        n.allocation = { file: view.summary.capture.file, line: 39 };
    }
    const o = await openReport('pool', view);
    const { page } = o;
    try {
      assert.equal(await text(page, 'unreachable-count'), '3');
      assert.equal(await text(page, 'finalizer-count'), '3');
      let g = await graphData(page);
      assert.equal(g.layoutMode, 'worker', 'layout ran in the blob worker under the CSP');
      assert.equal(Number(g.nodes), view.nodes.length);
      assert.equal(Number(g.hulls), 3);
      assert.ok(Number(g.badges) >= 3, 'the three __del__ badges are drawn');
      assert.ok(Number(g.edgeLabels) >= 3, 'the .self_reference loops are labelled');
      const marks = await page
        .locator('[data-testid="graph-objects"] li[data-unreachable="true"]')
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-finalizer'), e.textContent]));
      assert.equal(marks.length, 3);
      for (const [fin, label] of marks) {
        assert.equal(fin, 'del');
        assert.match(label ?? '', /Connection .*unreachable.*cycle \d.*__del__ pending/);
      }
      assert.equal(await page.locator('[data-testid="cycle-entry"]').count(), 3);
      await shot(page, 'pool');

      // A stuck Connection: what keeps it (its loop) and what would free it.
      const conn = view.nodes.find((n) => n.unreachable) as ViewNode;
      await clickNode(page, conn.id);
      await page.waitForSelector('[data-testid="what-frees"]');
      const details = await text(page, 'details');
      assert.match(details, /__main__\.Connection/);
      assert.match(details, /Connection\.__del__ has not run yet/);
      assert.equal(await text(page, 'allocation'), `${view.summary.capture.file}:39`);
      assert.match(await text(page, 'why-text'), /Nothing alive keeps it/);
      assert.match(await text(page, 'loop-text'), /Connection —\.self_reference→ Connection/);
      assert.match(
        await text(page, 'what-frees'),
        /gc\.collect\(\) frees it now.*clear \.self_reference/s,
      );
      g = await graphData(page);
      assert.equal(g.selected, String(conn.id));
      assert.equal(g.loopEdges, '1', 'the loop is highlighted');
      await shot(page, 'pool-selected');

      // The pool is alive: the path from __main__ is listed and highlighted.
      const pool = view.nodes.find((n) => n.type === '__main__.ConnectionPool') as ViewNode;
      await clickNode(page, pool.id);
      await page.waitForSelector('[data-testid="path-list"]');
      const steps = await page.locator('[data-testid="path-list"] li').allTextContents();
      const flat = steps.map((s) => s.replace(/\s+/g, ' ').trim());
      assert.equal(flat.length, 3);
      assert.match(flat[0], /^sys\.modules\['__main__'\] → __main__/);
      assert.match(flat[1], /^__dict__ → dict \(14\)/);
      assert.match(flat[2], /^\['pool'\] → ConnectionPool$/);
      g = await graphData(page);
      assert.equal(g.pathNodes, '3');
      assert.equal(g.pathEdges, '2');
      await shot(page, 'pool-path');

      // Expand what the pool refers to, from the embedded neighbourhood.
      const before = Number(g.nodes);
      await page.locator('[data-testid="expand-referents"]').click();
      await page.waitForFunction(
        (n) =>
          Number((document.querySelector('[data-testid="graph"]') as HTMLElement).dataset.nodes) >
          n,
        before,
      );
      await settled(page);
      g = await graphData(page);
      assert.match(g.lastExpand, new RegExp(`^${pool.id}:referents:\\d+:2$`));
      assert.match(await text(page, 'details-referents'), /\.open_names → set/);
      await shot(page, 'pool-expanded');
      // Collapse again.
      await page.locator('[data-testid="expand-referents"]').click();
      await page.waitForFunction(
        (n) =>
          Number((document.querySelector('[data-testid="graph"]') as HTMLElement).dataset.nodes) ===
          n,
        before,
      );

      // Search by type: matches are ringed; Enter selects the first.
      await page.locator('[data-testid="search"]').fill('Connection');
      assert.match(await text(page, 'search-count'), /^4 drawn/);
      await page.locator('[data-testid="search"]').press('Enter');
      await page.waitForSelector('[data-testid="details"][data-node-id]:not([data-node-id=""])');
      assert.equal((await graphData(page)).searchHits, '4');
      await shot(page, 'pool-search');
      await page.locator('[data-testid="search"]').fill('');

      // Keyboard: focus the graph, move, select.
      await page.locator('canvas.graph-canvas').focus();
      await page.keyboard.press('Escape');
      await page.keyboard.press('Home');
      await page.keyboard.press('Enter');
      const sel = (await graphData(page)).selected;
      assert.ok(sel !== '', 'Enter selects the object under the keyboard cursor');
      assert.match(await text(page, 'announcer'), /at 0x[0-9a-f]+/);

      // Themes: light, high contrast; the canvas is redrawn in the theme's colours.
      const dark = await canvasBrightness(page);
      await page.locator('[data-testid="theme"]').selectOption('light');
      await page.waitForFunction(
        () =>
          (document.querySelector('[data-testid="graph"]') as HTMLElement).dataset.theme ===
          'light',
      );
      await page.waitForTimeout(150);
      assert.ok((await canvasBrightness(page)) > dark + 150, 'light background');
      await shot(page, 'pool-light');
      await page.locator('[data-testid="theme"]').selectOption('high-contrast');
      await page.waitForFunction(
        () =>
          (document.querySelector('[data-testid="graph"]') as HTMLElement).dataset.theme ===
          'high-contrast',
      );
      await page.waitForTimeout(150);
      await shot(page, 'pool-high-contrast');
      // VS Code's own theme classes win the same way.
      await page.locator('[data-testid="theme"]').selectOption('');
      await page.evaluate(() => document.body.classList.add('vscode-light'));
      await page.waitForFunction(
        () =>
          (document.querySelector('[data-testid="graph"]') as HTMLElement).dataset.theme ===
          'light',
      );

      // Export: SVG (text escaped, no script) and PNG.
      const [svgDownload] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-testid="export-svg"]').click(),
      ]);
      const svg = readFileSync((await svgDownload.path()) as string, 'utf8');
      assert.match(svg, /^<\?xml/);
      assert.match(svg, />__del__</);
      assert.match(svg, />\.self_reference</);
      assert.doesNotMatch(svg, /<script|onload=/i);
      writeFileSync(path.join(outDir, 'pool-export.svg'), svg);
      const [pngDownload] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-testid="export-png"]').click(),
      ]);
      const png = readFileSync((await pngDownload.path()) as string);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
      await checkClean(o, 'pool');
    } finally {
      await o.close();
    }
  });

  test('cycle-rich: hulls, weak references, side list, type table, filters, focus', async () => {
    const view = fixture('cycle-rich');
    const o = await openReport('cycle-rich', view);
    const { page } = o;
    try {
      const g = await graphData(page);
      assert.equal(Number(g.nodes), view.nodes.length);
      assert.equal(Number(g.hulls), view.cycles.length);
      await shot(page, 'cycle-rich');
      // Side list: a cycle entry selects a member and zooms to the cycle.
      await page.locator('[data-testid="cycle-entry"]').first().click();
      const first = view.cycles.find((c) => c.unreachable)?.members[0];
      await page.waitForSelector(`[data-testid="details"][data-node-id="${first}"]`);
      await settled(page);
      await shot(page, 'cycle-rich-cycle');
      // The weak reference is listed with its referent.
      assert.match(await text(page, 'problems-weakrefs'), /weakref → Node → Node/);
      // Types tab: sortable, filterable.
      await page.locator('[data-testid="tab-types"]').click();
      await page.locator('[data-testid="types-table"] th button', { hasText: 'Objects' }).click();
      const top = await page.locator('[data-testid="types-table"] tbody tr').first().textContent();
      assert.match(top ?? '', /Node/);
      await page.locator('[data-testid="types-filter"]').fill('traceback');
      assert.equal(await page.locator('[data-testid="types-table"] tbody tr').count(), 1);
      await shot(page, 'cycle-rich-types');
      // Filters: hiding builtins keeps what the collector frees and joins references.
      const before = Number((await graphData(page)).nodes);
      await page.locator('[data-testid="filter-hideBuiltins"]').click();
      await settled(page);
      const after = await graphData(page);
      assert.ok(Number(after.nodes) < before);
      assert.match(await text(page, 'graph-status'), /hidden by filters/);
      const unreachable = await page
        .locator('[data-testid="graph-objects"] li[data-unreachable="true"]')
        .count();
      assert.equal(unreachable, view.nodes.filter((n) => n.unreachable).length);
      await shot(page, 'cycle-rich-filtered');
      await page.locator('[data-testid="filter-hideBuiltins"]').click();
      // Focus on the Parent: only it and its neighbours, then back.
      await clickNode(page, 3);
      await page.locator('[data-testid="focus-node"]').click();
      await settled(page);
      assert.ok(Number((await graphData(page)).nodes) <= 6);
      await shot(page, 'cycle-rich-focus');
      await page.locator('[data-testid="unfocus"]').click();
      await settled(page);
      assert.equal(Number((await graphData(page)).nodes), view.nodes.length);
      await checkClean(o, 'cycle-rich');
    } finally {
      await o.close();
    }
  });

  test('finalizer-rich: self-defeating weakref.finalize in error colour, generator and native badges', async () => {
    const view = fixture('finalizer-rich');
    const o = await openReport('finalizer-rich', view);
    const { page } = o;
    try {
      assert.equal(await text(page, 'finalize-self-defeating'), '1');
      const kinds = await page
        .locator('[data-testid="graph-objects"] li[data-finalizer]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-finalizer')).filter(Boolean));
      for (const k of ['error', 'generator', 'native', 'del', 'finalize'])
        assert.ok(kinds.includes(k), k);
      assert.match(
        await text(page, 'problems-finalizers'),
        /Workspace\.cleanup.*self-defeating: never runs before exit/s,
      );
      assert.match(await text(page, 'verdict'), /keeps its own Workspace alive/);
      await shot(page, 'finalizer-rich');
      await clickNode(page, 6);
      assert.match(
        await text(page, 'details'),
        /self-defeating: its callback keeps this object alive/,
      );
      await settled(page);
      await shot(page, 'finalizer-rich-selected');
      await checkClean(o, 'finalizer-rich');
    } finally {
      await o.close();
    }
  });

  test('hostile strings stay text: nothing runs, nothing is markup', async () => {
    const view = fixture('hostile');
    const o = await openReport('hostile', view);
    const { page } = o;
    try {
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.locator('script').count(), 2);
      assert.equal(await page.locator('#app b, #app i, svg[onload]').count(), 0);
      await clickNode(page, 1);
      assert.equal(await text(page, 'details-title'), HOSTILE.script);
      const body = (await page.locator('#app').textContent()) ?? '';
      for (const s of [
        HOSTILE.img,
        HOSTILE.script,
        HOSTILE.comment,
        HOSTILE.tmpl,
        HOSTILE.rtlShown,
      ]) {
        assert.ok(body.includes(s), `literal text ${JSON.stringify(s)}`);
      }
      assert.ok(!/[\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(body), 'no raw bidi controls');
      await page.locator('[data-testid="search"]').fill('<img');
      assert.match(await text(page, 'search-count'), /drawn/);
      const [svgDownload] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-testid="export-svg"]').click(),
      ]);
      const svg = readFileSync((await svgDownload.path()) as string, 'utf8');
      assert.doesNotMatch(svg, /<script|<img|<svg onload/i, 'exported text is escaped');
      assert.match(svg, /&lt;img src=x onerror=window\.__pwned=1&gt;/);
      await settled(page);
      await shot(page, 'hostile');
      await checkClean(o, 'hostile');
    } finally {
      await o.close();
    }
  });

  test('20,000 objects: drawn on canvas, never in the DOM; zoom and select still work', async () => {
    const view = makeLargeHeapView(20_000);
    const o = await openReport('large-20k', view);
    const { page } = o;
    try {
      const g = await graphData(page);
      assert.equal(Number(g.nodes), view.nodes.length);
      assert.equal(g.groupBy, 'none');
      assert.ok(
        (await page.evaluate(() => document.getElementsByTagName('*').length)) < 4000,
        'no element per object',
      );
      assert.equal(await page.locator('[data-testid="graph-objects"] li').count(), 200);
      await shot(page, 'large-20k');
      const target = view.nodes.find((n) => n.unreachable && n.finalizer === 'del') as ViewNode;
      await page.evaluate(
        (id) =>
          (
            window as unknown as { __heapInspector: { select(id: number): void } }
          ).__heapInspector.select(id),
        target.id,
      );
      await page.waitForSelector(`[data-testid="details"][data-node-id="${target.id}"]`);
      await settled(page);
      assert.equal(await text(page, 'details-address'), target.address);
      await shot(page, 'large-20k-selected');
      // Grouping by type draws a handful of groups.
      await page.locator('[data-testid="group-by"]').selectOption('type');
      await settled(page);
      assert.ok(Number((await graphData(page)).nodes) < 100);
      await shot(page, 'large-20k-grouped');
      await checkClean(o, 'large-20k');
    } finally {
      await o.close();
    }
  });

  test('invalid data shows a clear message, not a blank page', async () => {
    const file = path.join(outDir, 'invalid.html');
    writeFileSync(file, renderHtmlReport({ summary: { schema: 'nope' } } as unknown as HeapView));
    const o = await openFile(file, { wait: false });
    try {
      await o.page.waitForSelector('[data-testid="load-error"]');
      assert.match(await text(o.page, 'load-error'), /summary\.schema/);
      await checkClean(o, 'invalid');
    } finally {
      await o.close();
    }
  });
});
