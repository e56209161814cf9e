/**
 * What the heap view, the neighbourhood requests and the paths share: one `ViewNode` per snapshot
 * node on demand, and every reference into and out of a node (strong references, weak references
 * and frame locals) over typed arrays, with the reverse index built once per snapshot.
 */
import { NodeFlag, RootKind, TypeFlag, type FrameRecord } from '../../protocol/snapshot';
import type { FinalizerKind, ViewEdge, ViewNode } from '../../protocol/heapView';
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './heapSnapshot';
import { frameRecords, nodeLabel } from './labels';
import { retainedQueries } from './retainedQueries';

/** A reference as the graph draws it. */
export interface Reference {
  from: number;
  to: number;
  label: string;
  weak: boolean;
}

/** Every reference to each node: strong edges (CSR over sources), weak references, frame locals. */
interface ReverseIndex {
  start: Uint32Array;
  /** Edge indices, grouped by target. */
  edges: Uint32Array;
  /** For each node: weakref record indices whose referent it is. */
  weak: Map<number, number[]>;
  /** For each node: root records (frame locals) whose value it is. */
  locals: Map<number, number[]>;
  /** For each frame node: its frame-local root records. */
  frameLocals: Map<number, number[]>;
  /** For each weakref node: its weakref record. */
  weakOf: Map<number, number>;
}

const reverseCache = new WeakMap<HeapSnapshot, ReverseIndex>();

function reverseIndex(snapshot: HeapSnapshot): ReverseIndex {
  const cached = reverseCache.get(snapshot);
  if (cached) return cached;
  const n = snapshot.nodeCount;
  const m = snapshot.edgeCount;
  const start = new Uint32Array(n + 1);
  const edgeTo = snapshot.edgeTo;
  for (let e = 0; e < m; e++) start[edgeTo[e] + 1]++;
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const fill = start.slice(0, n);
  const edges = new Uint32Array(m);
  for (let e = 0; e < m; e++) edges[fill[edgeTo[e]]++] = e;
  const weak = new Map<number, number[]>();
  const weakOf = new Map<number, number>();
  for (let w = 0; w < snapshot.weakrefCount; w++) {
    weakOf.set(snapshot.weakrefNode[w], w);
    const r = snapshot.weakrefReferent[w];
    if (r < 0) continue;
    const list = weak.get(r);
    if (list) list.push(w);
    else weak.set(r, [w]);
  }
  const locals = new Map<number, number[]>();
  const frameLocals = new Map<number, number[]>();
  for (let r = 0; r < snapshot.rootCount; r++) {
    if (snapshot.rootKind[r] !== RootKind.FrameLocal || snapshot.rootFrame[r] < 0) continue;
    const v = snapshot.rootNode[r];
    const f = snapshot.rootFrame[r];
    (locals.get(v) ?? locals.set(v, []).get(v))?.push(r);
    (frameLocals.get(f) ?? frameLocals.set(f, []).get(f))?.push(r);
  }
  const index = { start, edges, weak, locals, frameLocals, weakOf };
  reverseCache.set(snapshot, index);
  return index;
}

/** Module of a type record: its `module`, or the name up to the last dot. */
export function typeModule(name: string, module?: string): string {
  if (module !== undefined && module !== '') return module;
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(0, dot);
}

/**
 * Builds `ViewNode`s and lists references for one snapshot and its analysis. `cycleSlot` maps a
 * strongly connected component to its index in the view's `cycles` (−1: not drawn as a cycle).
 */
export class ViewNodes {
  readonly snapshot: HeapSnapshot;
  readonly analysis: Analysis;
  readonly frames: Map<number, FrameRecord>;
  readonly root: Uint8Array;
  readonly finalizeReferent: Uint8Array;
  readonly selfDefeatingReferent: Uint8Array;
  cycleSlot: Int32Array;
  private rev: ReverseIndex | null = null;
  private alloc: Map<number, number> | null = null;

  constructor(snapshot: HeapSnapshot, analysis: Analysis, cycleSlot?: Int32Array) {
    this.snapshot = snapshot;
    this.analysis = analysis;
    const n = snapshot.nodeCount;
    this.frames = frameRecords(snapshot);
    this.cycleSlot = cycleSlot ?? new Int32Array(analysis.scc.count).fill(-1);
    this.finalizeReferent = new Uint8Array(n);
    this.selfDefeatingReferent = new Uint8Array(n);
    for (const verdict of analysis.finalize.verdicts) {
      const r = verdict.record.referent;
      if (r < 0) continue;
      this.finalizeReferent[r] = 1;
      if (verdict.selfDefeating) this.selfDefeatingReferent[r] = 1;
    }
    this.root = new Uint8Array(n);
    for (let r = 0; r < snapshot.rootCount; r++) {
      const kind = snapshot.rootKind[r];
      if (
        kind === RootKind.Module ||
        kind === RootKind.FrameLocal ||
        kind === RootKind.Thread ||
        kind === RootKind.PausedFrame ||
        kind === RootKind.StackFrame
      ) {
        this.root[snapshot.rootNode[r]] = 1;
      }
    }
    const paused = snapshot.frames.paused?.[0]?.node ?? -1;
    if (paused >= 0 && paused < n) this.root[paused] = 1;
  }

  private get reverse(): ReverseIndex {
    if (!this.rev) this.rev = reverseIndex(this.snapshot);
    return this.rev;
  }

