/**
 * The one error type a capture or a collection over DAP fails with. Every failure has a stable
 * `code` (for the extension to pick an action: "Select Interpreter", "Show Log", retry) and a
 * one-line message that says what happened and what to do, ready for a notification. The
 * extension turns it into a CaptureFailure (debug/sessionCapture.ts), whose kind picks what the
 * notification offers.
 */

export type CaptureErrorCode =
  /** The debuggee is not CPython 3.8+ (or the adapter did not run the expression as Python). */
  | 'unsupported-python'
  /** The debug adapter has no `evaluate` request. */
  | 'evaluate-unsupported'
  /** The adapter answered something that is not the hook's status: not a Python debug session. */
  | 'not-python'
  /** The frame is gone: the thread is not paused there (any more). */
  | 'not-paused'
  /** The thread resumed while the capture ran (reported through `DapChannel.interrupted`). */
  | 'thread-resumed'
  /** The debug session ended before or while the capture ran. */
  | 'session-ended'
  /** Another capture or agent call is still running in this debug session. */
  | 'busy'
  /** The caller's AbortSignal fired. */
  | 'cancelled'
  /** No answer within `timeoutMs`. */
  | 'timeout'
  /** The snapshot could not be written: the temporary directory is not writable. */
  | 'cannot-write'
  /** The debuggee wrote its snapshot somewhere this machine cannot read (remote debuggee). */
  | 'snapshot-not-local'
  /** The agent could not be loaded from `agentDirectory`. */
  | 'agent-missing'
  /** The debuggee interrupted the evaluation (pydevd's PYDEVD_INTERRUPT_THREAD_TIMEOUT). */
  | 'interrupted'
  /** The agent or the hook raised: a bug, reported with the Python exception. */
  | 'agent-failed'
  /** The agent's answer did not come back whole through the debugger (an adapter cut it). */
  | 'result-truncated';

/** The step of a real collection that failed: the capture before, the collection, the capture after. */
export type CollectionStage = 'before' | 'collect' | 'after';

export class CaptureError extends Error {
  override readonly name = 'CaptureError';

  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    /** Extra detail for the log (a Python exception, the adapter's own message). */
    readonly detail?: string,
    /** For a collection (dapCollection.ts): the step that failed. */
    readonly stage?: CollectionStage,
  ) {
    super(message);
  }
}

/** Reasons a `DapChannel.interrupted` signal is aborted with (see dapCapture.ts). */
export function threadResumedError(): CaptureError {
  return new CaptureError(
    'thread-resumed',
    'The thread resumed while the heap was being captured; nothing was kept. Pause again and retry.',
  );
}

export function sessionEndedError(): CaptureError {
  return new CaptureError(
    'session-ended',
    'The debug session ended before the heap capture finished; nothing was kept.',
  );
}

/** The first line of a (possibly multi-line) message, for errors that must stay one line. */
export function firstLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  // A Python traceback's useful line is its last one ("ValueError: …").
  if (lines[0]?.startsWith('Traceback')) return lines[lines.length - 1].trim();
  return (lines[0] ?? '').trim();
}
