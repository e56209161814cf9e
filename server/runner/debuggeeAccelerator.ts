/**
 * The native accelerator for a program paused under a debugger.
 *
 * The extension does not know which interpreter a debuggee runs (an attach session, a launch
 * configuration's own `python`), so it passes the debugger hook the folders where builds may be
 * (the checked runner cache, the prebuilt folder) and the digest of these sources; the agent
 * (accel_loader.find) reads the ABI written in each candidate file and loads the one built for
 * itself, under the same ownership rules as the runner's. The hook reports the interpreter it
 * ran in; when none fitted, the extension builds one for it in the background
 * (`prepareDebuggeeAccelerator`), for the next capture. Nothing here blocks the extension host.
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ACCELERATOR_SWITCH,
  acceleratorFolder,
  acceleratorName,
  prebuiltFolder,
  acceleratorSourceDigest,
  acceleratorSwitchedOff,
  parseAbiFacts,
} from './accelerator';
import { runnerCacheFolder, temporaryName, trustedFile } from './runnerCache';

const run = promisify(execFile);
const BUILD_MS = 300_000;

/**
 * The hook's `accelerator` argument (debugger_hook.py capture): `find:DIGEST\0FOLDER…`, or
 * `reason:WHY` when there is nothing to look in. A string, so that the call expression creates
 * no object the collector tracks.
 */
export function debuggeeAcceleratorArgument(): string {
  if (acceleratorSwitchedOff()) return `reason:turned off by ${ACCELERATOR_SWITCH}`;
  const folders: string[] = [];
  const cache = runnerCacheFolder();
  if (cache !== null) folders.push(cache);
  const prebuilt = prebuiltFolder();
  if (existsSync(prebuilt)) {
    try {
      folders.push(realpathSync(prebuilt));
    } catch {
      // removed meanwhile
    }
  }
  if (folders.length === 0) {
    return 'reason:there is no private cache folder to keep a build in';
  }
  return `find:${acceleratorSourceDigest()}\0${folders.join('\0')}`;
}

const preparing = new Map<string, Promise<boolean>>();

/**
 * Builds the accelerator for `executable` into the runner cache, once per extension host
 * (concurrent calls share one build); whether a build is there afterwards. Never throws.
 */
export function prepareDebuggeeAccelerator(executable: string): Promise<boolean> {
  if (acceleratorSwitchedOff() || executable === '') return Promise.resolve(false);
  let pending = preparing.get(executable);
  if (pending === undefined) {
    pending = buildInCache(executable).catch(() => false);
    preparing.set(executable, pending);
  }
  return pending;
}

async function buildInCache(executable: string): Promise<boolean> {
  const cache = runnerCacheFolder();
  if (cache === null) return false;
  const builder = join(acceleratorFolder(), 'build_accel.py');
  const described = await run(executable, ['-I', builder, 'describe'], { timeout: 60_000 });
  const facts = parseAbiFacts(described.stdout);
  if (typeof facts === 'string') return false;
  const digest = acceleratorSourceDigest();
  const name = acceleratorName(facts, digest);
  if (trustedFile(join(cache, name))) return true;
  const temporary = temporaryName(cache, name);
  try {
    await run(executable, ['-I', builder, 'build', temporary, digest], { timeout: BUILD_MS });
    renameSync(temporary, join(cache, name));
    return trustedFile(join(cache, name));
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // never written
    }
    // A failed build is not retried in this extension host: the next capture says why in its
    // snapshot (the hook finds nothing), and a run through the runner tries again.
    return false;
  }
}
