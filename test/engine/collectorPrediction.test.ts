import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TypeFlag } from '../../protocol/snapshot';
import { predictAllGenerations, predictCollection } from '../../server/engine/collectorPrediction';
import type { CollectionResult } from '../../server/engine/collectorPrediction';
import { analyze } from '../../server/engine/analysis';
import { HeapBuilder } from '../helpers/heapBuilder';

/** Node indices marked in a bitmap. */
function members(bitmap: Uint8Array): number[] {
  const out: number[] = [];
  bitmap.forEach((b, i) => {
    if (b === 1) out.push(i);
  });
  return out;
}

function unreachable(r: CollectionResult): number[] {
  return members(r.unreachable);
}

describe('collector prediction', () => {
  test('an object whose only reference is its own edge is unreachable', () => {
    const h = new HeapBuilder();
    const a = h.obj('__main__.Node', { gen: 0 });
    h.ref(a, a, 'me');
    const snap = h.snapshot();
    for (const g of [0, 1, 2]) {
      const r = predictCollection(snap, g);
      assert.deepEqual(unreachable(r), [a]);
      assert.equal(r.refcount[a], 1);
      assert.equal(r.internalRefs[a], 1);
      assert.equal(r.gcRefs[a], 0);
    }
  });

  test('a dropped 2-ring is unreachable', () => {
    const h = new HeapBuilder();
    const keep = h.obj('__main__.Keep', { gen: 0, external: 1 });
    const a = h.obj('__main__.Node', { gen: 0 });
    const b = h.obj('__main__.Node', { gen: 0 });
    h.ref(a, b, 'next').ref(b, a, 'next');
    const r = predictCollection(h.snapshot(), 0);
    assert.deepEqual(unreachable(r), [a, b]);
    assert.equal(r.unreachableCount, 2);
    assert.equal(r.unreachableBytes, 112);
    assert.equal(r.examined, 3);
    assert.equal(r.externalRoots, 1);
    assert.equal(r.gcRefs[keep], 1);
  });

  test('a ring still referenced by a local survives', () => {
    const h = new HeapBuilder();
    const frame = h.obj('builtins.frame', { gen: 0 });
    const a = h.obj('__main__.Node', { gen: 0 });
    const b = h.obj('__main__.Node', { gen: 0 });
    h.ref(a, b, 'next').ref(b, a, 'next');
    h.pausedFrame(frame, 'main', 10).local(frame, a, 'head');
    const snap = h.snapshot();
    const r = predictCollection(snap, 2);
    assert.deepEqual(unreachable(r), []);
    assert.equal(r.refcount[a], 2);
    assert.equal(r.internalRefs[a], 1);
    assert.equal(r.gcRefs[a], 1);
    assert.equal(r.gcRefs[b], 0);
  });

  test('a ring referenced from an untracked tuple is referenced from outside', () => {
    const h = new HeapBuilder();
    const t = h.obj('builtins.tuple', { tracked: false, external: 1 });
    const a = h.obj('__main__.Node', { gen: 0 });
    const b = h.obj('__main__.Node', { gen: 0 });
    h.ref(t, a, 0).ref(a, b, 'next').ref(b, a, 'next');
    const snap = h.snapshot();
    for (const g of [0, 1, 2]) {
      const r = predictCollection(snap, g);
      assert.deepEqual(unreachable(r), [], `generation ${g}`);
      assert.equal(r.internalRefs[a], 1);
      assert.equal(r.gcRefs[a], 1);
      assert.equal(r.inCollection[t], 0);
    }
  });

  test('an untracked tuple does not keep a ring alive when it is itself only in the ring', () => {
    // The tuple is untracked but its reference still counts in a's refcount: a survives.
    const h = new HeapBuilder();
    const a = h.obj('__main__.Node', { gen: 0 });
    const t = h.obj('builtins.tuple', { tracked: false });
    h.ref(a, t, 'pair').ref(t, a, 0);
    const r = predictCollection(h.snapshot(), 2);
    assert.deepEqual(unreachable(r), []);
    assert.equal(r.gcRefs[a], 1);
  });

  test('a gen-2 object keeps gen-0 ring members alive in young collections only', () => {
    const h = new HeapBuilder();
    const old = h.obj('__main__.Holder', { gen: 2 });
    const a = h.obj('__main__.Node', { gen: 0 });
    const b = h.obj('__main__.Node', { gen: 0 });
    // old refers to itself: an object nothing refers to would already have been freed.
    h.ref(old, old, 'me').ref(old, a, 'child').ref(a, b, 'next').ref(b, a, 'next');
    const snap = h.snapshot();
    const g0 = predictCollection(snap, 0);
    assert.deepEqual(unreachable(g0), []);
    assert.equal(g0.gcRefs[a], 1, 'the reference from gen 2 is external to a gen-0 collection');
    assert.equal(g0.inCollection[old], 0);
    assert.deepEqual(unreachable(predictCollection(snap, 1)), []);
    const g2 = predictCollection(snap, 2);
    assert.deepEqual(unreachable(g2), [old, a, b]);
    assert.equal(g2.gcRefs[a], 0);
  });

  test('a gen-1 object counts as inside for collections of generation 1 and 2', () => {
    const h = new HeapBuilder();
    const mid = h.obj('__main__.Holder', { gen: 1 });
    const a = h.obj('__main__.Node', { gen: 0 });
    h.ref(mid, a, 'child').ref(a, mid, 'parent');
    const snap = h.snapshot();
    assert.deepEqual(unreachable(predictCollection(snap, 0)), []);
    assert.deepEqual(unreachable(predictCollection(snap, 1)), [mid, a]);
    assert.deepEqual(unreachable(predictCollection(snap, 2)), [mid, a]);
  });

  test('references are counted with multiplicity', () => {
    const h = new HeapBuilder();
    const list = h.obj('builtins.list', { gen: 0 });
    const x = h.obj('__main__.Node', { gen: 0 });
    h.ref(list, x, 0).ref(list, x, 1).ref(x, list, 'owner');
    const snap = h.snapshot();
    const r = predictCollection(snap, 0);
    assert.equal(r.internalRefs[x], 2);
    assert.equal(r.gcRefs[x], 0);
    assert.deepEqual(unreachable(r), [list, x]);

    // One more reference from outside: x survives, the list does not.
    const h2 = new HeapBuilder();
    const list2 = h2.obj('builtins.list', { gen: 0 });
    const x2 = h2.obj('__main__.Node', { gen: 0, refcount: 3 });
    h2.ref(list2, x2, 0).ref(list2, x2, 1).ref(list2, list2, 2);
    const r2 = predictCollection(h2.snapshot(), 0);
    assert.equal(r2.gcRefs[x2], 1);
    assert.deepEqual(unreachable(r2), [list2]);
  });

  test('objects reachable from an externally referenced object survive with gc_refs 0', () => {
    const h = new HeapBuilder();
    const a = h.obj('__main__.Node', { gen: 0, external: 1 });
    const b = h.obj('__main__.Node', { gen: 0 });
    const c = h.obj('__main__.Node', { gen: 0 });
    const d = h.obj('__main__.Node', { gen: 0 });
    h.ref(a, b, 'x').ref(b, c, 'x').ref(c, b, 'back').ref(d, c, 'x').ref(d, d, 'me');
    const r = predictCollection(h.snapshot(), 0);
    assert.equal(r.gcRefs[b], 0);
    assert.equal(r.gcRefs[c], 0);
    assert.equal(r.gcRefs[a], 1);
    assert.equal(r.externalRoots, 1);
    assert.deepEqual(unreachable(r), [d]);
  });

  test('survival is only traversed through the collected generations', () => {
    // a (gen 0, external) → old (gen 2) → b (gen 0): b is held by old, which is outside a gen-0
    // collection, so b's gc_refs is 1 anyway; and c (gen 0, garbage) → old does not make old
    // collectable.
    const h = new HeapBuilder();
    const a = h.obj('__main__.Node', { gen: 0, external: 1 });
    const old = h.obj('__main__.Node', { gen: 2 });
    const b = h.obj('__main__.Node', { gen: 0 });
    const c = h.obj('__main__.Node', { gen: 0 });
    // d's reference count misses old's reference (an inexact capture): gc_refs 0, and the
    // collector never walks through old to find it, so d is unreachable to a gen-0 collection.
    const d = h.obj('__main__.Node', { gen: 0, refcount: 0 });
    h.ref(a, old, 'x').ref(old, b, 'x').ref(c, c, 'self').ref(old, d, 'y');
    const r = predictCollection(h.snapshot(), 0);
    assert.equal(r.gcRefs[b], 1);
    assert.equal(r.gcRefs[d], 0);
    assert.deepEqual(unreachable(r), [c, d]);
  });

  test('gc_refs below zero are reported and treated as zero', () => {
    const h = new HeapBuilder();
    const a = h.obj('__main__.Node', { gen: 0, refcount: 0 });
    const b = h.obj('__main__.Node', { gen: 0, refcount: 1 });
    h.ref(a, b, 'x').ref(b, a, 'x').ref(b, a, 'y');
    const r = predictCollection(h.snapshot(), 0);
    assert.equal(r.gcRefs[a], -2);
    assert.equal(r.negativeGcRefs, 1);
    assert.deepEqual(unreachable(r), [a, b]);
  });

  test('immortal objects are always referenced from outside', () => {
    const h = new HeapBuilder();
    const a = h.obj('__main__.Node', { gen: 0, refcount: 0xffffffff, immortal: true });
    const b = h.obj('__main__.Node', { gen: 0 });
    h.ref(a, b, 'x').ref(b, a, 'x');
    const r = predictCollection(h.snapshot(), 2);
    assert.equal(r.gcRefs[a], 0x7fffffff - 1);
    assert.deepEqual(unreachable(r), []);
  });

  test('untracked objects and the permanent generation are never collected', () => {
    const h = new HeapBuilder();
    const frozenA = h.obj('__main__.Node', { gen: 3 });
    const frozenB = h.obj('__main__.Node', { gen: 3 });
    const u = h.obj('__main__.Slotted', { tracked: false });
    h.ref(frozenA, frozenB, 'x').ref(frozenB, frozenA, 'x').ref(u, u, 'x');
    const r = predictCollection(h.snapshot(), 2);
    assert.equal(r.examined, 0);
    assert.deepEqual(unreachable(r), []);
  });

  test('finalizers that would run: pending ones among the unreachable only', () => {
    const h = new HeapBuilder();
    h.type('__main__.Res', {
      flags: TypeFlag.HasFinalizer | TypeFlag.PythonDel | TypeFlag.HeapType,
    });
    const a = h.obj('__main__.Res', { gen: 0 });
    const b = h.obj('__main__.Res', { gen: 0, finalized: true });
    const c = h.obj('__main__.Node', { gen: 0 });
    const live = h.obj('__main__.Res', { gen: 0, external: 1 });
    const gen = h.obj('builtins.generator', { gen: 0, suspended: true });
    h.ref(a, b, 'x').ref(b, c, 'x').ref(c, a, 'x').ref(c, gen, 'g').ref(gen, c, 'frame');
    const snap = h.snapshot();
    const r = predictCollection(snap, 0);
    assert.deepEqual(unreachable(r), [a, b, c, gen]);
    assert.deepEqual([...r.finalizerNodes], [a, gen]);
    assert.equal(r.finalizersByType[snap.nodeType[a]], 1);
    assert.equal(r.finalizersByType[snap.nodeType[gen]], 1);
    assert.equal(r.unreachableByType[snap.nodeType[a]], 2);
    assert.equal(r.unreachable[live], 0);
  });

  test('weak references: cleared when the referent dies; callbacks fire only from reachable weakrefs', () => {
    const h = new HeapBuilder();
    const r = h.obj('__main__.Node', { gen: 0 });
    h.ref(r, r, 'self');
    const cb = h.obj('builtins.function', { gen: 2, external: 1, name: 'on_dead' });
    const w1 = h.obj('builtins.weakref', { gen: 0, external: 1 }); // reachable, callback
    const w2 = h.obj('builtins.weakref', { gen: 0 }); // garbage itself, callback
    h.ref(r, w2, '_ref');
    const w3 = h.obj('builtins.weakref', { gen: 0, external: 1 }); // reachable, no callback
    const alive = h.obj('__main__.Node', { gen: 0, external: 1 });
    const w4 = h.obj('builtins.weakref', { gen: 0, external: 1 }); // referent alive
    const w5 = h.obj('builtins.weakref', { gen: 0, external: 1 }); // dead already
    h.weakref(w1, r, cb).weakref(w2, r, cb).weakref(w3, r).weakref(w4, alive, cb);
    h.weakref(w5, -1, cb);
    const snap = h.snapshot();
    const res = predictCollection(snap, 0);
    assert.deepEqual(unreachable(res), [r, w2]);
    assert.deepEqual([...res.clearedWeakrefs], [0, 1, 2]);
    assert.deepEqual([...res.firedCallbacks], [0]);
    // The full collection decides the same way.
    const full = predictCollection(snap, 2);
    assert.deepEqual([...full.clearedWeakrefs], [0, 1, 2]);
    assert.deepEqual([...full.firedCallbacks], [0]);
  });

  test('weakref.finalize entries fire when their referent is unreachable', () => {
    const h = new HeapBuilder();
    const dead = h.obj('__main__.Workspace', { gen: 0 });
    h.ref(dead, dead, 'self');
    const alive = h.obj('__main__.Workspace', { gen: 0, external: 1 });
    const fn = h.obj('builtins.function', { gen: 2, external: 1, name: 'cleanup' });
    const f1 = h.obj('weakref.finalize', { gen: 2, external: 1 });
    const f2 = h.obj('weakref.finalize', { gen: 2, external: 1 });
    h.finalize({ node: f1, referent: dead, func: fn });
    h.finalize({ node: f2, referent: alive, func: fn });
    const snap = h.snapshot();
    assert.deepEqual(predictCollection(snap, 0).finalizeFired, [0]);
    assert.deepEqual(predictCollection(snap, 2).finalizeFired, [0]);
  });

  test('the three generations use the same rules when everything is young', () => {
    const h = new HeapBuilder();
    const keep = h.obj('__main__.Node', { gen: 0, external: 1 });
    const nodes = Array.from({ length: 6 }, () => h.obj('__main__.Node', { gen: 0 }));
    h.ref(keep, nodes[0], 'a').ref(nodes[0], nodes[1], 'a').ref(nodes[1], nodes[0], 'b');
    h.ref(nodes[2], nodes[3], 'a').ref(nodes[3], nodes[4], 'a').ref(nodes[4], nodes[2], 'a');
    h.ref(nodes[4], nodes[5], 'leaf');
    const a = analyze(h.snapshot());
    const expected = [nodes[2], nodes[3], nodes[4], nodes[5]];
    for (const g of a.generations) {
      assert.deepEqual(unreachable(g), expected);
      assert.deepEqual([...g.gcRefs], [...a.generations[0].gcRefs]);
    }
    assert.equal(a.full, a.generations[2]);
  });

  test('all three generations at once equal each one predicted alone, young and old heaps', () => {
    // Everything young (the three collections examine the same objects), then objects in
    // generations 1 and 2 (each examines more), then only generation 2 or only generation 1
    // beyond the young.
    for (const gens of [
      [0, 0, 0, 0, 0, 0],
      [0, 1, 2, 0, 1, 2],
      [0, 0, 2, 2, 0, 2],
      [0, 1, 0, 1, 1, 0],
    ]) {
      const h = new HeapBuilder();
      const keep = h.obj('__main__.Keep', { gen: 0, external: 1 });
      const nodes = gens.map((gen) => h.obj('__main__.Node', { gen }));
      h.ref(keep, nodes[0], 'a').ref(nodes[0], nodes[1], 'a').ref(nodes[1], nodes[0], 'b');
      h.ref(nodes[2], nodes[3], 'a').ref(nodes[3], nodes[4], 'a').ref(nodes[4], nodes[2], 'a');
      h.ref(nodes[4], nodes[5], 'leaf').ref(nodes[5], nodes[2], 'back');
      const snap = h.snapshot();
      const together = predictAllGenerations(snap);
      for (const g of [0, 1, 2]) {
        const alone = predictCollection(snap, g);
        const got = together[g];
        assert.equal(got.generation, g);
        for (const key of Object.keys(alone) as (keyof CollectionResult)[]) {
          const [a, b] = [alone[key], got[key]];
          const plain = (x: unknown) => (ArrayBuffer.isView(x) ? [...(x as Uint32Array)] : x);
          assert.deepEqual(plain(b), plain(a), `generations ${gens}: gc.collect(${g}).${key}`);
        }
      }
      // Equal sets (no object in the generation added): one computation, its arrays shared (and
      // never written afterwards).
      assert.equal(together[1].unreachable === together[0].unreachable, !gens.includes(1));
      assert.equal(together[2].unreachable === together[1].unreachable, !gens.includes(2));
    }
  });

  test('internalRefs and gcRefs, computed when read, follow their definitions', () => {
    const h = new HeapBuilder();
    const keep = h.obj('__main__.Keep', { gen: 0, external: 2 });
    const a = h.obj('__main__.Node', { gen: 0 });
    const b = h.obj('__main__.Node', { gen: 1 });
    const t = h.obj('builtins.tuple', { tracked: false, external: 1 });
    h.ref(keep, a, 'a').ref(a, b, 'b').ref(b, a, 'a').ref(a, a, 'me').ref(t, b, 0);
    const snap = h.snapshot();
    for (const g of [0, 1, 2]) {
      const r = predictCollection(snap, g);
      for (let v = 0; v < snap.nodeCount; v++) {
        let internal = 0;
        if (r.inCollection[v] === 1) {
          for (let u = 0; u < snap.nodeCount; u++) {
            if (r.inCollection[u] !== 1) continue;
            for (let e = snap.edgeStart[u]; e < snap.edgeStart[u + 1]; e++) {
              if (snap.edgeTo[e] === v) internal++;
            }
          }
        }
        assert.equal(r.internalRefs[v], internal, `gc.collect(${g}), node ${v}`);
        const expected = r.inCollection[v] === 1 ? r.refcount[v] - internal : 0;
        assert.equal(r.gcRefs[v], expected, `gc.collect(${g}), node ${v}`);
      }
      assert.equal(r.internalRefs, r.internalRefs, 'computed once');
    }
  });
});
