/**
 * How a program ended, said the way a shell says it: an exit status, or the signal that killed it
 * (by name, with what it usually means) and the status a shell reports for that, 128 + N.
 */
import { constants } from 'node:os';

export interface ProgramEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const MEANING: Partial<Record<NodeJS.Signals, string>> = {
  SIGSEGV: 'segmentation fault',
  SIGBUS: 'bus error',
  SIGABRT: 'aborted',
  SIGFPE: 'floating-point exception',
  SIGILL: 'illegal instruction',
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGHUP: 'hangup',
  SIGQUIT: 'quit',
  SIGPIPE: 'broken pipe',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
  SIGUSR1: 'user signal 1',
  SIGUSR2: 'user signal 2',
  SIGALRM: 'alarm clock',
};

/** The status a shell reports: the exit code, or 128 + the signal's number. */
export function shellStatus(end: ProgramEnd): number {
  if (end.signal !== null) return 128 + (constants.signals[end.signal] ?? 15);
  return end.code ?? 1;
}

/** `SIGSEGV (segmentation fault)`. */
export function signalText(signal: NodeJS.Signals): string {
  const meaning = MEANING[signal];
  return meaning ? `${signal} (${meaning})` : signal;
}

/** `was killed by SIGSEGV (segmentation fault)`, `was interrupted (SIGINT)`, `ended (status 4)`. */
export function fateText(end: ProgramEnd): string {
  if (end.signal === 'SIGINT') return 'was interrupted (SIGINT)';
  if (end.signal !== null) return `was killed by ${signalText(end.signal)}`;
  return `ended (status ${end.code ?? '?'})`;
}

let endByInterrupt = false;

/**
 * The CLI's exit status for a program that ended this way. A program interrupted by Ctrl-C ends
 * the CLI as python ends itself (killed by SIGINT after its output is flushed), so that a shell
 * sees 130 and stops a script's loop: main does that when `mustEndByInterrupt()`.
 */
export function exitLikeProgram(end: ProgramEnd): number {
  if (end.signal === 'SIGINT') endByInterrupt = true;
  return shellStatus(end);
}

export function mustEndByInterrupt(): boolean {
  return endByInterrupt;
}
