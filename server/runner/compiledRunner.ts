/**
 * The runner, compiled once per interpreter.
 *
 * Run from a .pyc, the runner can measure exactly what loading its own code cost the collector's
 * allocation count (unmarshalling again costs the same; compiling again does not: the compiler
 * keeps caches), and so keep the program's collection schedule identical to plain python's
 * (see agent/heap_inspector_run.py, _keep_schedule). `agent/build_runner.py` builds it: the
 * runner's code, then the code of `heap_inspector_catch_line.py` (how the line is caught), which
 * the runner loads from the same file, so that it never calls compile() in the program's process.
 *
 * The .pyc is kept in the runner cache (runnerCache.ts: a folder only we can write, files
 * only we own) or, when there is no safe cache, compiled into the run's private folder.
 */
import { join } from 'node:path';
import { agentDirectory, compiledFileName, runnerScript } from './agentFiles';
import type { PythonInfo } from './pythonInfo';
import { buildPrivateFile, runnerCacheFolder, trustedFile } from './runnerCache';

export interface CompiledRunner {
  /** The .pyc to run (or the source, if compiling failed). */
  path: string;
  /** The checked cache folder it is in, or null (private folder, or the source). */
  cacheFolder: string | null;
}

/** The files the compiled runner is built from: the runner, what it carries, the builder. */
export const RUNNER_FILES = [
  'heap_inspector_run.py',
  'heap_inspector_catch_line.py',
  'build_runner.py',
];

/** Compiles the runner to `folder/name` (a temporary name, then a rename); whether it worked. */
function compileInto(python: PythonInfo, source: string, folder: string, name: string): boolean {
  const builder = join(agentDirectory(), 'build_runner.py');
  return buildPrivateFile(folder, name, (temporary) => ({
    executable: python.executable,
    args: ['-I', builder, source, temporary],
  }));
}

/** The compiled runner for this interpreter; `privateFolder` (the run's own) if no cache is safe. */
export function compiledRunner(python: PythonInfo, privateFolder: string): CompiledRunner {
  const source = runnerScript();
  const name = compiledFileName('heap_inspector_run', python.cacheTag, RUNNER_FILES);
  const cache = runnerCacheFolder();
  if (cache !== null) {
    if (trustedFile(join(cache, name)) || compileInto(python, source, cache, name)) {
      return { path: join(cache, name), cacheFolder: cache };
    }
  }
  if (compileInto(python, source, privateFolder, name)) {
    return { path: join(privateFolder, name), cacheFolder: null };
  }
  return { path: source, cacheFolder: null };
}
