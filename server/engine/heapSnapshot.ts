/**
 * The in-memory snapshot: the columns of the file as typed arrays, plus the CSR index of edges
 * and a few cheap per-node helpers. No per-node objects.
 */
import {
  EdgeKind,
  NodeFlag,
  TypeFlag,
  type FinalizeRecord,
  type FramesSection,
  type IdentitySection,
  type SnapshotMeta,
  type TypeCategory,
  type TypeRecord,
} from '../../protocol/snapshot';

// The protocol's flag objects read once: hot loops must not go through a module binding
// (under tsx every access to an imported object is a getter call).
const NODE_TRACKED = NodeFlag.Tracked;
const NODE_GENERATION_MASK = NodeFlag.GenerationMask;
const NODE_GENERATION_SHIFT = NodeFlag.GenerationShift;
const TYPE_HAS_FINALIZER = TypeFlag.HasFinalizer;
const NODE_FINALIZED = NodeFlag.Finalized;

/** Every column and JSON section of a snapshot, as the reader produces and the writer consumes. */
export interface SnapshotData {
  meta: SnapshotMeta;
  strings: string[];
  types: TypeRecord[];
  nodeAddress: Float64Array;
  nodeType: Uint32Array;
  nodeSize: Uint32Array;
  nodeRefcount: Uint32Array;
  nodeFlags: Uint8Array;
  nodeName: Uint32Array;
  nodeEdgeCount: Uint32Array;
  edgeTo: Uint32Array;
  edgeKind: Uint8Array;
  edgeName: Uint32Array;
  weakrefNode: Uint32Array;
  weakrefReferent: Int32Array;
  weakrefCallback: Int32Array;
  rootKind: Uint8Array;
  rootNode: Uint32Array;
  rootName: Uint32Array;
  rootFrame: Int32Array;
  /** Optional (tracemalloc on): node, file string index, line of the allocating frame. */
  allocNode?: Uint32Array;
  allocFile?: Uint32Array;
  allocLine?: Uint32Array;
  /** Optional: `NodeIdentity` per node, with the `identity` section that says what it compares with. */
  nodeIdentity?: Uint8Array;
  identity?: IdentitySection;
  frames: FramesSection;
  finalizers: FinalizeRecord[];
}

export class HeapSnapshot implements SnapshotData {
  readonly meta: SnapshotMeta;
  readonly strings: string[];
  readonly types: TypeRecord[];
  readonly nodeAddress: Float64Array;
  readonly nodeType: Uint32Array;
  readonly nodeSize: Uint32Array;
  readonly nodeRefcount: Uint32Array;
  readonly nodeFlags: Uint8Array;
  readonly nodeName: Uint32Array;
  readonly nodeEdgeCount: Uint32Array;
  readonly edgeTo: Uint32Array;
  readonly edgeKind: Uint8Array;
  readonly edgeName: Uint32Array;
  readonly weakrefNode: Uint32Array;
  readonly weakrefReferent: Int32Array;
  readonly weakrefCallback: Int32Array;
  readonly rootKind: Uint8Array;
  readonly rootNode: Uint32Array;
  readonly rootName: Uint32Array;
  readonly rootFrame: Int32Array;
  readonly allocNode?: Uint32Array;
  readonly allocFile?: Uint32Array;
  readonly allocLine?: Uint32Array;
  readonly nodeIdentity?: Uint8Array;
  readonly identity?: IdentitySection;
  readonly frames: FramesSection;
  readonly finalizers: FinalizeRecord[];

  /** CSR index: node i's edges are `edgeStart[i] .. edgeStart[i + 1]`. Length N + 1. */
  readonly edgeStart: Uint32Array;
  /** `types[t].flags`, as a column. */
  readonly typeFlags: Uint32Array;

