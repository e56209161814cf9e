/**
 * Running a file to a line through the Python Debugger (debug type `debugpy`): a launch session
 * with a temporary breakpoint on the line. The session stays paused there afterwards — a normal
 * debug session the user can step, inspect again, continue or stop. The temporary breakpoint is
 * removed as soon as the session stops there (or ends, or the wait is cancelled); a breakpoint
 * the user already had on that line is left alone. The session first stops on entry, where the
 * debugger's own start-up garbage is collected (startupGarbage.ts), so that the capture shows the
 * program's unreachable objects as `heap-inspector snapshot` does.
 */
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { CaptureFailure } from '../captureFailure';
import { COLLECT_AT_ENTRY } from '../debug/startupGarbage';
import type { DebugSessionTracker, FrameInfo } from '../debug/sessionTracker';
import { log } from '../log';

/** A debug type `debugpy` is contributed (Python Debugger extension, or a stand-in). */
export function debugpyAvailable(): boolean {
  return vscode.extensions.all.some((e) => {
    const debuggers = (e.packageJSON as { contributes?: { debuggers?: { type?: string }[] } })
      ?.contributes?.debuggers;
    return Array.isArray(debuggers) && debuggers.some((d) => d.type === 'debugpy');
  });
}

export interface DebugRunRequest {
  uri: vscode.Uri;
  /** 1-based. */
  line: number;
  /** Interpreter for the launch configuration (`python`), when the user chose one for us. */
  python?: string;
  signal: AbortSignal;
  /** Told when the program stops somewhere else first. */
  onOtherStop?: (where: string) => void;
}

export interface DebugRunResult {
  session: vscode.DebugSession;
  threadId: number;
  frame: FrameInfo;
}

function samePath(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const norm = (p: string) => vscode.Uri.file(p).fsPath.replace(/\\/g, '/');
  return process.platform === 'win32'
    ? norm(a).toLowerCase() === norm(b).toLowerCase()
    : norm(a) === norm(b);
}

export async function runToLineWithDebugger(
  tracker: DebugSessionTracker,
  request: DebugRunRequest,
): Promise<DebugRunResult> {
  const { uri, line, signal } = request;
  const file = uri.fsPath;
  const runId = `heap-inspector-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const position = new vscode.Position(line - 1, 0);
  const userBreakpoint = vscode.debug.breakpoints.some(
    (b) =>
      b instanceof vscode.SourceBreakpoint &&
      b.enabled &&
      b.location.uri.toString() === uri.toString() &&
      b.location.range.start.line === line - 1,
  );
  const temporary = userBreakpoint
    ? undefined
    : new vscode.SourceBreakpoint(new vscode.Location(uri, position), true);
  if (temporary) vscode.debug.addBreakpoints([temporary]);
  const removeTemporary = () => {
    if (temporary && vscode.debug.breakpoints.some((b) => b.id === temporary.id)) {
      vscode.debug.removeBreakpoints([temporary]);
    }
  };

  const disposables: vscode.Disposable[] = [];
  let session: vscode.DebugSession | undefined;
  try {
    const ours = (s: vscode.DebugSession) =>
      (s.configuration as { heapInspectorRunId?: string }).heapInspectorRunId === runId;
    const result = new Promise<DebugRunResult>((resolve, reject) => {
      disposables.push(
        tracker.onDidStop(async ({ session: s, threadId, reason }) => {
          // The entry stop is for the start-up garbage collection (startupGarbage.ts).
          if (!ours(s) || reason === 'entry') return;
          session = s;
          try {
            const frames = await tracker.frames(s, threadId);
            const top = frames[0];
            if (top && samePath(top.path, file) && top.line === line) {
              resolve({ session: s, threadId, frame: top });
            } else {
              const where = top
                ? `${top.path?.split(/[\\/]/).pop()}:${top.line} (${reason})`
                : reason;
              log().info(
                `run to ${file}:${line}: stopped at ${where} first (${top?.path}); waiting for the line`,
              );
              request.onOtherStop?.(where);
            }
          } catch (error) {
            reject(error);
          }
        }),
        tracker.onDidEnd((s) => {
          if (ours(s)) {
            reject(
              new CaptureFailure(
                'line-not-reached',
                `The program ended without reaching ${file.split(/[\\/]/).pop()}:${line}: nothing was captured.`,
              ),
            );
          }
        }),
        vscode.debug.onDidStartDebugSession((s) => {
          if (ours(s)) session = s;
        }),
      );
      signal.addEventListener(
        'abort',
        () =>
          reject(
            signal.reason instanceof CaptureFailure
              ? signal.reason
              : new CaptureFailure('cancelled', 'Capture cancelled.'),
          ),
        { once: true },
      );
    });
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const configuration: vscode.DebugConfiguration = {
      type: 'debugpy',
      request: 'launch',
      name: `Run to ${file.split(/[\\/]/).pop()}:${line}`,
      program: file,
      cwd: folder?.uri.fsPath ?? dirname(file),
      justMyCode: true,
      heapInspectorRunId: runId,
      // Stop before the program's first line, free the debugger's start-up garbage, continue.
      stopOnEntry: true,
      [COLLECT_AT_ENTRY]: true,
      ...(request.python ? { python: request.python } : {}),
    };
    log().info(`starting a debugpy session to run ${file} to line ${line}`);
    const started = await vscode.debug.startDebugging(folder, configuration, {
      suppressSaveBeforeStart: true,
    });
    if (!started) {
      throw new CaptureFailure(
        'agent-failed',
        'The Python debug session could not start: see the Debug Console and the Python Debugger output.',
      );
    }
    try {
      return await result;
    } catch (error) {
      // Cancelled or failed while waiting: the session was started for this, so end it.
      if (session) await vscode.debug.stopDebugging(session).then(undefined, () => undefined);
      throw error;
    }
  } finally {
    removeTemporary();
    for (const d of disposables) d.dispose();
  }
}
