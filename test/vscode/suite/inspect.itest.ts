/**
 * Inspect Heap Here and friends, end to end inside the real extension host: a real debugpy session
 * (the stand-in's `debugpy` type runs `python -m debugpy.adapter`), the real agent in the debuggee,
 * the real language server analysing the snapshot, the real webview panel. The numbers must be
 * the CLI's for the same program and line (the outer test passes them in); at checkpoints the
 * outer test reads the panel's DOM (data-testid hooks) and takes screenshots.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { checkpoint, report, type ITest, waitFor } from './support';
import {
  api,
  captureTempDirs,
  expectedFor,
  startPaused,
  stopSession,
  workspaceFile,
  type PausedSession,
} from './debugHelpers';

const PROGRAM = 'leaky_pool.py';
const MARK = '# INSPECT HERE';

interface Outcome {
  panelTitle: string;
  snapshotId: string;
  unreachable: number;
  unreachableByType: Record<string, number>;
  cycles: number;
  finalizers: number;
  via: string;
  sessionId?: string;
  focus?: { address: string; found: boolean };
  diff?: { unreachableBefore: number; unreachableAfter: number; changedTypes: number };
}

function assertNumbers(outcome: Outcome | undefined, key: string): Outcome {
  assert.ok(outcome, 'the command returned no outcome (see the Python Heap Inspector log)');
  const expected = expectedFor(key);
  if (expected) {
    // By type too: a difference then names the objects it is made of.
    assert.deepEqual(
      {
        unreachable: outcome.unreachable,
        byType: outcome.unreachableByType,
        cycles: outcome.cycles,
        finalizers: outcome.finalizers,
      },
      {
        unreachable: expected.unreachable,
        byType: expected.byType,
        cycles: expected.cycles,
        finalizers: expected.finalizers,
      },
      `numbers differ from the CLI's for ${key}`,
    );
  } else {
    assert.ok(outcome.unreachable >= 5, `at least the 5 leaked objects: ${outcome.unreachable}`);
  }
  return outcome;
}

async function setMethod(method: 'auto' | 'debugger' | 'runner' | undefined): Promise<void> {
  await vscode.workspace
    .getConfiguration('heapInspector')
    .update('runToLine.method', method, vscode.ConfigurationTarget.Workspace);
}

let paused: PausedSession | undefined;

export const tests: ITest[] = [
  {
    name: 'Inspect Heap Here while paused shows the CLI numbers',
    timeoutMs: 90_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, MARK);
      paused = await startPaused(uri, line, 'Heap Inspector test: leaky_pool');
      const outcome = assertNumbers(
        (await vscode.commands.executeCommand('heapInspector.inspectHere')) as Outcome | undefined,
        'paused',
      );
      assert.equal(outcome.via, 'debug-session');
      assert.equal(outcome.sessionId, paused.session.id);
      assert.equal(
        outcome.panelTitle,
        `Heap: report() · leaky_pool.py:${line} (Heap Inspector test: leaky_pool)`,
      );
      const panel = heap.panels().find((p) => p.key === `session:${paused!.session.id}`);
      assert.ok(panel, 'no heap view panel for the session');
      assert.equal(panel.unreachable, outcome.unreachable);
      assert.equal(panel.title, outcome.panelTitle);
      // Nothing left behind: no name in the user's frame or globals, no sys.path entry, no temp folder.
      assert.deepEqual((await paused.localNames()).sort(), ['pool', 'still_open']);
      assert.equal(await paused.evaluate('[n for n in globals() if "heap" in n.lower()]'), '[]');
      assert.equal(
        await paused.evaluate('[p for p in __import__("sys").path if "heap_inspector" in p]'),
        '[]',
      );
      assert.deepEqual(captureTempDirs(), []);
      assert.equal(heap.busy(), false);
      assert.equal(heap.captureStatus(), undefined, 'the status-bar item is still shown');
      await checkpoint('panel-paused', { title: outcome.panelTitle, ...outcome });
    },
  },
  {
    name: 'Inspect in Heap Graph focuses the variable',
    timeoutMs: 60_000,
    fn: async () => {
      assert.ok(paused, 'needs the paused session of the previous test');
      const heap = await api();
      const address = `0x${BigInt(await paused.evaluate('id(pool)')).toString(16)}`;
      const outcome = (await vscode.commands.executeCommand('heapInspector.inspectVariable', {
        sessionId: paused.session.id,
        variable: { name: 'pool', value: '<Pool>', evaluateName: 'pool', variablesReference: 0 },
      })) as Outcome | undefined;
      assert.ok(outcome, 'no outcome');
      assert.deepEqual(outcome.focus, { address, found: true });
      const panel = heap.panels().find((p) => p.key === `session:${paused!.session.id}`);
      assert.equal(panel?.focusAddress, address);
      await checkpoint('panel-focus', { title: outcome.panelTitle, address });
    },
  },
  {
    name: 'Re-capture compares with the previous capture of the session',
    timeoutMs: 60_000,
    fn: async () => {
      assert.ok(paused, 'needs the paused session');
      // Change the heap between the captures: one more leaked connection.
      await paused.evaluate('handle_request(pool, "db-extra", True)');
      const outcome = (await vscode.commands.executeCommand(
        'heapInspector.recapture',
        paused.session.id,
      )) as Outcome | undefined;
      assert.ok(outcome?.diff, 'no comparison');
      // The comparison is object by object in the heap view too (a row focuses a new object).
      const heap = await api();
      const shown = heap.panels().find((p) => p.key === `session:${paused!.session.id}`)?.growth;
      assert.equal(shown?.where, 'this capture against the previous one');
      assert.ok(
        shown.suspects.some((text) => /__main__\.Connection/.test(text)),
        `no new Connection among ${JSON.stringify(shown.suspects)}`,
      );
      assert.equal(outcome.diff.unreachableAfter, outcome.diff.unreachableBefore + 1);
      assert.ok(outcome.diff.changedTypes >= 1);
    },
  },
  {
    name: 'a second capture while one runs is refused',
    timeoutMs: 60_000,
    fn: async () => {
      assert.ok(paused, 'needs the paused session');
      const heap = await api();
      const first = vscode.commands.executeCommand('heapInspector.inspectHere') as Thenable<
        Outcome | undefined
      >;
      await waitFor(() => (heap.busy() ? true : undefined), 10_000, 'the first capture to start');
      assert.match(heap.captureStatus() ?? '', /capturing/);
      const second = (await vscode.commands.executeCommand('heapInspector.inspectHere')) as
        Outcome | undefined;
      assert.equal(second, undefined, 'the second capture ran');
      assert.ok(await first, 'the first capture failed');
      assert.deepEqual(captureTempDirs(), []);
    },
  },
  {
    name: 'the session ending during a capture fails cleanly',
    timeoutMs: 60_000,
    fn: async () => {
      assert.ok(paused, 'needs the paused session');
      const heap = await api();
      const session = paused.session;
      paused = undefined;
      const capture = vscode.commands.executeCommand('heapInspector.inspectHere') as Thenable<
        Outcome | undefined
      >;
      await waitFor(() => (heap.busy() ? true : undefined), 10_000, 'the capture to start');
      await stopSession(session);
      await capture;
      await waitFor(() => (heap.busy() ? undefined : true), 10_000, 'the capture to end');
      await waitFor(
        () => (captureTempDirs().length === 0 ? true : undefined),
        10_000,
        'no temp folder left',
      );
      assert.equal(heap.captureStatus(), undefined);
    },
  },
  {
    name: 'Inspect Heap Here when not debugging (runner) shows the CLI numbers',
    timeoutMs: 90_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, MARK);
      await setMethod('runner');
      try {
        const editor = await vscode.window.showTextDocument(uri, {
          viewColumn: vscode.ViewColumn.One,
        });
        editor.selection = new vscode.Selection(line - 1, 4, line - 1, 4);
        const outcome = assertNumbers(
          (await vscode.commands.executeCommand('heapInspector.inspectHere', uri)) as
            Outcome | undefined,
          'runner',
        );
        assert.equal(outcome.via, 'runner');
        assert.equal(outcome.panelTitle, `Heap: report() · ${PROGRAM}:${line} (run)`);
        assert.ok(
          heap
            .panels()
            .some((p) => p.title === outcome.panelTitle && p.unreachable === outcome.unreachable),
        );
        assert.deepEqual(captureTempDirs(), []);
        await checkpoint('panel-runner', { title: outcome.panelTitle, ...outcome });
      } finally {
        await setMethod(undefined);
      }
    },
  },
  {
    name: 'Inspect Heap Here when not debugging (debugger) stops at the line and captures',
    timeoutMs: 90_000,
    fn: async () => {
      const { uri, line } = await workspaceFile(PROGRAM, MARK);
      await setMethod('debugger');
      let sessionId: string | undefined;
      try {
        const outcome = assertNumbers(
          (await vscode.commands.executeCommand('heapInspector.inspectHere', {
            file: uri.fsPath,
            line,
          })) as Outcome | undefined,
          'debugger',
        );
        assert.equal(outcome.via, 'debugger-run');
        sessionId = outcome.sessionId;
        const session = vscode.debug.activeDebugSession;
        assert.equal(session?.id, sessionId, 'the session is not the active one');
        // It stays paused at the line; the temporary breakpoint is gone.
        assert.ok(
          !vscode.debug.breakpoints.some(
            (b) =>
              b instanceof vscode.SourceBreakpoint && b.location.uri.toString() === uri.toString(),
          ),
          'the temporary breakpoint was left',
        );
        assert.deepEqual(captureTempDirs(), []);
      } finally {
        if ((await api()).busy())
          await vscode.commands.executeCommand('heapInspector.cancelCapture');
        await setMethod(undefined);
        const session = vscode.debug.activeDebugSession;
        if (session) await stopSession(session);
      }
    },
  },
  {
    name: 'a line the program never reaches fails cleanly',
    timeoutMs: 60_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, '# NEVER RUN');
      const outcome = await vscode.commands.executeCommand('heapInspector.inspectHere', {
        file: uri.fsPath,
        line,
        method: 'runner',
      });
      assert.equal(outcome, undefined);
      assert.equal(heap.busy(), false);
      assert.deepEqual(captureTempDirs(), []);
    },
  },
  {
    name: 'an interpreter that cannot run fails cleanly, before running anything',
    timeoutMs: 30_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(PROGRAM, MARK);
      const config = vscode.workspace.getConfiguration('heapInspector');
      await config.update(
        'pythonPath',
        '/nonexistent/bin/python3',
        vscode.ConfigurationTarget.Workspace,
      );
      try {
        const outcome = await vscode.commands.executeCommand('heapInspector.inspectHere', {
          file: uri.fsPath,
          line,
          method: 'runner',
        });
        assert.equal(outcome, undefined);
        assert.equal(heap.busy(), false);
        assert.deepEqual(captureTempDirs(), []);
      } finally {
        await config.update('pythonPath', undefined, vscode.ConfigurationTarget.Workspace);
      }
    },
  },
];

const BIG = 'big_heap.py';

/** Tests on a heap of about 100,000 objects: the pause a capture adds, and faults mid-capture. */
export const faultTests: ITest[] = [
  {
    name: 'a capture of ~100k objects: the pause it adds, and Call Stack frame selection',
    timeoutMs: 120_000,
    fn: async () => {
      const { uri, line } = await workspaceFile(BIG, '# CAPTURE HERE');
      const session = await startPaused(uri, line, 'Heap Inspector test: big_heap');
      try {
        const started = Date.now();
        const outcome = (await vscode.commands.executeCommand('heapInspector.inspectHere')) as
          Outcome | undefined;
        assert.ok(outcome, 'no outcome');
        report({
          event: 'checkpoint',
          name: 'big-heap-pause',
          commandMs: Date.now() - started,
          ...outcome,
        });
        // From the Call Stack view's context menu on the caller's frame: VS Code passes the
        // frame's URI, then its own ids (stackframe:<thread id>:<index>:<source name>).
        const threadKey = `thread:${session.session.id}:${session.threadId}`;
        const fromMenu = (await vscode.commands.executeCommand(
          'heapInspector.inspectHere',
          uri.toString(),
          {
            sessionId: session.session.id,
            threadId: threadKey,
            frameId: `stackframe:${threadKey}:0:${BIG}`,
            frameName: '<module>',
          },
        )) as Outcome | undefined;
        assert.ok(fromMenu, 'no outcome from the Call Stack menu');
        assert.match(fromMenu.panelTitle, /^Heap: module level · big_heap\.py:\d+ \(/);
      } finally {
        await session.stop();
      }
    },
  },
  {
    name: 'cancelling a capture leaves the program paused and no file behind',
    timeoutMs: 120_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(BIG, '# CAPTURE HERE');
      const session = await startPaused(uri, line, 'Heap Inspector test: cancel');
      try {
        const capture = vscode.commands.executeCommand('heapInspector.inspectHere') as Thenable<
          Outcome | undefined
        >;
        await waitFor(() => (heap.busy() ? true : undefined), 10_000, 'the capture to start');
        await vscode.commands.executeCommand('heapInspector.cancelCapture');
        assert.equal(await capture, undefined, 'the cancelled capture returned a result');
        assert.equal(heap.busy(), false);
        // Still paused at the line: the frame answers.
        assert.equal(await session.evaluate('done if "done" in dir() else len(items)'), '19000');
        await waitFor(
          () => (captureTempDirs().length === 0 ? true : undefined),
          30_000,
          'the capture folder to go',
        );
      } finally {
        await session.stop();
      }
    },
  },
  {
    name: 'the thread resuming during a capture fails cleanly and the program runs on',
    timeoutMs: 120_000,
    fn: async () => {
      const heap = await api();
      const { uri, line } = await workspaceFile(BIG, '# CAPTURE HERE');
      const session = await startPaused(uri, line, 'Heap Inspector test: resume');
      let ended = false;
      const sub = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.id === session.session.id) ended = true;
      });
      try {
        const capture = vscode.commands.executeCommand('heapInspector.inspectHere') as Thenable<
          Outcome | undefined
        >;
        await waitFor(() => (heap.busy() ? true : undefined), 10_000, 'the capture to start');
        await session.session.customRequest('continue', { threadId: session.threadId });
        assert.equal(await capture, undefined, 'a capture whose thread resumed returned a result');
        await waitFor(() => (ended ? true : undefined), 30_000, 'the program to run on to its end');
        await waitFor(
          () => (captureTempDirs().length === 0 ? true : undefined),
          30_000,
          'the capture folder to go',
        );
      } finally {
        sub.dispose();
        if (!ended) await session.stop();
      }
    },
  },
  {
    name: 'Open Heap Snapshot shows a saved snapshot without running anything',
    timeoutMs: 60_000,
    fn: async () => {
      const file = process.env.HEAP_INSPECTOR_E2E_SNAPSHOT;
      if (!file) return; // only under the code-server harness, which writes one with the CLI
      const outcome = assertNumbers(
        (await vscode.commands.executeCommand(
          'heapInspector.openSnapshot',
          vscode.Uri.file(file),
        )) as Outcome | undefined,
        'runner',
      );
      assert.equal(outcome.via, 'file');
    },
  },
];
