/**
 * A small fluent builder of hand-made heaps for engine tests:
 *
 *   const h = new HeapBuilder();
 *   const a = h.obj('__main__.Node', { gen: 0 });
 *   const b = h.obj('__main__.Node', { gen: 0 });
 *   h.ref(a, b, 'next').ref(b, a, 'prev');
 *   const snap = h.snapshot(); // readSnapshot(h.build())
 *
 * Reference counts default to "exactly the references the heap shows": incoming edges, plus one
 * per root record naming the object, plus `external` (references from C or from outside).
 */
import {
  EdgeKind,
  NodeFlag,
  RootKind,
  TypeFlag,
  type FinalizeRecord,
  type FrameRecord,
  type SnapshotMeta,
  type ThreadRecord,
  type TypeCategory,
  type TypeRecord,
} from '../../protocol/snapshot';
import type { HeapSnapshot, SnapshotData } from '../../server/engine/heapSnapshot';
import { readSnapshot } from '../../server/engine/snapshotReader';
import { writeSnapshot, type WriteOptions } from '../../server/engine/snapshotWriter';

export interface ObjOptions {
  /** Exact reference count; default: incoming edges + root records + `external`. */
  refcount?: number;
  /** References from outside the heap graph, added to the default reference count. */
  external?: number;
  /** Generation 0, 1, 2 (default 2), or 3 for the permanent generation (`gc.freeze()`). */
  gen?: number;
  /** Default: true except for atoms (str, int …). */
  tracked?: boolean;
  /** Shallow size; default 56. */
  size?: number;
  /** `node.name`: a str's text, a function's qualname, a module's name … */
  name?: string;
  finalized?: boolean;
  immortal?: boolean;
  suspended?: boolean;
  inGcGarbage?: boolean;
  address?: number;
}

export interface TypeOptions {
  flags?: number;
  category?: TypeCategory;
  file?: string;
}

interface Edge {
  to: number;
  kind: number;
  name: number;
}

const ATOMS = new Set([
  'builtins.str',
  'builtins.int',
  'builtins.float',
  'builtins.bytes',
  'builtins.bool',
  'builtins.NoneType',
  'builtins.complex',
]);
const CONTAINERS = new Set([
  'builtins.dict',
  'builtins.list',
  'builtins.tuple',
  'builtins.set',
  'builtins.frozenset',
  'collections.deque',
]);

/** The type record a name gets unless `type()` declares it. */
export function defaultType(name: string): TypeRecord {
  const t = (category: TypeCategory, flags = 0): TypeRecord => ({ name, flags, category });
  if (ATOMS.has(name)) return t('atom');
  if (CONTAINERS.has(name)) return t('container');
  switch (name) {
    case 'builtins.function':
    case 'builtins.method':
    case 'builtins.builtin_function_or_method':
      return t('function');
    case 'builtins.type':
      return t('class');
    case 'builtins.module':
      return t('module');
    case 'builtins.frame':
      return t('frame');
    case 'builtins.weakref':
    case 'weakref.ReferenceType':
    case 'builtins.weakproxy':
      return t('weakref', TypeFlag.WeakRef);
    case 'builtins.generator':
    case 'builtins.coroutine':
    case 'builtins.async_generator':
      return t('generator', TypeFlag.GeneratorLike | TypeFlag.HasFinalizer);
    case 'weakref.finalize':
      return t('instance', TypeFlag.HeapType);
  }
  if (name.startsWith('builtins.') || name.startsWith('functools.')) return t('other');
  return t('instance', TypeFlag.HeapType);
}

export class HeapBuilder {
  private readonly strings: string[] = [''];
  private readonly stringIndex = new Map<string, number>([['', 0]]);
  private readonly types: TypeRecord[] = [];
  private readonly typeIndex = new Map<string, number>();
  private readonly nodes: { type: number; opts: ObjOptions; edges: Edge[] }[] = [];
  private readonly weakrefs: { node: number; referent: number; callback: number }[] = [];
  private readonly roots: { kind: number; node: number; name: number; frame: number }[] = [];
  private readonly finalizers: FinalizeRecord[] = [];
  private readonly paused: FrameRecord[] = [];
  private readonly threads: ThreadRecord[] = [];
  private readonly warnings: string[] = [];

