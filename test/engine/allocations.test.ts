/**
 * Allocation sites end to end: a program run with tracemalloc on, captured by the real agent;
 * the engine reads the optional alloc.* columns and the heap view says which line allocated each
 * unreachable object.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, buildHeapView, readSnapshotFile } from '../../server/engine/index';
import { findPython } from '../../scripts/python.mjs';

const RUNNER = join(__dirname, '..', '..', 'agent', 'heap_inspector_run.py');

it('unreachable objects carry the line that allocated them when tracemalloc is on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hi-alloc-'));
  const script = join(dir, 'leak.py');
  writeFileSync(
    script,
    'class Conn:\n    def __init__(self):\n        self.me = self\n\ndef make():\n    return Conn()\n\nmake()\nx = 1\n',
  );
  const snapshot = join(dir, 'leak.heapsnap');
  const r = spawnSync(
    findPython(),
    [RUNNER, 'run', '--at', `${script}:9`, '--out', snapshot, script],
    {
      env: { ...process.env, PYTHONTRACEMALLOC: '3' },
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const snap = readSnapshotFile(snapshot);
  assert.ok(snap.allocNode && snap.allocNode.length > 0);
  const view = buildHeapView(snap, analyze(snap));
  const conn = view.nodes.find((n) => n.type === '__main__.Conn');
  assert.ok(conn);
  assert.equal(conn.unreachable, true);
  assert.deepEqual(conn.allocation, { file: script, line: 6 });
});
