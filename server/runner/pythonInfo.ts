/**
 * What the agent needs of an interpreter, asked of the interpreter itself: CPython 3.8+, and its
 * cache tag (which names compiled files). The CLI and the extension each decide which
 * interpreter to ask (cli/python.ts; extension/python/) and how to say what is wrong.
 */
import { spawnSync } from 'node:child_process';

export interface PythonInfo {
  executable: string;
  implementation: string;
  version: [number, number, number];
  /** `sys.implementation.cache_tag`, e.g. `cpython-311`: names compiled files. */
  cacheTag: string;
}

const PROBE =
  'import sys; print(sys.implementation.name, *sys.version_info[:3], sys.implementation.cache_tag, sep=" ")';
export const MINIMUM_VERSION: [number, number] = [3, 8];

/** The interpreter's facts, or why there are none: it cannot be run, or it is not Python 3. */
export function probePython(executable: string): PythonInfo | 'missing' | 'not-python3' {
  const result = spawnSync(executable, ['-c', PROBE], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) {
    return 'missing';
  }
  const match = /^(\w+) (\d+) (\d+) (\d+) (\S+)\s*$/.exec(result.stdout ?? '');
  if (result.status !== 0 || !match) {
    return 'not-python3';
  }
  return {
    executable,
    implementation: match[1],
    version: [Number(match[2]), Number(match[3]), Number(match[4])],
    cacheTag: match[5],
  };
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
