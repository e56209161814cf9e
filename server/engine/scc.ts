/**
 * Strongly connected components: Tarjan's algorithm, iterative (an explicit call stack in typed
 * arrays), so a 2M-node chain or ring costs memory, not native stack.
 */
import type { HeapSnapshot } from './heapSnapshot';
import { giveBack, scratchUint32 } from './scratch';

export interface SccResult {
  /** Component id of each node. Ids are in reverse topological order (Tarjan's). */
  component: Uint32Array;
  /** Number of nodes of each component. */
  size: Uint32Array;
  /** 1 when the component is a cycle: two or more nodes, or one node with a self-edge. */
  cyclic: Uint8Array;
  count: number;
}

/** `rank` of a node placed in component c: above every visit number (n < 2^31). */
const DONE = 0x80000000;
const NOT_ROOT = 1;
const SELF_LOOP = 2;

/** SCCs of the graph of all strong edges of the snapshot. */
export function sccOf(snapshot: HeapSnapshot): SccResult {
  return computeScc(snapshot.nodeCount, snapshot.edgeStart, snapshot.edgeTo);
}

/**
 * SCCs of a CSR graph: node v's successors are `edgeTo[edgeStart[v] .. edgeStart[v + 1]]`.
 *
 * Pearce's variant of Tarjan's algorithm ("A space-efficient algorithm for finding strongly
 * connected components", 2016): one rank per node stands for both Tarjan's index and lowlink, and
 * a node placed in its component gets a rank above every visit number (`DONE + c`), so no
 * on-stack flag is needed and the ranks become the component ids in place. The search visits
 * nodes and edges in the same order as Tarjan's and completes components at the same moments, so
 * the ids are Tarjan's (reverse topological order).
 */
export function computeScc(n: number, edgeStart: Uint32Array, edgeTo: Uint32Array): SccResult {
  // 0: not visited; 1..n: visit number, lowered to the least reached; DONE + c: in component c.
  const rank = new Uint32Array(n);
  const state = new Uint8Array(n);
  const stack = scratchUint32(n);
  const callNode = scratchUint32(n);
  const callEdge = scratchUint32(n);
  const sizes = new Uint32Array(n);
  let sp = 0;
  let counter = 1;
  let count = 0;

  for (let s = 0; s < n; s++) {
    if (rank[s] !== 0) continue;
    rank[s] = counter++;
    callNode[0] = s;
    callEdge[0] = edgeStart[s];
    let csp = 1;
    while (csp > 0) {
      const v = callNode[csp - 1];
      let e = callEdge[csp - 1];
      const end = edgeStart[v + 1];
      // The references to nodes already visited, in one tight loop, up to an unvisited one.
      let rv = rank[v];
      let w = 0;
      for (; e < end; e++) {
        w = edgeTo[e];
        const rw = rank[w];
        if (rw === 0) break;
        if (w === v) state[v] |= SELF_LOOP;
        if (rw < rv) {
          rv = rw;
          state[v] |= NOT_ROOT;
        }
      }
      rank[v] = rv;
      if (e < end) {
        callEdge[csp - 1] = e + 1;
        rank[w] = counter++;
        callNode[csp] = w;
        callEdge[csp] = edgeStart[w];
        csp++;
        continue;
      }
      csp--;
      if ((state[v] & NOT_ROOT) === 0) {
        // v is its component's first node: the component is v and the stacked nodes above it.
        const id = DONE + count;
        let size = 1;
        while (sp > 0 && rank[stack[sp - 1]] >= rv) {
          rank[stack[--sp]] = id;
          size++;
        }
        rank[v] = id;
        sizes[count++] = size;
      } else {
        stack[sp++] = v;
      }
      if (csp > 0) {
        const u = callNode[csp - 1];
        if (rank[v] < rank[u]) {
          rank[u] = rank[v];
          state[u] |= NOT_ROOT;
        }
      }
    }
  }

  giveBack(stack, callNode, callEdge);
  const component = rank;
  for (let v = 0; v < n; v++) component[v] -= DONE;
  // Most heap objects are alone in their component: then the sizes keep their array, uncopied.
  const size = count * 2 > n ? sizes.subarray(0, count) : sizes.slice(0, count);
  const cyclic = new Uint8Array(count);
  for (let c = 0; c < count; c++) if (size[c] >= 2) cyclic[c] = 1;
  for (let v = 0; v < n; v++) if ((state[v] & SELF_LOOP) !== 0) cyclic[component[v]] = 1;
  return { component, size, cyclic, count };
}

/** The node is part of a reference cycle (its component is cyclic). */
export function inCycle(scc: SccResult, node: number): boolean {
  return scc.cyclic[scc.component[node]] === 1;
}
