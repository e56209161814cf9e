/**
 * The dominator trees against their definitions, computed the slow way on small random heaps:
 *
 * - next collection: `v` retains `w` when `w` is reachable from the roots and no longer is once
 *   `v` is removed (for garbage: from the garbage's entries, with garbage never holding a live
 *   object);
 * - at once: reference counting simulated — every object starts with its reference count, `v`
 *   is freed (unless a cycle holds it), each freed object drops its references, and an object
 *   whose count reaches zero is freed in turn.
 *
 * Plus the shapes that break naive algorithms (shared objects, diamonds, cycles under a single
 * owner, garbage referring to live objects) and a 1,000,000-long chain, iteratively.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import { analyze } from '../../server/engine/analysis';
import { reverseCsr, semiNcaDominators } from '../../server/engine/dominators';
import type { HeapSnapshot } from '../../server/engine/heapSnapshot';
import { RetainedAnalysis } from '../../server/engine/retained';
import { releasedDuringCapture } from '../../server/engine/releasedDuringCapture';
import { HeapBuilder } from '../helpers/heapBuilder';
import { rng } from '../helpers/random';

/** Successor lists of the objects, with each frame's locals as references from the frame. */
function successors(s: HeapSnapshot): number[][] {
  const out: number[][] = [];
  for (let v = 0; v < s.nodeCount; v++) {
    out.push(Array.from(s.edgeTo.subarray(s.edgeStart[v], s.edgeStart[v + 1])));
  }
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] === RootKind.FrameLocal && s.rootFrame[r] >= 0) {
      out[s.rootFrame[r]].push(s.rootNode[r]);
    }
  }
  return out;
}

function reach(succ: number[][], from: number[], removed = -1, allowed?: Set<number>): Set<number> {
  const seen = new Set<number>();
  const stack = from.filter((v) => v !== removed);
  for (const v of stack) seen.add(v);
  while (stack.length > 0) {
    const u = stack.pop()!;
    for (const w of succ[u]) {
      if (w === removed || seen.has(w) || (allowed && !allowed.has(w))) continue;
      seen.add(w);
      stack.push(w);
    }
  }
  return seen;
}

/** The roots as the engine defines them, the slow way. */
function rootsOf(s: HeapSnapshot): number[] {
  const shown = new Array<number>(s.nodeCount).fill(0);
  for (const t of s.edgeTo) shown[t]++;
  const roots = new Set<number>();
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] === RootKind.FrameLocal) shown[s.rootNode[r]]++;
    roots.add(
      s.rootKind[r] === RootKind.FrameLocal && s.rootFrame[r] >= 0 ? s.rootFrame[r] : s.rootNode[r],
    );
  }
  for (let v = 0; v < s.nodeCount; v++) if (s.nodeRefcount[v] > shown[v]) roots.add(v);
  return [...roots];
}

/** Next collection, by definition: what stops being reachable when `v` goes. */
function bruteNextCollection(s: HeapSnapshot): Set<number>[] {
  const succ = successors(s);
  const roots = rootsOf(s);
  const live = reach(succ, roots);
  const garbage = new Set<number>();
  for (let v = 0; v < s.nodeCount; v++) if (!live.has(v)) garbage.add(v);
  // Garbage entries: the members of the cycles (strongly connected components) that no garbage
  // outside them refers to.
  const reachFrom = (v: number) => reach(succ, [v], -1, garbage);
  const component = (w: number) => [...reachFrom(w)].filter((x) => reachFrom(x).has(w));
  const entries = [...garbage].filter((w) => {
    const members = component(w);
    return [...garbage].every(
      (u) => members.includes(u) || !succ[u].some((t) => members.includes(t)),
    );
  });
  return Array.from({ length: s.nodeCount }, (_, v) => {
    const [from, all, allowed] = live.has(v)
      ? [roots, live, live]
      : [entries, reach(succ, entries, -1, garbage), garbage];
    const after = reach(succ, from, v, allowed);
    const lost = new Set<number>([v]);
    for (const w of all) if (!after.has(w)) lost.add(w);
    return lost;
  });
}

