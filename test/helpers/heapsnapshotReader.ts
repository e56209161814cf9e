/**
 * An independent reader of `.heapsnapshot` files for the export tests: it shares no code with the
 * writer (server/engine/heapsnapshot*.ts) and reads the file the way the viewers' sources say
 * they do:
 *
 * - Chrome's HeapSnapshotLoader scans the text for `"snapshot"`, then `"nodes"`, `"edges"`, the
 *   traces when `trace_function_count` > 0, `"samples"`, `"locations"`, and parses everything
 *   after `"strings"` as the string table: the top-level keys must come in that order. It parses
 *   `nodes` and `edges` as digits only (no sign, no fraction) into 32-bit unsigned arrays.
 * - VS Code's parser (serde) needs every `meta` field V8 writes, `trace_tree` as a flat list;
 *   V8 nests it (`[id, function_info_index, count, size, [children…]]`), so a snapshot with
 *   allocation traces opens in Chrome only: without them `trace_tree` must be `[]`.
 *
 * Then the retained sizes, computed here with the iterative algorithm of Cooper, Harvey and
 * Kennedy ("A Simple, Fast Dominance Algorithm"), over the edges both viewers treat as retaining:
 * every edge but `weak` ones, `shortcut` ones not from the root, and self edges.
 */
import assert from 'node:assert/strict';

export const CHROME_KEY_ORDER = [
  'snapshot',
  'nodes',
  'edges',
  'trace_function_infos',
  'trace_tree',
  'samples',
  'locations',
  'strings',
];
const META_FIELDS = [
  'node_fields',
  'node_types',
  'edge_fields',
  'edge_types',
  'trace_function_info_fields',
  'trace_node_fields',
  'sample_fields',
  'location_fields',
];

export interface ParsedNode {
  index: number;
  type: string;
  name: string;
  id: number;
  selfSize: number;
  edgeCount: number;
  traceNodeId: number;
  detachedness: number;
  firstEdge: number;
}

export interface ParsedEdge {
  from: number;
  type: string;
  /** The name for named edges, the number for `element` and `hidden` ones. */
  name: string | number;
  to: number;
}

export interface ParsedTraceFunction {
  name: string;
  scriptName: string;
  scriptId: number;
  /** 1-based; 0: unknown (V8 writes these 1-based). */
  line: number;
  column: number;
}

export interface ParsedTraceNode {
  id: number;
  functionIndex: number;
  count: number;
  size: number;
  children: ParsedTraceNode[];
}

export interface ParsedLocation {
  /** Node index. */
  node: number;
  scriptId: number;
  /** 0-based (V8 writes locations 0-based). */
  line: number;
  column: number;
}

export interface ParsedHeapsnapshot {
  nodes: ParsedNode[];
  edges: ParsedEdge[];
  strings: string[];
  rootIndex: number;
  traceFunctions: ParsedTraceFunction[];
  /** The allocation trace tree; null when the file has none. */
  traceTree: ParsedTraceNode | null;
  locations: ParsedLocation[];
  /** Outgoing edges of a node. */
  edgesOf(node: number): ParsedEdge[];
}

function u32(value: unknown, what: string): number {
  assert.ok(
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 32,
    `${what} is ${String(value)}, not an unsigned 32-bit integer`,
  );
  return value as number;
}

