/**
 * Immediate dominators over CSR graphs in typed arrays, without recursion and without an object
 * per node, so a 2M-object heap or a 1M-long linked list costs memory, not native stack.
 *
 * - `semiNcaDominators`: any graph (cycles included). Semi-NCA (Georgiadis; the variant LLVM
 *   uses): an iterative depth-first search numbers the nodes, semidominators come from
 *   Lengauer–Tarjan's link–eval forest with path compression, and each immediate dominator is the
 *   nearest common ancestor of the node's semidominator and its DFS parent.
 * - `dagDominators`: a graph whose nodes come in a topological order (no cycles): each node's
 *   immediate dominator is the nearest common ancestor, in the tree built so far, of its
 *   predecessors. One pass.
 */

/** A graph in both directions: successors `to[start[v] .. start[v + 1]]`, predecessors likewise. */
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
 */
export function semiNcaDominators(graph: CsrGraph, root: number, barrier = -1): DominatorTree {
  const { size, start, to, predStart, predFrom } = graph;
  // --- depth-first search from the root: preorder numbers and DFS-tree parents
  const num = new Int32Array(size).fill(-1);
  const vertex = new Uint32Array(size);
  const parent = new Int32Array(size);
  // The search's stack lives in the arrays the next step fills (fewer large allocations).
  const semi = new Int32Array(size);
  const label = new Int32Array(size);
  const stackNode = semi;
  const stackEdge = label;
  let count = 0;
  num[root] = count;
  vertex[count] = root;
  parent[count++] = 0;
  let sp = 0;
  stackNode[0] = root;
  stackEdge[0] = start[root];
  while (sp >= 0) {
    const v = stackNode[sp];
    const e = stackEdge[sp];
    if (e < start[v + 1]) {
      stackEdge[sp] = e + 1;
      const w = to[e];
      if (num[w] < 0) {
        num[w] = count;
        vertex[count] = w;
        parent[count++] = num[v];
        sp++;
        stackNode[sp] = w;
        stackEdge[sp] = start[w];
      }
    } else {
      sp--;
    }
  }
  const barrierNum = barrier >= 0 && num[barrier] >= 0 ? num[barrier] : count;

  // --- semidominators, in reverse preorder, over preorder numbers
  const ancestor = new Int32Array(count);
  const path = new Int32Array(count);
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
    for (let k = predStart[w], end = predStart[w + 1]; k < end; k++) {
      const j = num[predFrom[k]];
      if (j < 0 || (beforeBarrier && j >= barrierNum)) continue;
      // eval(j): the node of least semidominator on j's path in the linked forest.
      let best: number;
      if (ancestor[j] < last) {
        best = label[j];
      } else {
        let depth = 0;
        let x = j;
        do {
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
  const idom = new Int32Array(size).fill(-1);
  idom[root] = root;
  for (let i = 1; i < count; i++) idom[vertex[i]] = vertex[idomNum[i]];
  return { idom, order: vertex.slice(0, count) };
}

/**
 * Dominators of a graph without cycles. `order` lists the nodes to place, each after all of its
 * predecessors that are placed; `toRoot[v]` ≠ 0 sends `v` straight under `root` whatever its
 * predecessors (nodes past its end: none). A predecessor that is not placed (not in `order`) also sends it under `root`.
 * Returns the immediate dominator of each placed node (`root` for the root's own children), −1
 * for the others.
 */
export function dagDominators(
  graph: CsrGraph,
  root: number,
  order: Uint32Array,
  toRoot: Uint8Array,
): Int32Array {
  const { size, predStart, predFrom } = graph;
  const idom = new Int32Array(size).fill(-1);
  const depth = new Uint32Array(size);
  idom[root] = root;
  for (let k = 0; k < order.length; k++) {
    const v = order[k];
    let d = -1;
    if (toRoot[v] > 0 || predStart[v] === predStart[v + 1]) {
      d = root;
    } else {
      for (let e = predStart[v], end = predStart[v + 1]; e < end; e++) {
        let p = predFrom[e];
        if (idom[p] < 0) {
          d = root;
          break;
        }
        if (d < 0) {
          d = p;
          continue;
        }
        // Nearest common ancestor of d and p: climb the deeper one.
        let q = d;
        while (q !== p) {
          if (depth[q] > depth[p]) q = idom[q];
          else if (depth[p] > depth[q]) p = idom[p];
          else {
            q = idom[q];
            p = idom[p];
          }
        }
        d = q;
        if (d === root) break;
      }
    }
    idom[v] = d;
    depth[v] = depth[d] + 1;
  }
  return idom;
}

/** The reverse of a CSR graph (`predStart`, `predFrom`), with multiplicity. */
export function reverseCsr(
  size: number,
  start: Uint32Array,
  to: Uint32Array,
): { predStart: Uint32Array; predFrom: Uint32Array } {
  // Counts, then running totals (each node's end), then filled backwards: each entry ends at
  // its node's start, and predecessors come in increasing order.
  const predStart = new Uint32Array(size + 1);
  const m = start[size];
  for (let e = 0; e < m; e++) predStart[to[e]]++;
  for (let v = 1; v < size; v++) predStart[v] += predStart[v - 1];
  predStart[size] = m;
  const predFrom = new Uint32Array(m);
  for (let v = size - 1; v >= 0; v--) {
    for (let e = start[v + 1]; e > start[v];) predFrom[--predStart[to[--e]]] = v;
  }
  return { predStart, predFrom };
}
