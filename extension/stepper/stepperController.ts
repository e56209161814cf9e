/**
 * The stepper's side in the extension host: answers the heap view's stepper messages
 * (protocol/messages.ts `requestStepper`, `runCollection`, `cancelCollection`) for every heap
 * panel, registered with the panels' one message dispatcher (`HeapPanels.handle`).
 *
 * "Run gc.collect(N) for real":
 * - a view of a paused debug session: capture right before, `collect_and_record` in the
 *   debuggee, capture after (debug/sessionCapture.ts `collectAtFrame`), all while it stays
 *   paused; the language server checks the agent's record and compares it with the prediction;
 *   the panel then shows the comparison and animates to the capture after;
 * - a view from the agent's runner: that program is gone (stopped once its heap was captured,
 *   or finished), so the file runs to the same line again — a new process, a new capture, and
 *   the real `gc.collect(N)` right after it (run/withRunner.ts `collect`), exactly as
 *   `heap-inspector step` runs it — and says so. The prediction compared is the one on that
 *   new capture; the runner cannot capture again after collecting, so there is no "after";
 * - a saved snapshot: nothing to run, and the stepper says so.
 * One capture or collection at a time (the capture gate): a collection requested while a
 * capture runs is refused. Cancel stops waiting; what the program can and cannot undo is told
 * (capture/dapCollection.ts `collectionCancelled`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import {
  CompareCollectionRequest,
  StepperDataRequest,
  type CompareCollectionParams,
  type StepperDataParams,
} from '../../protocol/lsp';
import type { StepperData } from '../../protocol/stepper';
import { agentPackageDirectory } from '../../server/runner/agentFiles';
import { CaptureFailure } from '../captureFailure';
import { collectAtFrame, type SessionChannels } from '../debug/sessionCapture';
import type { DebugSessionTracker, FrameInfo } from '../debug/sessionTracker';
import { isPythonSession } from '../debug/sessionTracker';
import type { CaptureGate } from '../inspect/captureGate';
import type { HeapClient } from '../heapClient';
import { log } from '../log';
import type { HeapPanel, HeapPanels } from '../panel/heapPanel';
import type { InterpreterService } from '../python/interpreter';
import { runToLine } from '../run/withRunner';
import { captureTimeoutMs } from '../settings';

export interface StepperDeps {
  panels: HeapPanels;
  client: HeapClient;
  tracker: DebugSessionTracker;
  channels: SessionChannels;
  gate: CaptureGate;
  interpreters: InterpreterService;
  programOutput: vscode.OutputChannel;
}

/** The outcome of the last "Run for real" (for logs and the extension-host tests). */
export interface CollectionOutcome {
  panelKey: string;
  generation: number;
  via: 'debugger' | 'runner';
  match?: boolean;
  collected?: number;
  predicted?: number;
  after?: boolean;
  error?: string;
}

/** What the extension's API exposes of the stepper (extension-host tests, other extensions). */
export interface StepperApi {
  /** Runs gc.collect(generation) for real for the heap view `panelKey`, as its button does. */
  runCollection(panelKey: string, generation: number): Promise<CollectionOutcome>;
  /** The last real collection's outcome. */
  last(): CollectionOutcome | undefined;
}

