/**
 * The runner's first stage, compiled once per interpreter next to the compiled runner.
 *
 * `agent/heap_inspector_start.py` measures the collector's count and free lists before anything
 * of the runner is loaded; `agent/build_start.py` compiles it with every tuple padded so that
 * loading it changes nothing but the count (see both files). Without it (the runner could not be
 * compiled, or building failed) the runner keeps the collector's schedule approximately and the
 * snapshot says so.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { agentDirectory } from './agentFiles';
import type { PythonInfo } from './python';

/** Path of the compiled first stage for this interpreter, or null when there is none. */
export function startStage(python: PythonInfo, compiledRunnerPath: string): string | null {
  if (!compiledRunnerPath.endsWith('.pyc')) {
    return null;
  }
  const source = join(agentDirectory(), 'heap_inspector_start.py');
  const builder = join(agentDirectory(), 'build_start.py');
  const digest = createHash('sha256')
    .update(readFileSync(source))
    .update(readFileSync(join(agentDirectory(), 'heap_inspector_schedule.py')))
    .update(readFileSync(builder))
    .digest('hex')
    .slice(0, 16);
  const target = join(
    dirname(compiledRunnerPath),
    `heap_inspector_start-${python.cacheTag}-${digest}.pyc`,
  );
  if (existsSync(target)) {
    return target;
  }
  const result = spawnSync(python.executable, [builder, source, target], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status === 0 && existsSync(target)) {
    return target;
  }
  // One clear line; the run goes on with the approximate schedule (the snapshot says so).
  process.stderr.write(
    `heap-inspector: could not build ${basename(target)} (${(result.stderr || result.error?.message || '').trim()}); automatic collections will be approximate\n`,
  );
  return null;
}
