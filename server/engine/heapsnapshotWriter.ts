/**
 * Writes a snapshot as a V8 `.heapsnapshot` (docs/export.md), streaming: the JSON goes out in
 * chunks as it is produced, so a 2M-object heap never exists as one string (Julia's exporter hit
 * V8's string limit at 7 GiB). The sections come in the order Chrome's loader requires — it reads
 * `snapshot`, `nodes`, `edges`, the traces, `samples`, `locations`, then everything after
 * `strings` as the string table (Julia's exporter broke Chrome by reordering them) — and `meta`
 * has every field V8 writes (VS Code's parser rejects a snapshot without
 * `trace_function_info_fields`, as Julia's exporter found).
 *
 * The graph: the synthetic nodes first (heapsnapshotRoots.ts, the root is node 0), then every
 * object of the snapshot in node order; each object's references as the snapshot records them,
 * plus the frame's locals (a frame holds them: docs/retained.md), the weak reference to its
 * referent, and the weak `allocated at` reference to its allocation site. So the viewers'
 * dominator trees equal the engine's (server/engine/retained.ts), weak-container entries apart.
 * tracemalloc's records also go to `locations`, and on request to the allocation-trace sections
 * (heapsnapshotTraces.ts).
 */
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './heapSnapshot';
import {
  DETACHED,
  EdgeType,
  NODE_FIELD_COUNT,
  NodeType,
  SNAPSHOT_META,
  TRACE_FUNCTION_FIELD_COUNT,
} from './heapsnapshotFormat';
import { objectIds } from './heapsnapshotIds';
import { ExportStrings, objectNames } from './heapsnapshotNames';
import { syntheticGraph } from './heapsnapshotRoots';
import { ByteSink } from './heapsnapshotSink';
import {
  allocationTraces,
  traceFunctionInfos,
  traceNodeId,
  traceTreeJson,
} from './heapsnapshotTraces';
import { frameRecords } from './labels';
import { retainedOf } from './retained';

/**
 * Snapshot edge kind → export edge type, for the kinds whose `edge.name` is the export's name as
 * it is (`OtherKey` and `KeyObject` are named anew; −1).
 */
const PLAIN_EDGE_TYPE: Record<EdgeKind, number> = {
  [EdgeKind.Ref]: EdgeType.Internal,
  [EdgeKind.Attr]: EdgeType.Property,
  [EdgeKind.StrKey]: EdgeType.Property,
  [EdgeKind.OtherKey]: -1,
  [EdgeKind.Index]: EdgeType.Element,
  [EdgeKind.Local]: EdgeType.Context,
  [EdgeKind.Closure]: EdgeType.Context,
  [EdgeKind.Slot]: EdgeType.Internal,
  [EdgeKind.KeyObject]: -1,
};
// Read once: hot loops must not go through a module binding (under tsx every access to an
// imported object is a getter call).
const PLAIN_TYPE = Int8Array.from({ length: 256 }, (_, k) => PLAIN_EDGE_TYPE[k as EdgeKind] ?? -1);
const FIELD_COUNT = NODE_FIELD_COUNT;
const SHORTCUT = EdgeType.Shortcut;
const WEAK = EdgeType.Weak;
const CONTEXT = EdgeType.Context;
const SYNTHETIC = NodeType.Synthetic;
const DETACHED_NODE = DETACHED;
const ELEMENT_INDEX = /^(0|[1-9]\d{0,9})$/;
const COMMA = 44;
const NEWLINE = 10;

export interface HeapsnapshotStats {
  /** Nodes written: the snapshot's objects plus the synthetic ones. */
  nodes: number;
  edges: number;
  /** The snapshot's objects. */
  objects: number;
  synthetic: number;
  /** Objects no root reaches (written detached, named `… (unreachable…)`). */
  unreachable: number;
  strings: number;
  /** Bytes written. */
  bytes: number;
  /** Objects with a tracemalloc record (written in `locations`). */
  allocated: number;
  /** Allocating lines written as allocation traces (0 unless asked for). */
  traceSites: number;
}

export interface HeapsnapshotOptions {
  /**
   * Also write tracemalloc's records as V8's allocation traces (heapsnapshotTraces.ts), for
   * Chrome DevTools' Allocation view. VS Code's viewer cannot open such a file.
   */
  allocationTraces?: boolean;
}

/** Frame → the records of its locals (frame-local roots whose frame is in the snapshot). */
function localsByFrame(s: HeapSnapshot): Map<number, number[]> {
  const byFrame = new Map<number, number[]>();
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] !== RootKind.FrameLocal || s.rootFrame[r] < 0) continue;
    const list = byFrame.get(s.rootFrame[r]);
    if (list) list.push(r);
    else byFrame.set(s.rootFrame[r], [r]);
  }
  return byFrame;
}

