/**
 * The focused subgraph the heap graph draws (protocol/heapView.ts). Never the whole heap:
 *
 *   1. every object the next full collection frees,
 *   2. `weakref.finalize` referents and the chains that make an entry self-defeating,
 *   3. the paused frame and its locals (one level); at module level, the module and the values
 *      of its globals that are the program's own objects (instances, containers, generators),
 *   4. the other members of cycles that hold unreachable objects,
 *
 * in that order of priority, cut at `maxNodes`. With it: the whole heap by type, what holds the
 * memory (the largest part of the dominator tree, retained bytes by type, leak suspects:
 * protocol/retained.ts), and (unless `context: false`) a bounded neighbourhood of those objects
 * and their paths from the roots, so the HTML report can be explored offline.
 */
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import type {
  HeapView,
  ViewContext,
  ViewCycle,
  ViewEdge,
  ViewNode,
  ViewPathLink,
} from '../../protocol/heapView';
import type { Summary } from '../../protocol/summary';
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './heapSnapshot';
import { RootPaths } from './paths';
import { summarize, unreachableCycles } from './summary';
import { REPORT_TREE_ROWS, retainedQueries } from './retainedQueries';
import { MAX_TYPE_ROWS, typeTable } from './typeTable';
import { ViewNodes, type Reference } from './viewNodes';

export interface HeapViewOptions {
  /** Most nodes in the view (default 2000). */
  maxNodes?: number;
  /** A summary already computed for this analysis. */
  summary?: Summary;
  /** Embed the neighbourhood and root paths (default true), and how much of it. */
  context?: boolean | { maxNodes?: number; perNode?: number; maxEdges?: number };
  /** Rows of the dominator tree to embed (default `REPORT_TREE_ROWS`). */
  retainedRows?: number;
}

