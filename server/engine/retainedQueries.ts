/**
 * Questions about retention for one analysed snapshot, answered in protocol/retained.ts shapes:
 * the summary's part, rows of the dominator tree (a node's children, a type's tops), an object's
 * retained set for highlighting, and the part of the tree a view embeds. Built once per analysis
 * (`retainedQueries`) and shared by the summary, the heap view and the language server.
 */
import {
  GARBAGE_ROW,
  ROOTS_ROW,
  type DominatorChildren,
  type DominatorRow,
  type DominatorRowPage,
  type LeakSuspect,
  type ObjectRetained,
  type RetainedNotion,
  type RetainedSet,
  type RetainedSize,
  type RetainedSummary,
  type RetainedTopEntry,
  type RetainedTypeRow,
  type RetainedView,
  type TypeTops,
} from '../../protocol/retained';
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './heapSnapshot';
import { frameRecords, nodeLabel } from './labels';
import { PythonPaths, pythonStep } from './pythonPaths';
import { retainedOf, type RetainedAnalysis, type RetainedColumns } from './retained';
import { RootReason } from './retainedGraph';
import { leakSuspects, NodeHeap, RetainerCandidates, topRetainers } from './retainedTop';
import {
  largestTypeTops,
  retainedByType,
  retainedTypeRows,
  typeTops,
  type RetainedByType,
} from './retainedTypes';

/** Rows the HTML report embeds: the largest subtrees first. */
export const REPORT_TREE_ROWS = 2_000;
/** Types whose largest tops a view embeds, and how many tops each. */
export const EMBEDDED_TYPES = 50;
export const EMBEDDED_TOPS_PER_TYPE = 10;
/** Of those, how many a view embeds with their largest children (and how many children). */
export const OPENED_TOPS_PER_TYPE = 3;
export const CHILDREN_PER_OPENED_TOP = 8;
/** Children of each suspect's accumulation point a view's neighbourhood holds. */
export const FOCUS_CHILDREN = 12;
/** Rows one request may ask for. */
export const MAX_ROWS_PER_REQUEST = 2_000;
/** Object ids a retained set answer lists at most. */
export const MAX_RETAINED_SET_IDS = 100_000;

export class RetainedQueries {
  readonly snapshot: HeapSnapshot;
  readonly retained: RetainedAnalysis;
  readonly paths: PythonPaths;
  private readonly candidates: RetainerCandidates;
  private byTypeCache: RetainedByType | null = null;
  private summaryCache: RetainedSummary | null = null;
  private topNodes: number[] = [];
  private readonly frames: ReturnType<typeof frameRecords>;
  /** For a few objects with many references: target → first edge, to name rows' references. */
  private readonly edgeIndexes = new Map<number, Map<number, number>>();
  private readonly sortedTops = new Map<string, number[]>();

  constructor(analysis: Analysis) {
    this.snapshot = analysis.snapshot;
    this.retained = retainedOf(analysis);
    const outside = new Uint8Array(this.snapshot.nodeCount);
    const reason = this.retained.graph.rootReason;
    for (let v = 0; v < outside.length; v++) {
      if (reason[v] !== RootReason.None && reason[v] !== RootReason.Named) outside[v] = 1;
    }
    this.paths = new PythonPaths(this.snapshot, outside);
    this.candidates = new RetainerCandidates(this.retained, this.paths);
    this.frames = frameRecords(this.snapshot);
  }

  /** Node index of a row id (`ROOTS_ROW`, `GARBAGE_ROW` or a node id), or −1. */
  nodeOfRow(id: number): number {
    const r = this.retained;
    if (id === ROOTS_ROW) return r.superRoot;
    if (id === GARBAGE_ROW) return r.garbageGroup;
    return Number.isInteger(id) && id >= 0 && id < r.nodeCount ? id : -1;
  }

  private rowId(v: number): number {
    const r = this.retained;
    if (v === r.superRoot) return ROOTS_ROW;
    if (v === r.garbageGroup) return GARBAGE_ROW;
    return v;
  }

  private size(columns: RetainedColumns, v: number): RetainedSize {
    return { objects: columns.objects[v], tracked: columns.tracked[v], bytes: columns.bytes[v] };
  }

  /** Both notions and the tree position of an object (for `ViewNode.retained`). */
  objectRetained(v: number): ObjectRetained {
    const r = this.retained;
    const { pre, end } = r.tree;
    return {
      retained: this.size(r.nextCollection, v),
      atOnce: this.size(r.atOnce, v),
      interval: [pre[v], end[v]],
      dominator: r.idom[v] < 0 ? GARBAGE_ROW : this.rowId(r.idom[v]),
    };
  }

