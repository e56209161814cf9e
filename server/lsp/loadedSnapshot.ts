/**
 * One snapshot loaded in the language server: the parsed columns, the analysis, the summary, the
 * first view, and the engine's ViewSession that answers the webview's questions (paths from the
 * roots, neighbourhoods) in protocol shapes. Plus what only the extension asks: the object at an
 * address, and a view focused on it ("Inspect in Heap Graph").
 */
import type { HeapView, ViewEdge, ViewNode } from '../../protocol/heapView';
import type { Neighbourhood, RetentionPath } from '../../protocol/messages';
import type { Summary } from '../../protocol/summary';
import {
  analyze,
  buildHeapView,
  readSnapshotFile,
  summarize,
  type Analysis,
  type HeapSnapshot,
} from '../engine/index';
import { DEFAULT_NEIGHBOURHOOD_LIMIT, ViewSession } from '../engine/neighbourhood';
import { retainedQueries, type RetainedQueries } from '../engine/retainedQueries';

/** Most referents/referrers one Neighbourhood request may ask for. */
export const MAX_NEIGHBOURHOOD_LIMIT = 500;
/** Referents of the focused object added to a focus view. */
export const FOCUS_REFERENTS = 20;
/** Dominator-tree rows the first view embeds (the panel asks the server for the others). */
export const VIEW_TREE_ROWS = 1_000;

export class LoadedSnapshot {
  readonly summary: Summary;
  readonly view: HeapView;
  private readonly session: ViewSession;
  private byAddress: Map<number, number> | undefined;

  constructor(
    readonly id: string,
    readonly owner: string,
    readonly snapshot: HeapSnapshot,
    readonly analysis: Analysis,
  ) {
    this.summary = summarize(snapshot, analysis);
    this.view = buildHeapView(snapshot, analysis, {
      summary: this.summary,
      retainedRows: VIEW_TREE_ROWS,
    });
    this.session = new ViewSession(snapshot, analysis, this.view);
  }

  static fromFile(id: string, owner: string, path: string): LoadedSnapshot {
    const snapshot = readSnapshotFile(path);
    return new LoadedSnapshot(id, owner, snapshot, analyze(snapshot));
  }

  /** Retained sizes, the dominator tree, leak suspects (computed with the summary). */
  get retained(): RetainedQueries {
    return retainedQueries(this.analysis);
  }

  get nodeCount(): number {
    return this.snapshot.nodeCount;
  }

  validNode(node: unknown): node is number {
    return typeof node === 'number' && this.session.nodes.valid(node);
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

  viewNode(v: number): ViewNode {
    return this.session.nodes.node(v);
  }

  /** "Why is this alive?": the shortest chain of strong references from a root, or null. */
  retentionPath(target: number): RetentionPath | null {
    return this.session.path(target);
  }

  neighbourhood(
    center: number,
    direction: 'referents' | 'referrers',
    limit = DEFAULT_NEIGHBOURHOOD_LIMIT,
  ): Neighbourhood {
    const cap = Math.max(0, Math.min(MAX_NEIGHBOURHOOD_LIMIT, Math.floor(limit)));
    return this.session.neighbourhood(center, direction, cap);
  }

  /**
   * The first view plus `target`, its path from a root and its direct referents: what "Inspect
   * in Heap Graph" shows for one object.
   */
  focusView(target: number, referents = FOCUS_REFERENTS): HeapView {
    const base = this.view;
    const shown = new Map<number, ViewNode>(base.nodes.map((n) => [n.id, n]));
    const edges: ViewEdge[] = [...base.edges];
    const key = (e: ViewEdge) => `${e.from}>${e.to}>${e.label}>${e.weak}`;
    const seen = new Set(edges.map(key));
    const addEdge = (e: ViewEdge) => {
      if (!seen.has(key(e))) {
        seen.add(key(e));
        edges.push(e);
      }
    };
    const addNode = (n: ViewNode) => {
      if (!shown.has(n.id)) shown.set(n.id, n);
    };
    addNode(this.viewNode(target));
    const path = this.retentionPath(target);
    path?.steps.forEach((step, i) => {
      addNode(step.node);
      if (i > 0) {
        addEdge({
          from: path.steps[i - 1].node.id,
          to: step.node.id,
          label: step.label,
          weak: false,
        });
      }
    });
    const around = this.neighbourhood(target, 'referents', referents);
    around.nodes.forEach(addNode);
    around.edges.forEach(addEdge);
    const nodes = [...shown.values()];
    const ids = new Set(nodes.map((n) => n.id));
    const cycles = base.cycles.map((c) => ({ ...c, members: [] as number[] }));
    for (const n of nodes) if (n.cycle !== null) cycles[n.cycle]?.members.push(n.id);
    // Context entries now drawn are no longer context.
    const context = base.context && {
      ...base.context,
      nodes: base.context.nodes.filter((n) => !ids.has(n.id)),
    };
    return {
      ...base,
      nodes,
      edges: edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
      cycles,
      context,
    };
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
