/**
 * The collector stepper in the real extension host: "Run gc.collect(N) for real" from the heap
 * view of a paused debugpy session (the outer test clicks the button in the webview, at the
 * `stepper-ui` checkpoint), from a view the runner captured (the file runs to the line again),
 * and the refusals: a capture running, a saved snapshot, the session ended.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { checkpoint, type ITest, waitFor, sleep } from './support';
import { api as baseApi, startPaused, stopSession, workspaceFile } from './debugHelpers';

const PROGRAM = 'leaky_pool.py';
const MARK = '# INSPECT HERE';

interface CollectionOutcome {
  panelKey: string;
  generation: number;
  via: 'debugger' | 'runner';
  match?: boolean;
  collected?: number;
  predicted?: number;
  after?: boolean;
  error?: string;
}

interface StepperApi {
  runCollection(panelKey: string, generation: number): Promise<CollectionOutcome>;
  last(): CollectionOutcome | undefined;
}

async function api() {
  return (await baseApi()) as Awaited<ReturnType<typeof baseApi>> & { stepper: StepperApi };
}

interface Outcome {
  panelTitle: string;
  snapshotId: string;
  sessionId?: string;
}

export const tests: ITest[] = [
  {
    name: 'stepper: gc.collect for real in a paused session matches the prediction',
    timeoutMs: 150_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, MARK);
      const paused = await startPaused(uri, line, 'Heap Inspector test: stepper');
      try {
        const outcome = (await vscode.commands.executeCommand('heapInspector.inspectHere')) as
          Outcome | undefined;
        assert.ok(outcome, 'no capture');
        const key = `session:${paused.session.id}`;
        const before = heap.panels().find((p) => p.key === key)?.snapshotId;
        // The outer test opens the stepper in the webview and clicks "Run gc.collect(0) for real".
        await checkpoint('stepper-ui', { title: outcome.panelTitle }, 90_000);
        const last = await waitFor(
          () => (heap.stepper.last()?.panelKey === key ? heap.stepper.last() : undefined),
          20_000,
          'the collection the webview asked for',
        );
        assert.equal(last.error, undefined, last.error);
        assert.equal(last.generation, 0);
        assert.equal(last.via, 'debugger');
        assert.equal(last.match, true, `predicted ${last.predicted}, collected ${last.collected}`);
        assert.equal(last.after, true, 'a capture after the collection');
        const after = heap.panels().find((p) => p.key === key);
        assert.notEqual(after?.snapshotId, before, 'the panel holds the capture after');
        // A full collection next, through the API (as the button does): still paused, still exact.
        const full = await heap.stepper.runCollection(key, 2);
        assert.equal(full.error, undefined, full.error);
        assert.equal(full.match, true, `predicted ${full.predicted}, collected ${full.collected}`);
        // The program is where it was, and its collector is as it was.
        assert.equal(await paused.evaluate('__import__("gc").isenabled()'), 'True');
        assert.equal(await paused.evaluate('__import__("gc").get_debug()'), '0');
        // A collection requested while a capture runs is refused.
        const capturing = vscode.commands.executeCommand('heapInspector.inspectHere');
        await waitFor(() => (heap.busy() ? true : undefined), 10_000, 'the capture to start');
        const refused = await heap.stepper.runCollection(key, 2);
        assert.match(refused.error ?? '', /A heap capture is running .*gc\.collect was not run/);
        await capturing;
        // The session ended: nothing to collect in.
        await stopSession(paused.session);
        await sleep(200);
        const ended = await heap.stepper.runCollection(key, 2);
        assert.match(ended.error ?? '', /has ended: the program is gone/);
      } finally {
        await paused.stop().catch(() => undefined);
      }
    },
  },
  {
    name: 'stepper: a runner capture collects in a new run to the same line; a saved snapshot cannot',
    timeoutMs: 120_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, MARK);
      const outcome = (await vscode.commands.executeCommand('heapInspector.inspectHere', {
        file: uri.fsPath,
        line,
        method: 'runner',
      })) as Outcome | undefined;
      assert.ok(outcome, 'no runner capture');
      const key = `run:${uri.fsPath}`;
      assert.ok(
        heap.panels().some((p) => p.key === key),
        'no heap view for the run',
      );
      const result = await heap.stepper.runCollection(key, 2);
      assert.equal(result.error, undefined, result.error);
      assert.equal(result.via, 'runner');
      assert.equal(
        result.match,
        true,
        `predicted ${result.predicted}, collected ${result.collected}`,
      );
      assert.equal(result.after, false, 'the runner cannot capture after collecting');
      assert.ok((result.collected ?? 0) >= 5, 'the leaked Connections and Nodes');
      // A saved snapshot: no program to run the collection in.
      const file = process.env.HEAP_INSPECTOR_E2E_SNAPSHOT;
      if (file) {
        await vscode.commands.executeCommand('heapInspector.openSnapshot', vscode.Uri.file(file));
        const saved = await heap.stepper.runCollection(`file:${file}`, 2);
        assert.match(saved.error ?? '', /saved snapshot: there is no program/);
      }
    },
  },
];
