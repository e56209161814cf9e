/**
 * The V8 heap snapshot format (`.heapsnapshot`, JSON) as Chrome DevTools' Memory panel, VS Code's
 * built-in viewer (ms-vscode.vscode-js-profile-table, whose parser is @vscode/v8-heap-parser) and
 * memlab read it: the `meta` block, copied field for field from what Node 20's V8 writes, and the
 * indices of the node and edge types in it. docs/export.md says what each viewer needs.
 */

/** Per node: type, name (string index), id, self size, edge count, allocation trace, detachedness. */
export const NODE_FIELDS = [
  'type',
  'name',
  'id',
  'self_size',
  'edge_count',
  'trace_node_id',
  'detachedness',
] as const;
export const NODE_FIELD_COUNT = NODE_FIELDS.length;

export const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
  'wasm object',
] as const;

/** Node type indices (positions in `NODE_TYPES`). */
export const NodeType = {
  String: 2,
  Object: 3,
  Code: 4,
  Closure: 5,
  Number: 7,
  Synthetic: 9,
} as const;
export type NodeType = (typeof NodeType)[keyof typeof NodeType];

/** Per edge: type, name (string index, or the index itself for `element`/`hidden`), target. */
export const EDGE_FIELDS = ['type', 'name_or_index', 'to_node'] as const;
export const EDGE_FIELD_COUNT = EDGE_FIELDS.length;

export const EDGE_TYPES = [
  'context',
  'element',
  'property',
  'internal',
  'hidden',
  'shortcut',
  'weak',
] as const;

/** Edge type indices (positions in `EDGE_TYPES`). */
export const EdgeType = {
  Context: 0,
  Element: 1,
  Property: 2,
  Internal: 3,
  Shortcut: 5,
  Weak: 6,
} as const;
export type EdgeType = (typeof EdgeType)[keyof typeof EdgeType];

/**
 * `detachedness`: 0 unknown, 1 attached, 2 detached. Chrome keeps the value of non-DOM nodes as
 * written and its "Objects retained by detached DOM nodes" filter lists what only detached nodes
 * hold: unreachable objects are written detached.
 */
export const DETACHED = 2;

/** Per allocating function (`trace_function_infos`): the fields of `SNAPSHOT_META`. */
export const TRACE_FUNCTION_FIELD_COUNT = 6;

/** The `snapshot.meta` object: every field, in V8's order (a reader may need any of them). */
export const SNAPSHOT_META = {
  node_fields: NODE_FIELDS,
  node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: EDGE_FIELDS,
  edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
  trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
  trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
  sample_fields: ['timestamp_us', 'last_assigned_id'],
  location_fields: ['object_index', 'script_id', 'line', 'column'],
} as const;
