import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TypeFlag } from '../../protocol/snapshot';
import { analyze } from '../../server/engine/analysis';
import { summarize } from '../../server/engine/summary';
import { HeapBuilder } from '../helpers/heapBuilder';
import { smallProgram } from '../helpers/sampleHeaps';

describe('summary', () => {
  test('a small heap, field by field', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    const s = summarize(snap);
    const hex = (v: number) => snap.addressHex(v);
    const { retained, ...rest } = s;
    assert.deepEqual(rest, {
      schema: 'python-heap-inspector-summary',
      version: 1,
      capture: {
        file: 'app.py',
        line: 12,
        function: 'main',
        python: '3.11.9',
        pid: 4242,
        time: 1700000000,
      },
      heap: { objects: 13, tracked: 12, references: 12, bytes: 13 * 56, byGeneration: [3, 1, 8] },
      unreachable: {
        count: 4,
        byType: { '__main__.Node': 2, '__main__.Res': 1, 'builtins.list': 1 },
        bytes: 4 * 56,
      },
      finalizers: {
        del: { count: 1, byType: { '__main__.Res': 1 } },
        weakrefFinalize: {
          pending: 1,
          selfDefeating: 0,
          willFire: 1,
          atexit: 1,
          entries: [
            {
              address: hex(p.fin),
              referentType: '__main__.Node',
              referentAddress: hex(p.a),
              func: 'cleanup',
              atexit: true,
              selfDefeating: false,
              willFire: true,
            },
          ],
        },
      },
      weakrefs: { total: 2, dead: 1, cleared: 1, callbacksFired: 1 },
      generations: [
        {
          generation: 0,
          count: 0,
          byType: {},
          bytes: 0,
          finalizers: { count: 0, byType: {} },
          weakrefsCleared: 0,
          callbacksFired: 0,
          finalizeCallbacksFired: 0,
        },
        {
          generation: 1,
          count: 1,
          byType: { '__main__.Res': 1 },
          bytes: 56,
          finalizers: { count: 1, byType: { '__main__.Res': 1 } },
          weakrefsCleared: 1,
          callbacksFired: 1,
          finalizeCallbacksFired: 0,
        },
        {
          generation: 2,
          count: 4,
          byType: { '__main__.Node': 2, '__main__.Res': 1, 'builtins.list': 1 },
          bytes: 224,
          finalizers: { count: 1, byType: { '__main__.Res': 1 } },
          weakrefsCleared: 1,
          callbacksFired: 1,
          finalizeCallbacksFired: 1,
        },
      ],
      cycles: [
        {
          size: 2,
          unreachable: true,
          byType: { '__main__.Node': 2 },
          finalizers: 0,
          addresses: [hex(p.a), hex(p.b)],
        },
        {
          size: 1,
          unreachable: true,
          byType: { 'builtins.list': 1 },
          finalizers: 0,
          addresses: [hex(p.list)],
        },
        {
          size: 1,
          unreachable: true,
          byType: { '__main__.Res': 1 },
          finalizers: 1,
          addresses: [hex(p.r)],
        },
      ],
      gc: snap.meta.gc,
      warnings: ['attribute names of managed dicts are unavailable on this Python'],
    });
    // What holds the memory: the program's data only (not the module, its globals dict, the
    // functions, the frame, nor `fin`, which only a reference from C holds); garbage apart.
    const one = { objects: 1, tracked: 1, bytes: 56 };
    assert.deepEqual(retained?.totals, {
      heap: { objects: 13, tracked: 12, bytes: 728 },
      live: { objects: 9, tracked: 8, bytes: 9 * 56 },
      garbage: { objects: 4, tracked: 4, bytes: 4 * 56 },
      roots: 3,
    });
    assert.deepEqual(retained?.top, [
      { address: hex(p.w), type: 'builtins.weakref', path: '__main__.w', ...one },
      { address: hex(p.dead), type: 'builtins.weakref', path: '__main__.d', ...one },
      { address: hex(p.x), type: 'builtins.str', path: 'main.<locals>.x', ...one, tracked: 0 },
    ]);
    assert.equal(retained?.notion, 'nextCollection');
    // The same with a precomputed analysis, and as JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(summarize(snap, analyze(snap)))), s);
  });

  test('cycles: only those holding unreachable objects, largest first', () => {
    const h = new HeapBuilder();
    h.type('__main__.Res', { flags: TypeFlag.HasFinalizer | TypeFlag.PythonDel });
    const keep = h.obj('__main__.Node', { external: 1 });
    // A reachable 3-cycle: not listed.
    const r1 = h.obj('__main__.Node');
    const r2 = h.obj('__main__.Node');
    const r3 = h.obj('__main__.Node');
    h.ref(keep, r1, 'x').ref(r1, r2, 'x').ref(r2, r3, 'x').ref(r3, r1, 'x');
    // An unreachable 3-cycle with one finalized and one pending finalizer.
    const u1 = h.obj('__main__.Res');
    const u2 = h.obj('__main__.Res', { finalized: true });
    const u3 = h.obj('__main__.Node');
    h.ref(u1, u2, 'x').ref(u2, u3, 'x').ref(u3, u1, 'x');
    // A 25-cycle of garbage: only its first 20 addresses are listed.
    const big = Array.from({ length: 25 }, () => h.obj('builtins.dict'));
    big.forEach((v, i) => h.ref(v, big[(i + 1) % big.length], 'n', 2));
    // Garbage hanging off a reachable cycle does not list the reachable cycle.
    // (held by the garbage 3-cycle: an object nothing refers to would already have been freed).
    const leaf = h.obj('__main__.Node');
    h.ref(leaf, r1, 'up').ref(u3, leaf, 'child');
    const s = summarize(h.snapshot());
    assert.deepEqual(
      s.cycles.map((c) => [c.size, c.unreachable, c.finalizers, c.addresses.length]),
      [
        [25, true, 0, 20],
        [3, true, 1, 3],
      ],
    );
    assert.deepEqual(s.cycles[0].byType, { 'builtins.dict': 25 });
    assert.equal(s.unreachable.count, 29);
  });

  test('cycles are capped at 200', () => {
    const h = new HeapBuilder();
    for (let i = 0; i < 250; i++) {
      const a = h.obj('__main__.Node');
      h.ref(a, a, 'me');
    }
    const s = summarize(h.snapshot());
    assert.equal(s.cycles.length, 200);
    assert.equal(s.unreachable.count, 250);
  });

  test('says when automatic collections may not have matched plain python, and why', () => {
    const h = new HeapBuilder();
    h.obj('__main__.Node');
    const snapshot = h.snapshot();
    const reason = 'the program imported gc, which on 3.8 and 3.9 makes fewer objects';
    snapshot.meta.gc.schedule = { exact: false, reasons: [reason] };
    const warned = summarize(snapshot);
    assert.deepEqual(warned.gc.schedule, { exact: false, reasons: [reason] });
    assert.equal(warned.warnings.length, 1);
    assert.match(
      warned.warnings[0],
      /^Automatic collections may not have come at the same moments/,
    );
    assert.ok(warned.warnings[0].includes(reason));
    snapshot.meta.gc.schedule = { exact: true, reasons: [] };
    assert.deepEqual(summarize(snapshot).warnings, []);
    // With automatic collection off there is no schedule to differ.
    snapshot.meta.gc.schedule = { exact: false, reasons: [reason] };
    snapshot.meta.gc.enabled = false;
    assert.deepEqual(summarize(snapshot).warnings, []);
  });
});
