/**
 * The view model the heap graph draws: a focused subset of the heap (never the whole heap),
 * produced by the engine and sent to the webview or embedded in the HTML report.
 */
import type { ObjectRetained, RetainedView } from './retained';
import type { Summary } from './summary';
import type { TypeCategory } from './snapshot';

export type FinalizerKind = 'del' | 'generator' | 'native' | 'finalize' | null;

export interface ViewNode {
  /** Snapshot node index: stable within one snapshot. */
  id: number;
  /** Hex address (Python `id()`): stable across captures of one process. */
  address: string;
  /** `module.qualname`. */
  type: string;
  category: TypeCategory;
  /** Short text to draw: attribute-free description (`Node`, `dict (3)`, `'hello'`, `f() line 3`). */
  label: string;
  size: number;
  refcount: number;
  /** 0, 1, 2 for tracked objects; null when untracked. */
  generation: number | null;
  /** The next full collection frees it. */
  unreachable: boolean;
  /** Index into HeapView.cycles, or null. */
  cycle: number | null;
  /** What kind of finalizer is pending on it, if any. */
  finalizer: FinalizerKind;
  /** A `weakref.finalize` whose callback keeps this object alive. */
  selfDefeating: boolean;
  /** It is a root: a module, a frame local, a thread frame. */
  root: boolean;
  /**
   * The module of its type (`__main__`, `builtins`, `pkg.mod`); for a module object, the module's
   * own name. Used by the filters (builtins, standard library, debugger internals). Optional:
   * views written before it existed lack it.
   */
  module?: string;
  /** References to it in the whole heap (not only in this view), weak ones included. */
  referrerCount?: number;
  /** References from it in the whole heap, weak ones included. */
  referentCount?: number;
  /** Where it was allocated (innermost frame), when the program ran with tracemalloc on. */
  allocation?: { file: string; line: number };
  /**
   * What it retains, in both notions, and its place in the dominator tree (protocol/retained.ts).
   * Optional: views written before it existed lack it.
   */
  retained?: ObjectRetained;
}

export interface ViewEdge {
  from: number;
  to: number;
  /** `.attr`, `['key']`, `[3]`, `local x`, `__dict__`… empty when unlabelled. */
  label: string;
  /** Weak reference: dashed, does not keep its target alive. */
  weak: boolean;
}

export interface ViewCycle {
  id: number;
  size: number;
  unreachable: boolean;
  /** Node ids of the cycle shown in this view. */
  members: number[];
}

/** One row of the type table: every object of one type in the whole heap. */
export interface ViewTypeRow {
  /** `module.qualname`. */
  type: string;
  module: string;
  category: TypeCategory;
  count: number;
  /** Shallow bytes. */
  bytes: number;
  /** Objects in a reference cycle (a strongly connected component that loops). */
  inCycles: number;
  /** Objects the next full collection frees. */
  unreachable: number;
  /** Objects whose finalizer (`__del__`, generator `finally`, native) has not run yet. */
  finalizers: number;
}

/**
 * One link of the breadth-first tree from the roots ("Why is this alive?"): following `parent`
 * from an object up to a root gives its shortest path from a root.
 */
export interface ViewPathLink {
  node: number;
  /** The node one step closer to a root, or -1 when `node` is itself the root. */
  parent: number;
  /** The reference from `parent` to `node` (`.attr`, `['key']`); for a root, how the root holds it. */
  label: string;
}

/**
 * What the HTML report embeds so that it can be explored without the engine: objects around the
 * drawn ones (referrers and referents, a bounded number per object and in all) and the shortest
 * paths from the roots. Not drawn until the user expands.
 */
export interface ViewContext {
  /** Objects not in `HeapView.nodes`. */
  nodes: ViewNode[];
  /** References among `nodes` and `context.nodes` that `HeapView.edges` does not list. */
  edges: ViewEdge[];
  /** Paths from the roots for every object of the view and of `nodes` that has one. */
  pathTree: ViewPathLink[];
  /** Objects (of either list) no root reaches by strong references: they have no path. */
  unrooted: number[];
  /**
   * Ids (of either list) whose referrers, resp. referents, are all listed here: expanding them
   * offline shows everything. For the others, `referrerCount` / `referentCount` say how many exist.
   */
  completeReferrers: number[];
  completeReferents: number[];
}

export interface HeapView {
  summary: Summary;
  nodes: ViewNode[];
  edges: ViewEdge[];
  cycles: ViewCycle[];
  /** The view was cut to this many nodes; `total` is how many matched before the cut. */
  truncated: { shown: number; total: number } | null;
  /** The whole heap by type (optional: older views lack it). */
  types?: ViewTypeRow[];
  /** Node id of the frame the capture was taken in, when it is in the view. */
  pausedFrame?: number | null;
  /** Bounded neighbourhood and root paths for offline exploration (the HTML report). */
  context?: ViewContext;
  /**
   * What holds the memory: the largest retainers, leak suspects, retained bytes by type and the
   * largest part of the dominator tree (protocol/retained.ts). Optional: older views lack it.
   */
  retained?: RetainedView;
}
