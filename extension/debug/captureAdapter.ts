/**
 * The one place the extension meets the DAP capture core (extension/capture/, another engineer's
 * module: `captureOverDap(channel, {frameId, agentDirectory, tempDirectory, signal, timeoutMs,
 * keepFile})` → `{snapshotPath, dispose(), meta, seconds}`, failing with typed CaptureErrors).
 * Everything else calls `captureFrame` here and gets a `CaptureFailure` whose kind it can word
 * for the user and whose message is already a sentence.
 *
 * INTERIM: until extension/capture/ is committed, `coreCapture` below is a small stand-in with
 * that shape (DAP `evaluate` on the frame, the agent loaded by bootstrap.py, the snapshot written
 * to a private folder under `tempDirectory`). It is replaced by the real module as soon as that
 * lands; nothing outside this file changes then.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the capture core needs of a debug session (one object per session). */
export interface DapChannel {
  evaluate(args: DebugProtocol.EvaluateArguments): Promise<DebugProtocol.EvaluateResponse['body']>;
  /** Aborted when the paused thread resumes or the session ends. */
  readonly interrupted?: AbortSignal;
}

export type CaptureFailureKind =
  | 'cancelled'
  | 'timeout'
  | 'session-ended'
  | 'resumed'
  | 'not-cpython'
  | 'evaluate-unsupported'
  | 'cannot-write'
  | 'busy'
  | 'agent-failed'
  /** Not debugging: the program ended without reaching the line. */
  | 'line-not-reached'
  /** Not debugging: the program failed (or was stopped) before reaching the line. */
  | 'program-ended';

/** A capture that did not produce a snapshot, and why (the message is for the user). */
export class CaptureFailure extends Error {
  constructor(
    readonly kind: CaptureFailureKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'CaptureFailure';
  }
}

interface CoreOptions {
  frameId: number;
  /** Position of the frame in its stack: only the interim stand-in needs it. */
  frameIndex?: number;
  agentDirectory: string;
  tempDirectory: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  keepFile?: boolean;
}

interface CoreResult {
  snapshotPath?: string;
  dispose(): Promise<void>;
  meta: { captureSeconds: number };
  /** The pause the capture added, in seconds. */
  seconds: number;
}

// ---- INTERIM stand-in for extension/capture's captureOverDap ---------------------------------

const RESULT_MARK = 'HEAP_INSPECTOR_RESULT:';

/**
 * Python run by `evaluate` (context `repl`) on the paused frame, inside a fresh namespace so no
 * name lands in the user's frame. It finds the user's frame under the debugger's own frames,
 * loads the agent once per process (bootstrap.py) and writes the snapshot.
 */
function captureSource(agentDirectory: string, out: string, depth: number): string {
  return `
def _heap_inspector_capture(agent_dir, out, depth):
    import sys, gc
    enabled = gc.isenabled()
    gc.disable()
    counts = gc.get_count()
    sentinel = []
    try:
        if sys.implementation.name != "cpython" or sys.version_info < (3, 8):
            return "not-cpython %s %d.%d" % (sys.implementation.name, sys.version_info[0], sys.version_info[1])
        frame = sys._getframe(1)
        def debugger(code):
            f = code.co_filename.replace("\\\\", "/")
            return f.startswith("<") or "/pydevd" in f or "/_pydev" in f or "/debugpy/" in f
        while frame is not None and debugger(frame.f_code):
            frame = frame.f_back
        while depth > 0 and frame is not None:
            frame = frame.f_back
            while frame is not None and debugger(frame.f_code):
                frame = frame.f_back
            depth -= 1
        if frame is None:
            return "no-frame"
        namespace = {"__name__": "_heap_inspector_bootstrap"}
        boot = agent_dir + "/bootstrap.py"
        with open(boot, "rb") as source:
            exec(compile(source.read(), boot, "exec"), namespace)
        capture = namespace["load_agent"](agent_dir)
        capture.register_agent_objects(namespace)
        try:
            result = capture.capture_to_file(out, frame, trigger="debugger", held_by_caller=1,
                                             collector_state=(enabled, counts), sentinel=sentinel)
        except OSError as error:
            return "cannot-write %s" % (error,)
        seconds = result.get("seconds", "") if isinstance(result, dict) else ""
        return "ok %s" % (seconds,)
    except BaseException as error:
        return "error %s: %s" % (type(error).__name__, error)
    finally:
        frame = None
        if enabled:
            gc.enable()
result = ${JSON.stringify(RESULT_MARK)} + _heap_inspector_capture(${JSON.stringify(agentDirectory)}, ${JSON.stringify(out)}, ${depth})
del _heap_inspector_capture
`;
}

