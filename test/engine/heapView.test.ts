import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EdgeKind, TypeFlag } from '../../protocol/snapshot';
import { analyze } from '../../server/engine/analysis';
import { buildHeapView } from '../../server/engine/heapView';
import { summarize } from '../../server/engine/summary';
import { HeapBuilder } from '../helpers/heapBuilder';
import { smallProgram } from '../helpers/sampleHeaps';

describe('heap view', () => {
  test('unreachable objects, finalize referents, the paused frame and its locals', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    const analysis = analyze(snap);
    const view = buildHeapView(snap, analysis);
    assert.deepEqual(view.summary, summarize(snap, analysis));
    assert.equal(view.truncated, null);
    assert.deepEqual(
      view.nodes.map((n) => [
        n.id,
        n.label,
        n.unreachable,
        n.cycle,
        n.finalizer,
        n.root,
        n.generation,
      ]),
      [
        [p.a, 'Node', true, 0, 'finalize', false, 0],
        [p.b, 'Node', true, 0, null, false, 0],
        [p.list, 'list (2)', true, 1, null, false, 2],
        [p.r, 'Res', true, 2, 'del', false, 1],
        [p.frame, 'main:12', false, null, null, true, 0],
        [p.x, "'hello'", false, null, null, true, null],
      ],
    );
    const a = view.nodes[0];
    assert.equal(a.address, snap.addressHex(p.a));
    assert.equal(a.type, '__main__.Node');
    assert.equal(a.category, 'instance');
    assert.equal(a.size, 56);
    assert.equal(a.refcount, 2);
    assert.equal(a.selfDefeating, false);
    assert.deepEqual(view.edges, [
      { from: p.a, to: p.b, label: '.next', weak: false },
      { from: p.b, to: p.a, label: '.next', weak: false },
      { from: p.list, to: p.a, label: '[0]', weak: false },
      { from: p.list, to: p.list, label: '[1]', weak: false },
      { from: p.r, to: p.r, label: '.me', weak: false },
      { from: p.frame, to: p.x, label: 'x', weak: false },
    ]);
    assert.deepEqual(view.cycles, [
      { id: 0, size: 2, unreachable: true, members: [p.a, p.b] },
      { id: 1, size: 1, unreachable: true, members: [p.list] },
      { id: 2, size: 1, unreachable: true, members: [p.r] },
    ]);
  });

  test('caps the node count, keeping unreachable objects first', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    const view = buildHeapView(snap, analyze(snap), { maxNodes: 3 });
    assert.deepEqual(
      view.nodes.map((n) => n.id),
      [p.a, p.b, p.list],
    );
    assert.deepEqual(view.truncated, { shown: 3, total: 6 });
    assert.deepEqual(
      view.edges.map((e) => [e.from, e.to]),
      [
        [p.a, p.b],
        [p.b, p.a],
        [p.list, p.a],
        [p.list, p.list],
      ],
    );
    assert.deepEqual(view.cycles, [
      { id: 0, size: 2, unreachable: true, members: [p.a, p.b] },
      { id: 1, size: 1, unreachable: true, members: [p.list] },
    ]);
  });

  test('the default cap is 2000 nodes', () => {
    const h = new HeapBuilder();
    for (let i = 0; i < 2100; i++) {
      const v = h.obj('__main__.Node');
      h.ref(v, v, 'me');
    }
    const snap = h.snapshot();
    const view = buildHeapView(snap, analyze(snap));
    assert.equal(view.nodes.length, 2000);
    assert.deepEqual(view.truncated, { shown: 2000, total: 2100 });
    assert.equal(view.summary.cycles.length, 200);
    assert.equal(view.cycles.length, 2000);
  });

  test('self-defeating finalize chains, weak edges, finalizer kinds, labels', () => {
    const h = new HeapBuilder();
    h.type('__main__.Gen', {
      flags: TypeFlag.HasFinalizer | TypeFlag.GeneratorLike,
      category: 'generator',
    });
    h.type('_io.FileIO', { flags: TypeFlag.HasFinalizer, category: 'other' });
    const frame = h.obj('builtins.frame', { gen: 0 });
    const ws = h.obj('__main__.Workspace');
    const bound = h.obj('builtins.method');
    h.ref(bound, ws, '__self__', EdgeKind.Slot);
    const fin = h.obj('weakref.finalize', { external: 1 });
    h.finalize({ node: fin, referent: ws, func: bound });
    const registry = h.obj('builtins.dict', { external: 1 });
    h.ref(registry, bound, 'func', EdgeKind.StrKey);
    // A reachable cycle holds nothing unreachable: not shown.
    const keep = h.obj('builtins.list', { external: 1 });
    h.ref(keep, keep, 0);
    // Garbage: a generator, a file and a weakref to the file, a long str, a dict with a key object.
    const gen = h.obj('__main__.Gen', { name: 'produce' });
    const file = h.obj('_io.FileIO');
    const wr = h.obj('builtins.weakref');
    const text = h.obj('builtins.str', { name: 'x'.repeat(50) });
    const num = h.obj('builtins.int', { name: '12345' });
    const d = h.obj('builtins.dict');
    const key = h.obj('__main__.Key');
    h.ref(gen, file, 'f', EdgeKind.Local).ref(file, gen, 'owner').ref(file, wr, 'wr');
    h.ref(wr, gen, 'cb_holder').weakref(wr, file);
    h.ref(gen, d, 'd', EdgeKind.Local).ref(d, key, '<__main__.Key>', EdgeKind.KeyObject);
    h.ref(d, text, '<__main__.Key>', EdgeKind.OtherKey).ref(d, num, 'n', EdgeKind.StrKey);
    h.ref(d, gen, 'g', EdgeKind.StrKey);
    h.pausedFrame(frame, 'run', 7).local(frame, ws, 'ws');
    const snap = h.snapshot();
    const view = buildHeapView(snap, analyze(snap));
    const byId = new Map(view.nodes.map((n) => [n.id, n]));
    assert.deepEqual(
      view.nodes.map((n) => n.id),
      [gen, file, wr, d, key, ws, bound, frame],
    );
    assert.equal(byId.get(gen)?.finalizer, 'generator');
    assert.equal(byId.get(gen)?.label, 'produce');
    assert.equal(byId.get(file)?.finalizer, 'native');
    assert.equal(byId.get(d)?.label, 'dict (3)');
    assert.equal(byId.get(ws)?.selfDefeating, true);
    assert.equal(byId.get(ws)?.finalizer, 'finalize');
    assert.equal(byId.get(ws)?.root, true);
    assert.equal(byId.get(frame)?.label, 'run:7');
    assert.equal(byId.has(keep), false);
    assert.equal(byId.has(text), false, 'atoms are untracked, not unreachable');
    const labels = view.edges.map((e) => `${e.from}->${e.to} ${e.label}${e.weak ? ' weak' : ''}`);
    assert.deepEqual(
      labels.sort(),
      [
        `${bound}->${ws} __self__`,
        `${d}->${gen} ['g']`,
        `${d}->${key} key <__main__.Key>`,
        `${file}->${gen} .owner`,
        `${file}->${wr} .wr`,
        `${frame}->${ws} ws`,
        `${gen}->${d} d`,
        `${gen}->${file} f`,
        `${wr}->${file}  weak`,
        `${wr}->${gen} .cb_holder`,
      ].sort(),
    );
  });

  test('node labels of atoms are cut at 40 characters', () => {
    const h = new HeapBuilder();
    const frame = h.obj('builtins.frame');
    const text = h.obj('builtins.str', { name: 'y'.repeat(50) });
    const num = h.obj('builtins.int', { name: '12345' });
    const mod = h.obj('builtins.module', { name: 'app.models' });
    h.pausedFrame(frame, 'f', 1).local(frame, text, 's').local(frame, num, 'n');
    h.local(frame, mod, 'm');
    const snap = h.snapshot();
    const labels = buildHeapView(snap, analyze(snap)).nodes.map((n) => n.label);
    assert.deepEqual(labels, ['f:1', `'${'y'.repeat(39)}…'`, '12345', 'app.models']);
  });
});

describe('engine entry point', () => {
  test('an empty heap analyses to an empty view', async () => {
    const engine = await import('../../server/engine/index');
    const snap = engine.readSnapshot(new HeapBuilder().build({ compress: true }));
    const view = engine.buildHeapView(snap, engine.analyze(snap));
    assert.deepEqual([view.nodes, view.edges, view.cycles, view.truncated], [[], [], [], null]);
    assert.equal(view.summary.heap.objects, 0);
    assert.equal(engine.shortestPathFromRoots(snap, 0), null);
  });
});
