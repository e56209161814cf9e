/**
 * The focused subgraph the heap graph draws (protocol/heapView.ts). Never the whole heap:
 *
 *   1. every object the next full collection frees,
 *   2. `weakref.finalize` referents and the chains that make an entry self-defeating,
 *   3. the paused frame and its locals (one level),
 *   4. the other members of cycles that hold unreachable objects,
 *
 * in that order of priority, cut at `maxNodes`.
 */
import { NodeFlag, RootKind, TypeFlag } from '../../protocol/snapshot';
import type {
  FinalizerKind,
  HeapView,
  ViewCycle,
  ViewEdge,
  ViewNode,
} from '../../protocol/heapView';
import type { Summary } from '../../protocol/summary';
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './heapSnapshot';
import { frameRecords, nodeLabel } from './labels';
import { summarize, unreachableCycles } from './summary';

export interface HeapViewOptions {
  /** Most nodes in the view (default 2000). */
  maxNodes?: number;
  /** A summary already computed for this analysis. */
  summary?: Summary;
}

export const DEFAULT_MAX_NODES = 2000;
/** Live (reachable) cycles larger than this are not outlined in the view. */
export const MAX_LIVE_CYCLE_OUTLINE = 64;

export function buildHeapView(
  snapshot: HeapSnapshot,
  analysis: Analysis,
  options: HeapViewOptions = {},
): HeapView {
  const maxNodes = Math.max(0, options.maxNodes ?? DEFAULT_MAX_NODES);
  const n = snapshot.nodeCount;
  const { full, scc } = analysis;

  // --- choose the nodes, in priority order
  const chosen = new Uint8Array(n);
  const order: number[] = [];
  const add = (v: number) => {
    if (v >= 0 && v < n && chosen[v] === 0) {
      chosen[v] = 1;
      order.push(v);
    }
  };
  for (let v = 0; v < n; v++) if (full.unreachable[v] === 1) add(v);

  const finalizeReferent = new Uint8Array(n);
  const selfDefeatingReferent = new Uint8Array(n);
  for (const verdict of analysis.finalize.verdicts) {
    const r = verdict.record.referent;
    if (r < 0) continue;
    finalizeReferent[r] = 1;
    add(r);
    if (verdict.selfDefeating) {
      selfDefeatingReferent[r] = 1;
      verdict.chain.forEach(add);
    }
  }

  const pausedFrame = snapshot.frames.paused?.[0]?.node ?? -1;
  add(pausedFrame);
  const root = new Uint8Array(n);
  for (let r = 0; r < snapshot.rootCount; r++) {
    const kind = snapshot.rootKind[r];
    const v = snapshot.rootNode[r];
    if (kind === RootKind.FrameLocal && pausedFrame >= 0 && snapshot.rootFrame[r] === pausedFrame) {
      add(v);
    }
    if (
      kind === RootKind.Module ||
      kind === RootKind.FrameLocal ||
      kind === RootKind.Thread ||
      kind === RootKind.PausedFrame ||
      kind === RootKind.StackFrame
    ) {
      root[v] = 1;
    }
  }
  if (pausedFrame >= 0) root[pausedFrame] = 1;

  for (const cycle of unreachableCycles(analysis)) cycle.members.forEach(add);

  // --- cut
  const total = order.length;
  const shownList = total > maxNodes ? order.slice(0, maxNodes) : order;
  const shown = chosen;
  if (shownList !== order) {
    shown.fill(0);
    for (const v of shownList) shown[v] = 1;
  }

  // --- cycles with a shown member
  const cycleSlot = new Int32Array(scc.count).fill(-1);
  const cycleComponents: number[] = [];
  for (const v of shownList) {
    const c = scc.component[v];
    // A live component of thousands of objects is the program's module graph, not a leak:
    // outline live cycles only when they are small enough to be one data structure.
    const drawn = full.unreachable[v] === 1 || scc.size[c] <= MAX_LIVE_CYCLE_OUTLINE;
    if (scc.cyclic[c] === 1 && cycleSlot[c] === -1 && drawn) {
      cycleSlot[c] = cycleComponents.length;
      cycleComponents.push(c);
    }
  }
  const unreachableIn = new Uint32Array(cycleComponents.length);
  if (cycleComponents.length > 0) {
    for (let v = 0; v < n; v++) {
      const slot = cycleSlot[scc.component[v]];
      if (slot >= 0 && full.unreachable[v] === 1) unreachableIn[slot]++;
    }
  }
  const ranked = cycleComponents
    .map((c, slot) => ({ c, slot, size: scc.size[c], unreachable: unreachableIn[slot] }))
    .sort(
      (a, b) =>
        Number(b.unreachable > 0) - Number(a.unreachable > 0) || b.size - a.size || a.slot - b.slot,
    );
  const cycles: ViewCycle[] = ranked.map((r, id) => {
    cycleSlot[r.c] = id;
    return { id, size: r.size, unreachable: r.unreachable === r.size, members: [] };
  });

  // --- nodes
  const frames = frameRecords(snapshot);
  const nodes: ViewNode[] = shownList.map((v) => {
    const c = scc.component[v];
    const cycle = scc.cyclic[c] === 1 ? cycleSlot[c] : -1;
    if (cycle >= 0) cycles[cycle].members.push(v);
    const type = snapshot.type(v);
    return {
      id: v,
      address: snapshot.addressHex(v),
      type: type.name,
      category: type.category,
      label: nodeLabel(snapshot, v, frames),
      size: snapshot.nodeSize[v],
      refcount: snapshot.nodeRefcount[v],
      generation: snapshot.generation(v),
      unreachable: full.unreachable[v] === 1,
      cycle: cycle >= 0 ? cycle : null,
      finalizer: finalizerKind(snapshot, v, finalizeReferent),
      selfDefeating: selfDefeatingReferent[v] === 1,
      root: root[v] === 1,
    };
  });

  // --- edges among shown nodes
  const edges: ViewEdge[] = [];
  for (const u of shownList) {
    const end = snapshot.edgeStart[u + 1];
    for (let e = snapshot.edgeStart[u]; e < end; e++) {
      const t = snapshot.edgeTo[e];
      if (shown[t] === 1) edges.push({ from: u, to: t, label: snapshot.edgeLabel(e), weak: false });
    }
  }
  for (let w = 0; w < snapshot.weakrefCount; w++) {
    const from = snapshot.weakrefNode[w];
    const to = snapshot.weakrefReferent[w];
    if (to >= 0 && shown[from] === 1 && shown[to] === 1) {
      edges.push({ from, to, label: '', weak: true });
    }
  }
  for (let r = 0; r < snapshot.rootCount; r++) {
    const frame = snapshot.rootFrame[r];
    const to = snapshot.rootNode[r];
    if (
      snapshot.rootKind[r] === RootKind.FrameLocal &&
      frame >= 0 &&
      shown[frame] === 1 &&
      shown[to] === 1
    ) {
      edges.push({
        from: frame,
        to,
        label: snapshot.strings[snapshot.rootName[r]] ?? '',
        weak: false,
      });
    }
  }

  return {
    summary: options.summary ?? summarize(snapshot, analysis),
    nodes,
    edges,
    cycles,
    truncated: total > shownList.length ? { shown: shownList.length, total } : null,
  };
}

function finalizerKind(
  snapshot: HeapSnapshot,
  v: number,
  finalizeReferent: Uint8Array,
): FinalizerKind {
  const flags = snapshot.flagsOfType(v);
  if ((flags & TypeFlag.HasFinalizer) !== 0 && (snapshot.nodeFlags[v] & NodeFlag.Finalized) === 0) {
    if ((flags & TypeFlag.PythonDel) !== 0) return 'del';
    if ((flags & TypeFlag.GeneratorLike) !== 0) return 'generator';
    return 'native';
  }
  return finalizeReferent[v] === 1 ? 'finalize' : null;
}
