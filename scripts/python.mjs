// The Python interpreter the tests and scripts use: $HEAP_INSPECTOR_PYTHON, else python3 on PATH.
import { spawnSync } from 'node:child_process';

export function findPython() {
  if (process.env.HEAP_INSPECTOR_PYTHON) return process.env.HEAP_INSPECTOR_PYTHON;
  for (const candidate of ['python3', 'python']) {
    const r = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info[0])'], {
      encoding: 'utf8',
    });
    if (r.status === 0 && r.stdout.trim() === '3') return candidate;
  }
  throw new Error('No python3 on PATH: install Python 3.8+ or set HEAP_INSPECTOR_PYTHON');
}
