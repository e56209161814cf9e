/**
 * Immediate dominators over CSR graphs in typed arrays, without recursion and without an object
 * per node, so a 2M-object heap or a 1M-long linked list costs memory, not native stack.
 *
 * `semiNcaDominators`: any graph (cycles included). Semi-NCA (Georgiadis; the variant LLVM
 * uses): an iterative depth-first search numbers the nodes, semidominators come from
 * Lengauer–Tarjan's link–eval forest with path compression, and each immediate dominator is the
 * nearest common ancestor of the node's semidominator and its DFS parent.
 */
import { giveBack, scratchInt32, scratchUint32 } from './scratch';

/**
 * A graph in both directions: successors `to[start[v] .. start[v + 1]]`, predecessors likewise,
 * for the first `start.length - 1` nodes (the others' edges are given apart: semiNcaDominators).
 */
export interface CsrGraph {
  /** Number of nodes. */
  size: number;
  start: Uint32Array;
  to: Uint32Array;
  predStart: Uint32Array;
  predFrom: Uint32Array;
}

export interface DominatorTree {
  /** Immediate dominator of each node; the root's is itself; −1 for nodes the root does not reach. */
  idom: Int32Array;
  /** The reached nodes in depth-first preorder (the root first): every node comes after its dominators. */
  order: Uint32Array;
}

/**
 * Dominators of the nodes `root` reaches. With `barrier`: the nodes first reached through
 * `barrier` (it must be the root's last successor) are not predecessors of the nodes reached
 * before it — the heap uses it so that unreachable garbage, which is reached through its own
 * group node last, keeps nothing alive.
 *
 * The root's and the barrier's successors may be given apart instead of in the graph's lists
 * (then those nodes may lie past the CSR's nodes, `start.length - 1`, and are the predecessors of
 * the nodes given): `rootSuccessors` as a list, `barrierSuccessors` asked for when the search
 * reaches the barrier, given the preorder numbers so far (−1: not reached) — by then every node
 * reached without the barrier is numbered, which is how the heap learns what is garbage without
 * a search of its own.
 */
