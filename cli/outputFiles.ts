/**
 * Writing the CLI's outputs: checked before the (possibly long) program run, written
 * atomically (temporary file + rename) so that nothing half-written is ever left behind.
 */
import {
  accessSync,
  constants,
  existsSync,
  renameSync,
  statSync,
  writeFileSync,
  unlinkSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors';

/** Throws a UserError unless `path` can be written (its folder exists and is writable). */
export function checkWritable(option: string, path: string): string {
  const absolute = resolve(path);
  const folder = dirname(absolute);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UserError(
      `${option} ${path}: folder ${folder} does not exist; create it or choose another path`,
    );
  }
  if (existsSync(absolute) && statSync(absolute).isDirectory()) {
    throw new UserError(`${option} ${path} is a folder; give a file name`);
  }
  try {
    accessSync(folder, constants.W_OK);
    if (existsSync(absolute)) {
      accessSync(absolute, constants.W_OK);
    }
  } catch {
    throw new UserError(`${option} ${path} is not writable; choose another path`);
  }
  return absolute;
}

export function writeFileAtomically(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing to clean up
    }
    throw new UserError(`cannot write ${path}: ${(error as Error).message}`);
  }
}
