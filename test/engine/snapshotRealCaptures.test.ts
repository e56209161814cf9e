/**
 * The reader's checks are strict; what the agent writes must pass them on every interpreter.
 * The fixture program is captured afresh with each installed CPython (as the fuzz fixture was
 * with one) and read back: the whole model, summary and view, and what the program holds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readSnapshotFile } from '../../server/engine/snapshotReader';
import { useSnapshot } from '../helpers/snapshotChecks';

const SCRIPT = join(__dirname, '..', 'fixtures', 'snapshots', 'capture_small.py');
const work = mkdtempSync(join(tmpdir(), 'hi-real-captures-'));
const interpreters = [
  ...['3.8.18', '3.9.18', '3.10.13', '3.11.7', '3.12.1', '3.13.0'].map((v) =>
    join(homedir(), '.pyenv', 'versions', v, 'bin', 'python'),
  ),
  '/usr/bin/python3',
];

describe('snapshots the agent writes now pass every check of the reader', () => {
  for (const python of interpreters) {
    test(python, { skip: !existsSync(python) }, () => {
      const out = join(work, `${python.replace(/\W+/g, '_')}.heapsnap`);
      const r = spawnSync(python, ['-S', '-I', SCRIPT, out], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const snapshot = readSnapshotFile(out);
      const { summary, text } = useSnapshot(snapshot);
      assert.equal(summary.unreachable.byType['__main__.Node'], 2);
      assert.equal(summary.finalizers.weakrefFinalize.pending, 2);
      assert.equal(summary.finalizers.weakrefFinalize.selfDefeating, 1);
      assert.equal(snapshot.frames.threads.length, 2);
      assert.ok((snapshot.allocNode?.length ?? 0) > 0, 'tracemalloc was on: alloc.* columns');
      assert.match(text, /in main\(\)/);
    });
  }
});
