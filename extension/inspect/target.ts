/**
 * Where Inspect Heap Here (and the commands that reuse its steps) captures, in this order:
 *
 * 1. the frame the Call Stack view's context menu was opened on;
 * 2. paused in a Python debug session: the selected frame (or the stopped thread's top); a Python
 *    session that runs is asked to pause first;
 * 3. not debugging: the file (the active editor's, or the one given) and the line under the
 *    cursor (or the one given), saved first; running it needs a trusted workspace.
 *
 * And the line a breakpoint can stop on, for running to a line under the debugger.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { CallStackContext, InspectHereOptions } from '../commands';
import { isPythonSession, type DebugSessionTracker, type FrameInfo } from '../debug/sessionTracker';
import { setting } from '../settings';
import { UserActionNeeded } from '../ui/notify';

/** A paused frame to capture. */
export interface FrameTarget {
  session: vscode.DebugSession;
  threadId: number;
  frame: FrameInfo;
}

/** Where Inspect Heap Here captures: a paused frame, or a file run to a line. */
export type Here =
  | { kind: 'frame'; target: FrameTarget }
  | { kind: 'run'; uri: vscode.Uri; line: number; method: 'auto' | 'debugger' | 'runner' };

export function fileName(path: string | undefined): string {
  return path ? basename(path) : '?';
}

export function frameText(frame: FrameInfo): string {
  const name = frame.name === '<module>' ? 'module level' : `${frame.name}()`;
  return `${name} · ${fileName(frame.path)}:${frame.line}`;
}

/** `stackframe:thread:<session>:<thread>:<index>:<name>` (VS Code's ids in the Call Stack menu). */
export function parseCallStackContext(
  ctx: CallStackContext | undefined,
): { sessionId: string; threadId: number; index: number } | undefined {
  if (!ctx?.sessionId || typeof ctx.frameId !== 'string') return undefined;
  const m = /^stackframe:thread:(.+):(\d+):(\d+):/.exec(ctx.frameId);
  if (!m || m[1] !== ctx.sessionId) return undefined;
  return { sessionId: ctx.sessionId, threadId: Number(m[2]), index: Number(m[3]) };
}

/** Where "here" is: the first of the steps below that names a place. */
export async function resolveHere(
  tracker: DebugSessionTracker,
  target: vscode.Uri | string | InspectHereOptions | undefined,
  context: CallStackContext | undefined,
): Promise<Here> {
  // 1. The Call Stack view's context menu: that frame.
  const fromMenu = parseCallStackContext(context);
  if (fromMenu) {
    const session = tracker.state(fromMenu.sessionId)?.session;
    if (session) {
      const frames = await tracker.frames(session, fromMenu.threadId);
      const frame = frames[fromMenu.index] ?? frames[0];
      if (frame) return { kind: 'frame', target: { session, threadId: fromMenu.threadId, frame } };
    }
  }
  const options: InspectHereOptions =
    typeof target === 'object' && !(target instanceof vscode.Uri) ? target : {};
  // 2. Paused in a Python debug session: the selected frame (or the stopped thread's top).
  if (options.file === undefined) {
    const paused = await selectedFrame(tracker);
    if (paused) return { kind: 'frame', target: paused };
    const running = vscode.debug.activeDebugSession;
    if (
      isPythonSession(running) &&
      tracker.state(running!.id) &&
      !tracker.state(running!.id)!.ended
    ) {
      throw new UserActionNeeded(
        `The debug session "${running!.name}" is running. Pause it (or stop at a breakpoint), then use Inspect Heap Here.`,
        [
          {
            title: 'Pause',
            run: () => vscode.commands.executeCommand('workbench.action.debug.pause'),
          },
        ],
      );
    }
  }
  // 3. Not debugging: the file and the line.
  let uri: vscode.Uri | undefined;
  let line: number | undefined = options.line;
  if (options.file) uri = vscode.Uri.file(options.file);
  else if (target instanceof vscode.Uri) uri = target;
  else if (typeof target === 'string' && target.startsWith('file:')) uri = vscode.Uri.parse(target);
  const editor = vscode.window.activeTextEditor;
  if (!uri) uri = editor?.document.uri;
  if (
    !uri ||
    (editor?.document.uri.toString() === uri.toString() && editor.document.languageId !== 'python')
  ) {
    throw new UserActionNeeded(
      'Open a Python file and put the cursor on the line to inspect the heap at.',
    );
  }
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.isUntitled || uri.scheme !== 'file') {
    throw new UserActionNeeded('Save the file first: the program runs from disk.');
  }
  if (line === undefined) {
    const active = vscode.window.activeTextEditor;
    line =
      active && active.document.uri.toString() === uri.toString()
        ? active.selection.active.line + 1
        : 1;
  }
  if (!vscode.workspace.isTrusted) {
    throw new UserActionNeeded(
      'Running the file to a line runs its code, which needs a trusted workspace. Viewing saved snapshots works without trust.',
      [
        {
          title: 'Manage Workspace Trust',
          run: () => vscode.commands.executeCommand('workbench.trust.manage'),
        },
      ],
    );
  }
  if (document.isDirty) await document.save();
  return { kind: 'run', uri, line, method: options.method ?? setting('runToLine.method') };
}

/** The selected frame of a paused Python debug session (of `sessionId`, if given), if any. */
export async function selectedFrame(
  tracker: DebugSessionTracker,
  sessionId?: string,
): Promise<FrameTarget | undefined> {
  const item = vscode.debug.activeStackItem;
  if (item && isPythonSession(item.session) && (!sessionId || item.session.id === sessionId)) {
    if (item instanceof vscode.DebugStackFrame) {
      const frames = await tracker
        .frames(item.session, item.threadId)
        .catch(() => [] as FrameInfo[]);
      const frame = frames.find((f) => f.id === item.frameId) ?? {
        id: item.frameId,
        threadId: item.threadId,
        index: 0,
        name: '?',
        line: 0,
      };
      return { session: item.session, threadId: item.threadId, frame };
    }
    if (item instanceof vscode.DebugThread) {
      const frames = await tracker
        .frames(item.session, item.threadId)
        .catch(() => [] as FrameInfo[]);
      if (frames[0]) return { session: item.session, threadId: item.threadId, frame: frames[0] };
    }
  }
  const candidates = tracker
    .pausedSessions()
    .filter((s) =>
      sessionId ? s.session.id === sessionId : s.session.id === vscode.debug.activeDebugSession?.id,
    );
  for (const state of candidates) {
    const threadId = state.lastStoppedThread ?? [...state.stopped.keys()][0];
    if (threadId === undefined) continue;
    const frames = await tracker.frames(state.session, threadId).catch(() => [] as FrameInfo[]);
    if (frames[0]) return { session: state.session, threadId, frame: frames[0] };
  }
  return undefined;
}

/**
 * The line a breakpoint can stop on: `line` when it holds code, else the next line that does
 * (blank and comment-only lines start no statement).
 */
export function codeLine(document: vscode.TextDocument, line: number): number {
  for (let l = line - 1; l < document.lineCount; l++) {
    const text = document.lineAt(l).text.trim();
    if (text !== '' && !text.startsWith('#')) return l + 1;
  }
  return line;
}
