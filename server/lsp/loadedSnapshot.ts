/**
 * One snapshot loaded in the language server: the parsed columns, the analysis, the summary and
 * the first view, plus what later requests need and is built on first use (paths from the roots,
 * the reverse edge index). Answers the per-object questions of protocol/lsp.ts in protocol
 * shapes (ViewNode, RetentionPath, Neighbourhood).
 */
import { NodeFlag, RootKind, TypeFlag, type FrameRecord } from '../../protocol/snapshot';
import type { FinalizerKind, HeapView, ViewEdge, ViewNode } from '../../protocol/heapView';
import type { Neighbourhood, RetentionPath } from '../../protocol/messages';
import type { Summary } from '../../protocol/summary';
import {
  analyze,
  buildHeapView,
  frameRecords,
  nodeLabel,
  readSnapshotFile,
  RootPaths,
  rootLabel,
  summarize,
  type Analysis,
  type HeapSnapshot,
} from '../engine/index';

/** Most referents/referrers sent for one Neighbourhood request unless the client asks for fewer. */
export const DEFAULT_NEIGHBOURHOOD_LIMIT = 50;
export const MAX_NEIGHBOURHOOD_LIMIT = 500;

export class LoadedSnapshot {
  readonly summary: Summary;
  readonly view: HeapView;
  private readonly frames: Map<number, FrameRecord>;
  private readonly finalizeReferent: Uint8Array;
  private readonly selfDefeatingReferent: Uint8Array;
  private readonly rootNode: Uint8Array;
  /** SCC component → index into view.cycles, for nodes outside the first view. */
  private readonly viewCycleOfComponent = new Map<number, number>();
  private rootPaths: RootPaths | undefined;
  private referrerStart: Uint32Array | undefined;
  private referrerFrom: Uint32Array | undefined;
  private byAddress: Map<number, number> | undefined;

  constructor(
    readonly id: string,
    readonly session: string,
    readonly snapshot: HeapSnapshot,
    readonly analysis: Analysis,
    maxNodes?: number,
  ) {
    this.summary = summarize(snapshot, analysis);
    this.view = buildHeapView(snapshot, analysis, { summary: this.summary, maxNodes });
    this.frames = frameRecords(snapshot);
    const n = snapshot.nodeCount;
    this.finalizeReferent = new Uint8Array(n);
    this.selfDefeatingReferent = new Uint8Array(n);
    for (const verdict of analysis.finalize.verdicts) {
      const r = verdict.record.referent;
      if (r < 0) continue;
      this.finalizeReferent[r] = 1;
      if (verdict.selfDefeating) this.selfDefeatingReferent[r] = 1;
    }
    this.rootNode = new Uint8Array(n);
    for (let r = 0; r < snapshot.rootCount; r++) {
      if (snapshot.rootKind[r] !== RootKind.GcGarbage) this.rootNode[snapshot.rootNode[r]] = 1;
    }
    const paused = snapshot.frames.paused?.[0]?.node ?? -1;
    if (paused >= 0) this.rootNode[paused] = 1;
    for (const cycle of this.view.cycles) {
      const member = cycle.members[0];
      if (member !== undefined) {
        this.viewCycleOfComponent.set(analysis.scc.component[member], cycle.id);
      }
    }
  }

  static fromFile(id: string, session: string, path: string, maxNodes?: number): LoadedSnapshot {
    const snapshot = readSnapshotFile(path);
    return new LoadedSnapshot(id, session, snapshot, analyze(snapshot), maxNodes);
  }

  get nodeCount(): number {
    return this.snapshot.nodeCount;
  }

  validNode(node: unknown): node is number {
    return typeof node === 'number' && Number.isInteger(node) && node >= 0 && node < this.nodeCount;
  }

  /** The node whose `id()` is `address` (hex `0x…` or decimal text), or null. */
  nodeAt(address: string): number | null {
    const value = parseAddress(address);
    if (value === null) return null;
    if (!this.byAddress) {
      const map = new Map<number, number>();
      const column = this.snapshot.nodeAddress;
      for (let v = 0; v < column.length; v++) map.set(column[v], v);
      this.byAddress = map;
    }
    return this.byAddress.get(value) ?? null;
  }

  /** The protocol's description of any node (not only those of the first view). */
  viewNode(v: number): ViewNode {
    const s = this.snapshot;
    const { scc, full } = this.analysis;
    const type = s.type(v);
    const cycle =
      scc.cyclic[scc.component[v]] === 1
        ? this.viewCycleOfComponent.get(scc.component[v])
        : undefined;
    return {
      id: v,
      address: s.addressHex(v),
      type: type.name,
      category: type.category,
      label: nodeLabel(s, v, this.frames),
      size: s.nodeSize[v],
      refcount: s.nodeRefcount[v],
      generation: s.generation(v),
      unreachable: full.unreachable[v] === 1,
      cycle: cycle ?? null,
      finalizer: this.finalizerKind(v),
      selfDefeating: this.selfDefeatingReferent[v] === 1,
      root: this.rootNode[v] === 1,
    };
  }

  private finalizerKind(v: number): FinalizerKind {
    const s = this.snapshot;
    const flags = s.flagsOfType(v);
    if ((flags & TypeFlag.HasFinalizer) !== 0 && (s.nodeFlags[v] & NodeFlag.Finalized) === 0) {
      if ((flags & TypeFlag.PythonDel) !== 0) return 'del';
      if ((flags & TypeFlag.GeneratorLike) !== 0) return 'generator';
      return 'native';
    }
    return this.finalizeReferent[v] === 1 ? 'finalize' : null;
  }

