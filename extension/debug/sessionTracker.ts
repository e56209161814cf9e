/**
 * Knows, for every Python debug session (debug types `debugpy` and `python`, launch and attach),
 * which threads are stopped and their frames, by watching the Debug Adapter Protocol traffic
 * between VS Code and the adapter (a DebugAdapterTracker). A capture asks it where "here" is and
 * is told when the session ends or the thread resumes, so it can stop waiting at once.
 *
 * DAP details that matter:
 * - a `continue`/`next`/`stepIn`/… *request* resumes the thread without any `continued` event
 *   (the adapter sends `continued` only when it resumes on its own), so successful responses to
 *   those requests count as resumes too;
 * - `stopped` with `allThreadsStopped` stops every thread; `continued` with `allThreadsContinued`
 *   (and a `continue` response saying so) resumes every thread;
 * - frame ids are valid only while the thread stays stopped: a resume forgets them.
 */
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { log } from '../log';

export const PYTHON_DEBUG_TYPES = ['debugpy', 'python'] as const;

export function isPythonSession(session: vscode.DebugSession | undefined): boolean {
  return !!session && (PYTHON_DEBUG_TYPES as readonly string[]).includes(session.type);
}

/**
 * A frame's source path as a file path. Remote windows (code-server, Remote-SSH…) hand DAP
 * messages to extensions with paths already turned into URIs (`vscode-remote://host/abs/path`).
 */
export function sourcePath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  if (/^[a-z][\w+.-]+:\/\//i.test(path)) {
    try {
      return vscode.Uri.parse(path).fsPath;
    } catch {
      return path;
    }
  }
  return path;
}

export interface FrameInfo {
  /** DAP frame id (valid while the thread stays stopped). */
  id: number;
  threadId: number;
  /** Position in the thread's stack, 0 = innermost. */
  index: number;
  name: string;
  path?: string;
  line: number;
}

export interface ThreadStop {
  reason: string;
  /** Increments on every stop of the session: a capture checks it did not change. */
  epoch: number;
  frames: FrameInfo[];
}

export interface SessionState {
  readonly session: vscode.DebugSession;
  capabilities: DebugProtocol.Capabilities | undefined;
  /** Stopped threads and what is known of their stacks. */
  readonly stopped: Map<number, ThreadStop>;
  /** The thread of the last `stopped` event. */
  lastStoppedThread: number | undefined;
  ended: boolean;
  epoch: number;
  /** Requests sent to the adapter and not answered yet. */
  inFlight: number;
  /** When the last request was sent or answered (ms, Date.now()). */
  lastTraffic: number;
}

export interface ResumeEvent {
  session: vscode.DebugSession;
  /** undefined: every thread. */
  threadId: number | undefined;
}

const RESUMING_REQUESTS = new Set([
  'continue',
  'next',
  'stepIn',
  'stepOut',
  'stepBack',
  'reverseContinue',
  'goto',
  'restartFrame',
]);

export class DebugSessionTracker implements vscode.DebugAdapterTrackerFactory, vscode.Disposable {
  private readonly sessions = new Map<string, SessionState>();
  private readonly resumed = new vscode.EventEmitter<ResumeEvent>();
  private readonly ended = new vscode.EventEmitter<vscode.DebugSession>();
  private readonly stoppedEmitter = new vscode.EventEmitter<{
    session: vscode.DebugSession;
    threadId: number;
    reason: string;
  }>();
  private readonly disposables: vscode.Disposable[] = [];

  /** A thread (or every thread) of a session resumed. */
  readonly onDidResume = this.resumed.event;
  /** A session ended (terminated, exited, adapter gone). */
  readonly onDidEnd = this.ended.event;
  /** A thread stopped (breakpoint, step, pause, exception…). */
  readonly onDidStop = this.stoppedEmitter.event;

  constructor() {
    for (const type of PYTHON_DEBUG_TYPES) {
      this.disposables.push(vscode.debug.registerDebugAdapterTrackerFactory(type, this));
    }
    this.disposables.push(
      vscode.debug.onDidTerminateDebugSession((s) => this.end(s, 'terminated')),
      this.resumed,
      this.ended,
      this.stoppedEmitter,
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.sessions.clear();
  }

  state(sessionId: string): SessionState | undefined {
    return this.sessions.get(sessionId);
  }

  /** Sessions with at least one stopped thread. */
  pausedSessions(): SessionState[] {
    return [...this.sessions.values()].filter((s) => !s.ended && s.stopped.size > 0);
  }

  /** The thread is stopped and `epoch` is still current (no resume/stop since). */
  stillStopped(sessionId: string, threadId: number, epoch: number): boolean {
    const s = this.sessions.get(sessionId);
    const stop = s?.stopped.get(threadId);
    return !!s && !s.ended && !!stop && stop.epoch === epoch;
  }

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    const state: SessionState = {
      session,
      capabilities: undefined,
      stopped: new Map(),
      lastStoppedThread: undefined,
      ended: false,
      epoch: 0,
      inFlight: 0,
      lastTraffic: Date.now(),
    };
    this.sessions.set(session.id, state);
    log().debug(`tracking ${session.type} session "${session.name}" (${session.id})`);
    const pending = new Map<number, DebugProtocol.Request>();
    return {
      onWillReceiveMessage: (message: unknown) => {
        const m = message as DebugProtocol.ProtocolMessage;
        if (m.type === 'request') {
          const request = m as DebugProtocol.Request;
          state.inFlight++;
          state.lastTraffic = Date.now();
          if (request.command === 'stackTrace') pending.set(request.seq, request);
          // A continue/step request resumes the thread as soon as the adapter handles it: a
          // capture running there must know now, not when the response comes back.
          if (RESUMING_REQUESTS.has(request.command)) this.onResumeRequest(state, request);
        }
      },
      onDidSendMessage: (message: unknown) => {
        const m = message as DebugProtocol.ProtocolMessage;
        if (m.type === 'event') this.onEvent(state, m as DebugProtocol.Event);
        else if (m.type === 'response') {
          const response = m as DebugProtocol.Response;
          state.inFlight = Math.max(0, state.inFlight - 1);
          state.lastTraffic = Date.now();
          if (response.command === 'initialize' && response.success) {
            state.capabilities = (response as DebugProtocol.InitializeResponse).body ?? {};
          }
          const request = pending.get(response.request_seq);
          if (request) {
            pending.delete(response.request_seq);
            if (response.success) this.onResponse(state, request, response);
          }
        }
      },
      onExit: () => this.end(session, 'adapter exited'),
      onError: (error) => log().debug(`session ${session.id}: adapter error ${error.message}`),
    };
  }

