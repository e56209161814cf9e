import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NodeFlag } from '../../protocol/snapshot';
import { analyze } from '../../server/engine/analysis';
import { HeapSnapshot } from '../../server/engine/heapSnapshot';
import { releasedDuringCapture } from '../../server/engine/releasedDuringCapture';
import { computeScc, inCycle, sccOf } from '../../server/engine/scc';
import { HeapBuilder } from '../helpers/heapBuilder';
import { rng } from '../helpers/random';

/** CSR arrays from adjacency lists. */
function csr(adj: number[][]): [number, Uint32Array, Uint32Array] {
  const start = new Uint32Array(adj.length + 1);
  adj.forEach((out, i) => (start[i + 1] = start[i] + out.length));
  return [adj.length, start, Uint32Array.from(adj.flat())];
}

/** Groups of nodes sharing a component, each sorted, sorted by first member. */
function groups(component: Uint32Array): number[][] {
  const byId = new Map<number, number[]>();
  component.forEach((c, v) => {
    const g = byId.get(c) ?? [];
    g.push(v);
    byId.set(c, g);
  });
  return [...byId.values()].sort((a, b) => a[0] - b[0]);
}

/** A ring (or, with `closed` false, a chain) of n nodes as a snapshot, all in generation 0. */
function bigRing(n: number, closed: boolean): HeapSnapshot {
  const edges = closed ? n : n - 1;
  const edgeCount = new Uint32Array(n).fill(1);
  if (!closed) edgeCount[n - 1] = 0;
  const edgeTo = new Uint32Array(edges);
  for (let i = 0; i < edges; i++) edgeTo[i] = (i + 1) % n;
  const refcount = new Uint32Array(n).fill(1);
  if (!closed) refcount[0] = 0;
  const data = new HeapBuilder().data();
  return new HeapSnapshot({
    ...data,
    types: [{ name: '__main__.Node', flags: 0, category: 'instance' }],
    meta: { ...data.meta, counts: { ...data.meta.counts, nodes: n, edges } },
    nodeAddress: new Float64Array(n),
    nodeType: new Uint32Array(n),
    nodeSize: new Uint32Array(n).fill(48),
    nodeRefcount: refcount,
    nodeFlags: new Uint8Array(n).fill(NodeFlag.Tracked),
    nodeName: new Uint32Array(n),
    nodeEdgeCount: edgeCount,
    edgeTo,
    edgeKind: new Uint8Array(edges),
    edgeName: new Uint32Array(edges),
  });
}

/** Tarjan's algorithm as the textbook writes it (recursive, index and lowlink): the reference. */
function tarjan(adj: number[][]): { component: number[]; count: number } {
  const index: number[] = adj.map(() => -1);
  const low: number[] = adj.map(() => 0);
  const onStack: boolean[] = adj.map(() => false);
  const component: number[] = adj.map(() => -1);
  const stack: number[] = [];
  let counter = 0;
  let count = 0;
  const visit = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of adj[v]) {
      if (index[w] < 0) {
        visit(w);
        low[v] = Math.min(low[v], low[w]);
      } else if (onStack[w]) {
        low[v] = Math.min(low[v], index[w]);
      }
    }
    if (low[v] === index[v]) {
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        component[w] = count;
      } while (w !== v);
      count++;
    }
  };
  for (let v = 0; v < adj.length; v++) if (index[v] < 0) visit(v);
  return { component, count };
}

describe('strongly connected components', () => {
  test("component ids, sizes and cycles equal textbook Tarjan's on random graphs", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const n = 1 + Math.floor(r() * 40);
      const adj: number[][] = Array.from({ length: n }, () => []);
      for (let v = 0; v < n; v++) {
        const degree = Math.floor(r() * (seed % 3 === 0 ? 5 : 3));
        for (let k = 0; k < degree; k++) adj[v].push(Math.floor(r() * n));
      }
      const got = computeScc(...csr(adj));
      const want = tarjan(adj);
      assert.equal(got.count, want.count, `seed ${seed}`);
      assert.deepEqual([...got.component], want.component, `seed ${seed}`);
      for (let c = 0; c < want.count; c++) {
        const members = want.component.filter((x) => x === c).length;
        const selfLoop = adj.some((out, v) => want.component[v] === c && out.includes(v));
        assert.equal(got.size[c], members, `seed ${seed}, component ${c}`);
        assert.equal(got.cyclic[c], members >= 2 || selfLoop ? 1 : 0, `seed ${seed}, ${c}`);
      }
    }
  });

  test('finds components, self-loops and acyclic nodes', () => {
    // 0 ⇄ 1 → 2 → 3 → 4 → 2, 5 ↺, 6 → 0, 7 alone
    const r = computeScc(...csr([[1], [0, 2], [3], [4], [2], [5], [0], []]));
    assert.deepEqual(groups(r.component), [[0, 1], [2, 3, 4], [5], [6], [7]]);
    assert.equal(r.count, 5);
    const cyclic = (v: number) => inCycle(r, v);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(cyclic), [
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    assert.equal(r.size[r.component[2]], 3);
    assert.equal(r.size[r.component[5]], 1);
  });

  test('component ids are in reverse topological order', () => {
    // 0 → 1 → 2: sinks complete first.
    const r = computeScc(...csr([[1], [2], []]));
    assert.ok(r.component[2] < r.component[1] && r.component[1] < r.component[0]);
  });

  test('snapshot edges with multiplicity do not confuse it', () => {
    const h = new HeapBuilder();
    const a = h.obj('builtins.list');
    const b = h.obj('__main__.Node');
    h.ref(a, b, 0).ref(a, b, 1).ref(b, b, 'me');
    const r = sccOf(h.snapshot());
    assert.notEqual(r.component[a], r.component[b]);
    assert.equal(inCycle(r, a), false);
    assert.equal(inCycle(r, b), true);
  });

  test('a 2,000,000-node ring is one component, without stack overflow', () => {
    const snap = bigRing(2_000_000, true);
    const r = sccOf(snap);
    assert.equal(r.count, 1);
    assert.equal(r.size[0], 2_000_000);
    assert.equal(r.cyclic[0], 1);
    const a = analyze(snap);
    assert.equal(a.full.unreachableCount, 2_000_000);
    assert.equal(a.full.unreachableBytes, 96_000_000);
  });

  test('a 2,000,000-node chain is 2,000,000 components, without stack overflow', () => {
    const snap = bigRing(2_000_000, false);
    const r = sccOf(snap);
    assert.equal(r.count, 2_000_000);
    let cyclic = 0;
    for (let c = 0; c < r.count; c++) cyclic += r.cyclic[c];
    assert.equal(cyclic, 0);
    // The head has no references: in reality the whole chain is freed by reference counting,
    // never by the collector (a snapshot shows it only when it was let go of during the capture).
    assert.equal(releasedDuringCapture(snap).count, 2_000_000);
    const a = analyze(snap);
    assert.equal(a.full.unreachableCount, 0);
  });
});