/** Parses and checks a `.heapsnapshot` text; throws an assertion error on anything a viewer would reject. */
export function parseHeapsnapshot(text: string): ParsedHeapsnapshot {
  const keys: string[] = [];
  const root = JSON.parse(text, function (key, value) {
    if (this && typeof this === 'object' && !Array.isArray(this) && 'snapshot' in this) {
      if (!keys.includes(key)) keys.push(key);
    }
    return value;
  }) as Record<string, unknown>;
  assert.deepEqual(keys, CHROME_KEY_ORDER, 'top-level keys in the order Chrome reads them');
  // The text itself: every key after the previous one (Chrome scans forward for each).
  let at = 0;
  for (const key of CHROME_KEY_ORDER) {
    const found = text.indexOf(`"${key}"`, at);
    assert.ok(found >= at, `"${key}" comes after the keys before it`);
    at = found;
  }

  const snapshot = root.snapshot as Record<string, unknown>;
  const meta = snapshot.meta as Record<string, unknown>;
  for (const field of META_FIELDS) assert.ok(Array.isArray(meta[field]), `meta.${field}`);
  const nodeFields = meta.node_fields as string[];
  const edgeFields = meta.edge_fields as string[];
  const nodeTypes = (meta.node_types as unknown[])[nodeFields.indexOf('type')] as string[];
  const edgeTypes = (meta.edge_types as unknown[])[edgeFields.indexOf('type')] as string[];
  for (const f of ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id']) {
    assert.ok(nodeFields.includes(f), `node field ${f}`);
  }
  const nodeCount = u32(snapshot.node_count, 'node_count');
  const edgeCount = u32(snapshot.edge_count, 'edge_count');
  const rawNodes = root.nodes as unknown[];
  const rawEdges = root.edges as unknown[];
  assert.equal(rawNodes.length, nodeCount * nodeFields.length, 'nodes array length');
  assert.equal(rawEdges.length, edgeCount * edgeFields.length, 'edges array length');
  rawNodes.forEach((v, i) => u32(v, `nodes[${i}]`));
  rawEdges.forEach((v, i) => u32(v, `edges[${i}]`));
  const strings = root.strings as string[];
  assert.ok(Array.isArray(strings) && strings.every((s) => typeof s === 'string'), 'strings');
  const traceFunctionCount = u32(snapshot.trace_function_count, 'trace_function_count');
  const traceFunctions = readTraceFunctions(root, meta, strings, traceFunctionCount);
  const traceTree = readTraceTree(root, meta, traceFunctions.length);

  const field = (i: number, name: string) =>
    rawNodes[i * nodeFields.length + nodeFields.indexOf(name)] as number;
  const nodes: ParsedNode[] = [];
  let firstEdge = 0;
  for (let i = 0; i < nodeCount; i++) {
    const type = nodeTypes[field(i, 'type')];
    assert.ok(type !== undefined, `node ${i} has a known type`);
    const nameIndex = field(i, 'name');
    assert.ok(nameIndex < strings.length, `node ${i}'s name is a string`);
    nodes.push({
      index: i,
      type,
      name: strings[nameIndex],
      id: field(i, 'id'),
      selfSize: field(i, 'self_size'),
      edgeCount: field(i, 'edge_count'),
      traceNodeId: field(i, 'trace_node_id'),
      detachedness: nodeFields.includes('detachedness') ? field(i, 'detachedness') : 0,
      firstEdge,
    });
    firstEdge += field(i, 'edge_count');
  }
  assert.equal(firstEdge, edgeCount, 'edge counts add up to edge_count');

  const edges: ParsedEdge[] = [];
  let from = 0;
  for (let e = 0; e < edgeCount; e++) {
    while (from < nodeCount - 1 && e >= nodes[from].firstEdge + nodes[from].edgeCount) from++;
    const base = e * edgeFields.length;
    const type = edgeTypes[rawEdges[base + edgeFields.indexOf('type')] as number];
    assert.ok(type !== undefined, `edge ${e} has a known type`);
    const nameOrIndex = rawEdges[base + edgeFields.indexOf('name_or_index')] as number;
    const toNode = rawEdges[base + edgeFields.indexOf('to_node')] as number;
    assert.equal(toNode % nodeFields.length, 0, `edge ${e} points at a node's first field`);
    assert.ok(toNode / nodeFields.length < nodeCount, `edge ${e} points at a node`);
    const numeric = type === 'element' || type === 'hidden';
    if (!numeric) assert.ok(nameOrIndex < strings.length, `edge ${e}'s name is a string`);
    edges.push({
      from,
      type,
      name: numeric ? nameOrIndex : strings[nameOrIndex],
      to: toNode / nodeFields.length,
    });
  }
  const rootIndex = typeof snapshot.root_index === 'number' ? snapshot.root_index : 0;
  const locationFields = meta.location_fields as string[];
  const rawLocations = root.locations as unknown[];
  assert.ok(Array.isArray(rawLocations), 'locations');
  assert.equal(rawLocations.length % locationFields.length, 0, 'locations array length');
  const locations: ParsedLocation[] = [];
  for (let i = 0; i < rawLocations.length; i += locationFields.length) {
    const at = (f: string) => u32(rawLocations[i + locationFields.indexOf(f)], `locations ${f}`);
    const objectIndex = at('object_index');
    assert.equal(objectIndex % nodeFields.length, 0, 'a location names a node’s first field');
    assert.ok(objectIndex / nodeFields.length < nodeCount, 'a location names a node');
    locations.push({
      node: objectIndex / nodeFields.length,
      scriptId: at('script_id'),
      line: at('line'),
      column: at('column'),
    });
  }
  return {
    nodes,
    edges,
    strings,
    rootIndex,
    traceFunctions,
    traceTree,
    locations,
    edgesOf: (node) =>
      edges.slice(nodes[node].firstEdge, nodes[node].firstEdge + nodes[node].edgeCount),
  };
}