  private onEvent(state: SessionState, event: DebugProtocol.Event): void {
    switch (event.event) {
      case 'stopped': {
        const body = (event as DebugProtocol.StoppedEvent).body;
        state.epoch++;
        const ids =
          body.allThreadsStopped || body.threadId === undefined
            ? [
                ...new Set([
                  ...(body.threadId !== undefined ? [body.threadId] : []),
                  ...state.stopped.keys(),
                ]),
              ]
            : [body.threadId];
        for (const id of ids) {
          state.stopped.set(id, { reason: body.reason, epoch: state.epoch, frames: [] });
        }
        if (body.threadId !== undefined) {
          state.lastStoppedThread = body.threadId;
          this.stoppedEmitter.fire({
            session: state.session,
            threadId: body.threadId,
            reason: body.reason,
          });
        }
        break;
      }
      case 'continued': {
        const body = (event as DebugProtocol.ContinuedEvent).body;
        this.resume(state, body.allThreadsContinued === false ? body.threadId : undefined);
        break;
      }
      case 'thread': {
        const body = (event as DebugProtocol.ThreadEvent).body;
        if (body.reason === 'exited') this.resume(state, body.threadId);
        break;
      }
      case 'terminated':
      case 'exited':
        this.end(state.session, event.event);
        break;
    }
  }

  private onResponse(
    state: SessionState,
    request: DebugProtocol.Request,
    response: DebugProtocol.Response,
  ): void {
    if (request.command === 'stackTrace') {
      const args = request.arguments as DebugProtocol.StackTraceArguments;
      const stop = state.stopped.get(args.threadId);
      if (!stop) return;
      const body = (response as DebugProtocol.StackTraceResponse).body;
      const start = args.startFrame ?? 0;
      body.stackFrames.forEach((f, i) => {
        stop.frames[start + i] = {
          id: f.id,
          threadId: args.threadId,
          index: start + i,
          name: f.name,
          path: sourcePath(f.source?.path),
          line: f.line,
        };
      });
    }
  }

  private onResumeRequest(state: SessionState, request: DebugProtocol.Request): void {
    const args = (request.arguments ?? {}) as { threadId?: number; singleThread?: boolean };
    const all = !args.singleThread && request.command !== 'restartFrame';
    this.resume(state, all ? undefined : args.threadId);
  }

  private resume(state: SessionState, threadId: number | undefined): void {
    if (threadId === undefined) state.stopped.clear();
    else state.stopped.delete(threadId);
    state.epoch++;
    this.resumed.fire({ session: state.session, threadId });
  }

  private end(session: vscode.DebugSession, why: string): void {
    const state = this.sessions.get(session.id);
    if (!state || state.ended) return;
    state.ended = true;
    state.stopped.clear();
    state.epoch++;
    log().debug(`session "${session.name}" (${session.id}) ended: ${why}`);
    this.ended.fire(session);
    // Keep the record a little while (late events), then forget it.
    setTimeout(() => {
      if (this.sessions.get(session.id) === state) this.sessions.delete(session.id);
    }, 60_000);
  }

  /**
   * Resolves once no request to the session's adapter has been pending for `quietMs` (VS Code has
   * finished fetching the stack and variables after a stop), or after `maxMs` anyway.
   */
  async whenQuiet(sessionId: string, quietMs = 200, maxMs = 3_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    for (;;) {
      const s = this.sessions.get(sessionId);
      if (!s || s.ended || Date.now() >= deadline) return;
      if (s.inFlight === 0 && Date.now() - s.lastTraffic >= quietMs) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * The frames of a stopped thread, innermost first: from the traffic already seen, else asked
   * of the adapter (`stackTrace`).
   */
  async frames(session: vscode.DebugSession, threadId: number, levels = 50): Promise<FrameInfo[]> {
    const state = this.sessions.get(session.id);
    const stop = state?.stopped.get(threadId);
    if (stop && stop.frames.length > 0 && stop.frames[0] !== undefined) {
      return stop.frames.filter((f): f is FrameInfo => f !== undefined);
    }
    const body = (await session.customRequest('stackTrace', {
      threadId,
      startFrame: 0,
      levels,
    })) as DebugProtocol.StackTraceResponse['body'];
    return body.stackFrames.map((f, index) => ({
      id: f.id,
      threadId,
      index,
      name: f.name,
      path: sourcePath(f.source?.path),
      line: f.line,
    }));
  }
}
