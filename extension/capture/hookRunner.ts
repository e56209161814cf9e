/**
 * Runs one hook call in the debuggee through a DapChannel: the short call expression first; if
 * the process has no hook yet (or an older one), the install expression, which installs it and
 * makes the same call. Owns the per-session lock, cancellation and the timeout.
 *
 * An `evaluate` that was sent cannot be taken back: DAP has no way to interrupt it and pydevd
 * runs it to the end on the paused thread. Cancelling, a timeout or the thread resuming make the
 * returned promise reject at once; the debuggee finishes what it started (its result is ignored,
 * the caller removes the files) and stays paused, and the session stays locked until it answers.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  buildCallExpression,
  buildInstallExpression,
  NO_HOOK_STATUS,
  type HookCall,
} from './agentExpression';
import { ChannelLock } from './channelLock';
import { CaptureError, sessionEndedError, threadResumedError } from './errors';
import { fromRejection, fromStatus, fromUnknownResult, type FailureContext } from './failures';
import { parseHookStatus, type HookStatus } from './hookStatus';

/** What the capture needs from a debug session; the extension wraps `session.customRequest`. */
export interface DapChannel {
  evaluate(args: DebugProtocol.EvaluateArguments): Promise<DebugProtocol.EvaluateResponse['body']>;
  /**
   * Optional, for the pause the capture runs in: aborted when the paused thread resumes (or the
   * session ends), with `threadResumedError()` (errors.ts) as the reason. A fresh signal for each
   * pause. Use one channel object per debug session: the lock is kept per channel object.
   */
  readonly interrupted?: AbortSignal;
  /** Optional: aborted when the debug session ends (reason: `sessionEndedError()`). */
  readonly ended?: AbortSignal;
}

export interface HookRunOptions {
  /** The DAP frame to run in: the capture's "here". */
  frameId: number;
  signal?: AbortSignal;
  /** Default 120 s. */
  timeoutMs?: number;
}

export interface HookRunResult {
  status: HookStatus;
  /** This call installed the hook (the first call in this process, or after an update). */
  installed: boolean;
  /** From the first evaluate request to the last response: how long the debuggee was busy. */
  seconds: number;
  /** The last evaluate alone (the one that did the work). */
  evaluateSeconds: number;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Claims the session for one operation, synchronously: a second capture started in the same
 * tick is refused (not raced), and nothing is sent when the operation is already cancelled.
 */
export function startOperation(channel: DapChannel, options: HookRunOptions): HookOperation {
  const early = abortReason(channel, options);
  if (early) throw early;
  const lock = ChannelLock.tryAcquire(channel);
  if (lock === null) {
    throw new CaptureError(
      'busy',
      'A heap capture is already running in this debug session: wait for it to finish.',
    );
  }
  return new HookOperation(channel, options, lock);
}

/** Start and run in one step (callers with no preparation of their own). */
export function runHook(
  channel: DapChannel,
  call: HookCall,
  options: HookRunOptions,
  context: FailureContext,
): Promise<HookRunResult> {
  return startOperation(channel, options).run(call, context);
}

export class HookOperation {
  private used = false;

  constructor(
    private readonly channel: DapChannel,
    private readonly options: HookRunOptions,
    private readonly lock: ChannelLock,
  ) {}

  /** Give the session back without running (the caller's preparation failed). */
  abandon(): void {
    this.used = true;
    this.lock.finish();
  }

