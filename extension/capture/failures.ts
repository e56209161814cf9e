/**
 * Turning what can go wrong into CaptureErrors with a message that says what to do: an adapter's
 * rejection of `evaluate`, a result that is not the hook's, and the hook's own error statuses.
 */
import { CaptureError, firstLine, sessionEndedError } from './errors';
import type { HookStatus } from './hookStatus';

export interface FailureContext {
  agentDirectory: string;
  /** Where the snapshot was to be written (captures only). */
  snapshotDirectory?: string;
}

/** `evaluate` was rejected by the adapter (or by VS Code, for a session that is gone). */
export function fromRejection(error: unknown): CaptureError {
  if (error instanceof CaptureError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const line = firstLine(text);
  // debugpy: "Unable to find thread for evaluation." (the thread resumed since), "Wrong ID sent
  // from the client: N" (a frame id it never gave out).
  if (
    /unable to find thread|wrong id sent|frame .*not found|invalid frame|not (suspended|paused|stopped)/i.test(
      text,
    )
  ) {
    return notPaused(line);
  }
  if (/not supported|unrecogni[sz]ed (request|command)|unknown (request|command)/i.test(text)) {
    return new CaptureError(
      'evaluate-unsupported',
      'This debugger cannot evaluate expressions, which capturing the heap needs: debug with the Python Debugger (debugpy).',
      line,
    );
  }
  // debugpy's adapter once the debuggee is gone: "Server[pid=N] disconnected unexpectedly" for a
  // new request, "No more messages" for one pending when it went. VS Code once the adapter is
  // gone: "Canceled" for a request pending then, "No debugger available, can not send 'evaluate'"
  // for one sent after.
  if (
    /session .*(closed|terminated|ended|not running)|no debuggee|disconnected|no more messages|debuggee .*(exited|terminated)|^cancell?ed$|no debugger available/i.test(
      text,
    )
  ) {
    return withDetail(sessionEndedError(), line);
  }
  // debugpy answers a Python exception with its traceback; anything else is not Python's.
  if (/Traceback \(most recent call last\)/.test(text)) return agentFailed(line);
  return new CaptureError(
    'not-python',
    'The debugger did not run the capture as Python code: Inspect Heap works in Python (debugpy) debug sessions.',
    line,
  );
}

/** The evaluate result was not one of the hook's answers. */
export function fromUnknownResult(result: string): CaptureError {
  if (result.trim() === '') {
    // pydevd answers an empty result when the frame it was asked for no longer exists.
    return notPaused('empty evaluate result');
  }
  return new CaptureError(
    'not-python',
    'The debugger did not run the capture as Python code: Inspect Heap works in Python (debugpy) debug sessions.',
    result.slice(0, 200),
  );
}

/** A status other than `ok` (after installing the hook, so never `no-hook` in practice). */
export function fromStatus(status: HookStatus, context: FailureContext): CaptureError {
  const detail = typeof status.message === 'string' ? status.message : undefined;
  if (status.status === 'unsupported-python') {
    return new CaptureError(
      'unsupported-python',
      `The debugged program runs ${status.implementation ?? 'Python'} ${status.version ?? ''}`.trimEnd() +
        '; Inspect Heap needs CPython 3.8 or later: select such an interpreter and restart debugging.',
    );
  }
  switch (status.code) {
    case 'not-paused':
      return notPaused(detail);
    case 'cannot-write':
      return new CaptureError(
        'cannot-write',
        `The debugged program cannot write its snapshot in ${context.snapshotDirectory ?? 'the temporary directory'}: ` +
          'choose a temporary directory it can write to (it must run as the same user, on this machine).',
        detail,
      );
    case 'agent-missing':
      return new CaptureError(
        'agent-missing',
        `The debugged program cannot read the Heap Inspector agent at ${context.agentDirectory}: ` +
          'it must run on this machine, as a user who can read the extension’s files.',
        detail,
      );
    case 'interrupted':
      return new CaptureError(
        'interrupted',
        'The debugger interrupted the capture (PYDEVD_INTERRUPT_THREAD_TIMEOUT is set): raise or unset it and try again.',
        detail,
      );
    default:
      return agentFailed(detail ?? JSON.stringify(status).slice(0, 200));
  }
}

function notPaused(detail: string | undefined): CaptureError {
  return new CaptureError(
    'not-paused',
    'The selected frame is not paused any more: pause the program (a breakpoint or Pause) and try again.',
    detail,
  );
}

function agentFailed(detail: string): CaptureError {
  return new CaptureError(
    'agent-failed',
    `The capture failed inside the debugged program (${detail}); the log has the details.`,
    detail,
  );
}

function withDetail(error: CaptureError, detail: string): CaptureError {
  return new CaptureError(error.code, error.message, detail);
}