  get byType(): RetainedByType {
    this.byTypeCache ??= retainedByType(this.retained);
    return this.byTypeCache;
  }

  typeRows(): RetainedTypeRow[] {
    return retainedTypeRows(this.retained, this.byType);
  }

  /** `"retained"` of the summary. */
  summary(): RetainedSummary {
    if (this.summaryCache) return this.summaryCache;
    const r = this.retained;
    const s = this.snapshot;
    this.topNodes = topRetainers(r, this.candidates);
    const top: RetainedTopEntry[] = this.topNodes.map((v) => ({
      address: s.addressHex(v),
      type: s.typeName(v),
      path: this.paths.pathOf(v),
      objects: r.nextCollection.objects[v],
      tracked: r.nextCollection.tracked[v],
      bytes: r.nextCollection.bytes[v],
    }));
    const suspects: LeakSuspect[] = leakSuspects(r, this.candidates, this.paths);
    const all = this.size(r.nextCollection, r.superRoot);
    const garbage = this.size(r.nextCollection, r.garbageGroup);
    this.summaryCache = {
      notion: 'nextCollection',
      totals: {
        heap: all,
        live: {
          objects: all.objects - garbage.objects,
          tracked: all.tracked - garbage.tracked,
          bytes: all.bytes - garbage.bytes,
        },
        garbage,
        roots: r.tree.childStart[r.superRoot + 1] - r.tree.childStart[r.superRoot] - 1,
      },
      top,
      suspects,
    };
    return this.summaryCache;
  }

  /**
   * The objects a view's neighbourhood should hold for the page to draw what holds the memory:
   * each leak suspect, its accumulation point and that point's largest children in the tree (the
   * same objects the embedded tree lists first), then the top retainers.
   */
  focusObjects(perPoint = FOCUS_CHILDREN): number[] {
    const out = new Set<number>();
    const summary = this.summary();
    for (const suspect of summary.suspects) {
      out.add(suspect.node);
      out.add(suspect.accumulation.node);
      const kids = this.retained.children(suspect.accumulation.node);
      for (let k = 0; k < kids.length && k < perPoint; k++) {
        if (kids[k] < this.retained.nodeCount) out.add(kids[k]);
      }
    }
    for (const v of this.topNodes) out.add(v);
    return [...out];
  }

  /** The reference from `parent` to `child` in Python's notation, or `''` when there is none. */
  private via(parent: number, child: number): string {
    const r = this.retained;
    const s = this.snapshot;
    if (parent === r.superRoot) return this.paths.pathOf(child) ?? '';
    if (parent >= r.nodeCount) return '';
    let edge = -1;
    const start = s.edgeStart[parent];
    const end = s.edgeStart[parent + 1];
    if (end - start > 64) {
      let map = this.edgeIndexes.get(parent);
      if (!map) {
        map = new Map<number, number>();
        for (let e = end - 1; e >= start; e--) map.set(s.edgeTo[e], e);
        if (this.edgeIndexes.size >= 16) this.edgeIndexes.clear();
        this.edgeIndexes.set(parent, map);
      }
      edge = map.get(child) ?? -1;
    } else {
      for (let e = start; e < end && edge < 0; e++) if (s.edgeTo[e] === child) edge = e;
    }
    if (edge >= 0) return pythonStep(s, edge, child);
    // A frame's local is a reference from the frame, not an edge of the snapshot.
    for (let k = 0; k < s.rootCount; k++) {
      if (r.graph.localAsEdge[k] === 1 && s.rootFrame[k] === parent && s.rootNode[k] === child) {
        return `.<locals>.${s.strings[s.rootName[k]] ?? ''}`;
      }
    }
    return '';
  }

