/**
 * What the commands do:
 *
 * - Inspect Heap Here: paused in a Python debug session → capture the selected frame (or the
 *   frame the Call Stack menu was opened on). Not debugging → run the active file to the line
 *   under the cursor (through the Python Debugger with a temporary breakpoint when a `debugpy`
 *   debug type exists, else the agent's own runner) and capture there.
 * - Inspect in Heap Graph (Variables view): the address of the variable's object in the
 *   selected frame, capture, and focus that object.
 * - Re-capture: the same session (or the same file and line) again, compared with the previous
 *   capture (DiffRequest).
 * - Open Snapshot: a file saved by `heap-inspector snapshot --out`; runs nothing.
 *
 * Where "here" is comes from target.ts. The snapshot is analysed by the language server; the
 * panel shows what it answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DiffResult } from '../../protocol/lsp';
import { progressText } from '../../protocol/captureProgress';
import { agentPackageDirectory } from '../../server/runner/agentFiles';
import { CaptureFailure } from '../captureFailure';
import {
  type CallStackContext,
  type InspectHereOptions,
  type InspectOutcome,
  type VariablesContext,
} from '../commands';
import {
  addressEvaluateArguments,
  addressFromResult,
  captureFrame,
  type SessionChannels,
} from '../debug/sessionCapture';
import { allocationTrackingEnv } from '../debug/trackAllocations';
import type { DebugSessionTracker } from '../debug/sessionTracker';
import type { HeapClient } from '../heapClient';
import { log } from '../log';
import { HeapPanel, HeapPanels } from '../panel/heapPanel';
import type { InterpreterService } from '../python/interpreter';
import { debugpyAvailable, runToLineWithDebugger } from '../run/withDebugger';
import { runToLine } from '../run/withRunner';
import { captureTimeoutMs, setting, settingId } from '../settings';
import { reportFailure, UserActionNeeded } from '../ui/notify';
import { abortable, type CaptureGate, type CaptureProgress } from './captureGate';
import { DiffDocuments } from './diffDocument';
import { showSnapshot, type ShowRequest } from './showSnapshot';
import {
  codeLine,
  fileName,
  frameText,
  resolveHere,
  selectedFrame,
  type FrameTarget,
} from './target';

export interface InspectorDeps {
  tracker: DebugSessionTracker;
  client: HeapClient;
  panels: HeapPanels;
  interpreters: InterpreterService;
  gate: CaptureGate;
  programOutput: vscode.OutputChannel;
  diffs: DiffDocuments;
  channels: SessionChannels;
}

export class Inspector {
  constructor(private readonly deps: InspectorDeps) {}

  // ---- Inspect Heap Here --------------------------------------------------------------------

  async inspectHere(
    target?: vscode.Uri | string | InspectHereOptions,
    context?: CallStackContext,
  ): Promise<InspectOutcome | undefined> {
    try {
      const here = await resolveHere(this.deps.tracker, target, context);
      if (here.kind === 'frame') return await this.captureFrameAndShow(here.target);
      return await this.runAndShow(here.uri, here.line, here.method);
    } catch (error) {
      void reportFailure(error, 'Inspect Heap Here', this.notifyOptions());
      return undefined;
    }
  }

  private notifyOptions() {
    return { programOutput: this.deps.programOutput, cancelRunning: () => this.deps.gate.cancel() };
  }

  // ---- capturing a paused frame -------------------------------------------------------------

  private captureFrameAndShow(
    target: FrameTarget,
    focusExpression?: string,
  ): Promise<InspectOutcome> {
    const label = `capturing ${target.session.name} at ${frameText(target.frame)}`;
    return this.deps.gate.run(label, (progress) =>
      this.captureAtFrame(target, progress, 'debug-session', focusExpression),
    );
  }

  private async captureAtFrame(
    target: FrameTarget,
    progress: CaptureProgress,
    via: InspectOutcome['via'],
    focusExpression?: string,
  ): Promise<InspectOutcome> {
    const { tracker } = this.deps;
    const { session, threadId, frame } = target;
    if (tracker.state(session.id)?.ended) {
      throw new CaptureFailure(
        'session-ended',
        'The debug session has ended: nothing was captured.',
      );
    }
    const watch = [
      tracker.onDidResume((e) => {
        if (e.session.id === session.id && (e.threadId === undefined || e.threadId === threadId)) {
          progress.abort(
            new CaptureFailure(
              'resumed',
              'The program resumed during the heap capture: nothing was kept. Pause it again and retry.',
            ),
          );
        }
      }),
      tracker.onDidEnd((s) => {
        if (s.id === session.id)
          progress.abort(
            new CaptureFailure(
              'session-ended',
              'The debug session ended during the heap capture: nothing was kept.',
            ),
          );
      }),
    ];
    try {
      let focusAddress: string | undefined;
      if (focusExpression !== undefined) {
        progress.report(`finding ${focusExpression}…`);
        focusAddress = await abortable(
          this.addressOf(session, frame.id, focusExpression),
          progress.signal,
        );
      }
      const capturing = `capturing the heap of ${session.name} at ${frameText(frame)}`;
      progress.report(`${capturing}…`);
      const snapshot = await captureFrame(this.deps.channels.channelFor(session), {
        frameId: frame.id,
        agentDirectory: agentPackageDirectory(),
        signal: progress.signal,
        timeoutMs: captureTimeoutMs(),
        onProgress: (p) => progress.report(`${capturing}: ${progressText(p)}`),
      }).catch((error: unknown) => {
        // Why the signal fired (thread resumed, session ended) says more than "cancelled".
        const reason: unknown = progress.signal.aborted ? progress.signal.reason : undefined;
        throw reason instanceof CaptureFailure ? reason : error;
      });
      try {
        log().info(
          `captured ${session.name} at ${frameText(frame)}: the debuggee was paused ${(snapshot.pauseMs / 1000).toFixed(2)} s (agent ${snapshot.agentSeconds.toFixed(2)} s)`,
        );
        progress.report('analysing the snapshot…');
        const outcome = await this.show({
          target: { kind: 'session', sessionId: session.id, sessionName: session.name },
          title: `Heap: ${frameText(frame)} (${session.name})`,
          snapshotPath: snapshot.path,
          serverSession: session.id,
          via,
          focusAddress,
          signal: progress.signal,
        });
        return { ...outcome, pauseMs: Math.round(snapshot.pauseMs) };
      } finally {
        await snapshot.release();
      }
    } finally {
      for (const d of watch) d.dispose();
    }
  }

  /** The address of the object `expression` names in the frame (objectAddress.ts). */
  private async addressOf(
    session: vscode.DebugSession,
    frameId: number,
    expression: string,
  ): Promise<string> {
    let body: DebugProtocol.EvaluateResponse['body'];
    try {
      body = (await session.customRequest(
        'evaluate',
        addressEvaluateArguments(expression, frameId),
      )) as DebugProtocol.EvaluateResponse['body'];
    } catch (error) {
      throw new UserActionNeeded(
        `Cannot evaluate "${expression}" in the selected frame: ${(error as Error).message}`,
      );
    }
    const text = String(body?.result ?? '');
    const address = addressFromResult(text);
    if (address === null) {
      throw new UserActionNeeded(
        `Cannot find the object of "${expression}": the debugger answered ${JSON.stringify(text.trim().slice(0, 200))}.`,
      );
    }
    return address;
  }

  // ---- running to a line --------------------------------------------------------------------

  private async runAndShow(
    uri: vscode.Uri,
    line: number,
    method: 'auto' | 'debugger' | 'runner',
  ): Promise<InspectOutcome> {
    const useDebugger = method === 'debugger' || (method === 'auto' && debugpyAvailable());
    if (method === 'debugger' && !debugpyAvailable()) {
      log().warn(
        `${settingId('runToLine.method')} is "debugger" but no debugpy debug type is installed: using the runner`,
      );
    }
    const file = uri.fsPath;
    const where = `${fileName(file)}:${line}`;
    if (useDebugger && debugpyAvailable()) {
      return this.deps.gate.run(`running ${where}`, async (progress) => {
        progress.report(`running ${fileName(file)} to line ${line} in the debugger…`);
        const stopped = await runToLineWithDebugger(this.deps.tracker, {
          uri,
          line: codeLine(await vscode.workspace.openTextDocument(uri), line),
          python: this.deps.interpreters.configuredPath(uri),
          signal: progress.signal,
          onOtherStop: (at) =>
            progress.report(
              `stopped at ${at} before line ${line}: continue (F5) to run on to it, or cancel`,
            ),
        });
        return this.captureAtFrame(stopped, progress, 'debugger-run');
      });
    }
    const python = await this.deps.interpreters.resolve(uri);
    return this.deps.gate.run(`running ${where}`, async (progress) => {
      progress.report(
        `running ${fileName(file)} to line ${line} (${basename(python.executable)} ${python.version.join('.')})…`,
      );
      const temp = await mkdtemp(join(tmpdir(), 'heap-inspector-'));
      const output = this.deps.programOutput;
      try {
        output.clear();
        const started = Date.now();
        const result = await runToLine({
          python,
          script: file,
          file,
          line,
          cwd: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath,
          tempDirectory: temp,
          afterCapture: setting('runToLine.afterCapture'),
          env: allocationTrackingEnv(uri),
          signal: progress.signal,
          onProgress: (p) => progress.report(`capturing the heap at ${where}: ${progressText(p)}`),
          output: (text) => output.append(text),
          onStart: (pid, commandLine) => {
            output.appendLine(`$ ${commandLine}`);
            log().info(`running ${where} (pid ${pid})`);
          },
        });
        if (result.note) {
          log().info(result.note);
          void vscode.window.showInformationMessage(`Heap Inspector: ${result.note}.`);
        }
        log().info(
          `${where} reached and captured in ${((Date.now() - started) / 1000).toFixed(2)} s`,
        );
        progress.report('analysing the snapshot…');
        return await this.show({
          target: { kind: 'run', file, line },
          title: 'run',
          snapshotPath: result.snapshotPath,
          serverSession: `run:${file}`,
          via: 'runner',
          signal: progress.signal,
        });
      } finally {
        await rm(temp, { recursive: true, force: true, maxRetries: 3 });
      }
    });
  }

  // ---- Inspect in Heap Graph ----------------------------------------------------------------

  async inspectVariable(context?: VariablesContext): Promise<InspectOutcome | undefined> {
    try {
      const variable = context?.variable;
      if (!variable) {
        throw new UserActionNeeded(
          'Use "Inspect in Heap Graph" on a variable in the Variables view while paused.',
        );
      }
      const expression =
        variable.evaluateName ?? (/^[A-Za-z_]\w*$/.test(variable.name) ? variable.name : undefined);
      if (!expression) {
        throw new UserActionNeeded(
          `"${variable.name}" is not a Python expression the heap inspector can find.`,
        );
      }
      const frame = await selectedFrame(this.deps.tracker, context?.sessionId);
      if (!frame)
        throw new UserActionNeeded(
          'Pause the Python program first: the variable belongs to a paused frame.',
        );
      return await this.deps.gate.run(`capturing ${expression}`, (progress) =>
        this.captureAtFrame(frame, progress, 'debug-session', expression),
      );
    } catch (error) {
      void reportFailure(error, 'Inspect in Heap Graph', this.notifyOptions());
      return undefined;
    }
  }

  // ---- Re-capture and compare ---------------------------------------------------------------

  async recapture(sessionOrPanel?: string | HeapPanel): Promise<InspectOutcome | undefined> {
    try {
      const panel = this.panelFor(sessionOrPanel);
      if (!panel)
        throw new UserActionNeeded('Nothing to capture again: use Inspect Heap Here first.');
      const before = panel.snapshotId;
      let outcome: InspectOutcome;
      const t = panel.target;
      if (t.kind === 'session') {
        const state = this.deps.tracker.state(t.sessionId);
        if (!state || state.ended) {
          throw new UserActionNeeded(
            `The debug session "${t.sessionName}" of this heap view has ended: start it again and use Inspect Heap Here.`,
          );
        }
        const frame = await selectedFrame(this.deps.tracker, t.sessionId);
        if (!frame) {
          throw new UserActionNeeded(
            `The debug session "${t.sessionName}" is running: pause it, then capture again.`,
          );
        }
        panel.showMessage('capturing', `Capturing ${t.sessionName} again…`);
        outcome = await this.captureFrameAndShow(frame);
      } else if (t.kind === 'run') {
        if (!vscode.workspace.isTrusted) {
          throw new UserActionNeeded('Running the file needs a trusted workspace.', [
            {
              title: 'Manage Workspace Trust',
              run: () => vscode.commands.executeCommand('workbench.trust.manage'),
            },
          ]);
        }
        panel.showMessage('capturing', `Running ${fileName(t.file)} to line ${t.line} again…`);
        outcome = await this.runAndShow(vscode.Uri.file(t.file), t.line, 'runner');
      } else {
        throw new UserActionNeeded(
          'This heap view shows a saved snapshot: there is no program to capture again.',
        );
      }
      if (before && before !== outcome.snapshotId) {
        const diff = await this.deps.client.diff(before, outcome.snapshotId);
        outcome.diff = {
          unreachableBefore: diff.unreachableBefore,
          unreachableAfter: diff.unreachableAfter,
          changedTypes: Object.keys(diff.byType).length,
        };
        void this.announceDiff(outcome.panelTitle, diff);
      }
      return outcome;
    } catch (error) {
      void reportFailure(error, 'Re-capture', this.notifyOptions());
      return undefined;
    }
  }

  private show(request: ShowRequest): Promise<InspectOutcome> {
    return showSnapshot(this.deps.client, this.deps.panels, request);
  }

  private panelFor(sessionOrPanel?: string | HeapPanel): HeapPanel | undefined {
    const { panels } = this.deps;
    if (sessionOrPanel instanceof HeapPanel) return sessionOrPanel;
    if (typeof sessionOrPanel === 'string') return panels.get(`session:${sessionOrPanel}`);
    const active = panels.active();
    if (active) return active;
    const session = vscode.debug.activeDebugSession;
    if (session) {
      const p = panels.get(`session:${session.id}`);
      if (p) return p;
    }
    return panels.all().at(-1);
  }

  private async announceDiff(title: string, diff: DiffResult): Promise<void> {
    const uri = this.deps.diffs.add(title, diff);
    const delta = diff.unreachableAfter - diff.unreachableBefore;
    const changed = Object.keys(diff.byType).length;
    const message =
      `Compared with the previous capture: unreachable ${diff.unreachableBefore} → ${diff.unreachableAfter}` +
      `${delta === 0 ? '' : ` (${delta > 0 ? '+' : ''}${delta})`}; ${changed} type${changed === 1 ? '' : 's'} changed in count.`;
    log().info(`${title}: ${message}`);
    const choice = await vscode.window.showInformationMessage(message, 'Show Comparison');
    if (choice) await this.deps.diffs.open(uri);
  }

  // ---- Open Snapshot ------------------------------------------------------------------------

  async openSnapshot(file?: vscode.Uri): Promise<InspectOutcome | undefined> {
    try {
      let uri = file;
      if (!uri) {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'Heap snapshots': ['heapsnap'], 'All files': ['*'] },
          title: 'Open a heap snapshot',
        });
        uri = picked?.[0];
      }
      if (!uri) return undefined;
      const path = uri.fsPath;
      return await this.show({
        target: { kind: 'file', path },
        title: fileName(path),
        snapshotPath: path,
        serverSession: `file:${path}`,
        via: 'file',
      });
    } catch (error) {
      void reportFailure(error, 'Open Snapshot', this.notifyOptions());
      return undefined;
    }
  }
}
