/**
 * What each object retains, in two senses (docs/retained.md):
 *
 * - **freed by the next collection** (`nextCollection`): the object's subtree in the dominator
 *   tree of the heap graph (retainedGraph.ts: strong references only, rooted at what keeps objects
 *   alive from outside). If every reference to the object went, exactly these objects would no
 *   longer be reachable from any root: reference counting frees the acyclic ones at once, the
 *   next full collection the rest. Unreachable garbage hangs under its own group node, never
 *   under a live object.
 * - **freed at once** (`atOnce`): what reference counting alone frees the moment every reference
 *   to the object goes: the object, then each object all of whose references came from objects
 *   already freed, and so on. An object in a reference cycle is never freed at once (its cycle
 *   keeps its count above zero), so it retains nothing in this sense, and nothing below a cycle
 *   is freed at once through it. Computed as the dominator tree of the graph without the objects
 *   in cycles, where an object referenced from a cycle hangs under the root.
 *
 * Counts, tracked counts and bytes (`node.size`, `sys.getsizeof`) per object, in typed arrays.
 */
import type { RetainedSize } from '../../protocol/retained';
import { NodeFlag } from '../../protocol/snapshot';
import type { Analysis } from './analysis';
import { dagDominators, semiNcaDominators } from './dominators';
import type { HeapSnapshot } from './heapSnapshot';
import {
  buildRetainedGraph,
  graphInfo,
  type RetainedGraph,
  type RetainedGraphInfo,
} from './retainedGraph';
import { weakContainerEntries, type WeakEntries } from './weakEntries';

const NODE_TRACKED = NodeFlag.Tracked;

/** Retained objects, collector-tracked objects among them, and their bytes, per node. */
export interface RetainedColumns {
  objects: Uint32Array;
  tracked: Uint32Array;
  bytes: Float64Array;
}

/** A dominator tree's children lists (CSR) and its preorder, for subtrees as intervals. */
export interface TreeIndex {
  childStart: Uint32Array;
  childList: Uint32Array;
  /** Nodes in the tree's depth-first preorder. */
  preorder: Uint32Array;
  /** Position of each node in `preorder` (−1: not in the tree); its subtree is `[pre, end)`. */
  pre: Int32Array;
  end: Int32Array;
}

export class RetainedAnalysis {
  readonly snapshot: HeapSnapshot;
  /** Roots, liveness, components (the graph's references are dropped once the trees exist). */
  readonly graph: RetainedGraphInfo;
  /** Next collection: immediate dominator of each node (the super-root, the garbage group, or an object). */
  readonly idom: Int32Array;
  /** Next collection, per node (objects, then the super-root and the garbage group). */
  readonly nextCollection: RetainedColumns;
  /** At once: immediate dominator among acyclic objects (`superRoot` at the top), −1 in cycles. */
  readonly atOnceIdom: Int32Array;
  /** At once, per object (zero for objects in reference cycles). */
  readonly atOnce: RetainedColumns;
  private treeCache: TreeIndex | null = null;
  private atOnceTreeCache: TreeIndex | null = null;
  private sortedChildren: Uint8Array | null = null;
  /** Weak-container entries and the objects whose deaths remove them (weakEntries.ts). */
  readonly weakEntries: WeakEntries;
  /**
   * Per object (next collection), the part of its retained sizes that is weak-container entries
   * its tree does not contain (absent: none). Its children add up to its sizes minus this.
   */
  readonly entries = new Map<number, RetainedSize>();
  /** The same for the at-once tree. */
  readonly atOnceEntries = new Map<number, RetainedSize>();

  constructor(snapshot: HeapSnapshot, analysis: Analysis) {
    this.snapshot = snapshot;
    const graph = buildRetainedGraph(snapshot, analysis);
    this.graph = graphInfo(graph);
    const dom = semiNcaDominators(graph, graph.superRoot, graph.garbageGroup);
    this.idom = dom.idom;
    this.nextCollection = accumulate(snapshot, graph.size, dom.idom, dom.order);

    // At once: the acyclic objects in topological order, after the super-root.
    const order = acyclicOrder(snapshot, graph);
    const atOnceIdom = dagDominators(graph, graph.superRoot, order.subarray(1), graph.rootReason);
    this.atOnceIdom = atOnceIdom;
    this.atOnce = accumulate(snapshot, graph.size, atOnceIdom, order);

    this.weakEntries = weakContainerEntries(snapshot, this.idom);
    if (this.weakEntries.entry.length > 0) this.addWeakEntries(dom.order, order);
  }