  /** One row of the dominator tree (`v`: a node index, the super-root or the garbage group). */
  row(v: number): DominatorRow {
    const r = this.retained;
    const s = this.snapshot;
    const { childStart } = r.tree;
    const group = v >= r.nodeCount;
    const parent = r.idom[v];
    return {
      id: this.rowId(v),
      parent: v === r.superRoot ? null : parent < 0 ? GARBAGE_ROW : this.rowId(parent),
      address: group ? null : s.addressHex(v),
      type: group ? '' : s.typeName(v),
      label: group ? (v === r.superRoot ? 'roots' : 'unreachable') : nodeLabel(s, v, this.frames),
      via: v === r.superRoot || parent < 0 ? '' : this.via(parent, v),
      size: group ? 0 : s.nodeSize[v],
      retained: this.size(r.nextCollection, v),
      atOnce: group ? { objects: 0, tracked: 0, bytes: 0 } : this.size(r.atOnce, v),
      tracked: !group && s.isTracked(v),
      ...this.entriesOf(v),
      childCount: childStart[v + 1] - childStart[v],
    };
  }

  private entriesOf(v: number): Pick<DominatorRow, 'entries'> {
    const entries = this.retained.entries.get(v);
    return entries ? { entries: { ...entries } } : {};
  }

  /** What `v` retains through its subtree only (its sizes minus weak-container entries). */
  private ownTree(v: number): RetainedSize {
    const cols = this.retained.nextCollection;
    const e = this.retained.entries.get(v);
    return {
      objects: cols.objects[v] - (e?.objects ?? 0),
      tracked: cols.tracked[v] - (e?.tracked ?? 0),
      bytes: cols.bytes[v] - (e?.bytes ?? 0),
    };
  }

  /** Rows for `list[offset .. offset + limit)`, and what the rest retains. */
  private page(list: ArrayLike<number>, offset: number, limit: number): DominatorRowPage {
    const from = Math.max(0, Math.min(list.length, Math.floor(offset)));
    const to = Math.min(list.length, from + Math.max(0, Math.min(MAX_ROWS_PER_REQUEST, limit)));
    const rows: DominatorRow[] = [];
    for (let k = from; k < to; k++) rows.push(this.row(list[k]));
    const page: DominatorRowPage = { total: list.length, offset: from, rows };
    if (to < list.length) {
      const rest: RetainedSize = { objects: 0, tracked: 0, bytes: 0 };
      for (let k = to; k < list.length; k++) addTo(rest, this.ownTree(list[k]));
      page.rest = rest;
    }
    return page;
  }

  /** The children of a row, most retained bytes first, from `offset` (null: no such row). */
  children(id: number, offset = 0, limit = 200): DominatorChildren | null {
    const v = this.nodeOfRow(id);
    if (v < 0 || (v < this.retained.nodeCount && this.retained.idom[v] < 0)) return null;
    return { parent: this.row(v), ...this.page(this.retained.children(v), offset, limit) };
  }

  /** The tops of a type (objects of it no other object of it dominates), most bytes first. */
  typeTops(type: string, offset = 0, limit = 200): TypeTops {
    let tops = this.sortedTops.get(type);
    if (!tops) {
      tops = typeTops(this.retained, this.byType, type);
      this.sortedTops.set(type, tops);
    }
    return { type, ...this.page(tops, offset, limit) };
  }

  /** An object's retained set in either notion (null: no such object). */
  retainedSet(
    id: number,
    notion: RetainedNotion = 'nextCollection',
    limit = MAX_RETAINED_SET_IDS,
  ): RetainedSet | null {
    const r = this.retained;
    const v = this.nodeOfRow(id);
    if (v < 0) return null;
    const members = notion === 'atOnce' ? r.atOnceSet(v) : r.retainedSet(v);
    const s = this.snapshot;
    const groups = new Map<string, { type: string; count: number; bytes: number }>();
    const size: RetainedSize = { objects: 0, tracked: 0, bytes: 0 };
    for (let k = 0; k < members.length; k++) {
      const w = members[k];
      if (w >= r.nodeCount) continue;
      const type = s.typeName(w);
      let g = groups.get(type);
      if (!g) groups.set(type, (g = { type, count: 0, bytes: 0 }));
      g.count++;
      g.bytes += s.nodeSize[w];
      size.objects++;
      size.tracked += s.isTracked(w) ? 1 : 0;
      size.bytes += s.nodeSize[w];
    }
    const cap = Math.max(0, Math.min(MAX_RETAINED_SET_IDS, Math.floor(limit)));
    const nodes: number[] = [];
    for (let k = 0; k < members.length && nodes.length < cap; k++) {
      if (members[k] < r.nodeCount) nodes.push(members[k]);
    }
    return {
      node: this.rowId(v),
      notion,
      size,
      byType: [...groups.values()].sort((a, b) => b.bytes - a.bytes || b.count - a.count),
      nodes,
      complete: nodes.length === size.objects,
    };
  }