async function coreCapture(channel: DapChannel, options: CoreOptions): Promise<CoreResult> {
  const directory = await mkdtemp(join(options.tempDirectory, 'heap-inspector-'));
  const remove = () => rm(directory, { recursive: true, force: true, maxRetries: 3 });
  const out = join(directory, 'capture.heapsnap');
  const source = captureSource(options.agentDirectory, out, options.frameIndex ?? 0);
  const expression = `(lambda ns: exec(${JSON.stringify(source)}, ns) or ns["result"])({"__name__": "_heap_inspector_dap"})`;
  const started = Date.now();
  const evaluation = channel.evaluate({ expression, frameId: options.frameId, context: 'repl' });
  let body: DebugProtocol.EvaluateResponse['body'];
  try {
    body = await race(evaluation, options.signal, channel.interrupted, options.timeoutMs);
  } catch (error) {
    // The debuggee finishes what it started: remove the folder once it has answered.
    void evaluation.then(remove, remove);
    if (error instanceof CaptureFailure) throw error;
    const message = (error as Error).message ?? String(error);
    if (
      /not supported|unrecogni[sz]ed (request|command)|unknown (request|command)/i.test(message)
    ) {
      throw new CaptureFailure(
        'evaluate-unsupported',
        'This debugger cannot evaluate expressions, which capturing the heap needs.',
        message,
      );
    }
    throw new CaptureFailure('agent-failed', `The capture failed: ${message}`, message);
  }
  const seconds = (Date.now() - started) / 1000;
  const text = String(body?.result ?? '').replace(/^'|'$/g, '');
  const at = text.indexOf(RESULT_MARK);
  const verdict = at >= 0 ? text.slice(at + RESULT_MARK.length) : text;
  if (verdict.startsWith('ok') && existsSync(out)) {
    const agentSeconds = Number.parseFloat(verdict.slice(3));
    return {
      snapshotPath: out,
      dispose: remove,
      meta: { captureSeconds: Number.isFinite(agentSeconds) ? agentSeconds : 0 },
      seconds,
    };
  }
  await remove();
  if (verdict.startsWith('not-cpython')) {
    throw new CaptureFailure(
      'not-cpython',
      `The debugged program runs ${verdict.slice(12)}; Inspect Heap needs CPython 3.8 or later.`,
      verdict,
    );
  }
  if (verdict.startsWith('cannot-write')) {
    throw new CaptureFailure(
      'cannot-write',
      `The debugged program cannot write its snapshot: ${verdict.slice(13)}.`,
      verdict,
    );
  }
  throw new CaptureFailure(
    'agent-failed',
    `The capture failed in the debugged program: ${verdict}`,
    text,
  );
}

function race<T>(
  p: Promise<T>,
  signal?: AbortSignal,
  interrupted?: AbortSignal,
  timeoutMs?: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (s: AbortSignal) => () =>
      reject(
        s.reason instanceof CaptureFailure
          ? s.reason
          : new CaptureFailure('cancelled', 'Capture cancelled.'),
      );
    const a = signal && onAbort(signal);
    const b = interrupted && onAbort(interrupted);
    if (signal?.aborted) return a!();
    if (interrupted?.aborted) return b!();
    if (a) signal!.addEventListener('abort', a, { once: true });
    if (b) interrupted!.addEventListener('abort', b, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () =>
          reject(
            new CaptureFailure(
              'timeout',
              `The capture did not finish within ${Math.round(timeoutMs / 1000)} s.`,
            ),
          ),
        timeoutMs,
      );
    }
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      if (a) signal!.removeEventListener('abort', a);
      if (b) interrupted!.removeEventListener('abort', b);
    });
  });
}