  /**
   * Weak containers drop their entry when its referent is freed (weakEntries.ts): every object
   * that retains the referent but not the entry retains the entry too — the referent and its
   * dominators below the nearest one that also dominates the entry, in each tree.
   */
  private addWeakEntries(order: Uint32Array, atOnceOrder: Uint32Array): void {
    const { referent, entry } = this.weakEntries;
    const depth = depths(this.graph.size, this.idom, order);
    const atOnceDepth = depths(this.graph.size, this.atOnceIdom, atOnceOrder);
    const pending: [RetainedColumns, Int32Array, number, number, number][] = [];
    for (let k = 0; k < entry.length; k++) {
      const x = referent[k];
      const e = entry[k];
      if (!this.live(x)) continue;
      const top = commonDominator(this.idom, depth, x, e);
      if (top !== e) pending.push([this.nextCollection, this.idom, x, e, top]);
      if (this.atOnceIdom[x] >= 0 && this.atOnceIdom[e] >= 0) {
        const atOnceTop = commonDominator(this.atOnceIdom, atOnceDepth, x, e);
        if (atOnceTop !== e) pending.push([this.atOnce, this.atOnceIdom, x, e, atOnceTop]);
      }
    }
    // Sizes of the entries before any is added, then the additions.
    const sizes = pending.map(([cols, , , e]) => [cols.objects[e], cols.tracked[e], cols.bytes[e]]);
    pending.forEach(([cols, idom, x, , top], i) => {
      const [objects, tracked, bytes] = sizes[i];
      const extras = cols === this.atOnce ? this.atOnceEntries : this.entries;
      for (let v = x; v !== top && v >= 0; v = idom[v]) {
        cols.objects[v] += objects;
        cols.tracked[v] += tracked;
        cols.bytes[v] += bytes;
        const sum = extras.get(v);
        if (sum) {
          sum.objects += objects;
          sum.tracked += tracked;
          sum.bytes += bytes;
        } else {
          extras.set(v, { objects, tracked, bytes });
        }
      }
    });
  }

  /** Next collection's tree: children and preorder (built on first use). */
  get tree(): TreeIndex {
    this.treeCache ??= treeIndex(this.graph.size, this.idom, this.graph.superRoot);
    return this.treeCache;
  }

  /** At once's tree, over the acyclic objects under the super-root (built on first use). */
  get atOnceTree(): TreeIndex {
    this.atOnceTreeCache ??= treeIndex(this.graph.size, this.atOnceIdom, this.graph.superRoot);
    return this.atOnceTreeCache;
  }

  get nodeCount(): number {
    return this.graph.nodeCount;
  }

  get superRoot(): number {
    return this.graph.superRoot;
  }

  get garbageGroup(): number {
    return this.graph.garbageGroup;
  }

  /** The object is reachable from a root (it is not garbage). */
  live(v: number): boolean {
    return v < this.graph.nodeCount ? this.graph.live[v] === 1 : v === this.graph.superRoot;
  }

  /** Children of `v` in the next collection's dominator tree, most retained bytes first. */
  children(v: number): Uint32Array {
    const { childStart, childList } = this.tree;
    const list = childList.subarray(childStart[v], childStart[v + 1]);
    this.sortedChildren ??= new Uint8Array(this.graph.size);
    if (this.sortedChildren[v] === 0) {
      const bytes = this.nextCollection.bytes;
      const objects = this.nextCollection.objects;
      const sorted = Array.from(list).sort(
        (a, b) => bytes[b] - bytes[a] || objects[b] - objects[a] || a - b,
      );
      list.set(sorted);
      this.sortedChildren[v] = 1;
    }
    return list;
  }

