/**
 * An independent reader of `.heapsnapshot` files for the export tests: it shares no code with the
 * writer (server/engine/heapsnapshot*.ts) and reads the file the way the viewers' sources say
 * they do:
 *
 * - Chrome's HeapSnapshotLoader scans the text for `"snapshot"`, then `"nodes"`, `"edges"`, the
 *   traces when `trace_function_count` > 0, `"samples"`, `"locations"`, and parses everything
 *   after `"strings"` as the string table: the top-level keys must come in that order. It parses
 *   `nodes` and `edges` as digits only (no sign, no fraction) into 32-bit unsigned arrays.
 * - VS Code's parser (serde) needs every `meta` field V8 writes, `trace_tree` as a flat list.
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

export interface ParsedHeapsnapshot {
  nodes: ParsedNode[];
  edges: ParsedEdge[];
  strings: string[];
  rootIndex: number;
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
  assert.ok(Array.isArray(root.trace_tree), 'trace_tree');
  assert.ok(
    (root.trace_tree as unknown[]).every((v) => typeof v === 'number'),
    'trace_tree is flat (VS Code parses it as a list of numbers)',
  );
  const strings = root.strings as string[];
  assert.ok(Array.isArray(strings) && strings.every((s) => typeof s === 'string'), 'strings');

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
  return {
    nodes,
    edges,
    strings,
    rootIndex,
    edgesOf: (node) =>
      edges.slice(nodes[node].firstEdge, nodes[node].firstEdge + nodes[node].edgeCount),
  };
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
