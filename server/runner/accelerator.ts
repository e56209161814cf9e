/**
 * The native accelerator (agent/accel/): which built module a run passes to the agent, or why
 * it passes none.
 *
 * A module runs inside the user's program, so it follows the runner cache's rules exactly
 * (runnerCache.ts): used only when it is a regular file we own that no one else can write, built
 * under a temporary name and renamed, in the checked cache folder or, without one, in the run's
 * private folder. Its name carries everything that decides whether a build fits: the resolved
 * interpreter path and that file's size and time (an interpreter rebuilt in place), the version,
 * ABI flags and extension suffix, and a digest of the C sources and their builder. In order:
 *   1. a build in the cache;
 *   2. a prebuilt module shipped with the extension (agent/accel/prebuilt/, scripts/package.mjs)
 *      for this extension suffix, built from these very sources, in a folder chain only root or
 *      we can change;
 *   3. a build now, with the interpreter's own compiler and headers (agent/accel/build_accel.py).
 * Nothing is ever downloaded. Without any, the run uses the pure-Python kernel and the snapshot
 * says why in one line (the agent's accel_loader.py makes the line). The agent checks the file
 * and the ABI again before loading it. `HEAP_INSPECTOR_ACCELERATOR=off` turns it off; `=build`
 * skips the prebuilt modules (one that does not load here, say for an older C library, is
 * reported in the snapshot's warnings).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { agentDirectory } from './agentFiles';
import type { PythonInfo } from './pythonInfo';
import { rememberedAbi } from './abiCache';
import { runnerCacheFolder, temporaryName, trustedChain, trustedFile } from './runnerCache';

export type AcceleratorChoice =
  | { kind: 'native'; path: string; origin: 'cache' | 'prebuilt' | 'built' }
  | { kind: 'pure'; reason: string };

/** What build_accel.py `describe` reports of an interpreter. */
export interface AbiFacts {
  executable: string;
  hexversion: number;
  abiflags: string;
  extSuffix: string;
  pointerSize: number;
}

/** The environment variable that turns the accelerator off (`off`, `0`, `no`, `false`). */
export const ACCELERATOR_SWITCH = 'HEAP_INSPECTOR_ACCELERATOR';
const BUILD_SECONDS = 300;

export function acceleratorFolder(): string {
  return join(agentDirectory(), 'accel');
}

/** sha256 of the C sources and the builder, in name order: what a build is made from. */
export function acceleratorSourceDigest(): string {
  const folder = acceleratorFolder();
  const files = readdirSync(folder)
    .filter((name) => /\.(c|h)$/.test(name) || name === 'build_accel.py')
    .sort();
  const digest = createHash('sha256');
  for (const file of files) {
    digest.update(file);
    digest.update('\0');
    digest.update(readFileSync(join(folder, file)));
  }
  return digest.digest('hex').slice(0, 32);
}

/** The interpreter's ABI facts, or why they could not be had (one clause). */
export function describeAbi(executable: string): AbiFacts | string {
  const builder = join(acceleratorFolder(), 'build_accel.py');
  const result = spawnSync(executable, ['-I', '-B', builder, 'describe'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) {
    const why = (result.stderr || result.error?.message || 'no reason given').trim().split('\n');
    return `the interpreter could not describe its ABI (${why[why.length - 1]})`;
  }
  return parseAbiFacts(result.stdout);
}

/**
 * The ABI facts, asked of the interpreter the probe reported (`sys.executable`, skipping a
 * launcher's start-up) and, if that cannot answer (a wrapper whose interpreter needs the
 * wrapper's environment), of the command the user named. `executable`: the one that answered.
 */
function describeInterpreter(
  python: PythonInfo,
  sourceDigest: string,
): {
  facts: AbiFacts | string;
  executable: string;
} {
  if (python.resolved !== undefined) {
    // A binary's answer is remembered (abiCache.ts); a launcher's never is.
    const facts = rememberedAbi(python.resolved, sourceDigest, describeAbi, parseAbiFacts);
    if (typeof facts !== 'string') return { facts, executable: python.resolved };
    if (python.resolved === python.executable) return { facts, executable: python.executable };
  }
  return { facts: describeAbi(python.executable), executable: python.executable };
}

/** build_accel.py `describe`'s answer, or why it is not one (one clause). */
export function parseAbiFacts(stdout: string): AbiFacts | string {
  try {
    const facts = JSON.parse(stdout) as AbiFacts;
    if (typeof facts.extSuffix !== 'string' || !/^[\w.-]+$/.test(facts.extSuffix)) {
      return `the interpreter reports an odd extension suffix (${String(facts.extSuffix)})`;
    }
    return facts;
  } catch {
    return 'the interpreter could not describe its ABI (unreadable answer)';
  }
}

/** The file name of a build for this interpreter and these sources. */
export function acceleratorName(facts: AbiFacts, sourceDigest: string): string {
  const key = createHash('sha256');
  let real = facts.executable;
  let stamp = '';
  try {
    real = realpathSync(facts.executable);
    const st = lstatSync(real);
    stamp = `${st.size}:${Math.round(st.mtimeMs)}`;
  } catch {
    // the interpreter moved since it answered: the name still differs from any other's
  }
  key.update(
    JSON.stringify([real, stamp, facts.hexversion, facts.abiflags, facts.extSuffix, sourceDigest]),
  );
  return `heap_inspector_accel-${key.digest('hex').slice(0, 20)}${facts.extSuffix}`;
}

interface PrebuiltManifest {
  sourceDigest: string;
  /** extension suffix -> file name in the prebuilt folder */
  modules: Record<string, string>;
}

/** The folder of the modules prebuilt for the .vsix (scripts/prebuild-accel.mjs). */
export function prebuiltFolder(): string {
  return join(acceleratorFolder(), 'prebuilt');
}

/** A prebuilt module for this extension suffix, built from these sources, in a trusted place. */
export function prebuiltModule(
  facts: AbiFacts,
  sourceDigest: string,
  folder = prebuiltFolder(),
): string | null {
  const manifestPath = join(folder, 'manifest.json');
  if (!existsSync(manifestPath)) return null;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PrebuiltManifest;
    const file = manifest.modules?.[facts.extSuffix];
    if (manifest.sourceDigest !== sourceDigest || typeof file !== 'string') return null;
    if (basename(file) !== file) return null;
    const path = join(realpathSync(folder), file);
    return installedFileTrusted(path) ? path : null;
  } catch {
    return null;
  }
}