  /** `w` is in the subtree of `v` (next collection): `v` retains `w` through references (or is `w`). */
  retains(v: number, w: number): boolean {
    return within(this.tree, v, w);
  }

  /**
   * The objects `v` retains, itself first: its subtree in tree preorder, then the weak-container
   * entries that its objects' deaths remove (next collection).
   */
  retainedSet(v: number): Uint32Array {
    return this.members(this.tree, v, this.live(v));
  }

  /** The objects reference counting frees at once with `v` (empty for objects in cycles). */
  atOnceSet(v: number): Uint32Array {
    if (v >= this.graph.nodeCount) return new Uint32Array(0);
    return this.members(this.atOnceTree, v, this.atOnceIdom[v] >= 0);
  }

  private members(tree: TreeIndex, v: number, withEntries: boolean): Uint32Array {
    const { pre, end, preorder } = tree;
    if (pre[v] < 0) return new Uint32Array(0);
    const own = preorder.subarray(pre[v], end[v]);
    const { referent, entry } = this.weakEntries;
    if (!withEntries || entry.length === 0) return own;
    const extra: number[] = [];
    for (let k = 0; k < entry.length; k++) {
      const x = referent[k];
      const e = entry[k];
      if (!within(tree, v, x) || within(tree, v, e) || within(tree, e, x) || pre[e] < 0) continue;
      if (!this.live(x)) continue;
      for (let i = pre[e]; i < end[e]; i++) extra.push(preorder[i]);
    }
    if (extra.length === 0) return own;
    const out = new Uint32Array(own.length + extra.length);
    out.set(own);
    out.set(extra, own.length);
    return out;
  }
}

/** Depth of every node placed in `order` (each after its dominator) in the tree `idom`. */
function depths(size: number, idom: Int32Array, order: Uint32Array): Uint32Array {
  const depth = new Uint32Array(size);
  for (let k = 1; k < order.length; k++) depth[order[k]] = depth[idom[order[k]]] + 1;
  return depth;
}

/** The nearest common dominator of `a` and `b` in the tree `idom`. */
function commonDominator(idom: Int32Array, depth: Uint32Array, a: number, b: number): number {
  while (a !== b) {
    if (depth[a] > depth[b]) a = idom[a];
    else if (depth[b] > depth[a]) b = idom[b];
    else {
      a = idom[a];
      b = idom[b];
    }
  }
  return a;
}

/** `w` is in `v`'s subtree of `tree`. */
function within(tree: TreeIndex, v: number, w: number): boolean {
  const { pre, end } = tree;
  return pre[v] >= 0 && pre[w] >= pre[v] && pre[w] < end[v];
}

/**
 * The objects in no cycle, each after everything that refers to it, the super-root first.
 * Tarjan numbers components sinks first, so decreasing component order is topological for the
 * snapshot's references; a frame's local can point the other way. A local whose value refers to
 * nothing just goes last; otherwise the order is made again from scratch (Kahn's algorithm).
 */
function acyclicOrder(s: HeapSnapshot, graph: RetainedGraph): Uint32Array {
  const n = graph.nodeCount;
  const { component, cyclic, count } = graph.scc;
  const { start, to } = graph;
  const deferred = new Uint8Array(n);
  let kahn = false;
  for (let r = 0; r < s.rootCount && !kahn; r++) {
    if (graph.localAsEdge[r] === 0) continue;
    const frame = s.rootFrame[r];
    const value = s.rootNode[r];
    if (component[frame] >= component[value] || cyclic[component[value]] === 1) continue;
    if (start[value] === start[value + 1]) deferred[value] = 1;
    else kahn = true;
  }
  let acyclic = 0;
  for (let c = 0; c < count; c++) if (cyclic[c] === 0) acyclic++;
  const order = new Uint32Array(acyclic + 1);
  order[0] = graph.superRoot;
  let k = 1;
  if (!kahn) {
    const nodeOfComponent = new Int32Array(count).fill(-1);
    for (let v = 0; v < n; v++) if (cyclic[component[v]] === 0) nodeOfComponent[component[v]] = v;
    for (let c = count - 1; c >= 0; c--) {
      const v = nodeOfComponent[c];
      if (v >= 0 && deferred[v] === 0) order[k++] = v;
    }
    for (let v = 0; v < n; v++) if (deferred[v] === 1) order[k++] = v;
    return order;
  }
  const indegree = new Uint32Array(n);
  for (let u = 0; u < n; u++) {
    if (cyclic[component[u]] === 1) continue;
    for (let e = start[u], end = start[u + 1]; e < end; e++) {
      if (cyclic[component[to[e]]] === 0) indegree[to[e]]++;
    }
  }
  let head = 1;
  for (let v = 0; v < n; v++) if (cyclic[component[v]] === 0 && indegree[v] === 0) order[k++] = v;
  while (head < k) {
    const u = order[head++];
    for (let e = start[u], end = start[u + 1]; e < end; e++) {
      const w = to[e];
      if (cyclic[component[w]] === 0 && --indegree[w] === 0) order[k++] = w;
    }
  }
  return order;
}

