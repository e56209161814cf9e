/**
 * Shows a run's capture progress on the terminal (standard error) while the program runs: the
 * progress file (server/runner/progressFile.ts) in the run's private folder, polled, drawn by
 * progressLine.ts. Only when standard error is a terminal: piped, nothing changes at all (no file,
 * no option to the runner).
 *
 * The program shares the terminal. So the line is marked shown in the file before it is drawn
 * (and not drawn if the capture ended meanwhile), and cleared as soon as the capture ends; the
 * runner lets the program go on only once it is cleared, so the program's next output never
 * lands on it.
 */
import { join } from 'node:path';
import {
  createProgressFile,
  PROGRESS_FILE_NAME,
  ProgressFileReader,
  type ProgressReading,
} from '../server/runner/progressFile';
import { ProgressLine } from './progressLine';

/** A capture shorter than this shows nothing. */
export const PROGRESS_DELAY_MS = 1000;
/** How often the file is read while a capture runs (the program waits up to this long after a
 * capture that showed a line), and while it does not. */
const CAPTURING_POLL_MS = 50;
const IDLE_POLL_MS = 200;

export interface ProgressDisplay {
  /** The file to give the runner (`--progress-out`). */
  path: string;
  /** Clears the line (if shown) and stops reading: call when the program has ended. */
  stop(): void;
}

/** Starts showing progress on `stream` if it is a terminal; undefined otherwise (or if the file
 * cannot be made: the run goes on without progress). */
export function startProgressDisplay(
  folder: string,
  stream: NodeJS.WriteStream,
): ProgressDisplay | undefined {
  if (!stream.isTTY) return undefined;
  const path = join(folder, PROGRESS_FILE_NAME);
  let reader: ProgressFileReader;
  try {
    createProgressFile(path);
    reader = new ProgressFileReader(path);
  } catch {
    return undefined;
  }
  const line = new ProgressLine((text) => stream.write(text), {
    delayMs: PROGRESS_DELAY_MS,
    now: () => performance.now(),
    columns: () => stream.columns,
    dumb: process.env.TERM === 'dumb',
  });
  let flagged = false;
  let timer: NodeJS.Timeout | undefined;
  const show = (reading: ProgressReading): void => {
    if (!line.shown && line.due(reading)) {
      reader.markShown(true);
      flagged = true;
      reading = reader.read(); // ended meanwhile: the runner did not see the flag
    }
    line.update(reading);
    if (flagged && !line.shown) {
      reader.markShown(false);
      flagged = false;
    }
  };
  const tick = (): void => {
    let state: ProgressReading['state'] = 'waiting';
    try {
      const reading = reader.read();
      state = reading.state;
      show(reading);
    } catch {
      // An unreadable file shows nothing more; the run does not depend on it.
    }
    timer = setTimeout(tick, state === 'capturing' ? CAPTURING_POLL_MS : IDLE_POLL_MS);
    timer.unref();
  };
  timer = setTimeout(tick, IDLE_POLL_MS);
  timer.unref();
  return {
    path,
    stop: () => {
      clearTimeout(timer);
      line.clear();
      try {
        if (flagged) reader.markShown(false);
        reader.close();
      } catch {
        // The folder is about to be removed anyway.
      }
    },
  };
}
