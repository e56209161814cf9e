/**
 * The runner, compiled once per interpreter into a cache folder.
 *
 * Run from a .pyc, the runner can measure exactly what loading its own code cost the collector's
 * allocation count (unmarshalling again costs the same; compiling again does not: the compiler
 * keeps caches), and so keep the program's collection schedule identical to plain python's
 * (see agent/heap_inspector_run.py, _keep_schedule).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runnerScript } from './agentFiles';
import type { PythonInfo } from './python';

function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'heap-inspector', 'runner');
}

/** Path of the compiled runner for this interpreter, or the source if compiling fails. */
export function compiledRunner(python: PythonInfo): string {
  const source = runnerScript();
  const digest = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  for (const folder of [cacheRoot(), join(tmpdir(), 'heap-inspector-runner')]) {
    const target = join(folder, `heap_inspector_run-${python.cacheTag}-${digest}.pyc`);
    if (existsSync(target)) {
      return target;
    }
    try {
      mkdirSync(folder, { recursive: true });
    } catch {
      continue;
    }
    const result = spawnSync(
      python.executable,
      [
        '-c',
        'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)',
        source,
        target,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (result.status === 0 && existsSync(target)) {
      return target;
    }
  }
  return source;
}