  /**
   * Allocation sites, from the snapshot's optional `alloc.node` / `alloc.file` / `alloc.line`
   * columns (present when the program ran with tracemalloc on) when the reader exposes them.
   */
  allocation(v: number): { file: string; line: number } | undefined {
    const s = this.snapshot as unknown as {
      allocNode?: ArrayLike<number>;
      allocFile?: ArrayLike<number>;
      allocLine?: ArrayLike<number>;
    };
    if (!s.allocNode || !s.allocFile || !s.allocLine) return undefined;
    if (!this.alloc) {
      this.alloc = new Map();
      for (let i = 0; i < s.allocNode.length; i++) this.alloc.set(s.allocNode[i], i);
    }
    const i = this.alloc.get(v);
    if (i === undefined) return undefined;
    const file = this.snapshot.strings[s.allocFile[i]];
    return file === undefined ? undefined : { file, line: s.allocLine[i] };
  }

  valid(v: number): boolean {
    return Number.isInteger(v) && v >= 0 && v < this.snapshot.nodeCount;
  }

  node(v: number): ViewNode {
    const s = this.snapshot;
    const { scc, full } = this.analysis;
    const c = scc.component[v];
    const slot = scc.cyclic[c] === 1 ? this.cycleSlot[c] : -1;
    const type = s.type(v);
    const node: ViewNode = {
      id: v,
      address: s.addressHex(v),
      type: type.name,
      category: type.category,
      label: nodeLabel(s, v, this.frames),
      size: s.nodeSize[v],
      refcount: s.nodeRefcount[v],
      generation: s.generation(v),
      unreachable: full.unreachable[v] === 1,
      cycle: slot >= 0 ? slot : null,
      finalizer: this.finalizerKind(v),
      selfDefeating: this.selfDefeatingReferent[v] === 1,
      root: this.root[v] === 1,
      module: type.category === 'module' ? s.name(v) : typeModule(type.name, type.module),
      referrerCount: this.referrerCount(v),
      referentCount: this.referentCount(v),
    };
    const site = this.allocation(v);
    if (site) node.allocation = site;
    node.retained = retainedQueries(this.analysis).objectRetained(v);
    return node;
  }

  finalizerKind(v: number): FinalizerKind {
    const s = this.snapshot;
    const flags = s.flagsOfType(v);
    if ((flags & TypeFlag.HasFinalizer) !== 0 && (s.nodeFlags[v] & NodeFlag.Finalized) === 0) {
      // `__del__ = None` is a __del__ too, from the program's side: one that raises.
      if ((flags & (TypeFlag.PythonDel | TypeFlag.DelIsNone)) !== 0) return 'del';
      if ((flags & TypeFlag.GeneratorLike) !== 0) return 'generator';
      return 'native';
    }
    return this.finalizeReferent[v] === 1 ? 'finalize' : null;
  }

  referrerCount(v: number): number {
    const r = this.reverse;
    return (
      r.start[v + 1] - r.start[v] + (r.weak.get(v)?.length ?? 0) + (r.locals.get(v)?.length ?? 0)
    );
  }

  referentCount(v: number): number {
    const s = this.snapshot;
    const r = this.reverse;
    const w = r.weakOf.get(v);
    const weak = w !== undefined && s.weakrefReferent[w] >= 0 ? 1 : 0;
    return s.nodeEdgeCount[v] + weak + (r.frameLocals.get(v)?.length ?? 0);
  }

  /** References from `v`: its strong references, its weak referent, and (frames) its locals. */
  referents(v: number): Reference[] {
    const s = this.snapshot;
    const out: Reference[] = [];
    const end = s.edgeStart[v + 1];
    for (let e = s.edgeStart[v]; e < end; e++) {
      out.push({ from: v, to: s.edgeTo[e], label: s.edgeLabel(e), weak: false });
    }
    const w = this.reverse.weakOf.get(v);
    if (w !== undefined && s.weakrefReferent[w] >= 0) {
      out.push({ from: v, to: s.weakrefReferent[w], label: '', weak: true });
    }
    for (const r of this.reverse.frameLocals.get(v) ?? []) {
      out.push({ from: v, to: s.rootNode[r], label: s.strings[s.rootName[r]] ?? '', weak: false });
    }
    return out;
  }

  /** References to `v`. */
  referrers(v: number): Reference[] {
    const s = this.snapshot;
    const r = this.reverse;
    const out: Reference[] = [];
    for (let i = r.start[v]; i < r.start[v + 1]; i++) {
      const e = r.edges[i];
      out.push({ from: s.edgeSource(e), to: v, label: s.edgeLabel(e), weak: false });
    }
    for (const w of r.weak.get(v) ?? []) {
      out.push({ from: s.weakrefNode[w], to: v, label: '', weak: true });
    }
    for (const l of r.locals.get(v) ?? []) {
      out.push({ from: s.rootFrame[l], to: v, label: s.strings[s.rootName[l]] ?? '', weak: false });
    }
    return out;
  }

  /**
   * How interesting a neighbour is, lower first: the program's objects before containers, before
   * functions and modules, before classes and atoms (every instance refers to its class).
   */
  rank(v: number): number {
    if (this.analysis.full.unreachable[v] === 1) return 0;
    switch (this.snapshot.category(v)) {
      case 'instance':
      case 'generator':
        return 1;
      case 'container':
      case 'frame':
      case 'weakref':
        return 2;
      case 'function':
      case 'module':
        return 3;
      case 'other':
        return 4;
      case 'class':
        return 5;
      default:
        return 6;
    }
  }

  /** References sorted by how interesting the other end is (stable otherwise). */
  ranked(refs: Reference[], other: (r: Reference) => number): Reference[] {
    return refs
      .map((r, i) => ({ r, i, k: this.rank(other(r)) }))
      .sort((a, b) => a.k - b.k || a.i - b.i)
      .map((x) => x.r);
  }
}

export function toViewEdge(r: Reference): ViewEdge {
  return { from: r.from, to: r.to, label: r.label, weak: r.weak };
}
