/**
 * The progress file: how a capture's progress leaves the program's process without touching its
 * stdio. Whoever waits for a capture creates the file in its private folder (the CLI's scratch
 * folder, the editor's capture folder) and polls it; the agent maps it into memory and stores
 * each report there (agent/heap_inspector_agent/progress.py, which has the layout). The runner
 * is given its path (`--progress-out`); the debugger hook finds it beside the snapshot.
 *
 * The program itself never holds it open: the agent maps it during the capture only. What is read
 * from it is checked (a whole record, a phase made of plain letters) before it is shown: a
 * program could write to it.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { CaptureProgress } from '../../protocol/captureProgress';

/** The name the debugger hook looks for beside the snapshot (debugger_hook.py PROGRESS_FILE). */
export const PROGRESS_FILE_NAME = 'progress';

const MAGIC = Buffer.from('PHIPROG1', 'ascii');
const SIZE = 64;
const PHASE = { start: 16, end: 32 };
const STATE = 56;
const SHOWN = 57;
const PHASE_NAME = /^[a-z][a-z0-9_-]{0,15}$/;

export type CaptureState = 'waiting' | 'capturing' | 'ended';

export interface ProgressReading {
  state: CaptureState;
  /** The latest whole report, if any came. */
  progress?: CaptureProgress;
}

/**
 * Creates the file, filled (not sparse: a mapped page must have its disk block before the
 * program writes to it), readable and writable by this user only. Throws if it exists.
 */
export function createProgressFile(path: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    const content = Buffer.alloc(SIZE);
    MAGIC.copy(content, 0);
    writeSync(fd, content, 0, SIZE, 0);
  } finally {
    closeSync(fd);
  }
}

export class ProgressFileReader {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(SIZE);
  private last: CaptureProgress | undefined;
  private closed = false;

  constructor(path: string) {
    this.fd = openSync(path, 'r+');
  }

  /** The capture's state and latest whole report (a report read while being written is skipped). */
  read(): ProgressReading {
    const buffer = this.buffer;
    if (
      this.closed ||
      readSync(this.fd, buffer, 0, SIZE, 0) !== SIZE ||
      !buffer.subarray(0, 8).equals(MAGIC)
    ) {
      return { state: 'waiting', progress: this.last };
    }
    const head = buffer.readBigUInt64LE(8);
    const tail = buffer.readBigUInt64LE(48);
    if (head !== 0n && head === tail) {
      const phase = buffer.toString('latin1', PHASE.start, PHASE.end).replace(/\0+$/, '');
      const done = Number(buffer.readBigUInt64LE(32));
      const total = Number(buffer.readBigUInt64LE(40));
      if (PHASE_NAME.test(phase) && done <= total) this.last = { phase, done, total };
    }
    const state = buffer[STATE] === 2 ? 'ended' : buffer[STATE] === 1 ? 'capturing' : 'waiting';
    return { state, progress: this.last };
  }

  /** Says whether the progress is on a terminal line: the runner lets the program go on after
   * the capture only once it is not (agent/heap_inspector_agent/progress.py). */
  markShown(shown: boolean): void {
    if (!this.closed) writeSync(this.fd, Buffer.from([shown ? 1 : 0]), 0, 1, SHOWN);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/**
 * Polls the file every `intervalMs` and calls `onProgress` with each new report (for the
 * editor's notification). `stop()` reads it one last time. A file that cannot be opened gives
 * no progress, never an error: the capture does not depend on it.
 */
export function pollProgress(
  path: string,
  onProgress: (progress: CaptureProgress) => void,
  intervalMs: number,
): { stop(): void } {
  let reader: ProgressFileReader;
  try {
    reader = new ProgressFileReader(path);
  } catch {
    return { stop: () => undefined };
  }
  let shown: CaptureProgress | undefined;
  const tick = (): void => {
    let reading: ProgressReading;
    try {
      reading = reader.read();
    } catch {
      return;
    }
    const now = reading.progress;
    if (
      now &&
      (now.phase !== shown?.phase || now.done !== shown.done || now.total !== shown.total)
    ) {
      shown = now;
      onProgress(now);
    }
  };
  const timer = setInterval(tick, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      reader.close();
    },
  };
}