/** Sizes of every subtree: each node's own, added to its dominator's in reverse preorder. */
function accumulate(
  s: HeapSnapshot,
  size: number,
  idom: Int32Array,
  order: Uint32Array,
): RetainedColumns {
  const n = s.nodeCount;
  const objects = new Uint32Array(size);
  const tracked = new Uint32Array(size);
  const bytes = new Float64Array(size);
  const flags = s.nodeFlags;
  const nodeSize = s.nodeSize;
  for (let v = 0; v < n; v++) {
    if (idom[v] < 0) continue;
    objects[v] = 1;
    tracked[v] = flags[v] & NODE_TRACKED;
    bytes[v] = nodeSize[v];
  }
  for (let k = order.length - 1; k >= 1; k--) {
    const v = order[k];
    const p = idom[v];
    if (p < 0 || p === v) continue;
    objects[p] += objects[v];
    tracked[p] += tracked[v];
    bytes[p] += bytes[v];
  }
  return { objects, tracked, bytes };
}

/** Children lists and preorder intervals of the tree `idom` (nodes with idom −1 are left out). */
function treeIndex(size: number, idom: Int32Array, root: number): TreeIndex {
  const childStart = new Uint32Array(size + 1);
  for (let v = 0; v < size; v++) {
    const p = idom[v];
    if (p >= 0 && v !== root) childStart[p + 1]++;
  }
  for (let v = 0; v < size; v++) childStart[v + 1] += childStart[v];
  const fill = childStart.slice(0, size);
  const childList = new Uint32Array(childStart[size]);
  for (let v = 0; v < size; v++) {
    const p = idom[v];
    if (p >= 0 && v !== root) childList[fill[p]++] = v;
  }
  const pre = new Int32Array(size).fill(-1);
  const end = new Int32Array(size).fill(-1);
  const preorder = new Uint32Array(childList.length + 1);
  const stackNode = new Uint32Array(childList.length + 1);
  const stackNext = new Uint32Array(childList.length + 1);
  let count = 0;
  let sp = 0;
  stackNode[0] = root;
  stackNext[0] = childStart[root];
  pre[root] = count;
  preorder[count++] = root;
  while (sp >= 0) {
    const v = stackNode[sp];
    const next = stackNext[sp];
    if (next < childStart[v + 1]) {
      stackNext[sp] = next + 1;
      const w = childList[next];
      pre[w] = count;
      preorder[count++] = w;
      sp++;
      stackNode[sp] = w;
      stackNext[sp] = childStart[w];
    } else {
      end[v] = count;
      sp--;
    }
  }
  return { childStart, childList, preorder: preorder.subarray(0, count), pre, end };
}

const cache = new WeakMap<Analysis, RetainedAnalysis>();

/** The retained sizes of an analysed snapshot, computed once per analysis. */
export function retainedOf(analysis: Analysis): RetainedAnalysis {
  let r = cache.get(analysis);
  if (!r) {
    r = new RetainedAnalysis(analysis.snapshot, analysis);
    cache.set(analysis, r);
  }
  return r;
}