export class StepperController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly outcomes = new vscode.EventEmitter<CollectionOutcome>();
  /** Fires when a real collection ends (compared, refused or failed). */
  readonly onDidCollect = this.outcomes.event;
  last: CollectionOutcome | undefined;

  constructor(private readonly deps: StepperDeps) {
    this.disposables.push(
      deps.panels.handle({
        requestStepper: (panel, m) => {
          if (typeof m.requestId === 'number')
            return this.answerStepper(panel, m.requestId, m.nodes);
        },
        runCollection: (panel, m) => {
          if ([0, 1, 2].includes(m.generation)) return this.runCollection(panel, m.generation);
        },
        cancelCollection: () => this.deps.gate.cancel(),
      }),
      this.outcomes,
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  get api(): StepperApi {
    return {
      runCollection: async (panelKey, generation) => {
        const panel = this.deps.panels.get(panelKey);
        if (!panel) throw new Error(`no heap view ${panelKey}`);
        return this.runCollection(panel, generation);
      },
      last: () => this.last,
    };
  }

  private async languageClient() {
    return this.deps.client.start();
  }

  private async answerStepper(panel: HeapPanel, requestId: number, nodes?: number[]) {
    const snapshotId = panel.snapshotId;
    if (!snapshotId) return;
    try {
      const params: StepperDataParams = { snapshotId };
      if (Array.isArray(nodes)) params.nodes = nodes.filter((n) => Number.isInteger(n));
      const data = await (await this.languageClient()).sendRequest(StepperDataRequest, params);
      panel.post({ type: 'stepper', requestId, data });
    } catch (error) {
      log().warn(`stepper data for ${panel.key}: ${(error as Error).message}`);
    }
  }

  // ---- Run gc.collect(N) for real ----------------------------------------------------------------

  /** Runs the real collection for the panel's program; the panel shows the outcome. */
  async runCollection(panel: HeapPanel, generation: number): Promise<CollectionOutcome> {
    const t = panel.target;
    const fail = (message: string, state: 'failed' | 'cancelled' = 'failed'): CollectionOutcome => {
      panel.post({ type: 'collection', state, message });
      const outcome: CollectionOutcome = {
        panelKey: panel.key,
        generation,
        via: t.kind === 'run' ? 'runner' : 'debugger',
        error: message,
      };
      this.finish(outcome);
      return outcome;
    };
    if (t.kind === 'file') {
      return fail(
        'This heap view shows a saved snapshot: there is no program to run gc.collect in. ' +
          '`heap-inspector step --generation N --at FILE:LINE SCRIPT` runs a program to a line and collects there.',
      );
    }
    if (this.deps.gate.busy) {
      return fail(
        `A heap capture is running (${this.deps.gate.label}): gc.collect was not run. Wait for it to finish, then run the collection again.`,
      );
    }
    try {
      if (t.kind === 'session') return await this.collectInSession(panel, t, generation);
      return await this.collectWithRunner(panel, t, generation);
    } catch (error) {
      if (error instanceof CaptureFailure && error.running !== undefined) {
        return fail(
          `A heap capture is running (${error.running}): gc.collect was not run. Wait for it to finish, then try again.`,
        );
      }
      const cancelled =
        error instanceof CaptureFailure && (error.kind === 'cancelled' || error.kind === 'timeout');
      const message = error instanceof Error ? error.message : String(error);
      log().warn(
        `gc.collect(${generation}) for ${panel.key}: ${message}${(error as { detail?: string }).detail ? `\n${(error as { detail?: string }).detail}` : ''}`,
      );
      if (!cancelled) void vscode.window.showWarningMessage(`Heap Inspector: ${message}`);
      return fail(message, cancelled ? 'cancelled' : 'failed');
    }
  }

  private finish(outcome: CollectionOutcome): void {
    this.last = outcome;
    this.outcomes.fire(outcome);
  }

  /** The frame to capture at: the session's selected frame, else its stopped thread's top. */
  private async pausedFrame(sessionId: string): Promise<FrameInfo | undefined> {
    const { tracker } = this.deps;
    const state = tracker.state(sessionId);
    if (!state || state.ended) return undefined;
    const item = vscode.debug.activeStackItem;
    if (item && item.session.id === sessionId && isPythonSession(item.session)) {
      const threadId = item.threadId;
      if (state.stopped.has(threadId)) {
        const frames = await tracker.frames(state.session, threadId).catch(() => [] as FrameInfo[]);
        const selected =
          item instanceof vscode.DebugStackFrame
            ? frames.find((f) => f.id === item.frameId)
            : undefined;
        if (selected ?? frames[0]) return selected ?? frames[0];
      }
    }
    const threadId = state.lastStoppedThread ?? [...state.stopped.keys()][0];
    if (threadId === undefined || !state.stopped.has(threadId)) return undefined;
    const frames = await tracker.frames(state.session, threadId).catch(() => [] as FrameInfo[]);
    return frames[0];
  }

  private async collectInSession(
    panel: HeapPanel,
    t: { kind: 'session'; sessionId: string; sessionName: string },
    generation: number,
  ): Promise<CollectionOutcome> {
    const { tracker, channels, client, panels, gate } = this.deps;
    const state = tracker.state(t.sessionId);
    if (!state || state.ended) {
      throw new CaptureFailure(
        'session-ended',
        `The debug session "${t.sessionName}" has ended: the program is gone, so gc.collect cannot run in it.`,
      );
    }
    const frame = await this.pausedFrame(t.sessionId);
    if (!frame) {
      throw new CaptureFailure(
        'resumed',
        `The program of "${t.sessionName}" is running: pause it (or stop at a breakpoint) to run gc.collect in it.`,
      );
    }
    const session = state.session;
    const programGcEnabled = panel.currentView?.summary.gc.enabled;
    const where = `${frame.name === '<module>' ? 'module level' : `${frame.name}()`} · ${basename(frame.path ?? '?')}:${frame.line}`;
    return gate.run(`gc.collect(${generation}) in ${t.sessionName}`, async (progress) => {
      const report = (message: string): void => {
        progress.report(message);
        panel.post({ type: 'collection', state: 'running', message });
      };
      // The thread resuming or the session ending reach the DAP channel itself (extension.ts wires
      // the tracker to SessionChannels): the collection then fails with what happened.
      {
        const result = await collectAtFrame(channels.channelFor(session), {
          frameId: frame.id,
          agentDirectory: agentPackageDirectory(),
          tempDirectory: tmpdir(),
          generation,
          programGcEnabled,
          signal: progress.signal,
          timeoutMs: captureTimeoutMs(),
          onProgress: (m) => report(m.charAt(0).toUpperCase() + m.slice(1)),
        });
        try {
          report('Comparing with the prediction…');
          const before = await client.loadSnapshot(result.before.snapshotPath, session.id);
          const data = await this.compare({
            snapshotId: before.snapshotId,
            generation,
            real: result.real,
            gcCollections: result.gcCollections,
            via: 'debugger',
          });
          let afterView: Awaited<ReturnType<HeapClient['loadSnapshot']>> | undefined;
          if (result.after) {
            afterView = await client.loadSnapshot(result.after.snapshotPath, session.id);
          }
          panel.post({
            type: 'collectionResult',
            before: before.view,
            stepper: data,
            after: afterView !== undefined,
          });
          if (afterView && result.after) {
            // The panel now holds the capture after the collection (positions kept by address).
            const title = `Heap: ${where} (${t.sessionName})`;
            panel.show(afterView.view, afterView.snapshotId, title);
            await panels.persist(panel, result.after.snapshotPath);
          }
          client.disposeSnapshot(before.snapshotId);
          if (result.afterError) {
            log().warn(`the capture after gc.collect(${generation}) failed: ${result.afterError}`);
          }
          return this.outcome(panel, generation, 'debugger', data, afterView !== undefined);
        } finally {
          await result.dispose();
        }
      }
    });
  }

  private async collectWithRunner(
    panel: HeapPanel,
    t: { kind: 'run'; file: string; line: number },
    generation: number,
  ): Promise<CollectionOutcome> {
    const { client, gate, interpreters, programOutput } = this.deps;
    if (!vscode.workspace.isTrusted) {
      throw new CaptureFailure(
        'agent-failed',
        'Running the file again to collect runs its code, which needs a trusted workspace.',
      );
    }
    const uri = vscode.Uri.file(t.file);
    const python = await interpreters.resolve(uri);
    const where = `${basename(t.file)}:${t.line}`;
    return gate.run(`gc.collect(${generation}) at ${where}`, async (progress) => {
      const message =
        `The program this view was captured from is gone (the runner stops it once captured), so ` +
        `gc.collect cannot run in it. Running ${basename(t.file)} to line ${t.line} again — a new process — ` +
        `to capture and run gc.collect(${generation}) right there…`;
      progress.report(`running ${where} again to collect there…`);
      panel.post({ type: 'collection', state: 'running', message });
      const temp = await mkdtemp(join(tmpdir(), 'heap-inspector-step-'));
      try {
        programOutput.appendLine(`--- gc.collect(${generation}) at ${where} (a new run) ---`);
        const result = await runToLine({
          python,
          script: t.file,
          file: t.file,
          line: t.line,
          collect: { generation },
          afterCapture: 'stop',
          cwd: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath,
          tempDirectory: temp,
          signal: progress.signal,
          output: (text) => programOutput.append(text),
          onStart: (pid) => log().info(`running ${where} again to collect (pid ${pid})`),
        });
        progress.report('comparing with the prediction…');
        const loaded = await client.loadSnapshot(result.snapshotPath, `run:${t.file}`);
        const data = await this.compare({
          snapshotId: loaded.snapshotId,
          generation,
          real: result.record,
          via: 'runner',
        });
        // The panel holds the new capture (the collection's "before"); the stepper shows the rest.
        const c = loaded.summary.capture;
        const fn = c.function === '<module>' ? 'module level' : `${c.function}()`;
        panel.show(
          loaded.view,
          loaded.snapshotId,
          `Heap: ${fn} · ${basename(c.file)}:${c.line} (run)`,
        );
        await this.deps.panels.persist(panel, result.snapshotPath);
        panel.post({ type: 'collectionResult', before: loaded.view, stepper: data, after: false });
        return this.outcome(panel, generation, 'runner', data, false);
      } finally {
        await rm(temp, { recursive: true, force: true, maxRetries: 3 });
      }
    });
  }

  /** The language server checks the agent's record and compares it with the prediction. */
  private async compare(params: CompareCollectionParams): Promise<StepperData> {
    return (await this.languageClient()).sendRequest(CompareCollectionRequest, params);
  }

  private outcome(
    panel: HeapPanel,
    generation: number,
    via: 'debugger' | 'runner',
    data: StepperData,
    after: boolean,
  ): CollectionOutcome {
    const c = data.collection!;
    const outcome: CollectionOutcome = {
      panelKey: panel.key,
      generation,
      via,
      match: c.match,
      collected: c.collected.count,
      predicted: c.predicted.count,
      after,
    };
    log().info(
      `gc.collect(${generation}) ${via === 'debugger' ? 'in the paused program' : 'in a new run'}: ` +
        `${c.match ? 'matched the prediction' : 'DID NOT MATCH the prediction'} ` +
        `(${c.collected.count} collected, ${c.predicted.count} predicted, returned ${c.returned})`,
    );
    for (const note of c.notes) log().info(`gc.collect(${generation}): ${note}`);
    this.finish(outcome);
    return outcome;
  }
}
