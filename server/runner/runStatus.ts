/**
 * What the runner says about the capture (`--status-out FILE`, agent/heap_inspector_run.py): a
 * small file it replaces whole at each step. It is the runner's own channel, in the run's private
 * folder, so a program printing the runner's messages cannot fake an outcome.
 *
 *   capturing            the line was reached (the wanted hit); the capture started
 *   captured             the snapshot (and, with --collect, the collection's record) is written
 *   failed\nMESSAGE      the capture (or the collection) failed; the runner printed MESSAGE too
 *   unreached\nHITS      the program ended without the wanted hit; the runner said so
 *   refused\nMESSAGE     the runner did not start the program (bad --at line…); it said why
 *
 * No file: the program ended before the runner could say anything (a signal, os._exit).
 */
import { readFileSync } from 'node:fs';

export type RunState = 'none' | 'capturing' | 'captured' | 'failed' | 'unreached' | 'refused';

export interface RunStatus {
  state: RunState;
  /** For `failed` and `refused`: why. */
  message?: string;
}

const STATES: RunState[] = ['capturing', 'captured', 'failed', 'unreached', 'refused'];

export function readRunStatus(path: string): RunStatus {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { state: 'none' };
  }
  const [first, ...rest] = text.split('\n');
  const state = STATES.find((s) => s === first) ?? 'none';
  const message = rest.join('\n').trim();
  return message ? { state, message } : { state };
}
