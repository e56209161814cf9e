/**
 * A real 32-bit CPython (Debian's i386 packages, fetched by scripts/i386-python.sh into a private
 * cache folder): the agent reads memory layouts whose offsets depend on the pointer size, so a
 * layout guessed for 64-bit must never be followed there. The capture must not harm the program,
 * must predict what the collector frees, and must label attributes and locals from memory.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../../protocol/summary';
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import { readSnapshotFile } from '../../server/engine/snapshotReader';
import { ROOT } from './scenarioRuns';

const CLI = join(ROOT, 'bin', 'heap-inspector.js');

function i386Python(): { python: string | null; reason: string } {
  // It may download a few Debian packages (about 10 MB) the first time.
  const r = spawnSync('sh', [join(ROOT, 'scripts', 'i386-python.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status === 0) return { python: r.stdout.trim(), reason: '' };
  if (r.error) return { python: null, reason: `scripts/i386-python.sh: ${r.error.message}` };
  return { python: null, reason: (r.stderr || 'scripts/i386-python.sh failed').trim() };
}

const { python, reason } = i386Python();

function capture(at: string, extra: string[] = []): { status: number | null; output: string } {
  const r = spawnSync(
    process.execPath,
    [CLI, 'snapshot', '--python', python!, '--at', at, ...extra, 'examples/connection_pool.py'],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
  );
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe('32-bit CPython (i386)', { skip: python === null ? reason : false }, () => {
  it('captures connection_pool.py: no crash, the 3 leaked Connections, attributes and locals named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hi-i386-'));
    try {
      const out = join(dir, 'capture.heapsnap');
      const json = join(dir, 'summary.json');
      const r = capture('examples/connection_pool.py:54', ['--out', out, '--json', json]);
      assert.equal(r.status, 0, `the CLI failed (status ${r.status}):\n${r.output}`);
      // The program ran to its end: its own output after the line is there.
      assert.match(r.output, /after gc\.collect\(\), still open: \[\]/);
      const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
      assert.deepEqual(summary.unreachable.byType, { '__main__.Connection': 3 });
      assert.deepEqual(summary.finalizers.del.byType, { '__main__.Connection': 3 });
      // No C compiler for i386 here: the pure-Python kernel reads the heap, and says so.
      assert.deepEqual(summary.warnings.filter(notAboutTheAccelerator), []);

      const snapshot = readSnapshotFile(out);
      assert.equal(snapshot.meta.python.pointerSize, 4);
      const connections: number[] = [];
      for (let node = 0; node < snapshot.nodeCount; node++) {
        if (snapshot.typeName(node) === '__main__.Connection') connections.push(node);
      }
      assert.equal(connections.length, 3);
      for (const node of connections) {
        const labels: string[] = [];
        for (let e = snapshot.edgeStart[node]; e < snapshot.edgeStart[node + 1]; e++) {
          const kind = snapshot.edgeKind[e];
          const name = snapshot.strings[snapshot.edgeName[e]];
          const target = snapshot.typeName(snapshot.edgeTo[e]);
          labels.push(`${kind === EdgeKind.Attr ? '.' : `kind ${kind} `}${name} -> ${target}`);
        }
        assert.deepEqual(labels.sort(), [
          '.name -> builtins.str',
          '.pool -> __main__.ConnectionPool',
          '.self_reference -> __main__.Connection',
          `kind ${EdgeKind.Slot} __class__ -> builtins.type`,
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the locals of a paused function (read from its frame)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hi-i386-'));
    try {
      const out = join(dir, 'capture.heapsnap');
      // Inside handle_request(), on its last line: pool, name, leak and conn are bound.
      const r = capture('examples/connection_pool.py:47', ['--out', out]);
      assert.equal(r.status, 0, `the CLI failed (status ${r.status}):\n${r.output}`);
      const snapshot = readSnapshotFile(out);
      assert.deepEqual(snapshot.meta.warnings.filter(notAboutTheAccelerator), []);
      const paused = snapshot.frames.paused[0].node;
      const locals: string[] = [];
      for (let i = 0; i < snapshot.rootCount; i++) {
        if (snapshot.rootKind[i] === RootKind.FrameLocal && snapshot.rootFrame[i] === paused) {
          const target = snapshot.typeName(snapshot.rootNode[i]);
          locals.push(`${snapshot.strings[snapshot.rootName[i]]} -> ${target}`);
        }
      }
      assert.deepEqual(locals.sort(), [
        'conn -> __main__.Connection',
        'leak -> builtins.bool',
        'name -> builtins.str',
        'pool -> __main__.ConnectionPool',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Whether a warning is something other than the line saying the accelerator was not used. */
function notAboutTheAccelerator(warning: string): boolean {
  return !warning.startsWith('the native accelerator was not used');
}