/** At once, by simulation of reference counting. */
function bruteAtOnce(s: HeapSnapshot): Set<number>[] {
  const succ = successors(s);
  return Array.from({ length: s.nodeCount }, (_, v) => {
    const freed = new Set<number>();
    // Counts once what the capture alone kept alive is gone (as the engine reads them).
    const { refcount, released } = releasedDuringCapture(s);
    const count = Array.from(refcount);
    const queue = [v];
    freed.add(v);
    while (queue.length > 0) {
      const u = queue.pop()!;
      // Released as the capture ends: its references are already out of the counts.
      if (released[u] === 1) continue;
      for (const w of succ[u]) {
        if (freed.has(w)) continue;
        if (--count[w] === 0) {
          freed.add(w);
          queue.push(w);
        }
      }
    }
    return freed;
  });
}

/** A random heap: a module, a frame with locals, objects with random references. */
function randomHeap(seed: number, size: number): HeapSnapshot {
  const r = rng(seed);
  const h = new HeapBuilder();
  const mod = h.obj('builtins.module', { name: 'app' });
  const frame = h.obj('builtins.frame');
  h.module(mod, 'app').pausedFrame(frame, 'main', 3);
  const objs: number[] = [];
  for (let i = 0; i < size; i++) {
    const external = r() < 0.06 ? 1 : 0;
    objs.push(h.obj(r() < 0.5 ? '__main__.Node' : 'builtins.list', { external, size: 8 + i }));
  }
  for (const v of objs) {
    const degree = Math.floor(r() * 3);
    for (let k = 0; k < degree; k++) h.ref(v, objs[Math.floor(r() * size)], `a${k}`);
  }
  for (let k = 0; k < 3; k++) h.ref(mod, objs[Math.floor(r() * size)], `g${k}`);
  if (r() < 0.7) h.local(frame, objs[Math.floor(r() * size)], 'x');
  // A traceback-like reference back to the frame: a cycle only through the frame's locals.
  if (r() < 0.3) h.ref(objs[Math.floor(r() * size)], frame, 'tb_frame', EdgeKind.Slot);
  return h.snapshot();
}

const asSet = (a: Uint32Array) => new Set(Array.from(a));

