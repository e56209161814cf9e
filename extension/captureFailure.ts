/**
 * The extension's one error for "a capture (or a real collection) did not happen", whatever ran
 * it: the DAP capture core (its CaptureErrors, converted in debug/sessionCapture.ts), the agent's
 * runner (run/withRunner.ts), the debugger run to a line, or the capture gate refusing a second
 * capture. Its `kind` picks what the notification offers (ui/notify.ts); its message is already a
 * sentence for the user; `detail` goes to the log only.
 */

export type CaptureFailureKind =
  | 'cancelled'
  | 'timeout'
  | 'session-ended'
  | 'resumed'
  | 'not-cpython'
  | 'evaluate-unsupported'
  | 'cannot-write'
  /** Another capture runs: ours (see `running`), or one still running in the debuggee. */
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
    /**
     * For `busy` from the capture gate: what runs (its label). It can be cancelled, so the
     * notification offers that; a capture still running inside the debuggee cannot.
     */
    readonly running?: string,
  ) {
    super(message);
    this.name = 'CaptureFailure';
  }
}

/** The capture gate's refusal: one capture at a time. */
export function captureBusy(running: string): CaptureFailure {
  return new CaptureFailure(
    'busy',
    `A heap capture is already running (${running}).`,
    undefined,
    running,
  );
}
