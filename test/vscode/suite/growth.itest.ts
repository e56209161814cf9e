/**
 * Track Growth Here inside the real extension host, with a real debugpy session: the marked line
 * of growth_service.py (a registry that keeps one more Session per request; a batch of WorkItems
 * made and freed each time) is tracked, the program stops there three times, and each stop is
 * captured and added to the language server's tracking. The counts per stop and the suspect's
 * path must be exact; at the checkpoint the outer test reads the heap view's growth section,
 * photographs it and clicks the suspect, which must focus one of its new Session objects.
 */
import * as assert from 'node:assert/strict';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { GrowthTrackingState } from '../../../extension/inspect/growthTracking';
import { api, stopSession, workspaceFile } from './debugHelpers';
import { checkpoint, waitFor, withTimeout, type ITest } from './support';

const SESSION_NAME = 'Track growth test';

interface GrowthApi {
  growthTracking(): GrowthTrackingState | null;
  panels(): { key: string; title: string; focusAddress?: string }[];
}

async function growthApi(): Promise<GrowthApi> {
  return (await api()) as unknown as GrowthApi;
}

/** Resolves at each stop of the test's session (not the start-up garbage collection's entry stop). */
function stops(): {
  next(): Promise<{ session: vscode.DebugSession; threadId: number }>;
  dispose(): void;
} {
  const queue: { session: vscode.DebugSession; threadId: number }[] = [];
  const waiting: ((v: { session: vscode.DebugSession; threadId: number }) => void)[] = [];
  const tracker = vscode.debug.registerDebugAdapterTrackerFactory('debugpy', {
    createDebugAdapterTracker: (s) => ({
      onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
        if (m.type !== 'event' || (m as DebugProtocol.Event).event !== 'stopped') return;
        const body = (m as DebugProtocol.StoppedEvent).body;
        if (s.name !== SESSION_NAME || body.reason === 'entry') return;
        const stop = { session: s, threadId: body.threadId ?? 0 };
        const w = waiting.shift();
        if (w) w(stop);
        else queue.push(stop);
      },
    }),
  });
  return {
    next: () => {
      const q = queue.shift();
      return q ? Promise.resolve(q) : new Promise((r) => waiting.push(r));
    },
    dispose: () => tracker.dispose(),
  };
}

function lineBreakpoints(file: string, line: number): vscode.SourceBreakpoint[] {
  return vscode.debug.breakpoints.filter(
    (b): b is vscode.SourceBreakpoint =>
      b instanceof vscode.SourceBreakpoint &&
      b.location.uri.fsPath === file &&
      b.location.range.start.line === line - 1,
  );
}

async function launch(file: string): Promise<void> {
  const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
    type: 'debugpy',
    request: 'launch',
    name: SESSION_NAME,
    program: file,
    cwd: dirname(file),
    python: process.env.HEAP_INSPECTOR_PYTHON || 'python3',
    console: 'internalConsole',
    justMyCode: true,
  });
  assert.equal(ok, true, 'startDebugging returned false');
}

