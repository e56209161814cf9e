/**
 * What the agent needs of an interpreter, asked of the interpreter itself: CPython 3.8+, and its
 * cache tag (which names compiled files). The CLI and the extension each decide which
 * interpreter to ask (cli/python.ts; extension/python/) and how to say what is wrong.
 */
import { spawnSync } from 'node:child_process';
import { isAbsolute } from 'node:path';

export interface PythonInfo {
  executable: string;
  implementation: string;
  version: [number, number, number];
  /** `sys.implementation.cache_tag`, e.g. `cpython-311`: names compiled files. */
  cacheTag: string;
  /** `sys.executable`, when it answered one: our own helper runs (the accelerator's ABI and
   * build) start it directly, since a launcher such as pyenv's shim adds ~0.15 s to each start.
   * The user's program still runs as the user named the interpreter. */
  resolved?: string;
}

const PROBE =
  'import sys; print(sys.implementation.name, *sys.version_info[:3], sys.implementation.cache_tag, sep=" "); print(sys.executable)';
export const MINIMUM_VERSION: [number, number] = [3, 8];

/** The interpreter's facts, or why there are none: it cannot be run, or it is not Python 3. */
export function probePython(executable: string): PythonInfo | 'missing' | 'not-python3' {
  // -S: without the site module, which answers none of this. The user's start-up code (a
  // sitecustomize, .pth files) runs once, in the program, as under plain python; and its start
  // is not paid twice (0.02 s here, where site imports much).
  const result = spawnSync(executable, ['-S', '-c', PROBE], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) {
    return 'missing';
  }
  const [first, resolved] = (result.stdout ?? '').split('\n');
  const match = /^(\w+) (\d+) (\d+) (\d+) (\S+)\s*$/.exec(first ?? '');
  if (result.status !== 0 || !match) {
    return 'not-python3';
  }
  const info: PythonInfo = {
    executable,
    implementation: match[1],
    version: [Number(match[2]), Number(match[3]), Number(match[4])],
    cacheTag: match[5],
  };
  // An absolute path only: an embedded or odd interpreter may answer "" or a bare name.
  if (resolved !== undefined && isAbsolute(resolved) && !/[\r\n]/.test(resolved)) {
    info.resolved = resolved;
  }
  return info;
}

/** Why the agent cannot run in this interpreter (one sentence), or null when it can. */
export function unsupportedPython(info: PythonInfo): string | null {
  const version = info.version.join('.');
  const needed = `CPython ${MINIMUM_VERSION.join('.')}+`;
  if (info.implementation !== 'cpython') {
    return `${info.executable} is ${info.implementation} ${version}: heap-inspector reads CPython's collector and needs ${needed}`;
  }
  const [major, minor] = info.version;
  if (major < MINIMUM_VERSION[0] || (major === MINIMUM_VERSION[0] && minor < MINIMUM_VERSION[1])) {
    return `${info.executable} is Python ${version}, too old: heap-inspector needs ${needed}`;
  }
  return null;
}
