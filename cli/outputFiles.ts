/**
 * Writing the CLI's outputs: checked before the (possibly long) program run, and written so that
 * nothing half-written is ever left behind and nothing but the target changes.
 *
 * - A regular file (or a new one) is written under a new temporary name beside it (created
 *   exclusively: a planted link cannot redirect it), then renamed over it; it keeps its mode.
 *   Through a symbolic link, the file it points to is replaced; the link stays.
 * - A character device or a FIFO (`/dev/null`, `/dev/stdout`, `>(cmd)`) is written in place:
 *   it stays what it is, and no temporary file is made beside it.
 * - A block device or a socket is refused with one line: writing a report there is never meant.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors';

type TargetKind =
  'missing' | 'regular' | 'folder' | 'character device' | 'FIFO' | 'block device' | 'socket';

function kindOf(st: Stats | undefined): TargetKind {
  if (st === undefined) return 'missing';
  if (st.isFile()) return 'regular';
  if (st.isDirectory()) return 'folder';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isFIFO()) return 'FIFO';
  if (st.isBlockDevice()) return 'block device';
  return 'socket';
}

/** The target's status, following symbolic links; undefined when nothing is there. */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Throws a UserError unless `path` can be written: a new or regular file in a writable folder, or
 * (unless `regularOnly`) a writable character device or FIFO.
 */
export function checkWritable(
  option: string,
  path: string,
  { regularOnly = false }: { regularOnly?: boolean } = {},
): string {
  const absolute = resolve(path);
  const st = statOf(absolute);
  const kind = kindOf(st);
  if (kind === 'folder') throw new UserError(`${option} ${path} is a folder; give a file name`);
  if (kind === 'block device' || kind === 'socket') {
    throw new UserError(`${option} ${path} is a ${kind}; give a file name`);
  }
  if ((kind === 'character device' || kind === 'FIFO') && regularOnly) {
    throw new UserError(
      `${option} ${path} is a ${kind}; it is read back after the run: give a regular file`,
    );
  }
  const target = kind === 'regular' ? realpathSync(absolute) : absolute;
  const folder = dirname(target);
  if (kind === 'missing' && !statOf(folder)?.isDirectory()) {
    throw new UserError(
      `${option} ${path}: folder ${folder} does not exist; create it or choose another path`,
    );
  }
  try {
    if (kind === 'missing' || kind === 'regular') accessSync(folder, constants.W_OK);
    if (kind !== 'missing') accessSync(target, constants.W_OK);
  } catch {
    throw new UserError(`${option} ${path} is not writable; choose another path`);
  }
  return absolute;
}

export function writeFileAtomically(path: string, data: string | Uint8Array): void {
  writeFileAtomicallyWith(path, (fd) => writeFileSync(fd, data));
}

/**
 * The same, for content too large to hold at once: `fill` writes it to the open file descriptor
 * in as many writes as it likes. Errors of the file system become one UserError line; any other
 * error `fill` throws passes through unchanged (after the temporary file is removed).
 */
export function writeFileAtomicallyWith(path: string, fill: (fd: number) => void): void {
  const fail = (error: unknown): never => {
    if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
      throw new UserError(`cannot write ${path}: ${error.message}`);
    }
    throw error;
  };
  const st = statOf(path);
  const kind = kindOf(st);
  if (kind === 'character device' || kind === 'FIFO') {
    try {
      const fd = openSync(path, 'w');
      try {
        fill(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      fail(error);
    }
    return;
  }
  if (kind !== 'missing' && kind !== 'regular') {
    throw new UserError(`cannot write ${path}: it is a ${kind}; give a file name`);
  }
  const target = kind === 'regular' ? realpathSync(path) : path;
  const temporary = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = openSync(temporary, 'wx', 0o666);
    try {
      fill(fd);
    } finally {
      closeSync(fd);
    }
    if (st !== undefined) chmodSync(temporary, st.mode & 0o7777);
    renameSync(temporary, target);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing to clean up
    }
    fail(error);
  }
}