// ---- what the rest of the extension calls ------------------------------------------------------

export interface FrameCapture {
  frameId: number;
  /** Position of the frame in its thread's stack (0 = innermost). */
  frameIndex?: number;
  /** agent/heap_inspector_agent. */
  agentDirectory: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A snapshot file in a private temporary folder; `release()` removes it. */
export interface TempSnapshot {
  path: string;
  /** The debuggee's pause the capture added (ms). */
  pauseMs: number;
  /** The agent's own time in the debuggee (s). */
  agentSeconds: number;
  release(): Promise<void>;
}

/**
 * Captures the heap at a paused frame through DAP into a private temporary folder (removed on
 * failure — once the debuggee is done with it — and by `release()`); throws CaptureFailure.
 */
export async function captureFrame(
  channel: DapChannel,
  request: FrameCapture,
): Promise<TempSnapshot> {
  let result: CoreResult;
  try {
    result = await coreCapture(channel, { ...request, tempDirectory: tmpdir(), keepFile: true });
  } catch (error) {
    throw toCaptureFailure(error);
  }
  if (!result.snapshotPath) {
    await result.dispose();
    throw new CaptureFailure('agent-failed', 'The capture kept no snapshot file.');
  }
  return {
    path: result.snapshotPath,
    pauseMs: result.seconds * 1000,
    agentSeconds: result.meta.captureSeconds,
    release: () => result.dispose(),
  };
}

/** The capture core's typed errors (`code`) as CaptureFailures (`kind`), messages kept. */
export function toCaptureFailure(error: unknown): CaptureFailure {
  if (error instanceof CaptureFailure) return error;
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  const detail = (error as { detail?: string })?.detail;
  const kinds: Record<string, CaptureFailureKind> = {
    'unsupported-python': 'not-cpython',
    'evaluate-unsupported': 'evaluate-unsupported',
    'not-python': 'evaluate-unsupported',
    'not-paused': 'resumed',
    'thread-resumed': 'resumed',
    'session-ended': 'session-ended',
    busy: 'busy',
    cancelled: 'cancelled',
    timeout: 'timeout',
    interrupted: 'timeout',
    'cannot-write': 'cannot-write',
  };
  return new CaptureFailure(
    typeof code === 'string' ? (kinds[code] ?? 'agent-failed') : 'agent-failed',
    message,
    detail,
  );
}

/**
 * One DapChannel per debug session (the capture core keeps its one-capture-at-a-time lock per
 * channel object), whose `interrupted` signal is re-armed for every pause.
 */
export class SessionChannels {
  private readonly channels = new Map<
    string,
    { channel: DapChannel; controller: AbortController }
  >();

  channelFor(session: {
    id: string;
    customRequest(command: string, args?: unknown): Thenable<unknown>;
  }): DapChannel {
    let entry = this.channels.get(session.id);
    if (!entry || entry.controller.signal.aborted) {
      const controller = new AbortController();
      const channel: DapChannel = {
        evaluate: (args) =>
          Promise.resolve(session.customRequest('evaluate', args)) as Promise<
            DebugProtocol.EvaluateResponse['body']
          >,
        get interrupted() {
          return controller.signal;
        },
      };
      entry = { channel, controller };
      this.channels.set(session.id, entry);
    }
    return entry.channel;
  }

  /** The thread resumed or the session ended: abort what runs, re-arm for the next pause. */
  interrupt(sessionId: string, reason: CaptureFailure): void {
    const entry = this.channels.get(sessionId);
    if (!entry) return;
    entry.controller.abort(reason);
    if (reason.kind === 'session-ended') this.channels.delete(sessionId);
  }
}
