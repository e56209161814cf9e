/**
 * The CLI's scratch folders: private (`mkdtemp`, mode 0700) in the temporary folder, one per
 * run, removed when the run ends. A CLI killed outright (SIGKILL) cannot remove its own, so each
 * folder's name carries its owner's pid and pid namespace, and every run first removes the ones
 * whose owner is gone: ours (same uid), in our pid namespace, from a process that no longer exists.
 */
import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from './errors';

const PREFIX = 'heap-inspector-run-';
const NAME = /^heap-inspector-run-(\d+)-(\d+)-[A-Za-z0-9]{6}$/;

/** Our pid namespace's inode on Linux (a pid means nothing outside it), else 0. */
function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
  } catch {
    return '0';
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A new private folder for one run; a UserError that says what to do if none can be made. */
export function createScratchFolder(): string {
  const base = tmpdir();
  try {
    return mkdtempSync(join(base, `${PREFIX}${process.pid}-${pidNamespace()}-`));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError(
      `cannot create a temporary folder in ${base} (${code}): set TMPDIR to a writable folder`,
    );
  }
}

/** Removes the scratch folders that runs killed before they could clean up left behind. */
export function removeAbandonedScratchFolders(): void {
  const base = tmpdir();
  const uid = process.geteuid?.();
  const namespace = pidNamespace();
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match || match[2] !== namespace || Number(match[1]) === process.pid) continue;
    const path = join(base, name);
    try {
      const st = lstatSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      if (processExists(Number(match[1]))) continue;
      rmSync(path, { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
}