/** Most objects the embedded neighbourhood adds (root paths may add more). */
export const DEFAULT_CONTEXT_NODES = 2500;
/** Referents and referrers embedded per object, each. */
export const DEFAULT_CONTEXT_PER_NODE = 12;
/** Most module globals the first view shows when paused at module level. */
export const MAX_MODULE_GLOBALS = 24;

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

  for (const verdict of analysis.finalize.verdicts) {
    const r = verdict.record.referent;
    if (r < 0) continue;
    add(r);
    if (verdict.selfDefeating) verdict.chain.forEach(add);
  }

  const pausedFrame = snapshot.frames.paused?.[0]?.node ?? -1;
  add(pausedFrame);
  for (let r = 0; r < snapshot.rootCount; r++) {
    const kind = snapshot.rootKind[r];
    const v = snapshot.rootNode[r];
    if (kind === RootKind.FrameLocal && pausedFrame >= 0 && snapshot.rootFrame[r] === pausedFrame) {
      add(v);
    }
  }
  if (snapshot.frames.paused?.[0]?.function === '<module>') {
    moduleGlobals(snapshot, analysis, snapshot.frames.paused[0].file).forEach(add);
  }

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
  const viewNodes = new ViewNodes(snapshot, analysis, cycleSlot);
  const nodes: ViewNode[] = shownList.map((v) => {
    const node = viewNodes.node(v);
    if (node.cycle !== null) cycles[node.cycle].members.push(v);
    return node;
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

  const view: HeapView = {
    summary: options.summary ?? summarize(snapshot, analysis),
    nodes,
    edges,
    cycles,
    truncated: total > shownList.length ? { shown: shownList.length, total } : null,
    types: typeTable(snapshot, analysis),
    pausedFrame: pausedFrame >= 0 && shown[pausedFrame] === 1 ? pausedFrame : null,
    retained: retainedQueries(analysis).view(
      options.retainedRows ?? REPORT_TREE_ROWS,
      MAX_TYPE_ROWS,
    ),
  };
  if (options.context !== false) {
    const o = typeof options.context === 'object' ? options.context : {};
    const seeds = retainedQueries(analysis).focusObjects();
    view.context = buildContext(viewNodes, shownList, shown, o, seeds);
  }
  return view;
}

/**
 * At module level the paused frame's variables are the module's globals: the module whose
 * `__file__` is the frame's file (else `__main__`), its `__dict__`, and the globals that are the
 * program's own objects (not modules, classes, functions, numbers or strings; no dunder names).
 */
function moduleGlobals(snapshot: HeapSnapshot, analysis: Analysis, file: string): number[] {
  const s = snapshot;
  const dictOf = (m: number): number => {
    for (let e = s.edgeStart[m]; e < s.edgeStart[m + 1]; e++) {
      const t = s.edgeTo[e];
      if (s.typeName(t) === 'builtins.dict') return t;
    }
    return -1;
  };
  const fileOf = (d: number): string | null => {
    for (let e = s.edgeStart[d]; e < s.edgeStart[d + 1]; e++) {
      if (s.edgeKind[e] === EdgeKind.StrKey && s.strings[s.edgeName[e]] === '__file__') {
        return s.name(s.edgeTo[e]);
      }
    }
    return null;
  };
  let module = -1;
  let main = -1;
  for (let r = 0; r < s.rootCount && module < 0; r++) {
    if (s.rootKind[r] !== RootKind.Module) continue;
    const m = s.rootNode[r];
    const d = dictOf(m);
    if (d >= 0 && file !== '' && fileOf(d) === file) module = m;
    if (s.strings[s.rootName[r]] === '__main__') main = m;
  }
  if (module < 0) module = main;
  if (module < 0) return [];
  const dict = dictOf(module);
  if (dict < 0) return [module];
  const out = [module, dict];
  for (
    let e = s.edgeStart[dict];
    e < s.edgeStart[dict + 1] && out.length < MAX_MODULE_GLOBALS;
    e++
  ) {
    const t = s.edgeTo[e];
    const key = s.edgeKind[e] === EdgeKind.StrKey ? (s.strings[s.edgeName[e]] ?? '') : '';
    if (key === '' || key.startsWith('__')) continue;
    const cat = s.category(t);
    const own = cat === 'instance' || cat === 'container' || cat === 'generator';
    if (own || analysis.full.unreachable[t] === 1) out.push(t);
  }
  return out;
}

/**
 * The neighbourhood of the view, breadth-first: the most interesting referents and referrers of
 * each object (`perNode` each), then of those, until `maxNodes`; the references among all of
 * them; and the shortest path from a root of each, as a tree. `seeds` (what holds the memory:
 * leak suspects, the largest retainers) join first, with their paths but not their neighbours.
 */
function buildContext(
  vn: ViewNodes,
  shownList: number[],
  shown: Uint8Array,
  o: { maxNodes?: number; perNode?: number; maxEdges?: number },
  seeds: number[] = [],
): ViewContext {
  const s = vn.snapshot;
  const n = s.nodeCount;
  const maxNodes = Math.max(0, o.maxNodes ?? DEFAULT_CONTEXT_NODES);
  const perNode = Math.max(0, o.perNode ?? DEFAULT_CONTEXT_PER_NODE);
  const maxEdges = Math.max(0, o.maxEdges ?? 25_000);
  const inUnion = new Uint8Array(n);
  for (const v of shownList) inUnion[v] = 1;
  const extra: number[] = [];
  // A seed the neighbourhood reaches is explored from as if the neighbourhood had added it.
  const unexploredSeed = new Uint8Array(n);
  for (const v of seeds) {
    if (v < 0 || v >= n || inUnion[v] === 1 || extra.length >= maxNodes) continue;
    inUnion[v] = 1;
    unexploredSeed[v] = 1;
    extra.push(v);
  }
  const take = (refs: Reference[], other: (r: Reference) => number, next: number[]): void => {
    let k = 0;
    const seen = new Set<number>();
    for (const r of vn.ranked(refs, other)) {
      const v = other(r);
      if (seen.has(v)) continue;
      seen.add(v);
      if (++k > perNode || extra.length >= maxNodes) break;
      if (unexploredSeed[v] === 1) {
        unexploredSeed[v] = 0;
        next.push(v);
        continue;
      }
      if (inUnion[v] === 1) continue;
      inUnion[v] = 1;
      extra.push(v);
      next.push(v);
    }
  };
  let frontier = shownList;
  for (let depth = 0; depth < 2 && frontier.length > 0 && extra.length < maxNodes; depth++) {
    const next: number[] = [];
    for (const v of frontier) {
      if (extra.length >= maxNodes) break;
      take(vn.referents(v), (r) => r.to, next);
      take(vn.referrers(v), (r) => r.from, next);
    }
    frontier = next;
  }

  // Root paths: every object in the union with its chain up to a root (the chain's objects join
  // the context, up to as many again as the neighbourhood).
  const paths = new RootPaths(s);
  const pathTree: ViewPathLink[] = [];
  const unrooted: number[] = [];
  const linked = new Uint8Array(n);
  const pathBudget = Math.max(maxNodes, 500);
  let pathAdded = 0;
  const union = [...shownList, ...extra];
  for (const v of union) {
    let u = v;
    while (linked[u] === 0) {
      const link = paths.link(u);
      linked[u] = 1;
      if (!link) {
        if (u === v) unrooted.push(v);
        break;
      }
      pathTree.push({ node: u, parent: link.parent, label: link.label });
      if (link.parent < 0) break;
      u = link.parent;
      if (inUnion[u] === 0) {
        if (pathAdded >= pathBudget) break;
        inUnion[u] = 1;
        extra.push(u);
        pathAdded++;
      }
    }
  }

  const all = [...shownList, ...extra];
  const edges: ViewEdge[] = [];
  const completeReferents: number[] = [];
  const completeReferrers: number[] = [];
  for (const u of all) {
    let complete = true;
    for (const r of vn.referents(u)) {
      if (inUnion[r.to] === 0) {
        complete = false;
        continue;
      }
      if (shown[u] === 1 && shown[r.to] === 1) continue;
      if (edges.length < maxEdges)
        edges.push({ from: r.from, to: r.to, label: r.label, weak: r.weak });
      else complete = false;
    }
    if (complete) completeReferents.push(u);
    if (vn.referrers(u).every((r) => inUnion[r.from] === 1)) completeReferrers.push(u);
  }
  return {
    nodes: extra.map((v) => vn.node(v)),
    edges,
    pathTree,
    unrooted,
    completeReferrers,
    completeReferents,
  };
}
