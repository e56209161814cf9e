/**
 * A real debugpy session inside the real extension host: launch configuration of type `debugpy`
 * (served here by the test-only stand-in extension, in real use by Microsoft's Python Debugger),
 * a SourceBreakpoint, a `stopped` event, `evaluate` on the top frame, stop.
 */
import * as assert from 'node:assert/strict';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { checkpoint, type ITest, waitFor, withTimeout } from './support';

const SCRIPT = 'heap_sample.py';
const BREAK_MARK = '# BREAK HERE';

async function sampleScript(): Promise<{ uri: vscode.Uri; line: number }> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder: open test/vscode/fixtures/workspace (or a copy)');
  const uri = vscode.Uri.joinPath(folder.uri, SCRIPT);
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const line = text.split('\n').findIndex((l) => l.includes(BREAK_MARK));
  assert.ok(line >= 0, `${SCRIPT} has no "${BREAK_MARK}" line`);
  return { uri, line };
}

interface Stopped {
  session: vscode.DebugSession;
  body: DebugProtocol.StoppedEvent['body'];
}

export const tests: ITest[] = [
  {
    name: 'debugpy session stops at a breakpoint and evaluates a local',
    timeoutMs: 60_000,
    fn: async () => {
      const { uri, line } = await sampleScript();
      const python = process.env.HEAP_INSPECTOR_PYTHON || 'python3';
      const disposables: vscode.Disposable[] = [];
      let session: vscode.DebugSession | undefined;
      const bp = new vscode.SourceBreakpoint(
        new vscode.Location(uri, new vscode.Position(line, 0)),
      );
      try {
        let onStopped!: (s: Stopped) => void;
        const stopped = new Promise<Stopped>((r) => (onStopped = r));
        const terminated = new Set<string>();
        disposables.push(
          vscode.debug.registerDebugAdapterTrackerFactory('debugpy', {
            createDebugAdapterTracker: (s) => ({
              onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
                if (m.type === 'event' && (m as DebugProtocol.Event).event === 'stopped') {
                  const body = (m as DebugProtocol.StoppedEvent).body;
                  // The Heap Inspector stops launch sessions on entry for a moment (start-up
                  // garbage, heapInspector.debug.collectStartupGarbage) and continues at once.
                  if (body.reason !== 'entry') onStopped({ session: s, body });
                }
              },
            }),
          }),
          vscode.debug.onDidTerminateDebugSession((s) => terminated.add(s.id)),
        );
        vscode.debug.addBreakpoints([bp]);

        const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
          type: 'debugpy',
          request: 'launch',
          name: 'Heap Inspector e2e: heap_sample.py',
          program: uri.fsPath,
          cwd: dirname(uri.fsPath),
          python,
          console: 'internalConsole',
          justMyCode: true,
        });
        assert.equal(started, true, 'startDebugging returned false');

        const stop = await withTimeout(stopped, 30_000, `a "stopped" event (python: ${python})`);
        session = stop.session;
        assert.equal(stop.body.reason, 'breakpoint');

        const trace = (await session.customRequest('stackTrace', {
          threadId: stop.body.threadId,
          startFrame: 0,
          levels: 1,
        })) as DebugProtocol.StackTraceResponse['body'];
        const top = trace.stackFrames[0];
        assert.equal(top.name, 'build');
        assert.equal(top.line, line + 1, 'stopped on the wrong line');
        // The UI focuses the top frame of the stopped thread.
        await waitFor(
          () => {
            const item = vscode.debug.activeStackItem;
            return item instanceof vscode.DebugStackFrame && item.frameId === top.id
              ? item
              : undefined;
          },
          10_000,
          'vscode.debug.activeStackItem to be the top frame',
        );

        const evaluate = async (expression: string) =>
          (
            (await session!.customRequest('evaluate', {
              expression,
              frameId: top.id,
              context: 'repl',
            })) as DebugProtocol.EvaluateResponse['body']
          ).result;
        assert.equal(await evaluate('answer'), '21');
        assert.equal(await evaluate('marker'), "'heap-inspector'");
        assert.equal(await evaluate('[n.next.ident for n in nodes]'), '[1, 2, 0]');

        // Lets the harness photograph the workbench paused at the breakpoint.
        await checkpoint('paused-at-breakpoint', { file: SCRIPT, line: line + 1 });

        const id = session.id;
        await vscode.debug.stopDebugging(session);
        await waitFor(
          () => (terminated.has(id) ? true : undefined),
          15_000,
          'the debug session to terminate',
        );
        session = undefined;
      } finally {
        if (session) await vscode.debug.stopDebugging(session).then(undefined, () => undefined);
        vscode.debug.removeBreakpoints([bp]);
        for (const d of disposables) d.dispose();
        await waitFor(
          () => (vscode.debug.breakpoints.some((b) => b.id === bp.id) ? undefined : true),
          5_000,
          'the breakpoint to be removed',
        ).catch(() => undefined);
      }
    },
  },
];
