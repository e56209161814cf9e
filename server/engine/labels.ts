/** Short texts the heap graph draws for nodes. */
import { EdgeKind, type FrameRecord } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';

// The protocol's flag objects read once: hot loops must not go through a module binding
// (under tsx every access to an imported object is a getter call).
const EDGE_KEY_OBJECT = EdgeKind.KeyObject;

/** Longest label text before it is cut with `…`. */
export const MAX_LABEL = 40;

/** `__main__.Node` → `Node`, `builtins.dict` → `dict`. */
export function shortTypeName(typeName: string): string {
  const dot = typeName.lastIndexOf('.');
  return dot < 0 ? typeName : typeName.slice(dot + 1);
}

export function truncate(text: string, max = MAX_LABEL): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/** Frame node → its record in the `frames` section (paused stack and every thread's stack). */
export function frameRecords(snapshot: HeapSnapshot): Map<number, FrameRecord> {
  const map = new Map<number, FrameRecord>();
  const add = (f: FrameRecord) => {
    if (f.node >= 0 && !map.has(f.node)) map.set(f.node, f);
  };
  (snapshot.frames.paused ?? []).forEach(add);
  for (const t of snapshot.frames.threads ?? []) (t.frames ?? []).forEach(add);
  return map;
}

/**
 * Instances: the class name; `str`: the text in quotes; other atoms: their text; functions,
 * classes, modules: their name; containers: `dict (3)`; frames: `function:line`.
 */
export function nodeLabel(
  snapshot: HeapSnapshot,
  node: number,
  frames: Map<number, FrameRecord>,
): string {
  const type = snapshot.type(node);
  const short = shortTypeName(type.name);
  const name = snapshot.name(node);
  switch (type.category) {
    case 'instance':
      return truncate(short);
    case 'atom':
      if (type.name === 'builtins.str') return `'${truncate(escape(name))}'`;
      return truncate(escape(name) || short);
    case 'function':
    case 'class':
    case 'module':
      return truncate(name || short);
    case 'container': {
      let count = snapshot.nodeEdgeCount[node];
      if (type.name === 'builtins.dict') {
        // Entries, not references: a non-str key is a reference of its own.
        const end = snapshot.edgeStart[node + 1];
        for (let e = snapshot.edgeStart[node]; e < end; e++) {
          if (snapshot.edgeKind[e] === EDGE_KEY_OBJECT) count--;
        }
      }
      return `${truncate(short)} (${count})`;
    }
    case 'frame': {
      const f = frames.get(node);
      return f ? truncate(`${f.function}:${f.line}`) : 'frame';
    }
    default:
      return truncate(name || short);
  }
}

function escape(text: string): string {
  return text.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}