  str(text: string): number {
    let i = this.stringIndex.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.stringIndex.set(text, i);
    }
    return i;
  }

  /** Declares (or redeclares) a type; returns its index. */
  type(name: string, opts: TypeOptions = {}): number {
    const base = defaultType(name);
    const record: TypeRecord = {
      name,
      flags: opts.flags ?? base.flags,
      category: opts.category ?? base.category,
      ...(opts.file !== undefined ? { file: opts.file } : {}),
    };
    const existing = this.typeIndex.get(name);
    if (existing !== undefined) {
      this.types[existing] = record;
      return existing;
    }
    this.types.push(record);
    this.typeIndex.set(name, this.types.length - 1);
    return this.types.length - 1;
  }

  /** A new object of type `typeName` (declared on first use); returns its node index. */
  obj(typeName: string, opts: ObjOptions = {}): number {
    const type = this.typeIndex.get(typeName) ?? this.type(typeName);
    this.nodes.push({ type, opts, edges: [] });
    return this.nodes.length - 1;
  }

  /**
   * A strong reference. `name`: a string labels it (Attr unless `kind` says otherwise), a number
   * makes it an Index edge, none makes it an unlabelled Ref.
   */
  ref(from: number, to: number, name?: string | number, kind?: EdgeKind): this {
    let k: number;
    let nameIndex: number;
    if (typeof name === 'number') {
      k = kind ?? EdgeKind.Index;
      nameIndex = name;
    } else if (typeof name === 'string') {
      k = kind ?? EdgeKind.Attr;
      nameIndex = this.str(name);
    } else {
      k = kind ?? EdgeKind.Ref;
      nameIndex = 0;
    }
    this.nodes[from].edges.push({ to, kind: k, name: nameIndex });
    return this;
  }

  /** A weak reference record; a callback is also a strong edge `w → callback` (`__callback__`). */
  weakref(w: number, referent: number, callback = -1): this {
    this.weakrefs.push({ node: w, referent, callback });
    if (callback >= 0) this.ref(w, callback, '__callback__', EdgeKind.Slot);
    return this;
  }

  root(kind: RootKind, node: number, name = '', frame = -1): this {
    this.roots.push({ kind, node, name: this.str(name), frame });
    return this;
  }

  /** `sys.modules[name]`. */
  module(node: number, name: string): this {
    return this.root(RootKind.Module, node, name);
  }

  /** A local variable `name` of the live frame `frame`. */
  local(frame: number, node: number, name: string): this {
    return this.root(RootKind.FrameLocal, node, name, frame);
  }

  /** Makes `frame` the paused frame (frames.paused[0] and a PausedFrame root). */
  pausedFrame(frame: number, fn: string, line: number, file = 'app.py'): this {
    this.paused.unshift({ node: frame, file, line, function: fn });
    return this.root(RootKind.PausedFrame, frame, fn);
  }

  thread(record: ThreadRecord): this {
    this.threads.push(record);
    return this;
  }

  finalize(
    rec: Pick<FinalizeRecord, 'node' | 'referent' | 'func'> & Partial<FinalizeRecord>,
  ): this {
    this.finalizers.push({
      args: -1,
      kwargs: -1,
      atexit: true,
      index: this.finalizers.length,
      funcName: 'callback',
      ...rec,
    });
    return this;
  }

  warn(text: string): this {
    this.warnings.push(text);
    return this;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  data(): SnapshotData {
    const n = this.nodes.length;
    const indegree = new Uint32Array(n);
    let e = 0;
    for (const node of this.nodes) {
      for (const edge of node.edges) {
        indegree[edge.to]++;
        e++;
      }
    }
    for (const r of this.roots) indegree[r.node]++;

    const d: SnapshotData = {
      meta: undefined as unknown as SnapshotMeta,
      strings: this.strings,
      types: this.types,
      nodeAddress: new Float64Array(n),
      nodeType: new Uint32Array(n),
      nodeSize: new Uint32Array(n),
      nodeRefcount: new Uint32Array(n),
      nodeFlags: new Uint8Array(n),
      nodeName: new Uint32Array(n),
      nodeEdgeCount: new Uint32Array(n),
      edgeTo: new Uint32Array(e),
      edgeKind: new Uint8Array(e),
      edgeName: new Uint32Array(e),
      weakrefNode: Uint32Array.from(this.weakrefs, (w) => w.node),
      weakrefReferent: Int32Array.from(this.weakrefs, (w) => w.referent),
      weakrefCallback: Int32Array.from(this.weakrefs, (w) => w.callback),
      rootKind: Uint8Array.from(this.roots, (r) => r.kind),
      rootNode: Uint32Array.from(this.roots, (r) => r.node),
      rootName: Uint32Array.from(this.roots, (r) => r.name),
      rootFrame: Int32Array.from(this.roots, (r) => r.frame),
      frames: { paused: this.paused, threads: this.threads },
      finalizers: this.finalizers,
    };
    let k = 0;
    let tracked = 0;
    this.nodes.forEach((node, i) => {
      const o = node.opts;
      const atom = this.types[node.type].category === 'atom';
      const isTracked = o.tracked ?? !atom;
      let flags = 0;
      if (isTracked) {
        flags |= NodeFlag.Tracked | ((o.gen ?? 2) << NodeFlag.GenerationShift);
        tracked++;
      }
      if (o.finalized) flags |= NodeFlag.Finalized;
      if (o.immortal) flags |= NodeFlag.Immortal;
      if (o.inGcGarbage) flags |= NodeFlag.InGcGarbage;
      if (o.suspended) flags |= NodeFlag.Suspended;
      d.nodeAddress[i] = o.address ?? 0x7f0000001000 + i * 0x40;
      d.nodeType[i] = node.type;
      d.nodeSize[i] = o.size ?? 56;
      d.nodeRefcount[i] = o.refcount ?? indegree[i] + (o.external ?? 0);
      d.nodeFlags[i] = flags;
      d.nodeName[i] = o.name !== undefined ? this.str(o.name) : 0;
      d.nodeEdgeCount[i] = node.edges.length;
      for (const edge of node.edges) {
        d.edgeTo[k] = edge.to;
        d.edgeKind[k] = edge.kind;
        d.edgeName[k] = edge.name;
        k++;
      }
    });
    d.meta = {
      format: 'python-heap-inspector-snapshot',
      version: 1,
      agentVersion: 'test',
      python: {
        implementation: 'cpython',
        version: [3, 11, 9],
        versionString: '3.11.9',
        executable: '/usr/bin/python3',
        platform: 'linux',
        pointerSize: 8,
      },
      capture: {
        time: 1700000000,
        pid: 4242,
        file: this.paused[0]?.file ?? 'app.py',
        line: this.paused[0]?.line ?? 1,
        function: this.paused[0]?.function ?? '<module>',
        trigger: 'api',
        seconds: 0.01,
        writeSeconds: 0.001,
      },
      gc: {
        enabled: true,
        counts: [0, 0, 0],
        thresholds: [700, 10, 10],
        debug: 0,
        garbage: 0,
        frozen: 0,
        generations: 3,
        incremental: false,
      },
      counts: {
        nodes: n,
        edges: e,
        tracked,
        weakrefs: this.weakrefs.length,
        roots: this.roots.length,
        excludedAgentObjects: 0,
      },
      warnings: this.warnings,
    };
    return d;
  }

  build(options?: WriteOptions): Uint8Array {
    return writeSnapshot(this.data(), options);
  }

  snapshot(options?: WriteOptions): HeapSnapshot {
    return readSnapshot(this.build(options));
  }
}
