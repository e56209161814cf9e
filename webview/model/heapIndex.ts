/**
 * Lookup tables over a validated HeapView: nodes by id and address, references in and out, and
 * which drawn cycle (ViewCycle) each summary cycle (CycleSummary) is. Pure: no DOM.
 */
import type { HeapView, ViewCycle, ViewEdge, ViewNode } from '../../protocol/heapView';
import type { CycleSummary } from '../../protocol/summary';

export interface HeapIndex {
  view: HeapView;
  byId: Map<number, ViewNode>;
  byAddress: Map<string, ViewNode>;
  out: Map<number, ViewEdge[]>;
  in: Map<number, ViewEdge[]>;
  /** summary.cycles[i] → the drawn cycle holding any of its addresses, or null. */
  viewCycleOfSummary: (ViewCycle | null)[];
  /** view.cycles[i] → index into summary.cycles, or -1. */
  summaryOfViewCycle: number[];
}

export function indexHeapView(view: HeapView): HeapIndex {
  const byId = new Map<number, ViewNode>();
  const byAddress = new Map<string, ViewNode>();
  const out = new Map<number, ViewEdge[]>();
  const inn = new Map<number, ViewEdge[]>();
  for (const n of view.nodes) {
    byId.set(n.id, n);
    if (!byAddress.has(n.address)) byAddress.set(n.address, n);
    out.set(n.id, []);
    inn.set(n.id, []);
  }
  for (const e of view.edges) {
    out.get(e.from)?.push(e);
    inn.get(e.to)?.push(e);
  }
  const summaryOfViewCycle = view.cycles.map(() => -1);
  const viewCycleOfSummary = view.summary.cycles.map((c: CycleSummary, si) => {
    const addrs = new Set(c.addresses);
    const vi = view.cycles.findIndex(
      (vc, i) =>
        summaryOfViewCycle[i] === -1 &&
        vc.members.some((m) => {
          const n = byId.get(m);
          return n !== undefined && addrs.has(n.address);
        }),
    );
    if (vi < 0) return null;
    summaryOfViewCycle[vi] = si;
    return view.cycles[vi];
  });
  return { view, byId, byAddress, out, in: inn, viewCycleOfSummary, summaryOfViewCycle };
}

/** The drawn cycle a node belongs to (ViewNode.cycle is an index into view.cycles). */
export function cycleOf(index: HeapIndex, node: ViewNode): ViewCycle | null {
  if (node.cycle === null) return null;
  return index.view.cycles[node.cycle] ?? null;
}
