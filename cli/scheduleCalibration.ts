/**
 * Measures, once per interpreter, how far the runner's estimate of plain python's collection
 * schedule is off, so that the runner can correct it (`--schedule-offset`).
 *
 * The probe reads the collector's allocation count without importing gc (importing it would
 * itself allocate): a garbage cycle with a __del__ is created, then objects are allocated one by
 * one until the first automatic collection finalizes it. How many allocations that took tells the
 * count the program started with. The probe runs under plain python and under the runner; the
 * difference is the correction.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { agentPackageDirectory } from './agentFiles';
import type { CompiledRunner } from './compiledRunner';
import type { PythonInfo } from './python';
import { trustedFile, writePrivateFile } from './runnerCache';

const PROBE = `class Witness:
    def __del__(self):
        FIRED.append(len(KEEP))


FIRED = []
KEEP = []


def make_garbage():
    witness = Witness()
    witness.cycle = witness


make_garbage()
while not FIRED and len(KEEP) < 1000000:
    KEEP.append([])
print(FIRED[0] if FIRED else -1)


def never_called():
    pass
`;
const NEVER_LINE = 22;

function probeCount(python: string, args: string[]): number | null {
  const result = spawnSync(python, args, { encoding: 'utf8', timeout: 60_000 });
  const value = Number.parseInt((result.stdout ?? '').trim().split('\n').pop() ?? '', 10);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/**
 * The correction for this interpreter and compiled runner: cached next to the runner when it is
 * in the runner cache (read only from a file we own there), else measured in `privateFolder`.
 */
export function scheduleOffset(
  python: PythonInfo,
  runner: CompiledRunner,
  privateFolder: string,
): number {
  if (!runner.path.endsWith('.pyc')) {
    return 0;
  }
  const cacheName = `${basename(runner.path)}.schedule.json`;
  const cache = runner.cacheFolder === null ? null : join(runner.cacheFolder, cacheName);
  if (cache !== null && trustedFile(cache)) {
    try {
      const cached = JSON.parse(readFileSync(cache, 'utf8')) as { offset?: unknown };
      if (typeof cached.offset === 'number' && Number.isInteger(cached.offset)) {
        return cached.offset;
      }
    } catch {
      // recompute below
    }
  }
  const folder = mkdtempSync(join(privateFolder, 'probe-'));
  try {
    const probe = join(folder, 'schedule_probe.py');
    writeFileSync(probe, PROBE);
    const plain = probeCount(python.executable, [probe]);
    const underRunner = probeCount(python.executable, [
      runner.path,
      'run',
      '--agent-dir',
      agentPackageDirectory(),
      '--at',
      `${probe}:${NEVER_LINE}`,
      '--out',
      join(folder, 'unused.heapsnap'),
      probe,
    ]);
    const offset = plain === null || underRunner === null ? 0 : underRunner - plain;
    if (runner.cacheFolder !== null) {
      // An unwritable cache only costs a re-measurement next time.
      writePrivateFile(
        runner.cacheFolder,
        cacheName,
        JSON.stringify({ offset, plain, underRunner }) + '\n',
      );
    }
    return offset;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