/** Weak reference object → its referent (−1: none, or not a weak reference). */
function weakReferents(s: HeapSnapshot): Int32Array {
  const referent = new Int32Array(s.nodeCount).fill(-1);
  for (let k = 0; k < s.weakrefCount; k++) referent[s.weakrefNode[k]] = s.weakrefReferent[k];
  return referent;
}

/**
 * Writes `snapshot` as a `.heapsnapshot` through `write`, which gets views of one reused buffer
 * and must consume each before it returns (a synchronous file write does).
 */
export function writeHeapsnapshot(
  s: HeapSnapshot,
  analysis: Analysis,
  write: (chunk: Uint8Array) => void,
  options: HeapsnapshotOptions = {},
): HeapsnapshotStats {
  const retained = retainedOf(analysis);
  const live = retained.graph.live;
  const strings = new ExportStrings(s.strings);
  const synthetic = syntheticGraph(s, retained, strings);
  const names = objectNames(s, strings, live, frameRecords(s));
  const ids = objectIds(s.nodeAddress);
  const locals = localsByFrame(s);
  const referent = weakReferents(s);
  const siteOf = synthetic.siteOf;
  const nameOf = new EdgeNames(s, strings);
  const weakName = strings.intern('referent');
  const allocatedAt = strings.intern('allocated at');
  const traces = allocationTraces(s);
  const withTraces = traces !== null && options.allocationTraces === true;
  // Per object: its trace node id (0: none), when the traces are written.
  const traceNode = new Uint32Array(withTraces ? s.nodeCount : 0);
  if (withTraces) {
    traces.objects.forEach((v, k) => (traceNode[v] = traceNodeId(traces.siteOfObject[k])));
  }
  const functionInfos = withTraces ? traceFunctionInfos(traces, strings) : [];

  const n = s.nodeCount;
  const offset = synthetic.nodes.length;
  // Per object: the references the export adds (weak referent, locals, allocation site).
  const extra = new Uint32Array(n);
  for (let v = 0; v < n; v++) {
    extra[v] = (referent[v] >= 0 ? 1 : 0) + (siteOf !== null && siteOf[v] >= 0 ? 1 : 0);
  }
  for (const [frame, records] of locals) extra[frame] += records.length;
  let edgeCount = s.edgeCount;
  for (const node of synthetic.nodes) edgeCount += node.edges.length;
  let unreachable = 0;
  for (let v = 0; v < n; v++) {
    edgeCount += extra[v];
    if (live[v] === 0) unreachable++;
  }
  const nodeCount = offset + n;

  const out = new ByteSink(write);
  out.raw('{"snapshot":');
  out.json({
    meta: SNAPSHOT_META,
    node_count: nodeCount,
    edge_count: edgeCount,
    trace_function_count: functionInfos.length / TRACE_FUNCTION_FIELD_COUNT,
  });
  out.raw(',\n"nodes":[');
  const row = (first: boolean): void => {
    if (!first) out.char(COMMA);
    out.char(NEWLINE);
  };
  synthetic.nodes.forEach((node, i) => {
    row(i === 0);
    nodeRow(out, SYNTHETIC, node.name, 2 * (i + 1), 0, node.edges.length, 0, 0);
  });
  const { type, name } = names;
  const { nodeSize, nodeEdgeCount } = s;
  for (let v = 0; v < n; v++) {
    row(false);
    const size = nodeSize[v];
    const count = nodeEdgeCount[v] + extra[v];
    const trace = withTraces ? traceNode[v] : 0;
    nodeRow(out, type[v], name[v], ids[v], size, count, trace, live[v] === 1 ? 0 : DETACHED_NODE);
  }
  out.raw('],\n"edges":[');
  let first = true;
  const edge = (type: number, name: number, to: number): void => {
    row(first);
    first = false;
    out.uint(type);
    out.char(COMMA);
    out.uint(name);
    out.char(COMMA);
    out.uint(to * FIELD_COUNT);
  };
  for (const node of synthetic.nodes) {
    for (const e of node.edges) edge(e.type, e.name, e.toObject ? offset + e.to : e.to);
  }
  const { edgeStart, edgeTo, edgeKind, edgeName } = s;
  for (let v = 0; v < n; v++) {
    const garbage = live[v] === 0;
    for (let e = edgeStart[v], end = edgeStart[v + 1]; e < end; e++) {
      const t = edgeTo[e];
      const plain = PLAIN_TYPE[edgeKind[e]];
      // Garbage holds nothing that is live (the next collection frees it): a shortcut, which
      // the viewers show as a retainer but leave out of dominators, as the engine does.
      if (garbage && live[t] === 1) edge(SHORTCUT, nameOf.asString(e), offset + t);
      else if (plain >= 0) edge(plain, edgeName[e], offset + t);
      else edge(nameOf.type(e), nameOf.name(e), offset + t);
    }
    if (extra[v] === 0) continue;
    if (referent[v] >= 0) edge(WEAK, weakName, offset + referent[v]);
    for (const r of locals.get(v) ?? []) edge(CONTEXT, s.rootName[r], offset + s.rootNode[r]);
    if (siteOf !== null && siteOf[v] >= 0) edge(WEAK, allocatedAt, siteOf[v]);
  }
  out.raw('],\n"trace_function_infos":[');
  functionInfos.forEach((value, i) => {
    if (i > 0) out.char(COMMA);
    if (i % TRACE_FUNCTION_FIELD_COUNT === 0) out.char(NEWLINE);
    out.uint(value);
  });
  out.raw('],\n"trace_tree":');
  out.raw(withTraces ? traceTreeJson(traces) : '[]');
  out.raw(',\n"samples":[],\n"locations":[');
  if (traces) {
    // Where each object was allocated: V8 writes its closures' source positions here.
    const { objects, siteOfObject, sites } = traces;
    for (let k = 0; k < objects.length; k++) {
      const site = sites[siteOfObject[k]];
      row(k === 0);
      out.uint((offset + objects[k]) * FIELD_COUNT);
      out.char(COMMA);
      out.uint(site.scriptId);
      out.char(COMMA);
      out.uint(Math.max(site.line - 1, 0));
      out.char(COMMA);
      out.uint(0);
    }
  }
  out.raw('],\n"strings":[');
  writeStrings(out, strings);
  out.raw(']}\n');
  out.drain();
  return {
    nodes: nodeCount,
    edges: edgeCount,
    objects: n,
    synthetic: offset,
    unreachable,
    strings: strings.count,
    bytes: out.written,
    allocated: traces?.objects.length ?? 0,
    traceSites: withTraces ? traces.sites.length : 0,
  };
}

