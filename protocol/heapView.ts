/**
 * The view model the heap graph draws: a focused subset of the heap (never the whole heap),
 * produced by the engine and sent to the webview or embedded in the HTML report.
 */
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

export interface HeapView {
  summary: Summary;
  nodes: ViewNode[];
  edges: ViewEdge[];
  cycles: ViewCycle[];
  /** The view was cut to this many nodes; `total` is how many matched before the cut. */
  truncated: { shown: number; total: number } | null;
}