  /**
   * What a view embeds: the summary's part, the type rows, and the `maxRows` rows of the largest
   * subtrees (each with its parent), plus the largest tops of the types retaining the most.
   */
  view(maxRows = REPORT_TREE_ROWS, maxTypes = Infinity): RetainedView {
    const r = this.retained;
    const bytes = r.nextCollection.bytes;
    const embedded = new Map<number, DominatorRow>();
    const order: number[] = [];
    const add = (v: number): void => {
      if (!embedded.has(v)) {
        embedded.set(v, this.row(v));
        order.push(v);
      }
    };
    // Best first from the roots: a parent always retains more than its children.
    const heap = new NodeHeap();
    heap.push(r.superRoot, bytes[r.superRoot]);
    const { childStart, childList } = r.tree;
    while (heap.size > 0 && order.length < Math.max(2, maxRows)) {
      const v = heap.pop();
      add(v);
      for (let k = childStart[v]; k < childStart[v + 1]; k++)
        heap.push(childList[k], bytes[childList[k]]);
    }
    add(r.garbageGroup);
    const types = this.typeRows();
    const shownTypes = types.slice(0, Math.min(types.length, maxTypes));
    const typeTopsIds: Record<string, number[]> = {};
    for (const t of shownTypes.slice(0, EMBEDDED_TYPES)) {
      const ids = largestTypeTops(r, this.byType, t.type, EMBEDDED_TOPS_PER_TYPE);
      // With the rows above each (root first): the page names it by its path and opens the tree
      // down to it.
      for (const v of ids) {
        const chain: number[] = [];
        for (let a = r.idom[v]; a >= 0 && !embedded.has(a) && chain.length < 1_000; a = r.idom[a])
          chain.push(a);
        chain.reverse().forEach(add);
        add(v);
      }
      typeTopsIds[t.type] = ids;
    }
    // What the largest tops hold, one level down: opening one in the report shows something.
    for (const t of shownTypes.slice(0, EMBEDDED_TYPES)) {
      for (const v of typeTopsIds[t.type].slice(0, OPENED_TOPS_PER_TYPE)) {
        largestOf(
          childList,
          childStart[v],
          childStart[v + 1],
          bytes,
          CHILDREN_PER_OPENED_TOP,
        ).forEach(add);
      }
    }
    let complete = true;
    for (const v of order) {
      const row = embedded.get(v)!;
      const kids: number[] = [];
      const rest: RetainedSize = { objects: 0, tracked: 0, bytes: 0 };
      for (let k = childStart[v]; k < childStart[v + 1]; k++) {
        const c = childList[k];
        if (embedded.has(c)) kids.push(c);
        else addTo(rest, this.ownTree(c));
      }
      kids.sort((a, b) => bytes[b] - bytes[a] || a - b);
      row.children = kids.map((c) => this.rowId(c));
      if (kids.length < row.childCount) {
        row.rest = rest;
        complete = false;
      }
    }
    return {
      ...this.summary(),
      types: shownTypes,
      tree: order.map((v) => embedded.get(v)!),
      typeTops: typeTopsIds,
      complete,
    };
  }
}

/** The `k` entries of `list[from, to)` with the most `bytes`, most first (ties: lower id first). */
function largestOf(
  list: ArrayLike<number>,
  from: number,
  to: number,
  bytes: ArrayLike<number>,
  k: number,
): number[] {
  // One pass keeping the best k in order: a million children are not sorted to take eight.
  const best: number[] = [];
  const before = (a: number, b: number): boolean =>
    bytes[a] > bytes[b] || (bytes[a] === bytes[b] && a < b);
  for (let i = from; i < to; i++) {
    const c = list[i];
    if (best.length === k && !before(c, best[k - 1])) continue;
    let at = best.length;
    while (at > 0 && before(c, best[at - 1])) at--;
    best.splice(at, 0, c);
    if (best.length > k) best.pop();
  }
  return best;
}

function addTo(sum: RetainedSize, more: RetainedSize): void {
  sum.objects += more.objects;
  sum.tracked += more.tracked;
  sum.bytes += more.bytes;
}

const cache = new WeakMap<Analysis, RetainedQueries>();

/** The retention questions of an analysed snapshot, set up once per analysis. */
export function retainedQueries(analysis: Analysis): RetainedQueries {
  let q = cache.get(analysis);
  if (!q) {
    q = new RetainedQueries(analysis);
    cache.set(analysis, q);
  }
  return q;
}