  /** "Why is this alive?": the shortest chain of strong references from a root, or null. */
  retentionPath(target: number): RetentionPath | null {
    this.rootPaths ??= new RootPaths(this.snapshot);
    const steps = this.rootPaths.pathTo(target);
    if (!steps || steps.length === 0) return null;
    return {
      target,
      root: steps[0].edgeLabel,
      steps: steps.map((step, i) => ({
        node: this.viewNode(step.node),
        label: i === 0 ? '' : step.edgeLabel,
      })),
    };
  }

  /** Referents (outgoing strong references) or referrers (incoming) of a node, first `limit`. */
  neighbourhood(
    center: number,
    direction: 'referents' | 'referrers',
    limit = DEFAULT_NEIGHBOURHOOD_LIMIT,
  ): Neighbourhood {
    const s = this.snapshot;
    const cap = Math.max(0, Math.min(MAX_NEIGHBOURHOOD_LIMIT, Math.floor(limit)));
    const nodes = new Map<number, ViewNode>();
    const edges: ViewEdge[] = [];
    let total = 0;
    const take = (from: number, to: number, label: string, weak: boolean, other: number) => {
      total++;
      if (nodes.size >= cap && !nodes.has(other)) return;
      if (!nodes.has(other)) nodes.set(other, this.viewNode(other));
      edges.push({ from, to, label, weak });
    };
    if (direction === 'referents') {
      const end = s.edgeStart[center + 1];
      for (let e = s.edgeStart[center]; e < end; e++) {
        const t = s.edgeTo[e];
        take(center, t, s.edgeLabel(e), false, t);
      }
      for (let w = 0; w < s.weakrefCount; w++) {
        const to = s.weakrefReferent[w];
        if (s.weakrefNode[w] === center && to >= 0) take(center, to, '', true, to);
      }
    } else {
      this.indexReferrers();
      const start = this.referrerStart!;
      const from = this.referrerFrom!;
      for (let i = start[center]; i < start[center + 1]; i++) {
        const e = from[i];
        const u = s.edgeSource(e);
        take(u, center, s.edgeLabel(e), false, u);
      }
      for (let w = 0; w < s.weakrefCount; w++) {
        const u = s.weakrefNode[w];
        if (s.weakrefReferent[w] === center) take(u, center, '', true, u);
      }
    }
    return { center, direction, nodes: [...nodes.values()], edges, total };
  }

  /**
   * The first view plus `target`, its path from a root and its direct referents (up to
   * `referents`): what "Inspect in Heap Graph" shows for one object.
   */
  focusView(target: number, referents = 20): HeapView {
    const base = this.view;
    const shown = new Map<number, ViewNode>(base.nodes.map((n) => [n.id, n]));
    const edges: ViewEdge[] = [...base.edges];
    const edgeKeys = new Set(edges.map((e) => `${e.from}>${e.to}>${e.label}>${e.weak}`));
    const addEdge = (e: ViewEdge) => {
      const key = `${e.from}>${e.to}>${e.label}>${e.weak}`;
      if (!edgeKeys.has(key)) {
        edgeKeys.add(key);
        edges.push(e);
      }
    };
    const addNode = (v: number) => {
      if (!shown.has(v)) shown.set(v, this.viewNode(v));
    };
    addNode(target);
    const path = this.retentionPath(target);
    if (path) {
      path.steps.forEach((step, i) => {
        addNode(step.node.id);
        if (i > 0) {
          addEdge({
            from: path.steps[i - 1].node.id,
            to: step.node.id,
            label: step.label,
            weak: false,
          });
        }
      });
    }
    const around = this.neighbourhood(target, 'referents', referents);
    for (const n of around.nodes) addNode(n.id);
    around.edges.forEach(addEdge);
    const nodes = [...shown.values()];
    const cycles = base.cycles.map((c) => ({ ...c, members: [] as number[] }));
    for (const n of nodes) if (n.cycle !== null) cycles[n.cycle]?.members.push(n.id);
    return { ...base, nodes, edges, cycles };
  }

  private indexReferrers(): void {
    if (this.referrerStart) return;
    const s = this.snapshot;
    const n = s.nodeCount;
    const count = new Uint32Array(n + 1);
    for (let e = 0; e < s.edgeCount; e++) count[s.edgeTo[e] + 1]++;
    for (let v = 0; v < n; v++) count[v + 1] += count[v];
    const fill = count.slice(0, n);
    const from = new Uint32Array(s.edgeCount);
    for (let e = 0; e < s.edgeCount; e++) from[fill[s.edgeTo[e]]++] = e;
    this.referrerStart = count;
    this.referrerFrom = from;
  }

  /** Description of the root record r (for logs). */
  rootText(r: number): string {
    return rootLabel(this.snapshot, r);
  }
}

/** `0x7f…` (Python's `hex(id(x))`) or decimal `id(x)` text → the number, or null. */
export function parseAddress(text: string): number | null {
  const t = text.trim();
  let value: number;
  if (/^0x[0-9a-f]+$/i.test(t)) value = Number.parseInt(t.slice(2), 16);
  else if (/^[0-9]+$/.test(t)) value = Number(t);
  else return null;
  return Number.isSafeInteger(value) ? value : null;
}
