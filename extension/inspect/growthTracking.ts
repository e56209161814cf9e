/**
 * "Track Growth Here": a breakpoint line whose every stop in a Python debug session is captured
 * (the usual capture over DAP, shown in the session's heap view) and added to the language
 * server's tracking of that line (TrackGrowthRequest), whose answer — counts per type at each
 * stop, the latest stop compared with the first — the heap view charts. The line gets a
 * breakpoint if it has none (removed again when tracking stops). Tracking stops with the
 * command or when the session ends; the chart then stays, marked as ended.
 */
import * as vscode from 'vscode';
import type { TrackGrowthResult } from '../../protocol/lsp';
import type { HeapClient } from '../heapClient';
import { log } from '../log';
import type { DebugSessionTracker } from '../debug/sessionTracker';
import { isPythonSession } from '../debug/sessionTracker';
import type { HeapPanels } from '../panel/heapPanel';
import { reportFailure, UserActionNeeded } from '../ui/notify';
import type { Inspector } from './inspector';
import { fileName } from './target';

/** What the editor's line-number menu passes. */
export interface LineNumberContext {
  uri: vscode.Uri;
  lineNumber: number;
}

export interface TrackGrowthOptions {
  /** Instead of the active editor: this file and 1-based line. */
  file: string;
  line: number;
}

/** Where tracking stands: for callers (tests, other extensions). */
export interface GrowthTrackingState {
  file: string;
  line: number;
  /** The debug session it follows (after its first stop there). */
  sessionId?: string;
  /** Stops captured so far. */
  captured: number;
  /** The language server's latest answer. */
  last?: TrackGrowthResult;
  ended: boolean;
}

interface Tracking {
  state: GrowthTrackingState;
  /** The breakpoint this command added (removed when tracking stops). */
  added?: vscode.SourceBreakpoint;
  /** Stops being captured, one after another. */
  queue: Promise<void>;
}

function samePath(a: string, b: string): boolean {
  return vscode.Uri.file(a).fsPath === vscode.Uri.file(b).fsPath;
}

