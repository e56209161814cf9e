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
 *   to the object goes: the object (whatever cycle it is on: that cycle's references to it went
 *   too), then each object whose count reaches 0 because its referrers were freed, and so on. A
 *   cycle below it that does not contain it, or a reference from an object not freed, stops the
 *   cascade. Simulated per object on demand with the snapshot's reference counts (atOnce.ts).
 *
 * Counts, tracked counts and bytes (`node.size`, `sys.getsizeof`) per object, in typed arrays.
 */
import type { RetainedSize } from '../../protocol/retained';
import { NodeFlag } from '../../protocol/snapshot';
import type { Analysis } from './analysis';
import { AtOnce } from './atOnce';
import type { HeapSnapshot } from './heapSnapshot';
import { retainedDominators, type RetainedGraphInfo } from './retainedGraph';
import { giveBack, scratchUint32 } from './scratch';
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
  readonly childStart: Uint32Array;
  readonly childList: Uint32Array;
  /** Nodes in the tree's depth-first preorder (children in increasing node order). */
  readonly preorder: Uint32Array;
  /** Position of each node in `preorder` (−1: not in the tree); its subtree is `[pre, end)`. */
  readonly pre: Int32Array;
  readonly end: Int32Array;
}

export class RetainedAnalysis {
  readonly snapshot: HeapSnapshot;
  /** Roots, liveness, components (the graph's references are dropped once the trees exist). */
  readonly graph: RetainedGraphInfo;
  /** Next collection: immediate dominator of each node (the super-root, the garbage group, or an object). */
  readonly idom: Int32Array;
  /** Next collection, per node (objects, then the super-root and the garbage group). */
  readonly nextCollection: RetainedColumns;
  private treeCache: TreeIndex | null = null;
  private atOnceCache: AtOnce | null = null;
  private sortedChildren: Uint8Array | null = null;
  /** Weak-container entries and the objects whose deaths remove them (weakEntries.ts). */
  readonly weakEntries: WeakEntries;
  /**
   * Per object (next collection), the part of its retained sizes that is weak-container entries
   * its tree does not contain (absent: none). Its children add up to its sizes minus this.
   */
  readonly entries = new Map<number, RetainedSize>();

  constructor(snapshot: HeapSnapshot, analysis: Analysis) {
    this.snapshot = snapshot;
    const { info, dom } = retainedDominators(snapshot, analysis);
    this.graph = info;
    this.idom = dom.idom;
    this.nextCollection = accumulate(snapshot, info.size, dom.idom, dom.order);

    this.weakEntries = weakContainerEntries(snapshot, this.idom);
    if (this.weakEntries.entry.length > 0) this.addWeakEntries(dom.order);
  }

