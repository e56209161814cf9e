/**
 * The folder that keeps the compiled runner and its schedule correction between runs, and the
 * rules that make executing from it safe: we only ever run, or trust data from, a file that we
 * created, in a folder that only we can write.
 *
 * Candidates, in order: `$XDG_CACHE_HOME/heap-inspector/runner` (an absolute XDG_CACHE_HOME; a
 * relative one is ignored, as the XDG specification says), else `~/.cache/heap-inspector/runner`,
 * then `$TMPDIR/heap-inspector-<uid>`. A candidate is used only if, checked every time with lstat
 * (symbolic links are not followed):
 *   - every folder above it, resolved (XDG_CACHE_HOME or ~/.cache may be a link), is owned by
 *     root or us and writable by no one else (unless sticky, like /tmp);
 *   - the folders we add are real directories owned by us, writable by no one else, and the cache
 *     folder itself is mode 0700 (tightened if it was only readable by others; refused if others
 *     could write to it).
 * Files in it are used only if they are regular files owned by us that no one else can write;
 * anything else is replaced by a fresh file, written under a temporary name and renamed. With no
 * usable candidate, there is no cache: the caller compiles into its private per-run folder.
 *
 * Every step is a single non-recursive system call: no setting of HOME, XDG_CACHE_HOME or TMPDIR
 * can make it loop (a recursive mkdir under /proc never returns).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

const S_ISVTX = 0o1000;
const WRITABLE_BY_OTHERS = 0o022;

interface Candidate {
  /** An existing folder the cache goes under. */
  anchor: string;
  /** Folders to create below it, the last one being the cache. */
  parts: string[];
}

function ourUid(): number | undefined {
  return process.geteuid?.();
}

/** The cache under `base` (XDG_CACHE_HOME or ~/.cache): from `base` itself when it exists (it
 * may be a link, say to another disk: its resolved path is checked), else from its parent. */
function under(base: string): Candidate {
  let exists = false;
  try {
    lstatSync(base);
    exists = true;
  } catch {
    exists = false;
  }
  return exists
    ? { anchor: base, parts: ['heap-inspector', 'runner'] }
    : { anchor: dirname(base), parts: [basename(base), 'heap-inspector', 'runner'] };
}

function candidates(uid: number): Candidate[] {
  const out: Candidate[] = [];
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) {
    out.push(under(resolve(xdg)));
  } else {
    let home: string | undefined;
    try {
      home = homedir();
    } catch {
      home = undefined; // no HOME and no passwd entry
    }
    // HOME itself is never created: only the .cache folder in an existing home.
    if (home && isAbsolute(home)) out.push(under(join(home, '.cache')));
  }
  const temporary = tmpdir();
  if (isAbsolute(temporary)) out.push({ anchor: temporary, parts: [`heap-inspector-${uid}`] });
  return out;
}

function ownedByUsOrRoot(st: Stats, uid: number): boolean {
  return st.uid === uid || st.uid === 0;
}

/** Every folder from `folder` (a resolved path) up to `/`: no one but root or us can change it. */
export function trustedChain(folder: string, uid: number): boolean {
  let current = folder;
  for (;;) {
    const st = lstatSync(current);
    if (!st.isDirectory() || !ownedByUsOrRoot(st, uid)) return false;
    if ((st.mode & WRITABLE_BY_OTHERS) !== 0 && (st.mode & S_ISVTX) === 0) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/** `path` is a real folder of ours that no one else can write; `last`: made mode 0700. */
function ourFolder(path: string, uid: number, last: boolean): boolean {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  const st = lstatSync(path);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & WRITABLE_BY_OTHERS) !== 0) return false;
  if (last && (st.mode & 0o077) !== 0) {
    // Ours and never writable by anyone else: what is in it is ours. Keep it private from now on.
    chmodSync(path, 0o700);
    return (lstatSync(path).mode & 0o077) === 0;
  }
  return true;
}

function secureFolder(candidate: Candidate, uid: number): string | null {
  try {
    let current = realpathSync(candidate.anchor);
    if (!trustedChain(current, uid)) return null;
    for (let i = 0; i < candidate.parts.length; i++) {
      current = join(current, candidate.parts[i]);
      if (!ourFolder(current, uid, i === candidate.parts.length - 1)) return null;
    }
    return current;
  } catch {
    return null;
  }
}

/** The cache folder to use now, checked, or null when no safe one exists. */
export function runnerCacheFolder(): string | null {
  const uid = ourUid();
  if (uid === undefined) return null; // no owners to check (Windows): no cache
  for (const candidate of candidates(uid)) {
    const folder = secureFolder(candidate, uid);
    if (folder !== null) return folder;
  }
  return null;
}

/** A regular file (not a link) owned by us that no one else can write. */
export function trustedFile(path: string): boolean {
  const uid = ourUid();
  try {
    const st = lstatSync(path);
    return st.isFile() && st.uid === uid && (st.mode & WRITABLE_BY_OTHERS) === 0;
  } catch {
    return false;
  }
}

/** A fresh, unused name in `folder` for a file about to be renamed to `name`. */
export function temporaryName(folder: string, name: string): string {
  return join(folder, `.${name}.${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Writes `folder/name` whole or not at all: a new private file (0600), then a rename. */
export function writePrivateFile(folder: string, name: string, data: string | Uint8Array): boolean {
  const temporary = temporaryName(folder, name);
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, join(folder, name));
    return true;
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // never created
    }
    return false;
  }
}

/**
 * Has a helper process write `folder/name`: `command(temporary)` gives the program and its
 * arguments, the helper writes the temporary file, which becomes private (0600) and is renamed into
 * place. Whether it is there now, owned by us and writable by no one else.
 */
export function buildPrivateFile(
  folder: string,
  name: string,
  command: (temporary: string) => { executable: string; args: string[] },
): boolean {
  const temporary = temporaryName(folder, name);
  const { executable, args } = command(temporary);
  const result = spawnSync(executable, args, { encoding: 'utf8', timeout: 60_000 });
  try {
    if (result.status !== 0) throw new Error(result.stderr);
    chmodSync(temporary, 0o600);
    renameSync(temporary, join(folder, name));
    return trustedFile(join(folder, name));
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // never written
    }
    return false;
  }
}
