/**
 * The heap view (dist/webview/report.js + .css) as a VS Code panel, in Debian's chromium with the
 * network blocked: the same bundle in a page with a fake `acquireVsCodeApi` that records what the
 * webview posts; the test answers as the extension would (report.test.ts has the HTML report).
 * Screenshots go to test-output/webview/. Run `node scripts/build.mjs` first (npm test does).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HeapView, ViewNode } from '../../protocol/heapView';
import type { FromWebview, Neighbourhood, RetentionPath } from '../../protocol/messages';
import { GraphStore } from '../../webview/model/graphStore';
import {
  checkClean,
  chromiumForTests,
  chromiumSuite,
  ensureBundle,
  outDir,
  panelTestPage,
  settled,
  shot,
  text,
} from '../helpers/browser';
import { clickNode, fixture, graphData, reportOpeners } from './reportPages';

before(ensureBundle);

const chromium = chromiumForTests();
const { openFile } = reportOpeners(chromium);

interface Posted {
  posted: FromWebview[];
  state: unknown;
}

describe('heap view in chromium (VS Code panel)', chromiumSuite, () => {
  test('ready, view, requests answered by the "extension", validation, state kept across reloads, export', async () => {
    const full = fixture('pool-capture');
    const store = new GraphStore(full);
    // The extension sends the view without the embedded context: requests go to it.
    const view: HeapView = { ...full, context: undefined };
    const file = path.join(outDir, 'panel.html');
    writeFileSync(file, panelTestPage());
    // A string, not a function: the test's TypeScript transform would add helpers the page lacks.
    const init = `
      window.posted = [];
      // window.name survives a reload of the page, like VS Code's webview state.
      window.state = window.name ? JSON.parse(window.name) : null;
      let acquired = false;
      window.acquireVsCodeApi = function () {
        if (acquired) throw new Error('acquireVsCodeApi called twice');
        acquired = true;
        return {
          postMessage: function (m) { window.posted.push(JSON.parse(JSON.stringify(m))); },
          getState: function () { return window.state; },
          setState: function (s) { window.state = s; window.name = JSON.stringify(s); },
        };
      };`;
    const o = await openFile(file, { init, wait: false });
    const { page } = o;
    const posted = (): Promise<FromWebview[]> =>
      page.evaluate(() => (window as unknown as Posted).posted);
    const send = (m: unknown): Promise<void> =>
      page.evaluate((msg) => window.postMessage(msg, '*'), m);
    const waitPosted = async (type: string, after = 0): Promise<FromWebview> => {
      await page.waitForFunction(
        ([t, n]) =>
          (window as unknown as Posted).posted.slice(n as number).some((m) => m.type === t),
        [type, after],
      );
      return (await posted()).slice(after).find((m) => m.type === type) as FromWebview;
    };
    try {
      await waitPosted('ready');
      await page.waitForSelector('[data-testid="waiting"]');
      // Garbage and lies are refused without harm.
      await send({ type: 'view', title: 'x', view: { summary: { schema: 'nope' } } });
      await send({ type: 'script', code: 'window.__pwned = 1' });
      await page.waitForFunction(
        () => document.getElementById('app')?.dataset.rejectedMessages === '2',
      );
      await send({ type: 'capturing', message: 'Capturing the heap…' });
      await page.waitForSelector('[data-testid="banner"]:not([hidden])');
      await send({ type: 'view', title: 'Heap — connection_pool.py:54', view });
      await settled(page);
      assert.equal(await text(page, 'unreachable-count'), '3');
      assert.equal(await page.locator('[data-testid="banner"]').isHidden(), true);
      await shot(page, 'panel');

      // Selecting the pool asks for its path; the answer is drawn and listed.
      const pool = full.nodes.find((n) => n.type === '__main__.ConnectionPool') as ViewNode;
      const n0 = (await posted()).length;
      await clickNode(page, pool.id);
      const req = (await waitPosted('requestPath', n0)) as Extract<
        FromWebview,
        { type: 'requestPath' }
      >;
      assert.equal(req.node, pool.id);
      const known = store.knownPath(pool.id);
      assert.ok(known);
      const answer: RetentionPath = { target: pool.id, root: known.root, steps: known.steps };
      await send({ type: 'path', requestId: req.requestId, path: answer });
      await page.waitForSelector('[data-testid="path-list"]');
      assert.equal((await graphData(page)).pathEdges, '2');

      // Expanding asks for the neighbourhood.
      const n1 = (await posted()).length;
      await page.locator('[data-testid="expand-referents"]').click();
      const nreq = (await waitPosted('requestNeighbourhood', n1)) as Extract<
        FromWebview,
        { type: 'requestNeighbourhood' }
      >;
      assert.deepEqual([nreq.node, nreq.direction], [pool.id, 'referents']);
      const nb = store.neighbours(pool.id, 'referents');
      const neighbourhood: Neighbourhood = {
        center: pool.id,
        direction: 'referents',
        nodes: nb.ids.map((id) => store.nodes.get(id) as ViewNode),
        edges: nb.edges,
        total: nb.total,
      };
      await send({ type: 'neighbourhood', requestId: nreq.requestId, neighbourhood });
      await page.waitForFunction(
        (n) =>
          Number((document.querySelector('[data-testid="graph"]') as HTMLElement).dataset.nodes) >
          n,
        view.nodes.length,
      );
      await settled(page);
      await shot(page, 'panel-expanded');

      // The state is kept (setState) and reported (stateChanged).
      await page.waitForFunction(() => {
        const s = (window as unknown as Posted).state as {
          selected?: number;
          expanded?: unknown[];
        } | null;
        return s !== null && s.expanded?.length === 1;
      });
      const changed = (await posted()).filter((m) => m.type === 'stateChanged');
      assert.ok(changed.length > 0);
      // A new capture of the same process: objects keep their places (matched by address).
      type PosHook = { __heapInspector: { graph: { positions(): Map<number, [number, number]> } } };
      const place = (): Promise<[number, number] | undefined> =>
        page.evaluate(
          (id) => (window as unknown as PosHook).__heapInspector.graph.positions().get(id),
          pool.id,
        );
      const before = await place();
      await send({ type: 'view', title: 'Heap — again', view: { ...full, context: undefined } });
      await settled(page);
      const again = await place();
      assert.ok(before && again);
      assert.ok(
        Math.hypot(before[0] - again[0], before[1] - again[1]) < 40,
        `kept in place: ${before} → ${again}`,
      );
      // Focus by address from the extension.
      const conn = full.nodes.find((n) => n.unreachable) as ViewNode;
      await send({ type: 'focus', address: conn.address });
      await page.waitForSelector(`[data-testid="details"][data-node-id="${conn.id}"]`);
      // Export goes to the extension (webviews cannot download).
      const n2 = (await posted()).length;
      await page.locator('[data-testid="export-svg"]').click();
      const exp = (await waitPosted('export', n2)) as Extract<FromWebview, { type: 'export' }>;
      assert.equal(exp.format, 'svg');
      assert.match(exp.data, /__del__/);
      await page.locator('[data-testid="recapture"]').click();
      await waitPosted('recapture', n2);

      // Hide/show (the webview is reloaded): the selection and expansions come back.
      await page.waitForFunction(
        (id) =>
          ((window as unknown as Posted).state as { selected?: number } | null)?.selected === id,
        conn.id,
      );
      await page.reload();
      await waitPosted('ready');
      await send({ type: 'view', title: 'Heap', view: { ...full, context: undefined } });
      await settled(page);
      await page.waitForSelector(`[data-testid="details"][data-node-id="${conn.id}"]`);
      await shot(page, 'panel-restored');
      await send({ type: 'error', message: 'The debuggee exited <b>now</b>' });
      await page.waitForSelector('[data-testid="banner"].error');
      assert.match(await text(page, 'banner'), /<b>now<\/b>/);
      await checkClean(o, 'panel');
    } finally {
      await o.close();
    }
  });
});
