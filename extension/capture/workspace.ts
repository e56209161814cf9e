/**
 * The private directory a capture's snapshot is written to. `mkdtemp` creates it with mode 0700,
 * so whatever the agent writes inside (its `.partial-PID` file, then the snapshot) is readable by
 * this user only, whatever the debuggee's umask. Removing the directory removes everything a
 * capture may have left, including a partial file from a capture that failed or was abandoned.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CaptureError } from './errors';

export interface CaptureWorkspace {
  directory: string;
  snapshotPath: string;
  remove(): Promise<void>;
}

export async function createWorkspace(tempDirectory: string): Promise<CaptureWorkspace> {
  let directory: string;
  try {
    directory = await mkdtemp(join(tempDirectory, 'heap-inspector-'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CaptureError(
      'cannot-write',
      `Cannot create a private directory under ${tempDirectory} (${reason}): choose a writable temporary directory.`,
    );
  }
  return {
    directory,
    snapshotPath: join(directory, 'capture.heapsnap'),
    remove: () => rm(directory, { recursive: true, force: true, maxRetries: 3 }),
  };
}