  /** The caller guarantees `sum(nodeEdgeCount) === edgeTo.length` (the reader validates it). */
  constructor(data: SnapshotData) {
    this.meta = data.meta;
    this.strings = data.strings;
    this.types = data.types;
    this.nodeAddress = data.nodeAddress;
    this.nodeType = data.nodeType;
    this.nodeSize = data.nodeSize;
    this.nodeRefcount = data.nodeRefcount;
    this.nodeFlags = data.nodeFlags;
    this.nodeName = data.nodeName;
    this.nodeEdgeCount = data.nodeEdgeCount;
    this.edgeTo = data.edgeTo;
    this.edgeKind = data.edgeKind;
    this.edgeName = data.edgeName;
    this.weakrefNode = data.weakrefNode;
    this.weakrefReferent = data.weakrefReferent;
    this.weakrefCallback = data.weakrefCallback;
    this.rootKind = data.rootKind;
    this.rootNode = data.rootNode;
    this.rootName = data.rootName;
    this.rootFrame = data.rootFrame;
    if (data.allocNode && data.allocFile && data.allocLine) {
      this.allocNode = data.allocNode;
      this.allocFile = data.allocFile;
      this.allocLine = data.allocLine;
    }
    if (data.nodeIdentity && data.identity) {
      this.nodeIdentity = data.nodeIdentity;
      this.identity = data.identity;
    }
    this.frames = data.frames;
    this.finalizers = data.finalizers;

    const n = data.nodeEdgeCount.length;
    const start = new Uint32Array(n + 1);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      start[i] = acc;
      acc += data.nodeEdgeCount[i];
    }
    start[n] = acc;
    this.edgeStart = start;
    const tf = new Uint32Array(data.types.length);
    for (let t = 0; t < tf.length; t++) tf[t] = data.types[t].flags >>> 0;
    this.typeFlags = tf;
  }

  get nodeCount(): number {
    return this.nodeType.length;
  }

  get edgeCount(): number {
    return this.edgeTo.length;
  }

  get weakrefCount(): number {
    return this.weakrefNode.length;
  }

  get rootCount(): number {
    return this.rootNode.length;
  }

  type(node: number): TypeRecord {
    return this.types[this.nodeType[node]];
  }

  typeName(node: number): string {
    return this.types[this.nodeType[node]].name;
  }

  category(node: number): TypeCategory {
    return this.types[this.nodeType[node]].category;
  }

  /** `TypeFlag` bits of the node's type. */
  flagsOfType(node: number): number {
    return this.typeFlags[this.nodeType[node]];
  }

  isTracked(node: number): boolean {
    return (this.nodeFlags[node] & NODE_TRACKED) !== 0;
  }

  /** 0, 1 or 2 for tracked objects; null when untracked. */
  generation(node: number): number | null {
    const f = this.nodeFlags[node];
    if ((f & NODE_TRACKED) === 0) return null;
    return (f & NODE_GENERATION_MASK) >> NODE_GENERATION_SHIFT;
  }

  /** The type has a finalizer and it has not run yet (PEP 442). */
  hasPendingFinalizer(node: number): boolean {
    return (
      (this.typeFlags[this.nodeType[node]] & TYPE_HAS_FINALIZER) !== 0 &&
      (this.nodeFlags[node] & NODE_FINALIZED) === 0
    );
  }

  /** `0x7f…`, Python's `hex(id(obj))`. */
  addressHex(node: number): string {
    return '0x' + this.nodeAddress[node].toString(16);
  }

  /** The node's short label text (`node.name`), or `''`. */
  name(node: number): string {
    return this.strings[this.nodeName[node]] ?? '';
  }

  /** Source node of an edge (binary search over the CSR index: the last node starting at or before it). */
  edgeSource(edge: number): number {
    let lo = 0;
    let hi = this.nodeCount - 1;
    const s = this.edgeStart;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid] <= edge) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The text an edge is drawn with: `.attr`, `['key']`, `[key]`, `[3]`, `name` (local, closure,
   * slot), `key name`, or `''` for unlabelled references.
   */
  edgeLabel(edge: number): string {
    const kind = this.edgeKind[edge];
    const nameIndex = this.edgeName[edge];
    if (kind === EdgeKind.Index) return `[${nameIndex}]`;
    const name = this.strings[nameIndex] ?? '';
    switch (kind) {
      case EdgeKind.Attr:
        return `.${name}`;
      case EdgeKind.StrKey:
        return `['${name}']`;
      case EdgeKind.OtherKey:
        return `[${name}]`;
      case EdgeKind.Local:
      case EdgeKind.Closure:
      case EdgeKind.Slot:
        return name;
      case EdgeKind.KeyObject:
        return `key ${name}`;
      default:
        return '';
    }
  }
}
