/**
 * What `snapshot` and `step` say once the program has ended, and with which exit status:
 *
 *   captured            the outputs are written; the status is the program's (128+N if a signal
 *                       killed it after the capture, said in one line)
 *   line not reached    3, or the program's own status if it failed (the runner said why)
 *   capture failed      5, or the program's own status if it failed (the runner said why)
 *   killed by a signal  128+N, the signal named; Ctrl-C ends the CLI by SIGINT as python does
 *   other ends          (os._exit before the line) said by the CLI: the runner could not
 */
import { UserError } from './errors';
import {
  exitLikeProgram,
  fateText,
  shellStatus,
  type ProgramEnd,
} from '../server/runner/programEnd';
import type { RunStatus } from '../server/runner/runStatus';

export const EXIT_LINE_NOT_REACHED = 3;
export const EXIT_CAPTURE_FAILED = 5;

function say(line: string): void {
  process.stderr.write(`heap-inspector: ${line}\n`);
}

/**
 * When the run produced nothing to report on: says why and returns the exit status (or throws
 * the UserError that says it). `noun` begins the line: "no snapshot", "nothing to step through".
 */
export function endWithoutCapture(
  end: ProgramEnd,
  status: RunStatus,
  at: string,
  noun: string,
): number {
  if (status.state === 'refused') return end.code ?? 1; // the runner said why; the program never ran
  if (status.state === 'failed') {
    if (end.signal !== null) {
      say(`${noun}: the capture at ${at} failed (see above)`);
      say(`the program ${fateText(end)} after the failed capture`);
      return exitLikeProgram(end);
    }
    if (end.code !== 0) {
      say(`${noun}: the capture at ${at} failed (see above)`);
      return end.code ?? 1;
    }
    throw new UserError(`${noun}: the capture at ${at} failed (see above)`, EXIT_CAPTURE_FAILED);
  }
  if (end.signal !== null) {
    const when =
      status.state === 'capturing' ? `during the capture at ${at}` : `before reaching ${at}`;
    say(`the program ${fateText(end)} ${when}; no snapshot was written`);
    return exitLikeProgram(end);
  }
  if (status.state === 'unreached') {
    // The runner said which line and how often it was reached.
    if (end.code !== 0) return end.code ?? 1;
    throw new UserError(`${noun}: ${at} was not reached (see above)`, EXIT_LINE_NOT_REACHED);
  }
  const when =
    status.state === 'capturing' ? `during the capture at ${at}` : `without reaching ${at}`;
  const line = `${noun}: the program ${fateText(end)} ${when}`;
  if (end.code !== 0) {
    say(line);
    return end.code ?? 1;
  }
  throw new UserError(line, EXIT_LINE_NOT_REACHED);
}

/** After the outputs of a capture: the program's status, and its fate if a signal ended it. */
export function endAfterCapture(end: ProgramEnd): number {
  if (end.signal !== null) say(`the program ${fateText(end)} after the capture`);
  return exitLikeProgram(end);
}

/** The CLI was asked to terminate (SIGTERM) and passed it on: it stops there, as asked. */
export function endTerminated(end: ProgramEnd): number {
  say(`terminated (SIGTERM): the program ${fateText(end)}; nothing was written`);
  return shellStatus({ code: null, signal: 'SIGTERM' });
}
