/**
 * The graph on a large heap: not every object the view holds (thousands of them make a
 * hairball), but what holds the memory — the largest leak suspect, the path that keeps it, where
 * its memory accumulates and the largest objects there — with its retained set ringed, and a way
 * to widen to the whole view. Also which drawn objects an object retains: its retained set among
 * them, from the dominator tree's preorder intervals (protocol/retained.ts). Pure: no DOM.
 */
import type { HeapView, ViewNode } from '../../protocol/heapView';
import type { GraphStore } from './graphStore';
import type { RetainedRows } from './retainedRows';

/** A view with more objects than this opens on a focused neighbourhood. */
export const FOCUS_ABOVE = 400;
/** Largest children of the focused object drawn with it. */
export const FOCUS_CHILDREN = 12;

/** What to focus: the object whose memory is shown (`target`) and the one whose set is ringed. */
export interface FocusChoice {
  target: number;
  retainer: number;
  /** How the page says it: `leak suspect`, `largest retainer drawn`. */
  why: 'suspect' | 'largest';
}

/** `b` is in `a`'s retained set (next collection): `a`'s interval holds `b`'s start. */
export function retains(a: ViewNode, b: ViewNode): boolean {
  const ia = a.retained?.interval;
  const ib = b.retained?.interval;
  if (!ia || !ib) return a.id === b.id;
  return ia[0] <= ib[0] && ib[0] < ia[1];
}

/** Of `ids`, those `root` retains (itself included when among them). */
export function retainedAmong(store: GraphStore, root: number, ids: Iterable<number>): number[] {
  const r = store.nodes.get(root);
  if (!r) return [];
  const out: number[] = [];
  for (const id of ids) {
    const n = store.nodes.get(id);
    if (n && retains(r, n)) out.push(id);
  }
  return out;
}

/**
 * Where a view opens: the first leak suspect the page knows (its accumulation point, the
 * suspect's set ringed), else the drawn object that retains the most bytes; null when neither.
 */
export function focusChoice(view: HeapView, store: GraphStore): FocusChoice | null {
  for (const s of view.retained?.suspects ?? []) {
    if (store.nodes.has(s.node)) {
      const target = store.nodes.has(s.accumulation.node) ? s.accumulation.node : s.node;
      return { target, retainer: s.node, why: 'suspect' };
    }
  }
  let best: ViewNode | null = null;
  for (const n of view.nodes) {
    const b = n.retained?.retained.bytes ?? 0;
    if (b > 0 && (!best || b > (best.retained?.retained.bytes ?? 0))) best = n;
  }
  return best ? { target: best.id, retainer: best.id, why: 'largest' } : null;
}

/** A view is drawn focused when it holds more objects than the graph shows legibly. */
export function opensFocused(view: HeapView): boolean {
  return view.nodes.length > FOCUS_ABOVE;
}

/**
 * The objects to draw around `target`: the known paths from a root to it and to the object
 * whose set is ringed, the target, its largest children in the dominator tree that the page
 * knows, and its known referents — every one of them an object the page can draw.
 */
export function focusNeighbourhood(
  store: GraphStore,
  rows: RetainedRows | null,
  choice: Pick<FocusChoice, 'target' | 'retainer'>,
  referents = 20,
): number[] {
  const out = new Set<number>();
  const add = (id: number): void => {
    if (store.nodes.has(id)) out.add(id);
  };
  for (const id of [choice.retainer, choice.target]) {
    const path = store.knownPath(id);
    for (const step of path?.steps ?? []) add(step.node.id);
    add(id);
  }
  const kids = rows?.childrenOf(choice.target);
  let taken = 0;
  for (const r of kids?.rows ?? []) {
    if (taken >= FOCUS_CHILDREN) break;
    if (r && store.nodes.has(r.id)) {
      out.add(r.id);
      taken++;
    }
  }
  for (const id of store.neighbours(choice.target, 'referents').ids.slice(0, referents)) add(id);
  return [...out];
}