function nodeRow(
  out: ByteSink,
  type: number,
  name: number,
  id: number,
  size: number,
  edges: number,
  trace: number,
  detachedness: number,
): void {
  out.uint(type);
  out.char(COMMA);
  out.uint(name);
  out.char(COMMA);
  out.uint(id);
  out.char(COMMA);
  out.uint(size);
  out.char(COMMA);
  out.uint(edges);
  out.char(COMMA);
  out.uint(trace);
  out.char(COMMA);
  out.uint(detachedness);
}

function writeStrings(out: ByteSink, strings: ExportStrings): void {
  let first = true;
  const one = (text: string): void => {
    if (!first) out.char(COMMA);
    first = false;
    out.char(NEWLINE);
    out.jsonString(text);
  };
  strings.base.forEach(one);
  strings.extra.forEach(one);
}

/** Types and names of the snapshot's edges in the export. */
class EdgeNames {
  private readonly otherKey = new Map<number, number>();

  constructor(
    private readonly s: HeapSnapshot,
    private readonly strings: ExportStrings,
  ) {}

  type(e: number): EdgeType {
    const kind = this.s.edgeKind[e] as EdgeKind;
    if (kind === EdgeKind.OtherKey && this.elementIndex(e) >= 0) return EdgeType.Element;
    const plain = PLAIN_TYPE[kind];
    return plain >= 0 ? (plain as EdgeType) : EdgeType.Internal;
  }

  /** The `name_or_index` field: a string index, or the index of an `element` edge. */
  name(e: number): number {
    const s = this.s;
    switch (s.edgeKind[e]) {
      case EdgeKind.Index:
        return s.edgeName[e];
      case EdgeKind.OtherKey: {
        const index = this.elementIndex(e);
        return index >= 0 ? index : this.strings.intern(`[${s.strings[s.edgeName[e]]}]`);
      }
      case EdgeKind.KeyObject:
        return this.strings.intern(`key ${s.strings[s.edgeName[e]]}`);
      default:
        return s.edgeName[e];
    }
  }

  /** A string index for the edge's name whatever its kind (`shortcut` edges are named). */
  asString(e: number): number {
    const s = this.s;
    if (s.edgeKind[e] === EdgeKind.Index) return this.strings.intern(String(s.edgeName[e]));
    const type = this.type(e);
    return type === EdgeType.Element ? this.strings.intern(String(this.name(e))) : this.name(e);
  }

  /** A dict value under a non-negative int key below 2^32 is an element; −1 otherwise. */
  private elementIndex(e: number): number {
    const nameIndex = this.s.edgeName[e];
    let index = this.otherKey.get(nameIndex);
    if (index === undefined) {
      const text = this.s.strings[nameIndex] ?? '';
      index = ELEMENT_INDEX.test(text) && Number(text) < 2 ** 32 ? Number(text) : -1;
      this.otherKey.set(nameIndex, index);
    }
    return index;
  }
}
