/**
 * The synthetic nodes of the `.heapsnapshot` export, in Chrome's shape: a root (node 0) whose
 * first child is `(GC roots)`, whose children group what keeps objects alive from outside the
 * graph — the very roots the engine's dominator tree starts from (retainedGraph.ts):
 *
 *   (GC roots) → (Modules)              → sys.modules[name], by name
 *              → (Threads) → (Thread T) → its frames, innermost first
 *              → (Frames)               → other frames the capture names (paused stack)
 *              → (Frame locals)         → locals of frames the snapshot does not have
 *              → (gc.garbage)
 *              → (Held from outside the graph) → reference count above the references shown
 *              → (Immortal), (Frozen by gc.freeze())
 *
 * and beside it `(Unreachable: freed by the next gc.collect())`, whose children are the entries of
 * the garbage (the objects whose immediate dominator is the engine's garbage group), and, when the
 * program ran with tracemalloc, `(Allocation sites)`: one node per file and line, which each
 * object allocated there points to by a weak reference named `allocated at` (weak: it keeps
 * nothing alive and no viewer counts it in a retained size).
 */
import { RootKind } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';
import { EdgeType } from './heapsnapshotFormat';
import type { ExportStrings } from './heapsnapshotNames';
import type { RetainedAnalysis } from './retained';
import { RootReason } from './retainedGraph';

/** An edge of a synthetic node; `to` is an object (node index of the snapshot) or a synthetic node. */
export interface SyntheticEdge {
  type: EdgeType;
  /** String index, or the element index for `element` edges. */
  name: number;
  to: number;
  toObject: boolean;
}

export interface SyntheticNode {
  /** String index of its name. */
  name: number;
  edges: SyntheticEdge[];
}

export interface SyntheticGraph {
  /** Node 0 is the root. */
  nodes: SyntheticNode[];
  /** Per object: the synthetic node of the site that allocated it, or −1 (no tracemalloc record). */
  siteOf: Int32Array | null;
}

class Builder {
  readonly nodes: SyntheticNode[] = [];
  constructor(private readonly strings: ExportStrings) {}

  /** A new synthetic node; returns its index. */
  node(name: string): number {
    this.nodes.push({ name: this.strings.intern(name), edges: [] });
    return this.nodes.length - 1;
  }

  /** `from → to` as the next element of `from`. */
  element(from: number, to: number, toObject: boolean): void {
    const edges = this.nodes[from].edges;
    edges.push({ type: EdgeType.Element, name: edges.length, to, toObject });
  }

  named(from: number, type: EdgeType, name: string, to: number, toObject = true): void {
    this.nodes[from].edges.push({ type, name: this.strings.intern(name), to, toObject });
  }

  childCount(node: number): number {
    return this.nodes[node].edges.length;
  }
}

/** The frames the capture names as roots, each thread's first (in their threads' order). */
function frameRoots(s: HeapSnapshot): Set<number> {
  const frames = new Set<number>();
  for (const f of s.frames.paused ?? []) if (f.node >= 0) frames.add(f.node);
  for (const t of s.frames.threads ?? [])
    for (const f of t.frames ?? []) {
      if (f.node >= 0) frames.add(f.node);
    }
  for (let r = 0; r < s.rootCount; r++) {
    const kind = s.rootKind[r];
    if (kind === RootKind.Thread || kind === RootKind.PausedFrame || kind === RootKind.StackFrame) {
      frames.add(s.rootNode[r]);
    } else if (kind === RootKind.FrameLocal && s.rootFrame[r] >= 0) {
      frames.add(s.rootFrame[r]);
    }
  }
  return frames;
}

