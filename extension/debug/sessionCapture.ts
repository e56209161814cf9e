/**
 * Capturing a debug session's paused program: the one place the extension meets the DAP capture
 * core (extension/capture/, no `vscode`, see docs/debugger-capture.md), which fails with typed
 * CaptureErrors. The rest of the extension calls here: `captureFrame` (Inspect Heap Here at a
 * paused frame), `collectAtFrame` (the stepper's real gc.collect), the address of a frame's
 * expression (Inspect in Heap Graph), and one DAP channel per debug session (`SessionChannels`).
 * Failures come out as a `CaptureFailure` (captureFailure.ts): the core's codes are finer than
 * what a notification chooses on, so several map to one kind. Snapshot files are kept
 * (`keepFile`) for the language server to read, and removed by `release()` / `dispose()`.
 */
import { tmpdir } from 'node:os';
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  captureOverDap,
  collectOverDap,
  sessionEndedError,
  threadResumedError,
  type CaptureMeta,
  type DapCaptureResult,
  type DapChannel,
  type DapCollectionRequest,
  type DapCollectionResult,
} from '../capture/index';
import type { CaptureProgress } from '../../protocol/captureProgress';
import { CaptureFailure, type CaptureFailureKind } from '../captureFailure';

export { addressEvaluateArguments, addressFromResult } from '../capture/index';
export type { DapChannel, DapCollectionResult };

export interface FrameCapture {
  /** The DAP frame: the capture's "here" (any frame of the paused stack). */
  frameId: number;
  /** agent/heap_inspector_agent. */
  agentDirectory: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Each new progress report of the capture in the debuggee. */
  onProgress?: (progress: CaptureProgress) => void;
}

/** A snapshot file in a private temporary folder; `release()` removes it. */
export interface TempSnapshot {
  path: string;
  /** The debuggee's pause the capture added (ms). */
  pauseMs: number;
  /** The agent's own time in the debuggee (s). */
  agentSeconds: number;
  /** What the debuggee reported (frame captured, Python, pid, object counts). */
  meta: CaptureMeta;
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
  let result: DapCaptureResult;
  try {
    result = await captureOverDap(channel, {
      frameId: request.frameId,
      agentDirectory: request.agentDirectory,
      tempDirectory: tmpdir(),
      signal: request.signal,
      timeoutMs: request.timeoutMs,
      keepFile: true,
      onProgress: request.onProgress,
    });
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
    meta: result.meta,
    release: () => result.dispose(),
  };
}

/**
 * Runs gc.collect(N) for real in the paused program, with a capture right before and right after
 * (capture/dapCollection.ts); throws CaptureFailure.
 */
export async function collectAtFrame(
  channel: DapChannel,
  request: DapCollectionRequest,
): Promise<DapCollectionResult> {
  try {
    return await collectOverDap(channel, request);
  } catch (error) {
    throw toCaptureFailure(error);
  }
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
 * channel object), with an `interrupted` signal re-armed at every stop and an `ended` signal.
 */
export class SessionChannels {
  private readonly channels = new Map<
    string,
    { channel: DapChannel; pause: AbortController; end: AbortController }
  >();

  channelFor(session: {
    id: string;
    customRequest(command: string, args?: unknown): Thenable<unknown>;
  }): DapChannel {
    let entry = this.channels.get(session.id);
    if (!entry) {
      const created = { pause: new AbortController(), end: new AbortController() } as {
        channel: DapChannel;
        pause: AbortController;
        end: AbortController;
      };
      created.channel = {
        evaluate: (args) =>
          Promise.resolve(session.customRequest('evaluate', args)) as Promise<
            DebugProtocol.EvaluateResponse['body']
          >,
        get interrupted() {
          return created.pause.signal;
        },
        get ended() {
          return created.end.signal;
        },
      };
      entry = created;
      this.channels.set(session.id, entry);
    }
    if (entry.pause.signal.aborted) entry.pause = new AbortController();
    return entry.channel;
  }

  /** A thread of the session resumed: what runs in it now fails with `thread-resumed`. */
  resumed(sessionId: string): void {
    this.channels.get(sessionId)?.pause.abort(threadResumedError());
  }

  /** The session ended. */
  ended(sessionId: string): void {
    const entry = this.channels.get(sessionId);
    if (!entry) return;
    entry.end.abort(sessionEndedError());
    entry.pause.abort(sessionEndedError());
    this.channels.delete(sessionId);
  }
}