export class GrowthTracking implements vscode.Disposable {
  private tracking: Tracking | null = null;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly deps: {
      tracker: DebugSessionTracker;
      client: HeapClient;
      panels: HeapPanels;
      inspector: Inspector;
    },
  ) {
    this.disposables = [
      deps.tracker.onDidStop((e) => this.stopped(e.session, e.threadId)),
      deps.tracker.onDidEnd((session) => {
        if (this.tracking?.state.sessionId === session.id) this.stop('the debug session ended');
      }),
    ];
  }

  state(): GrowthTrackingState | null {
    return this.tracking ? { ...this.tracking.state } : null;
  }

  /** Starts tracking the line (the command): from the line-number menu, the editor, or options. */
  start(
    target?: vscode.Uri | LineNumberContext | TrackGrowthOptions,
  ): GrowthTrackingState | undefined {
    try {
      const { file, line } = this.where(target);
      if (this.tracking) this.stop('another line is tracked now');
      const uri = vscode.Uri.file(file);
      const has = vscode.debug.breakpoints.some(
        (b) =>
          b instanceof vscode.SourceBreakpoint &&
          b.enabled &&
          samePath(b.location.uri.fsPath, file) &&
          b.location.range.start.line === line - 1,
      );
      let added: vscode.SourceBreakpoint | undefined;
      if (!has) {
        added = new vscode.SourceBreakpoint(
          new vscode.Location(uri, new vscode.Position(line - 1, 0)),
        );
        vscode.debug.addBreakpoints([added]);
      }
      this.tracking = {
        state: { file, line, captured: 0, ended: false },
        added,
        queue: Promise.resolve(),
      };
      void vscode.commands.executeCommand('setContext', 'heapInspector.trackingGrowth', true);
      log().info(`tracking growth at ${fileName(file)}:${line}`);
      void vscode.window.showInformationMessage(
        `Heap Inspector: tracking growth at ${fileName(file)}:${line}. Each stop there in a Python debug session is captured and compared with the first.`,
      );
      return { ...this.tracking.state };
    } catch (error) {
      void reportFailure(error, 'Track Growth Here');
      return undefined;
    }
  }

  /** Stops tracking (the command, the session's end): the chart stays, marked as ended. */
  stop(reason = 'stopped'): GrowthTrackingState | null {
    const t = this.tracking;
    if (!t) return null;
    this.tracking = null;
    t.state.ended = true;
    if (t.added) vscode.debug.removeBreakpoints([t.added]);
    if (t.state.sessionId) {
      this.deps.client.stopGrowth(this.key(t.state));
      const panel = this.deps.panels.get(`session:${t.state.sessionId}`);
      if (panel && t.state.last) {
        panel.showGrowth({
          type: 'growth',
          track: t.state.last,
          where: this.label(t.state),
          active: false,
        });
      }
    }
    void vscode.commands.executeCommand('setContext', 'heapInspector.trackingGrowth', false);
    log().info(`stopped tracking growth at ${this.label(t.state)}: ${reason}`);
    return { ...t.state };
  }

  private where(target?: vscode.Uri | LineNumberContext | TrackGrowthOptions): {
    file: string;
    line: number;
  } {
    if (target && 'file' in target && typeof target.line === 'number') {
      return { file: target.file, line: target.line };
    }
    if (target && 'lineNumber' in target && target.uri instanceof vscode.Uri) {
      return { file: target.uri.fsPath, line: target.lineNumber };
    }
    const editor = vscode.window.activeTextEditor;
    if (
      !editor ||
      editor.document.languageId !== 'python' ||
      editor.document.uri.scheme !== 'file'
    ) {
      throw new UserActionNeeded('Open a Python file and put the cursor on the line to track.');
    }
    return { file: editor.document.uri.fsPath, line: editor.selection.active.line + 1 };
  }

  private key(s: GrowthTrackingState): string {
    return `${s.sessionId ?? ''}|${s.file}:${s.line}`;
  }

  private label(s: GrowthTrackingState): string {
    return `${fileName(s.file)}:${s.line}`;
  }

  private stopped(session: vscode.DebugSession, threadId: number): void {
    const t = this.tracking;
    if (!t || !isPythonSession(session)) return;
    if (t.state.sessionId !== undefined && t.state.sessionId !== session.id) return;
    t.queue = t.queue.then(() => this.captureStop(t, session, threadId));
  }

  private async captureStop(
    t: Tracking,
    session: vscode.DebugSession,
    threadId: number,
  ): Promise<void> {
    try {
      const frames = await this.deps.tracker.frames(session, threadId);
      const frame = frames[0];
      if (!frame?.path || !samePath(frame.path, t.state.file) || frame.line !== t.state.line)
        return;
      if (this.tracking !== t) return;
      t.state.sessionId ??= session.id;
      const outcome = await this.deps.inspector.captureStop({ session, threadId, frame });
      if (!outcome || this.tracking !== t) return;
      const result = await this.deps.client.trackGrowth(this.key(t.state), outcome.snapshotId);
      t.state.captured++;
      t.state.last = result;
      if (result.restartedBecause) {
        log().warn(`growth at ${this.label(t.state)} starts again: ${result.restartedBecause}`);
      }
      const panel = this.deps.panels.get(`session:${session.id}`);
      panel?.showGrowth({
        type: 'growth',
        track: result,
        where: this.label(t.state),
        active: true,
      });
      log().info(
        `growth at ${this.label(t.state)}, stop ${result.stops.at(-1)?.stop ?? 0}: ${
          result.comparison
            ? `${result.comparison.totals.new.objects} new, ${result.comparison.totals.freed.objects} freed since the first stop`
            : 'the first stop'
        }`,
      );
    } catch (error) {
      void reportFailure(error, 'Track Growth Here');
    }
  }

  dispose(): void {
    this.stop('the extension is shutting down');
    for (const d of this.disposables) d.dispose();
  }
}