function readTraceFunctions(
  root: Record<string, unknown>,
  meta: Record<string, unknown>,
  strings: string[],
  count: number,
): ParsedTraceFunction[] {
  const fields = meta.trace_function_info_fields as string[];
  const raw = root.trace_function_infos as unknown[];
  assert.ok(Array.isArray(raw), 'trace_function_infos');
  assert.equal(raw.length, count * fields.length, 'trace_function_infos length');
  const functions: ParsedTraceFunction[] = [];
  for (let i = 0; i < raw.length; i += fields.length) {
    const at = (f: string) => u32(raw[i + fields.indexOf(f)], `trace function ${f}`);
    const name = at('name');
    const scriptName = at('script_name');
    assert.ok(name < strings.length && scriptName < strings.length, 'trace function strings');
    functions.push({
      name: strings[name],
      scriptName: strings[scriptName],
      scriptId: at('script_id'),
      line: at('line'),
      column: at('column'),
    });
  }
  return functions;
}

function readTraceTree(
  root: Record<string, unknown>,
  meta: Record<string, unknown>,
  functionCount: number,
): ParsedTraceNode | null {
  const raw = root.trace_tree as unknown[];
  assert.ok(Array.isArray(raw), 'trace_tree');
  if (functionCount === 0) {
    assert.deepEqual(raw, [], 'no trace tree without trace functions (VS Code reads it flat)');
    return null;
  }
  const fields = meta.trace_node_fields as string[];
  const node = (list: unknown[], at: number): ParsedTraceNode => {
    const value = (f: string) => list[at + fields.indexOf(f)];
    const children = value('children');
    assert.ok(Array.isArray(children), 'trace node children are nested, as V8 writes them');
    assert.equal(children.length % fields.length, 0, 'trace node children length');
    const functionIndex = u32(value('function_info_index'), 'trace node function');
    assert.ok(functionIndex < functionCount, 'a trace node names a trace function');
    const kids: ParsedTraceNode[] = [];
    for (let k = 0; k < children.length; k += fields.length) kids.push(node(children, k));
    return {
      id: u32(value('id'), 'trace node id'),
      functionIndex,
      count: u32(value('count'), 'trace node count'),
      size: u32(value('size'), 'trace node size'),
      children: kids,
    };
  };
  assert.equal(raw.length, fields.length, 'one root trace node');
  return node(raw, 0);
}

/** Retained size of every node: its subtree's self sizes in the dominator tree from the root. */
export function retainedSizes(h: ParsedHeapsnapshot): Float64Array {
  const n = h.nodes.length;
  const root = h.rootIndex;
  const retaining = (e: ParsedEdge) =>
    e.type !== 'weak' && (e.type !== 'shortcut' || e.from === root) && e.from !== e.to;
  const succ: number[][] = Array.from({ length: n }, () => []);
  const pred: number[][] = Array.from({ length: n }, () => []);
  for (const e of h.edges) {
    if (!retaining(e)) continue;
    succ[e.from].push(e.to);
    pred[e.to].push(e.from);
  }
  // Reverse postorder by an iterative depth-first search.
  const postorder: number[] = [];
  const seen = new Uint8Array(n);
  const stack: [number, number][] = [[root, 0]];
  seen[root] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [v, i] = top;
    if (i < succ[v].length) {
      top[1]++;
      const w = succ[v][i];
      if (!seen[w]) {
        seen[w] = 1;
        stack.push([w, 0]);
      }
    } else {
      postorder.push(v);
      stack.pop();
    }
  }
  assert.equal(postorder.length, n, 'every node is reachable from the root');
  const order = new Int32Array(n);
  postorder.forEach((v, i) => (order[v] = i));
  const idom = new Int32Array(n).fill(-1);
  idom[root] = root;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (order[a] < order[b]) a = idom[a];
      while (order[b] < order[a]) b = idom[b];
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = postorder.length - 1; k >= 0; k--) {
      const v = postorder[k];
      if (v === root) continue;
      let d = -1;
      for (const p of pred[v]) {
        if (idom[p] < 0) continue;
        d = d < 0 ? p : intersect(p, d);
      }
      if (d !== idom[v]) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  const retained = Float64Array.from(h.nodes, (node) => node.selfSize);
  for (const v of postorder) if (v !== root) retained[idom[v]] += retained[v];
  return retained;
}
