/**
 * What each object becomes in the `.heapsnapshot` export: its node type and its name. The viewers
 * group the Summary by "class": the name of `object` nodes, and one group per other type
 * (`(string)`, `(number)`, `(compiled code)`, `Function`/`(closure)`). So:
 *
 * - instances, containers, modules, weak references, generators and other objects are `object`
 *   nodes named by their type as Python's `repr` of a class writes it (`__main__.Session`, `dict`);
 * - `str` values are `string` nodes named by their text; `int`, `float`, `complex`, `bool` are
 *   `number` nodes named by their value;
 * - code objects and frames are `code` nodes (`main`, `frame main:42`); functions, methods and
 *   classes are `closure` nodes named by their qualified name, as JavaScript's functions and
 *   classes are.
 *
 * Objects the next collection frees (no root reaches them) keep their class but say so:
 * `__main__.Connection (unreachable, __del__ pending)`, so they form their own Summary rows.
 */
import { TypeFlag, type FrameRecord, type TypeRecord } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';
import { NodeType } from './heapsnapshotFormat';

const NUMBER_TYPES = new Set([
  'builtins.int',
  'builtins.float',
  'builtins.complex',
  'builtins.bool',
]);
const PYTHON_DEL = TypeFlag.PythonDel | TypeFlag.DelIsNone;

/** `builtins.dict` → `dict`; other types keep their module (`__main__.Session`), as `repr` does. */
export function displayTypeName(typeName: string): string {
  return typeName.startsWith('builtins.') ? typeName.slice('builtins.'.length) : typeName;
}

/** The node type an object of this Python type becomes. */
export function exportNodeType(type: TypeRecord): NodeType {
  if (type.name === 'builtins.str') return NodeType.String;
  if (type.name === 'builtins.code') return NodeType.Code;
  if (NUMBER_TYPES.has(type.name)) return NodeType.Number;
  switch (type.category) {
    case 'function':
    case 'class':
      return NodeType.Closure;
    case 'frame':
      return NodeType.Code;
    default:
      return NodeType.Object;
  }
}

/** Strings of the export: the snapshot's own (same indices), then the ones the export adds. */
export class ExportStrings {
  private readonly added = new Map<string, number>();
  private readonly addedList: string[] = [];

  constructor(readonly base: readonly string[]) {}

  /** The index of `text`, added when the snapshot does not have it at hand. */
  intern(text: string): number {
    if (text === '') return 0;
    let index = this.added.get(text);
    if (index === undefined) {
      index = this.base.length + this.addedList.length;
      this.added.set(text, index);
      this.addedList.push(text);
    }
    return index;
  }

  get count(): number {
    return this.base.length + this.addedList.length;
  }

  /** The added strings, in index order. */
  get extra(): readonly string[] {
    return this.addedList;
  }
}

/** Why an unreachable object's name says more: its finalizer that the collection will run. */
function unreachableSuffix(s: HeapSnapshot, v: number): string {
  if (!s.hasPendingFinalizer(v)) return ' (unreachable)';
  return (s.flagsOfType(v) & PYTHON_DEL) !== 0
    ? ' (unreachable, __del__ pending)'
    : ' (unreachable, finalizer pending)';
}

/** Node types and names of every object (string indices into `strings`). */
export function objectNames(
  s: HeapSnapshot,
  strings: ExportStrings,
  live: Uint8Array,
  frames: Map<number, FrameRecord>,
): { type: Uint8Array; name: Uint32Array } {
  const n = s.nodeCount;
  const typeOf = Uint8Array.from(s.types, exportNodeType);
  const classOf = Uint32Array.from(s.types, (t) => strings.intern(displayTypeName(t.name)));
  const type = new Uint8Array(n);
  const name = new Uint32Array(n);
  for (let v = 0; v < n; v++) {
    const t = s.nodeType[v];
    const nodeType = typeOf[t];
    type[v] = nodeType;
    const own = s.nodeName[v];
    if (nodeType === NodeType.String) {
      name[v] = own;
      continue;
    }
    if (nodeType === NodeType.Number) {
      name[v] = own || classOf[t];
      continue;
    }
    let text: string | null = null;
    if (s.types[t].category === 'frame') {
      const f = frames.get(v);
      text = f ? `frame ${f.function}:${f.line}` : `frame ${s.strings[own] || '?'}`;
    }
    if (live[v] === 1) {
      if (text !== null) name[v] = strings.intern(text);
      else name[v] = nodeType === NodeType.Object ? classOf[t] : own || classOf[t];
      continue;
    }
    text ??= nodeType === NodeType.Object ? displayTypeName(s.types[t].name) : s.name(v);
    name[v] = strings.intern((text || displayTypeName(s.types[t].name)) + unreachableSuffix(s, v));
  }
  return { type, name };
}
