/**
 * An interpreter's ABI facts (build_accel.py `describe`), remembered in the runner cache so that a
 * later run does not start the interpreter once more only to ask (about 0.05 s of every CLI run).
 *
 * Kept per interpreter binary: the key is its real path, size and modification time, so an
 * upgraded or reinstalled interpreter is asked again; and per accelerator sources (a new
 * `describe` may answer more). Only for `sys.executable` as the interpreter reported it, a binary:
 * a launcher (pyenv's shim) may pick another interpreter the next time and is never cached.
 * A remembered answer is used only from a file the cache trusts (ours, private, not a link) and
 * only when it parses as `describe`'s answer; otherwise the interpreter is asked and the answer
 * written again.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runnerCacheFolder, trustedFile, writePrivateFile } from './runnerCache';

/** build_accel.py `describe`'s answer: the facts, or why there are none (one clause). */
export type AbiAnswer<Facts> = Facts | string;

/** The cache file that would hold the facts of `executable`, or null when it has no stable key. */
export function abiCacheName(executable: string, sourceDigest: string): string | null {
  try {
    const real = realpathSync(executable);
    const st = statSync(real);
    if (!st.isFile()) return null;
    const key = createHash('sha256')
      .update(JSON.stringify([real, st.size, Math.round(st.mtimeMs), st.ino, sourceDigest]))
      .digest('hex')
      .slice(0, 24);
    return `abi-${key}.json`;
  } catch {
    return null; // gone or unreadable: asked every time
  }
}

/**
 * The facts of `executable`: remembered, or asked with `describe` and remembered when it answers.
 * `parse` checks a remembered text as `describe`'s output is checked.
 */
export function rememberedAbi<Facts>(
  executable: string,
  sourceDigest: string,
  describe: (executable: string) => AbiAnswer<Facts>,
  parse: (text: string) => AbiAnswer<Facts>,
): AbiAnswer<Facts> {
  const folder = runnerCacheFolder();
  const name = abiCacheName(executable, sourceDigest);
  if (folder === null || name === null) return describe(executable);
  const path = join(folder, name);
  if (trustedFile(path)) {
    try {
      const remembered = parse(readFileSync(path, 'utf8'));
      if (typeof remembered !== 'string') return remembered;
    } catch {
      // unreadable: asked again below
    }
  }
  const facts = describe(executable);
  if (typeof facts !== 'string') writePrivateFile(folder, name, JSON.stringify(facts));
  return facts;
}