export function semiNcaDominators(
  graph: CsrGraph,
  root: number,
  barrier = -1,
  barrierSuccessors?: (num: Int32Array) => Uint32Array,
  rootSuccessors?: Uint32Array,
): DominatorTree {
  const { size, start, to, predStart, predFrom } = graph;
  const csrNodes = start.length - 1;
  // --- depth-first search from the root: preorder numbers and DFS-tree parents
  const num = new Int32Array(size).fill(-1);
  const vertex = new Uint32Array(size);
  // Working columns (scratch.ts): each element is written before it is read.
  const parent = scratchInt32(size);
  // The search's stack lives in the arrays the next step fills (fewer large allocations).
  const semi = scratchInt32(size);
  const label = scratchInt32(size);
  const stackNode = semi;
  const stackEdge = label;
  const rootList = rootSuccessors ?? null;
  let barrierList: Uint32Array | null = null;
  let count = 0;
  num[root] = count;
  vertex[count] = root;
  parent[count++] = 0;
  let sp = 0;
  stackNode[0] = root;
  stackEdge[0] = rootList !== null ? 0 : start[root];
  while (sp >= 0) {
    const v = stackNode[sp];
    let e = stackEdge[sp];
    let w: number;
    if ((v === root && rootList !== null) || (v === barrier && barrierList !== null)) {
      const list = v === root ? rootList! : barrierList!;
      while (e < list.length && num[list[e]] >= 0) e++;
      if (e >= list.length) {
        sp--;
        continue;
      }
      w = list[e];
    } else {
      // Past the references to nodes already numbered, in one tight loop.
      const end = start[v + 1];
      while (e < end && num[to[e]] >= 0) e++;
      if (e >= end) {
        sp--;
        continue;
      }
      w = to[e];
    }
    stackEdge[sp] = e + 1;
    num[w] = count;
    vertex[count] = w;
    parent[count++] = num[v];
    sp++;
    stackNode[sp] = w;
    if (w === barrier && barrierSuccessors) {
      barrierList = barrierSuccessors(num);
      stackEdge[sp] = 0;
    } else {
      stackEdge[sp] = start[w];
    }
  }
  const barrierNum = barrier >= 0 && num[barrier] >= 0 ? num[barrier] : count;
  // Nodes whose successors were given apart are their predecessors: 1 the root's, 2 the barrier's.
  let givenBy: Uint8Array | null = null;
  for (const [list, bit] of [
    [rootList, 1],
    [barrierList, 2],
  ] as const) {
    if (list === null || list.length === 0) continue;
    givenBy ??= new Uint8Array(size);
    for (let k = 0; k < list.length; k++) givenBy[list[k]] |= bit;
  }

  // --- semidominators, in reverse preorder, over preorder numbers
  const ancestor = scratchInt32(count);
  // Path compression's path: as long as the longest chain of the linked forest.
  let path = new Int32Array(1024);
  for (let i = 0; i < count; i++) {
    semi[i] = i;
    label[i] = i;
    ancestor[i] = parent[i];
  }
  for (let i = count - 1; i >= 1; i--) {
    const w = vertex[i];
    let s = parent[i];
    const last = i + 1;
    const beforeBarrier = i < barrierNum;
    const inCsr = w < csrNodes;
    for (let k = inCsr ? predStart[w] : 0, end = inCsr ? predStart[w + 1] : 0; k < end; k++) {
      const j = num[predFrom[k]];
      if (j < 0 || (beforeBarrier && j >= barrierNum)) continue;
      // A predecessor numbered before w is not linked yet: eval(j) is j itself, its
      // semidominator j (the common case: tree and forward references).
      if (j <= i) {
        if (j < s) s = j;
        continue;
      }
      // eval(j): the node of least semidominator on j's path in the linked forest.
      let best: number;
      if (ancestor[j] < last) {
        best = label[j];
      } else {
        let depth = 0;
        let x = j;
        do {
          if (depth === path.length) path = grownPath(path);
          path[depth++] = x;
          x = ancestor[x];
        } while (ancestor[x] >= last);
        let p = x;
        let pLabel = label[p];
        do {
          x = path[--depth];
          ancestor[x] = ancestor[p];
          const xLabel = label[x];
          if (semi[pLabel] < semi[xLabel]) label[x] = pLabel;
          else pLabel = xLabel;
          p = x;
        } while (depth > 0);
        best = label[j];
      }
      if (semi[best] < s) s = semi[best];
    }
    // The root (number 0) or the barrier as a predecessor: each is numbered before every node
    // it reaches, so its own number is a candidate.
    if (givenBy !== null && givenBy[w] !== 0) {
      if ((givenBy[w] & 1) !== 0) s = 0;
      else if ((givenBy[w] & 2) !== 0 && barrierNum < s) s = barrierNum;
    }
    semi[i] = s;
  }

  // --- immediate dominators: NCA of the semidominator and the DFS parent, in preorder
  const idomNum = parent; // reused: parents are read once, here
  for (let i = 1; i < count; i++) {
    const sdom = semi[i];
    let candidate = idomNum[i];
    while (candidate > sdom) candidate = idomNum[candidate];
    idomNum[i] = candidate;
  }
  // The preorder numbers are read no more: their array becomes the dominators (−1 stays −1).
  const idom = num;
  idom[root] = root;
  for (let i = 1; i < count; i++) idom[vertex[i]] = vertex[idomNum[i]];
  giveBack(parent, semi, label, ancestor);
  return { idom, order: vertex.subarray(0, count) };
}

/** A copy of `a` twice as long. */
function grownPath(a: Int32Array): Int32Array<ArrayBuffer> {
  const out = new Int32Array(a.length * 2);
  out.set(a);
  return out;
}

/** The reverse of a CSR graph (`predStart`, `predFrom`), with multiplicity. */
export function reverseCsr(
  size: number,
  start: Uint32Array,
  to: Uint32Array,
): { predStart: Uint32Array; predFrom: Uint32Array } {
  // Counts, then running totals (each node's end), then filled backwards: each entry ends at
  // its node's start, and predecessors come in increasing order.
  const predStart = scratchUint32(size + 1, true);
  const m = start[size];
  for (let e = 0; e < m; e++) predStart[to[e]]++;
  for (let v = 1; v < size; v++) predStart[v] += predStart[v - 1];
  predStart[size] = m;
  const predFrom = scratchUint32(m);
  for (let v = size - 1; v >= 0; v--) {
    for (let e = start[v + 1]; e > start[v];) predFrom[--predStart[to[--e]]] = v;
  }
  return { predStart, predFrom };
}
