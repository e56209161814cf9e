/**
 * Strongly connected components: Tarjan's algorithm, iterative (an explicit call stack in typed
 * arrays), so a 2M-node chain or ring costs memory, not native stack.
 */
import type { HeapSnapshot } from './heapSnapshot';

export interface SccResult {
  /** Component id of each node. Ids are in reverse topological order (Tarjan's). */
  component: Uint32Array;
  /** Number of nodes of each component. */
  size: Uint32Array;
  /** 1 when the component is a cycle: two or more nodes, or one node with a self-edge. */
  cyclic: Uint8Array;
  count: number;
}

const UNVISITED = 0xffffffff;

/** SCCs of the graph of all strong edges of the snapshot. */
export function sccOf(snapshot: HeapSnapshot): SccResult {
  return computeScc(snapshot.nodeCount, snapshot.edgeStart, snapshot.edgeTo);
}

/** SCCs of a CSR graph: node v's successors are `edgeTo[edgeStart[v] .. edgeStart[v + 1]]`. */
export function computeScc(n: number, edgeStart: Uint32Array, edgeTo: Uint32Array): SccResult {
  const index = new Uint32Array(n).fill(UNVISITED);
  const low = new Uint32Array(n);
  const onStack = new Uint8Array(n);
  const selfLoop = new Uint8Array(n);
  const stack = new Uint32Array(n);
  const callNode = new Uint32Array(n);
  const callEdge = new Uint32Array(n);
  const component = new Uint32Array(n);
  const sizes = new Uint32Array(n);
  let sp = 0;
  let counter = 0;
  let count = 0;

  for (let s = 0; s < n; s++) {
    if (index[s] !== UNVISITED) continue;
    index[s] = low[s] = counter++;
    stack[sp++] = s;
    onStack[s] = 1;
    callNode[0] = s;
    callEdge[0] = edgeStart[s];
    let csp = 1;
    while (csp > 0) {
      const v = callNode[csp - 1];
      const e = callEdge[csp - 1];
      if (e < edgeStart[v + 1]) {
        callEdge[csp - 1] = e + 1;
        const w = edgeTo[e];
        if (index[w] === UNVISITED) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[csp] = w;
          callEdge[csp] = edgeStart[w];
          csp++;
        } else if (onStack[w] === 1) {
          if (w === v) selfLoop[v] = 1;
          if (index[w] < low[v]) low[v] = index[w];
        }
        continue;
      }
      csp--;
      if (low[v] === index[v]) {
        let size = 0;
        let w: number;
        do {
          w = stack[--sp];
          onStack[w] = 0;
          component[w] = count;
          size++;
        } while (w !== v);
        sizes[count++] = size;
      }
      if (csp > 0) {
        const u = callNode[csp - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }

  const size = sizes.slice(0, count);
  const cyclic = new Uint8Array(count);
  for (let c = 0; c < count; c++) if (size[c] >= 2) cyclic[c] = 1;
  for (let v = 0; v < n; v++) if (selfLoop[v] === 1) cyclic[component[v]] = 1;
  return { component, size, cyclic, count };
}

/** The node is part of a reference cycle (its component is cyclic). */
export function inCycle(scc: SccResult, node: number): boolean {
  return scc.cyclic[scc.component[node]] === 1;
}