export function syntheticGraph(
  s: HeapSnapshot,
  retained: RetainedAnalysis,
  strings: ExportStrings,
): SyntheticGraph {
  const b = new Builder(strings);
  const root = b.node('');
  const gcRoots = b.node('(GC roots)');
  b.element(root, gcRoots, false);
  const attach = (group: number): void => {
    if (b.childCount(group) > 0) b.element(gcRoots, group, false);
  };

  const modules = b.node('(Modules)');
  const locals = b.node('(Frame locals)');
  const garbageList = b.node('(gc.garbage)');
  for (let r = 0; r < s.rootCount; r++) {
    const name = s.strings[s.rootName[r]] ?? '';
    switch (s.rootKind[r]) {
      case RootKind.Module:
        b.named(modules, EdgeType.Property, name, s.rootNode[r]);
        break;
      case RootKind.FrameLocal:
        if (s.rootFrame[r] < 0) b.named(locals, EdgeType.Context, name, s.rootNode[r]);
        break;
      case RootKind.GcGarbage:
        b.named(garbageList, EdgeType.Property, 'gc.garbage', s.rootNode[r]);
        break;
    }
  }
  attach(modules);

  const frames = frameRoots(s);
  const threads = b.node('(Threads)');
  for (const t of s.frames.threads ?? []) {
    const own = (t.frames ?? []).filter((f) => f.node >= 0);
    if (own.length === 0) continue;
    const thread = b.node(`(Thread ${t.name})`);
    for (const f of own) {
      b.element(thread, f.node, true);
      frames.delete(f.node);
    }
    b.named(threads, EdgeType.Property, t.name, thread, false);
  }
  attach(threads);
  const otherFrames = b.node('(Frames)');
  for (const f of frames) b.element(otherFrames, f, true);
  attach(otherFrames);
  attach(locals);
  attach(garbageList);

  const byReason = new Map<number, number>([
    [RootReason.External, b.node('(Held from outside the graph)')],
    [RootReason.Immortal, b.node('(Immortal)')],
    [RootReason.Frozen, b.node('(Frozen by gc.freeze())')],
  ]);
  const reason = retained.graph.rootReason;
  for (let v = 0; v < s.nodeCount; v++) {
    const holder = byReason.get(reason[v]);
    if (holder !== undefined) b.element(holder, v, true);
  }
  byReason.forEach(attach);

  const garbage = b.node('(Unreachable: freed by the next gc.collect())');
  const idom = retained.idom;
  const garbageGroup = retained.garbageGroup;
  for (let v = 0; v < s.nodeCount; v++) if (idom[v] === garbageGroup) b.element(garbage, v, true);
  if (b.childCount(garbage) > 0) b.element(root, garbage, false);

  const firstSite = b.nodes.length;
  const siteOf = allocationSites(s, b, root);
  // Groups without children are not written (the allocation sites have none: they are kept).
  const keep = b.nodes.map(
    (node, i) => i === root || i === gcRoots || node.edges.length > 0 || i > firstSite,
  );
  return { nodes: renumber(b.nodes, keep, siteOf), siteOf };
}

/** One synthetic node per allocating file and line, under `(Allocation sites)`. */
function allocationSites(s: HeapSnapshot, b: Builder, root: number): Int32Array | null {
  if (!s.allocNode || !s.allocFile || !s.allocLine || s.allocNode.length === 0) return null;
  const sites = b.node('(Allocation sites)');
  b.element(root, sites, false);
  const siteOf = new Int32Array(s.nodeCount).fill(-1);
  const byPlace = new Map<string, number>();
  for (let i = 0; i < s.allocNode.length; i++) {
    const place = `${s.strings[s.allocFile[i]] ?? '?'}:${s.allocLine[i]}`;
    let site = byPlace.get(place);
    if (site === undefined) {
      site = b.node(place);
      b.element(sites, site, false);
      byPlace.set(place, site);
    }
    siteOf[s.allocNode[i]] = site;
  }
  return siteOf;
}

/** Drops the nodes not kept: synthetic indices (in edges and `siteOf`) follow the kept nodes. */
function renumber(
  all: SyntheticNode[],
  keep: boolean[],
  siteOf: Int32Array | null,
): SyntheticNode[] {
  const newIndex = new Int32Array(all.length).fill(-1);
  const kept: SyntheticNode[] = [];
  all.forEach((node, i) => {
    if (!keep[i]) return;
    newIndex[i] = kept.length;
    kept.push(node);
  });
  for (const node of kept) {
    node.edges = node.edges.filter((e) => e.toObject || newIndex[e.to] >= 0);
    node.edges.forEach((e, i) => {
      if (!e.toObject) e.to = newIndex[e.to];
      if (e.type === EdgeType.Element) e.name = i;
    });
  }
  if (siteOf) {
    for (let v = 0; v < siteOf.length; v++) if (siteOf[v] >= 0) siteOf[v] = newIndex[siteOf[v]];
  }
  return kept;
}
