/**
 * The runner's first stage, compiled once per interpreter beside the compiled runner.
 *
 * `agent/heap_inspector_start.py` measures the collector's count and free lists before anything
 * of the runner is loaded; `agent/build_start.py` compiles it with every tuple padded so that
 * loading it changes nothing but the count (see both files). Without it (the runner could not be
 * compiled, or building failed) the runner keeps the collector's schedule approximately and the
 * snapshot says so.
 *
 * It is executed, so it follows the runner cache's rules (runnerCache.ts): used only when it
 * is a regular file we own that no one else can write, built under a temporary name and renamed,
 * in the checked cache folder or, without one, in the run's private folder.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { agentDirectory, compiledFileName } from './agentFiles';
import type { CompiledRunner } from './compiledRunner';
import type { PythonInfo } from './pythonInfo';
import { temporaryName, trustedFile } from './runnerCache';

/** Builds the first stage into `folder/name` (a temporary name, then a rename); why not, if not. */
function buildInto(python: PythonInfo, folder: string, name: string): string | null {
  const builder = join(agentDirectory(), 'build_start.py');
  const source = join(agentDirectory(), 'heap_inspector_start.py');
  const temporary = temporaryName(folder, name);
  const result = spawnSync(python.executable, ['-I', builder, source, temporary], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  try {
    if (result.status !== 0) {
      throw new Error((result.stderr || result.error?.message || 'no reason given').trim());
    }
    chmodSync(temporary, 0o600);
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

/** What the compiled first stage is built from (its name's digest covers them). */
export const START_FILES = [
  'heap_inspector_start.py',
  'heap_inspector_schedule.py',
  'build_start.py',
];

/** Path of the compiled first stage for this interpreter, or null when there is none. */
export function startStage(python: PythonInfo, runner: CompiledRunner): string | null {
  if (!runner.path.endsWith('.pyc')) {
    return null;
  }
  const name = compiledFileName('heap_inspector_start', python.cacheTag, START_FILES);
  // The runner's own folder: the checked cache, or the run's private folder.
  const folder = runner.cacheFolder ?? dirname(runner.path);
  if (trustedFile(join(folder, name))) {
    return join(folder, name);
  }
  const problem = buildInto(python, folder, name);
  if (problem === null) {
    return join(folder, name);
  }
  // One clear line; the run goes on with the approximate schedule (the snapshot says so).
  process.stderr.write(
    `heap-inspector: could not build ${name} (${problem.split('\n').pop()}); automatic collections will be approximate\n`,
  );
  return null;
}