describe('dominators', () => {
  test('semi-NCA equals the definition on random graphs with cycles', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const size = 2 + Math.floor(r() * 25);
      const succ: number[][] = Array.from({ length: size }, () => []);
      for (let v = 0; v < size; v++) {
        const degree = Math.floor(r() * 4);
        for (let k = 0; k < degree; k++) succ[v].push(Math.floor(r() * size));
      }
      const start = new Uint32Array(size + 1);
      succ.forEach((l, v) => (start[v + 1] = start[v] + l.length));
      const to = Uint32Array.from(succ.flat());
      const graph = { size, start, to, ...reverseCsr(size, start, to) };
      const { idom } = semiNcaDominators(graph, 0);
      const reached = reach(succ, [0]);
      for (let w = 1; w < size; w++) {
        if (!reached.has(w)) {
          assert.equal(idom[w], -1);
          continue;
        }
        // idom(w): the dominator of w that every other strict dominator dominates.
        const dominators = [...reached].filter((d) => d !== w && !reach(succ, [0], d).has(w));
        const expected = dominators.find((d) =>
          dominators.every((o) => o === d || !reach(succ, [0], o).has(d)),
        );
        assert.equal(idom[w], expected, `seed ${seed}, node ${w}`);
      }
    }
  });

  test("a root's and a barrier's successors given apart give the same tree as in the graph", () => {
    for (let seed = 1; seed <= 120; seed++) {
      const r = rng(seed);
      const k = 1 + Math.floor(r() * 30);
      const succ: number[][] = Array.from({ length: k }, () => []);
      for (let v = 0; v < k; v++) {
        const degree = Math.floor(r() * 4);
        for (let d = 0; d < degree; d++) succ[v].push(Math.floor(r() * k));
      }
      const roots = [
        ...new Set(Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * k))),
      ];
      const reached = reach(succ, roots);
      const rest = Array.from({ length: k }, (_, v) => v).filter((v) => !reached.has(v));
      // In the graph: node k is the root (the roots, then the barrier), k + 1 the barrier.
      const all = [...succ, [...roots, k + 1], rest];
      const size = k + 2;
      const start = new Uint32Array(size + 1);
      all.forEach((l, v) => (start[v + 1] = start[v] + l.length));
      const to = Uint32Array.from(all.flat());
      const inGraph = semiNcaDominators(
        { size, start, to, ...reverseCsr(size, start, to) },
        k,
        k + 1,
      );
      // Apart: the CSR holds the k objects only.
      const objectStart = start.slice(0, k + 1);
      const objectTo = to.slice(0, start[k]);
      let numbered: number[] = [];
      const apart = semiNcaDominators(
        { size, start: objectStart, to: objectTo, ...reverseCsr(k, objectStart, objectTo) },
        k,
        k + 1,
        (num) => {
          numbered = Array.from({ length: k }, (_, v) => v).filter((v) => num[v] >= 0);
          return Uint32Array.from(Array.from({ length: k }, (_, v) => v).filter((v) => num[v] < 0));
        },
        Uint32Array.from([...roots, k + 1]),
      );
      assert.deepEqual(
        numbered,
        [...reached].sort((a, b) => a - b),
        `seed ${seed}: reached first`,
      );
      assert.deepEqual([...apart.idom], [...inGraph.idom], `seed ${seed}: idom`);
      assert.deepEqual([...apart.order], [...inGraph.order], `seed ${seed}: order`);
    }
  });

  test('children sorted before the intervals are first read leave the preorder as it is', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const s = randomHeap(seed, 10 + (seed % 20));
      const first = new RetainedAnalysis(s, analyze(s));
      const { preorder, pre, end } = first.tree;
      const later = new RetainedAnalysis(s, analyze(s));
      for (let v = 0; v < later.graph.size; v++) later.children(v);
      assert.deepEqual([...later.tree.preorder], [...preorder], `seed ${seed}`);
      assert.deepEqual([...later.tree.pre], [...pre], `seed ${seed}`);
      assert.deepEqual([...later.tree.end], [...end], `seed ${seed}`);
    }
  });

  test('retained sets, both notions, equal their definitions on random heaps', () => {
    for (let seed = 1; seed <= 80; seed++) {
      const s = randomHeap(seed, 6 + (seed % 30));
      const retained = new RetainedAnalysis(s, analyze(s));
      const next = bruteNextCollection(s);
      const atOnce = bruteAtOnce(s);
      for (let v = 0; v < s.nodeCount; v++) {
        assert.deepEqual(asSet(retained.retainedSet(v)), next[v], `seed ${seed}: node ${v}`);
        let bytes = 0;
        let tracked = 0;
        for (const w of next[v]) {
          bytes += s.nodeSize[w];
          tracked += s.isTracked(w) ? 1 : 0;
        }
        assert.equal(retained.nextCollection.objects[v], next[v].size);
        assert.equal(retained.nextCollection.bytes[v], bytes);
        assert.equal(retained.nextCollection.tracked[v], tracked);
        assert.deepEqual(asSet(retained.atOnceSet(v)), atOnce[v], `seed ${seed}: at once ${v}`);
        assert.equal(retained.atOnceSize(v).objects, atOnce[v].size);
      }
      // Sizes learnt from another object's cascade (its dominator's, deepest last) are the same.
      const again = new RetainedAnalysis(s, analyze(s));
      const byDepth = Array.from(again.tree.preorder).filter((v) => v < s.nodeCount);
      for (const v of [...byDepth, ...byDepth.reverse()]) {
        let bytes = 0;
        let tracked = 0;
        for (const w of atOnce[v]) {
          bytes += s.nodeSize[w];
          tracked += s.isTracked(w) ? 1 : 0;
        }
        const got = again.atOnceSize(v);
        assert.deepEqual(got, { objects: atOnce[v].size, tracked, bytes }, `seed ${seed}: ${v}`);
      }
    }
  });

  test('an object shared by two owners is retained by neither, only by what holds both', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'app' });
    const d = h.obj('builtins.dict');
    const a = h.obj('builtins.list');
    const b = h.obj('builtins.list');
    const shared = h.obj('__main__.Big', { size: 1000 });
    const inner = h.obj('builtins.list', { size: 500 });
    h.module(mod, 'app').ref(mod, d, '__dict__', EdgeKind.Slot);
    h.ref(d, a, 'a', EdgeKind.StrKey).ref(d, b, 'b', EdgeKind.StrKey);
    h.ref(a, shared, 0).ref(b, shared, 0).ref(shared, inner, 'items');
    const s = h.snapshot();
    const r = new RetainedAnalysis(s, analyze(s));
    assert.equal(r.nextCollection.objects[a], 1);
    assert.equal(r.nextCollection.objects[b], 1);
    assert.equal(r.idom[shared], d);
    assert.equal(r.nextCollection.bytes[shared], 1500);
    assert.equal(r.nextCollection.objects[d], 5);
    assert.equal(r.atOnceSize(d).objects, 5);
  });

  test('a cycle under one owner: freed by the next collection, not at once with the owner', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'app' });
    const owner = h.obj('__main__.Tree');
    const rootNode = h.obj('__main__.Node');
    const child = h.obj('__main__.Node');
    const leaf = h.obj('builtins.list');
    h.module(mod, 'app').ref(mod, owner, 'tree');
    h.ref(owner, rootNode, 'root').ref(rootNode, child, 'child').ref(child, rootNode, 'parent');
    h.ref(child, leaf, 'items');
    const s = h.snapshot();
    const r = new RetainedAnalysis(s, analyze(s));
    assert.equal(r.nextCollection.objects[owner], 4);
    assert.equal(r.atOnceSize(owner).objects, 1, 'only the owner itself: its cycle keeps the rest');
    assert.equal(
      r.atOnceSize(rootNode).objects,
      3,
      'every reference to it gone, its cycle goes too',
    );
    assert.equal(r.atOnceSize(child).objects, 2, 'the owner still holds the cycle’s other node');
    assert.equal(r.atOnceSize(leaf).objects, 1);
    assert.equal(r.idom[leaf], child);
  });

  test('garbage has its own group and holds no live object', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'app' });
    const liveList = h.obj('builtins.list');
    const x = h.obj('__main__.X');
    const a = h.obj('__main__.Node', { gen: 0 });
    const b = h.obj('__main__.Node', { gen: 0 });
    const big = h.obj('builtins.list', { size: 4000 });
    h.module(mod, 'app').ref(mod, liveList, 'items').ref(liveList, x, 0);
    h.ref(a, b, 'next').ref(b, a, 'prev').ref(a, big, 'data').ref(b, x, 'seen');
    const s = h.snapshot();
    const r = new RetainedAnalysis(s, analyze(s));
    assert.equal(r.idom[x], liveList, 'garbage refers to x, yet its live owner retains it');
    assert.equal(r.idom[a], r.garbageGroup);
    assert.equal(r.idom[b], r.garbageGroup);
    assert.equal(r.idom[big], a);
    assert.equal(r.nextCollection.objects[r.garbageGroup], 3);
    assert.equal(r.nextCollection.bytes[r.garbageGroup], 56 * 2 + 4000);
    assert.equal(r.live(a), false);
    assert.equal(r.live(x), true);
    assert.equal(r.retains(mod, x), true);
    assert.equal(r.atOnceSize(liveList).objects, 1, 'at once, the garbage still refers to x');
  });

  test('a frame holds its locals; held from outside means a root', () => {
    const h = new HeapBuilder();
    const frame = h.obj('builtins.frame');
    const users = h.obj('builtins.list');
    const session = h.obj('__main__.Session');
    const pinned = h.obj('builtins.list', { external: 1 });
    const inPinned = h.obj('__main__.Session');
    h.pausedFrame(frame, 'main', 5).local(frame, users, 'users');
    h.ref(users, session, 0).ref(users, pinned, 1).ref(pinned, inPinned, 0);
    const s = h.snapshot();
    const r = new RetainedAnalysis(s, analyze(s));
    assert.equal(r.idom[users], frame);
    assert.equal(r.idom[pinned], r.superRoot, 'its reference count shows a reference from C');
    assert.equal(r.nextCollection.objects[users], 2);
    assert.equal(r.nextCollection.objects[frame], 3);
  });

  test('a 1,000,000-object chain and a ring of the same length, without recursion', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'deep' });
    h.module(mod, 'deep');
    let prev = mod;
    const first = h.nodeCount;
    for (let i = 0; i < 1_000_000; i++) {
      const v = h.obj('__main__.Node', { size: 10 });
      h.ref(prev, v, 'next');
      prev = v;
    }
    h.ref(prev, first, 'next'); // close the ring: the whole chain is one cycle
    const s = h.snapshot();
    const r = new RetainedAnalysis(s, analyze(s));
    assert.equal(r.nextCollection.objects[first], 1_000_000);
    assert.equal(r.nextCollection.bytes[first], 10_000_000);
    assert.equal(r.nextCollection.objects[prev], 1);
    assert.equal(r.idom[prev], prev - 1);
    assert.equal(
      r.atOnceSize(first).objects,
      1_000_000,
      'every reference to it gone: the whole ring',
    );
    assert.equal(
      r.atOnceSize(first + 1).objects,
      999_999,
      'the ring closes through the first node',
    );
    assert.equal(r.retainedSet(first + 10).length, 1_000_000 - 10);
  });
});
