/**
 * Paths from a root written as Python would write them (docs/retained.md, "Paths"):
 *
 *   __main__.cache                      a global of the program's main module
 *   sys.modules['app'].pool._conns[3]   any other module: where it is kept alive, sys.modules
 *   __main__.registry['users']          dict values by key (Python's repr of the key)
 *   main.<locals>.users                 a local of a running function (CPython's own qualname
 *                                       notation for what a function holds)
 *   gen.<locals>.item, f.__closure__.<cell x>   a generator's locals, a closure cell
 *   __main__.seen → Session             a reference without a name (a set's member)
 *   <frame main>, <thread Worker-1>, gc.garbage, <held from outside: builtins.dict>   other roots
 *
 * `x.__dict__['k']` is written `x.k` (module globals, class and instance attributes).
 */
import { EdgeKind, RootKind } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';
import { frameRecords, shortTypeName } from './labels';
import { OUTSIDE_ROOT, RootPaths, type PathStep } from './paths';

const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** Python's `repr()` of a str: single quotes unless the text has one and no double quote. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** `.name` when `name` is an identifier, else `.__dict__['name']`. */
function attribute(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `.__dict__[${pythonStringRepr(name)}]`;
}

/** The start of a path: how the root holds its first object. */
export function pythonRoot(
  s: HeapSnapshot,
  root: number,
  node: number,
  frameName: (frame: number) => string,
): string {
  if (root === s.rootCount + OUTSIDE_ROOT) return `<held from outside: ${s.typeName(node)}>`;
  if (root < 0 || root >= s.rootCount) return `<frame ${frameName(node)}>`;
  const name = s.strings[s.rootName[root]] ?? '';
  switch (s.rootKind[root]) {
    case RootKind.Module:
      return name === '__main__' ? '__main__' : `sys.modules[${pythonStringRepr(name)}]`;
    case RootKind.FrameLocal: {
      const frame = s.rootFrame[root];
      const owner = frame >= 0 ? frameName(frame) : '<frame>';
      return `${owner}.<locals>${attribute(name)}`;
    }
    case RootKind.Thread:
      return `<thread ${name}>`;
    case RootKind.PausedFrame:
      return `<frame ${frameName(node)}>`;
    case RootKind.StackFrame:
      return `<frame ${name || frameName(node)}>`;
    case RootKind.GcGarbage:
      return 'gc.garbage';
    default:
      return `<root ${name}>`;
  }
}

/** The text of one reference, after the object it comes from (`.pool`, `['users']`, `[3]`). */
export function pythonStep(s: HeapSnapshot, edge: number, target: number): string {
  const kind = s.edgeKind[edge];
  const nameIndex = s.edgeName[edge];
  if (kind === EdgeKind.Index) return `[${nameIndex}]`;
  const name = s.strings[nameIndex] ?? '';
  switch (kind) {
    case EdgeKind.Attr:
    case EdgeKind.Slot:
      return attribute(name);
    case EdgeKind.StrKey:
      return `[${pythonStringRepr(name)}]`;
    case EdgeKind.OtherKey:
      return `[${name}]`;
    case EdgeKind.Local:
      return `.<locals>${attribute(name)}`;
    case EdgeKind.Closure:
      return `.<cell ${name}>`;
    case EdgeKind.KeyObject:
      return `.<key ${name}>`;
    default:
      return ` → ${shortTypeName(s.typeName(target))}`;
  }
}

/** A path (root first, as `RootPaths.pathTo` gives it) in Python's notation. */
export function pythonPathText(
  s: HeapSnapshot,
  steps: PathStep[],
  root: number,
  frameName: (frame: number) => string,
): string {
  let text = pythonRoot(s, root, steps[0].node, frameName);
  for (let i = 1; i < steps.length; i++) {
    const e = steps[i].edge;
    const next = steps[i + 1];
    // `x.__dict__['k']` is `x.k`.
    if (
      next !== undefined &&
      s.edgeKind[e] === EdgeKind.Slot &&
      s.strings[s.edgeName[e]] === '__dict__' &&
      s.edgeKind[next.edge] === EdgeKind.StrKey
    ) {
      text += attribute(s.strings[s.edgeName[next.edge]] ?? '');
      i++;
      continue;
    }
    text += pythonStep(s, e, steps[i].node);
  }
  return text;
}

/**
 * Python paths of a snapshot's objects: one breadth-first search from the modules, then from the
 * other named roots (frames, threads, `gc.garbage`), then from the objects referenced from outside
 * the graph (`outside`, non-zero per node), each for what the ones before did not reach.
 */
export class PythonPaths {
  private readonly paths: RootPaths;
  private readonly frames: ReturnType<typeof frameRecords>;

  constructor(
    readonly snapshot: HeapSnapshot,
    outside?: Uint8Array,
  ) {
    this.paths = new RootPaths(snapshot, -1, { outside, modulesFirst: true });
    this.frames = frameRecords(snapshot);
  }

  /** The frame's function name (`main`), or `<frame>`. */
  frameName = (frame: number): string => this.frames.get(frame)?.function || 'frame';

  /** The object's shortest path from a root in Python's notation, or null when none reaches it. */
  pathOf(node: number): string | null {
    const steps = this.paths.pathTo(node);
    if (!steps) return null;
    return pythonPathText(this.snapshot, steps, this.paths.rootOf(node), this.frameName);
  }

  /** A module, a frame, a thread or `gc.garbage` reaches it: it has a path of Python names. */
  named(node: number): boolean {
    return this.paths.reachedByName(node);
  }

  /** How a root holds `node` (a root itself), in Python's notation. */
  rootText(node: number): string {
    return pythonRoot(this.snapshot, this.paths.rootOf(node), node, this.frameName);
  }
}