/** A shipped file: regular, owned by root or us, writable by no one else, in a trusted chain. */
function installedFileTrusted(path: string): boolean {
  const uid = process.geteuid?.();
  if (uid === undefined) return false;
  try {
    const st = lstatSync(path);
    if (!st.isFile() || (st.uid !== uid && st.uid !== 0) || (st.mode & 0o022) !== 0) return false;
    return trustedChain(dirname(path), uid);
  } catch {
    return false;
  }
}

/** Builds into `folder/name` (a temporary name, then a rename); null, or why it failed. */
function buildInto(
  executable: string,
  digest: string,
  folder: string,
  name: string,
): string | null {
  const builder = join(acceleratorFolder(), 'build_accel.py');
  const temporary = temporaryName(folder, name);
  // -B: the builder loads the agent's accel_loader.py, and nothing is written beside the agent.
  const result = spawnSync(executable, ['-I', '-B', builder, 'build', temporary, digest], {
    encoding: 'utf8',
    timeout: BUILD_SECONDS * 1000,
  });
  try {
    if (result.status !== 0) {
      const lines = (result.stderr || result.error?.message || 'no reason given')
        .trim()
        .split('\n');
      throw new Error(lines[lines.length - 1]);
    }
    renameSync(temporary, join(folder, name));
    return trustedFile(join(folder, name)) ? null : 'the built file is not ours alone';
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // never written
    }
    return error instanceof Error ? error.message : String(error);
  }
}

function acceleratorSetting(): string {
  return (process.env[ACCELERATOR_SWITCH] ?? '').trim().toLowerCase();
}

/** Whether the user turned the accelerator off (`HEAP_INSPECTOR_ACCELERATOR=off`). */
export function acceleratorSwitchedOff(): boolean {
  return ['off', '0', 'no', 'false'].includes(acceleratorSetting());
}

/**
 * The accelerator for a run with `python`; `privateFolder` (the run's own) if no cache is safe.
 * With `buildLater` (the extension host, which must not wait for a compiler), a missing build is
 * not made now: `buildLater(executable)` starts one in the background for the next run, and this
 * run uses the pure-Python kernel.
 */
export function accelerator(
  python: PythonInfo,
  privateFolder: string,
  buildLater?: (executable: string) => unknown,
): AcceleratorChoice {
  if (acceleratorSwitchedOff()) {
    return { kind: 'pure', reason: `turned off by ${ACCELERATOR_SWITCH}` };
  }
  const digest = acceleratorSourceDigest();
  const { facts, executable } = describeInterpreter(python, digest);
  if (typeof facts === 'string') return { kind: 'pure', reason: facts };
  const name = acceleratorName(facts, digest);
  const cache = runnerCacheFolder();
  if (cache !== null && trustedFile(join(cache, name))) {
    return { kind: 'native', path: join(cache, name), origin: 'cache' };
  }
  // HEAP_INSPECTOR_ACCELERATOR=build: a build of our own even where a prebuilt module fits.
  const prebuilt = acceleratorSetting() === 'build' ? null : prebuiltModule(facts, digest);
  if (prebuilt !== null) return { kind: 'native', path: prebuilt, origin: 'prebuilt' };
  if (buildLater !== undefined && cache !== null) {
    buildLater(python.executable);
    return { kind: 'pure', reason: 'it is being built for this Python, for the next capture' };
  }
  const folder = cache ?? privateFolder;
  const problem = buildInto(executable, digest, folder, name);
  if (problem === null) return { kind: 'native', path: join(folder, name), origin: 'built' };
  return { kind: 'pure', reason: problem };
}

/** The runner's arguments that pass the choice to the agent (heap_inspector_run.py). */
export function acceleratorArguments(choice: AcceleratorChoice): string[] {
  return choice.kind === 'native'
    ? ['--accelerator', choice.path]
    : ['--no-accelerator', choice.reason];
}
