/**
 * Finding and checking the Python interpreter the agent runs in: `--python`, then
 * $HEAP_INSPECTOR_PYTHON, then `python3` and `python` on PATH. It must be CPython 3.8+.
 */
import { spawnSync } from 'node:child_process';
import { UserError } from './errors';

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

function probe(executable: string): PythonInfo | 'missing' | 'not-python3' {
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

/** The interpreter to use, checked; throws a UserError that says what to do otherwise. */
export function findPython(explicit?: string): PythonInfo {
  const candidates = explicit
    ? [explicit]
    : process.env.HEAP_INSPECTOR_PYTHON
      ? [process.env.HEAP_INSPECTOR_PYTHON]
      : ['python3', 'python'];
  for (const candidate of candidates) {
    const info = probe(candidate);
    if (info === 'missing') {
      if (explicit || candidates.length === 1) {
        throw new UserError(
          `cannot run Python "${candidate}": install CPython ${MINIMUM_VERSION.join('.')}+ or pass --python PATH`,
        );
      }
      continue;
    }
    if (info === 'not-python3') {
      throw new UserError(
        `"${candidate}" is not Python 3 (Python 2 or not Python at all): heap-inspector needs CPython ${MINIMUM_VERSION.join('.')}+; pass --python PATH`,
      );
    }
    return checkPython(info);
  }
  throw new UserError(
    `no Python found on PATH (tried python3, python): install CPython ${MINIMUM_VERSION.join('.')}+ or pass --python PATH`,
  );
}

export function checkPython(info: PythonInfo): PythonInfo {
  const version = info.version.join('.');
  if (info.implementation !== 'cpython') {
    throw new UserError(
      `${info.executable} is ${info.implementation} ${version}: heap-inspector reads CPython's collector and needs CPython ${MINIMUM_VERSION.join('.')}+; pass --python PATH`,
    );
  }
  const [major, minor] = info.version;
  if (major < MINIMUM_VERSION[0] || (major === MINIMUM_VERSION[0] && minor < MINIMUM_VERSION[1])) {
    throw new UserError(
      `${info.executable} is Python ${version}, too old: heap-inspector needs CPython ${MINIMUM_VERSION.join('.')}+; pass --python PATH`,
    );
  }
  return info;
}