export const tests: ITest[] = [
  {
    name: 'Track Growth Here captures at every stop and charts the growth of a leaking loop',
    timeoutMs: 480_000,
    fn: async () => {
      const heap = await growthApi();
      const { uri, line } = await workspaceFile('growth_service.py', '# TRACK HERE');
      const file = uri.fsPath;
      // The outer test right-clicks the line number and chooses Track Growth Here.
      await checkpoint('track-from-gutter', { file: 'growth_service.py', line }, 90_000);
      const started = await waitFor(() => heap.growthTracking() ?? undefined, 10_000, 'tracking');
      assert.deepEqual({ file: started.file, line: started.line }, { file, line });
      assert.equal(lineBreakpoints(file, line).length, 1, 'the line got a breakpoint');
      const seen = stops();
      let session: vscode.DebugSession | undefined;
      try {
        await launch(file);
        for (let stop = 1; stop <= 3; stop++) {
          const at = await withTimeout(seen.next(), 60_000, `stop ${stop} at line ${line}`);
          session = at.session;
          await waitFor(
            () => ((heap.growthTracking()?.captured ?? 0) >= stop ? true : undefined),
            180_000,
            `the capture of stop ${stop}`,
          );
          if (stop < 3) await at.session.customRequest('continue', { threadId: at.threadId });
        }
        const state = heap.growthTracking();
        assert.ok(state?.last, 'the language server answered');
        const track = state.last;
        assert.deepEqual(
          track.stops.map((s) => s.stop),
          [1, 2, 3],
        );
        assert.deepEqual(
          track.stops.map((s) => s.capture.line),
          [line, line, line],
        );
        assert.deepEqual(track.perStop['__main__.Session'], [1, 2, 3], 'one more Session per stop');
        assert.equal(track.perStop['__main__.WorkItem'], undefined, 'the batches are freed');
        const c = track.comparison;
        assert.ok(c, 'the latest stop is compared with the first');
        assert.deepEqual(
          { new: c.byType['__main__.Session'].new, freed: c.byType['__main__.Session'].freed },
          { new: 2, freed: 0 },
        );
        assert.ok(c.growsAtEveryStep?.includes('__main__.Session'));
        const k = c.suspects.findIndex((s) => s.type === '__main__.Session');
        assert.ok(k >= 0, `a Session suspect among ${c.suspects.map((s) => s.text).join('; ')}`);
        assert.equal(c.suspects[k].path, "__main__.registry['users']");
        assert.equal(c.suspects[k].new, 2);
        const address = track.suspectExample[k];
        const panel = heap.panels().find((p) => p.key === `session:${session?.id}`);
        assert.ok(panel, 'the session has a heap view');
        // Room for the heap view in the screenshots.
        await vscode.commands.executeCommand('workbench.action.closePanel');
        // The outer test reads the charts, photographs them and clicks the suspect.
        await checkpoint('growth-charted', { title: panel.title, address }, 120_000);
        await waitFor(
          () =>
            heap.panels().find((p) => p.key === panel.key)?.focusAddress === address
              ? true
              : undefined,
          30_000,
          `the heap view focused ${address}`,
        );
        await checkpoint('growth-focused', { title: panel.title, address }, 60_000);
        const stopped = (await vscode.commands.executeCommand(
          'heapInspector.stopTrackingGrowth',
        )) as GrowthTrackingState | null;
        assert.equal(stopped?.captured, 3);
        assert.equal(heap.growthTracking(), null);
        assert.equal(lineBreakpoints(file, line).length, 0, 'the breakpoint it added is gone');
      } finally {
        seen.dispose();
        if (session) await stopSession(session);
        await vscode.commands.executeCommand('heapInspector.stopTrackingGrowth');
      }
    },
  },
  {
    name: 'the session ending stops tracking (Command Palette command) and removes its breakpoint',
    timeoutMs: 240_000,
    fn: async () => {
      const heap = await growthApi();
      const { uri, line } = await workspaceFile('growth_service.py', '# TRACK HERE');
      const file = uri.fsPath;
      assert.equal(lineBreakpoints(file, line).length, 0);
      const started = (await vscode.commands.executeCommand('heapInspector.trackGrowthHere', {
        file,
        line,
      })) as GrowthTrackingState | undefined;
      assert.ok(started, 'tracking started');
      assert.equal(lineBreakpoints(file, line).length, 1, 'the line got a breakpoint');
      const seen = stops();
      try {
        await launch(file);
        const at = await withTimeout(seen.next(), 60_000, `the first stop at line ${line}`);
        await waitFor(
          () => ((heap.growthTracking()?.captured ?? 0) >= 1 ? true : undefined),
          180_000,
          'the capture of the first stop',
        );
        assert.equal(heap.growthTracking()?.last?.comparison, null, 'nothing to compare yet');
        await stopSession(at.session);
        await waitFor(
          () => (heap.growthTracking() === null ? true : undefined),
          30_000,
          'tracking to stop with the session',
        );
        assert.equal(lineBreakpoints(file, line).length, 0, 'the breakpoint it added is gone');
      } finally {
        seen.dispose();
        await vscode.commands.executeCommand('heapInspector.stopTrackingGrowth');
      }
    },
  },
];