  /**
   * `afterSettled` runs once every evaluation sent has been answered (or the session ended),
   * even after a cancel: where a capture removes its directory a second time.
   */
  async run(
    call: HookCall,
    context: FailureContext,
    afterSettled?: () => unknown,
  ): Promise<HookRunResult> {
    if (this.used) throw new Error('a HookOperation runs once');
    this.used = true;
    const { channel, options, lock } = this;
    // After the session ends nothing will answer: the lock must not wait for it, even once this
    // operation is over (a cancelled capture's evaluate may be pending).
    const ended = channel.ended;
    const release = (): void => lock.forceRelease();
    ended?.addEventListener('abort', release, { once: true });
    void lock.whenReleased().then(() => {
      ended?.removeEventListener('abort', release);
      return afterSettled?.();
    });
    const stop = stopSignal(channel, options, lock);
    try {
      const started = performance.now();
      let evaluated = started;
      const evaluate = async (expression: string): Promise<HookStatus> => {
        evaluated = performance.now();
        const request = channel.evaluate(evaluateArguments(expression, options));
        const body = await stop.race(lock.track(request));
        const status = parseHookStatus(body.result);
        if (status === null) throw fromUnknownResult(body.result);
        return status;
      };
      let status = await evaluate(buildCallExpression(call));
      const installed = status.status === NO_HOOK_STATUS;
      if (installed) status = await evaluate(buildInstallExpression(call));
      if (status.status !== 'ok') throw fromStatus(status, context);
      const now = performance.now();
      return {
        status,
        installed,
        seconds: (now - started) / 1000,
        evaluateSeconds: (now - evaluated) / 1000,
      };
    } catch (error) {
      throw fromRejection(error);
    } finally {
      stop.dispose();
      lock.finish();
    }
  }
}

function evaluateArguments(
  expression: string,
  options: HookRunOptions,
): DebugProtocol.EvaluateArguments {
  return {
    expression,
    frameId: options.frameId,
    // 'repl': debugpy evaluates on the paused thread, in the frame, and shows exceptions.
    context: 'repl',
    // debugpy returns a str result as is (no repr, no quotes); other adapters ignore it.
    format: { rawString: true } as DebugProtocol.ValueFormat,
  };
}

/** Why the operation must not even start (already cancelled, session already gone). */
function abortReason(channel: DapChannel, options: HookRunOptions): CaptureError | null {
  if (channel.ended?.aborted) return endedReason(channel.ended.reason);
  if (channel.interrupted?.aborted) return interruptedReason(channel.interrupted.reason);
  if (options.signal?.aborted) return cancelledReason(options.signal.reason);
  return null;
}

interface StopSignal {
  race<T>(request: Promise<T>): Promise<T>;
  dispose(): void;
}

/** One promise that rejects on cancel, timeout, thread resumed or session ended. */
function stopSignal(channel: DapChannel, options: HookRunOptions, lock: ChannelLock): StopSignal {
  let reject: (error: CaptureError) => void = () => undefined;
  const stopped = new Promise<never>((_resolve, rejectStopped) => (reject = rejectStopped));
  stopped.catch(() => undefined); // observed through race(); never an unhandled rejection
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Node fires a longer timer after 1 ms: past its longest (24.8 days), wait that long.
  const timer = setTimeout(
    () =>
      reject(
        new CaptureError(
          'timeout',
          `The capture did not finish within ${seconds(timeoutMs)}; nothing was kept. ` +
            'The debugged program stays paused until it finishes: wait, or try again with a longer timeout.',
        ),
      ),
    Math.min(timeoutMs, LONGEST_TIMER_MS),
  );
  const onCancel = (): void => reject(cancelledReason(options.signal?.reason));
  const onInterrupted = (): void => {
    const reason = interruptedReason(channel.interrupted?.reason);
    if (reason.code === 'session-ended') lock.forceRelease();
    reject(reason);
  };
  const onEnded = (): void => {
    lock.forceRelease();
    reject(endedReason(channel.ended?.reason));
  };
  // The signals are read once: a channel hands out a fresh `interrupted` for each pause.
  const interrupted = channel.interrupted;
  const ended = channel.ended;
  options.signal?.addEventListener('abort', onCancel, { once: true });
  interrupted?.addEventListener('abort', onInterrupted, { once: true });
  ended?.addEventListener('abort', onEnded, { once: true });
  return {
    race: (request) => Promise.race([request, stopped]),
    dispose: () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCancel);
      interrupted?.removeEventListener('abort', onInterrupted);
      ended?.removeEventListener('abort', onEnded);
    },
  };
}

function cancelledReason(reason: unknown): CaptureError {
  if (reason instanceof CaptureError) return reason;
  return new CaptureError(
    'cancelled',
    'Capture cancelled; nothing was kept. The debugged program finishes the capture it had begun ' +
      '(an evaluation cannot be interrupted) and stays paused.',
  );
}

function interruptedReason(reason: unknown): CaptureError {
  return reason instanceof CaptureError ? reason : threadResumedError();
}

function endedReason(reason: unknown): CaptureError {
  return reason instanceof CaptureError ? reason : sessionEndedError();
}

/** 120000 → "120 s", 200 → "0.2 s". */
function seconds(milliseconds: number): string {
  const value = milliseconds / 1000;
  return `${value >= 10 ? Math.round(value) : Number(value.toPrecision(2))} s`;
}