  /**
   * Weak containers drop their entry when its referent is freed (weakEntries.ts): every object
   * that retains the referent but not the entry retains the entry too — the referent and its
   * dominators below the nearest one that also dominates the entry.
   */
  private addWeakEntries(order: Uint32Array): void {
    const { referent, entry } = this.weakEntries;
    const depth = depths(this.graph.size, this.idom, order);
    const pending: [number, number, number][] = [];
    for (let k = 0; k < entry.length; k++) {
      const x = referent[k];
      const e = entry[k];
      if (!this.live(x)) continue;
      const top = commonDominator(this.idom, depth, x, e);
      if (top !== e) pending.push([x, e, top]);
    }
    giveBack(depth);
    // Sizes of the entries before any is added, then the additions.
    const cols = this.nextCollection;
    const sizes = pending.map(([, e]) => [cols.objects[e], cols.tracked[e], cols.bytes[e]]);
    const extras = this.entries;
    const idom = this.idom;
    pending.forEach(([x, , top], i) => {
      const [objects, tracked, bytes] = sizes[i];
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

  private get cascade(): AtOnce {
    this.atOnceCache ??= new AtOnce(
      this.snapshot,
      () => this.tree,
      this.idom,
      this.graph.live,
      this.weakEntries,
      this.graph.localAsEdge,
    );
    return this.atOnceCache;
  }

  /**
   * What reference counting frees at once with `v` (atOnce.ts), computed on first use and
   * cached; zero for the super-root, the garbage group and immortal objects.
   */
  atOnceSize(v: number): RetainedSize {
    if (v >= this.graph.nodeCount) return { objects: 0, tracked: 0, bytes: 0 };
    return this.cascade.size(v);
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
    const tree = this.tree;
    const { childStart, childList } = tree;
    const list = childList.subarray(childStart[v], childStart[v + 1]);
    this.sortedChildren ??= new Uint8Array(this.graph.size);
    if (this.sortedChildren[v] === 0) {
      // The preorder follows the lists in node order: walked before any list is sorted in place.
      if (list.length > 1) void tree.pre;
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

  /** The objects reference counting frees at once with `v`, itself first. */
  atOnceSet(v: number): Uint32Array {
    if (v >= this.graph.nodeCount) return new Uint32Array(0);
    return this.cascade.members(v);
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
  const depth = scratchUint32(size, true);
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
  // Children counts, their running totals (each node's end), then filled backwards so that each
  // list ends at its node's start and holds its children in increasing order.
  const childStart = new Uint32Array(size + 1);
  for (let v = 0; v < size; v++) {
    const p = idom[v];
    if (p >= 0 && v !== root) childStart[p]++;
  }
  for (let v = 1; v < size; v++) childStart[v] += childStart[v - 1];
  const total = size > 0 ? childStart[size - 1] : 0;
  childStart[size] = total;
  const childList = new Uint32Array(total);
  for (let v = size - 1; v >= 0; v--) {
    const p = idom[v];
    if (p >= 0 && v !== root) childList[--childStart[p]] = v;
  }
  return new TreeWithPreorder(size, root, childStart, childList);
}

/**
 * The children lists at once, the preorder walked on first use: the summary reads only the
 * lists, views and retained sets read the intervals too.
 */
class TreeWithPreorder implements TreeIndex {
  private walked: { preorder: Uint32Array; pre: Int32Array; end: Int32Array } | null = null;

  constructor(
    private readonly size: number,
    private readonly root: number,
    readonly childStart: Uint32Array,
    readonly childList: Uint32Array,
  ) {}

  get preorder(): Uint32Array {
    return this.walk().preorder;
  }

  get pre(): Int32Array {
    return this.walk().pre;
  }

  get end(): Int32Array {
    return this.walk().end;
  }

  private walk(): { preorder: Uint32Array; pre: Int32Array; end: Int32Array } {
    this.walked ??= preorderOf(this.size, this.root, this.childStart, this.childList);
    return this.walked;
  }
}

/** Depth-first preorder of the tree from `root`, and each node's interval `[pre, end)`. */
function preorderOf(
  size: number,
  root: number,
  childStart: Uint32Array,
  childList: Uint32Array,
): { preorder: Uint32Array; pre: Int32Array; end: Int32Array } {
  const pre = new Int32Array(size).fill(-1);
  const end = new Int32Array(size).fill(-1);
  const preorder = new Uint32Array(childList.length + 1);
  // The search's stack grows with the tree's depth, which is small but for long chains.
  let stackNode = new Uint32Array(1024);
  let stackNext = new Uint32Array(1024);
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
      if (sp === stackNode.length) {
        stackNode = grown(stackNode);
        stackNext = grown(stackNext);
      }
      stackNode[sp] = w;
      stackNext[sp] = childStart[w];
    } else {
      end[v] = count;
      sp--;
    }
  }
  return { preorder: preorder.subarray(0, count), pre, end };
}

/** A copy of `a` twice as long. */
function grown(a: Uint32Array): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(a.length * 2);
  out.set(a);
  return out;
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
