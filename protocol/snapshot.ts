/**
 * The snapshot file format: the contract between the Python agent (writer) and the TypeScript
 * engine (reader). Documented in docs/snapshot-format.md; keep both in step.
 *
 * A snapshot is a small binary container of named sections. Node and edge data are columns
 * (flat typed arrays) in the spirit of V8's .heapsnapshot, so that the reader can hand them to
 * the engine without building an object per heap object. Format 1 stores references as node
 * indices; format 2 (what the agent writes) stores them as addresses, streamed in chunks, and the
 * reader maps them to nodes and derives the labels (server/engine/snapshotReaderV2.ts). Both are
 * read into the same model (`SnapshotData`), whose columns are format 1's.
 */

/** First 8 bytes of every snapshot file. */
export const SNAPSHOT_MAGIC = 'PYHEAPSN';
/** The format the agent writes. */
export const SNAPSHOT_FORMAT_VERSION = 2;
/** Format 1: node-indexed references (older agents; the engine's own test writer). */
export const SNAPSHOT_FORMAT_V1 = 1;
/** Every format this reader understands. */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];

/** Element type of a section, as stored in its header. */
export const SectionDType = {
  U8: 1,
  I32: 2,
  U32: 3,
  F64: 4,
  /** UTF-8 JSON text. */
  Json: 5,
  /** Format 2: addresses. */
  U64: 6,
} as const;
export type SectionDType = (typeof SectionDType)[keyof typeof SectionDType];

/** How a section's bytes are stored. */
export const SectionEncoding = {
  Raw: 0,
  Zlib: 1,
  /**
   * Format 2: zlib of the elements' byte planes (every element's first byte, then every second
   * byte, …): addresses and small numbers have nearly constant planes.
   */
  ZlibPlanes: 2,
} as const;
export type SectionEncoding = (typeof SectionEncoding)[keyof typeof SectionEncoding];

/** Names of the sections of a snapshot (format 1, and those format 2 shares with it). */
export const SECTION = {
  meta: 'meta',
  strings: 'strings',
  types: 'types',
  nodeAddress: 'node.address',
  nodeType: 'node.type',
  nodeSize: 'node.size',
  nodeRefcount: 'node.refcount',
  nodeFlags: 'node.flags',
  nodeName: 'node.name',
  nodeEdgeCount: 'node.edgeCount',
  edgeTo: 'edge.to',
  edgeKind: 'edge.kind',
  edgeName: 'edge.name',
  weakrefNode: 'weakref.node',
  weakrefReferent: 'weakref.referent',
  weakrefCallback: 'weakref.callback',
  rootKind: 'root.kind',
  rootNode: 'root.node',
  rootName: 'root.name',
  rootFrame: 'root.frame',
  allocNode: 'alloc.node',
  allocFile: 'alloc.file',
  allocLine: 'alloc.line',
  frames: 'frames',
  finalizers: 'finalizers',
  end: 'end',
} as const;

/**
 * Format 2's own sections (docs/snapshot-format.md). Columns (and `strings`) may be written as
 * several chunks, concatenated in file order. `node.address`, `weakref.referent`,
 * `weakref.callback` and `root.frame` keep format 1's names but hold u64 addresses; `node.size` and `node.refcount` are u64 too, the
 * counts as they stood while the agent's list held each object once (the reader subtracts that,
 * `held.*`, and for leaves that are types, the agent's type table's reference).
 */
export const SECTION_V2 = {
  nodeLabels: 'node.labels',
  edgeTarget: 'edge.target',
  dictKey: 'dict.key',
  labelNode: 'label.node',
  labelKind: 'label.kind',
  labelName: 'label.name',
  closureAddress: 'closure.address',
  closureCount: 'closure.count',
  closureName: 'closure.name',
  weakrefAddress: 'weakref.address',
  rootAddress: 'root.address',
  excludedAddress: 'excluded.address',
  heldAddress: 'held.address',
  heldCount: 'held.count',
} as const;

/** Format 2, `node.labels`: how the reader labels a node's references. */
export const NodeLabels = {
  /** By its type's plan (`TypeRecord.labels`). */
  ByPlan: 0,
  /** An exact dict: values under str keys, whose texts follow in `dict.key`. */
  Keyed: 1,
  /** Labelled by the agent, one by one: `label.*`. */
  Recorded: 2,
  /** Unlabelled (a list or tuple whose length is not its reference count). */
  Unlabelled: 3,
} as const;

/** Format 2: how a type's instances are labelled when `node.labels` is `ByPlan`. */
export type LabelPlan = 'none' | 'sequence' | 'dict' | 'instanceValues' | 'instanceDict' | 'object';

/** Bits of `node.flags`. */
export const NodeFlag = {
  /** The object is tracked by the cycle collector (it is in one of the generations). */
  Tracked: 1 << 0,
  /** Two bits: the generation (0, 1, 2) of a tracked object. */
  GenerationShift: 1,
  GenerationMask: 0b11 << 1,
  /** The object's finalizer already ran (PEP 442, `gc.is_finalized`); it will not run again. */
  Finalized: 1 << 3,
  /** CPython 3.12+ immortal object: its reference count is meaningless. */
  Immortal: 1 << 4,
  /** Listed in `gc.garbage`. */
  InGcGarbage: 1 << 5,
  /** A suspended generator/coroutine: its finalizer would run `finally` blocks. */
  Suspended: 1 << 6,
} as const;

/** Kind of a strong reference (an edge). Every edge is a reference `gc.get_referents` reports. */
export const EdgeKind = {
  /** Unlabelled reference (set members, references with no readable name). */
  Ref: 0,
  /** Instance attribute; name = attribute name. */
  Attr: 1,
  /** Dict value under a str key; name = the key. */
  StrKey: 2,
  /** Dict value under a non-str key; name: a safe text of the key (`3`, `(1, 2)`, `<mod.Key>`). */
  OtherKey: 3,
  /** Sequence element; `edge.name` holds the integer index itself, not a string index. */
  Index: 4,
  /** Local variable of a frame or generator; name = variable name. */
  Local: 5,
  /** Closure cell (free/cell variable); name = variable name. */
  Closure: 6,
  /** A named internal slot of a built-in type (`__dict__`, `__class__`, `f_back`, `__self__`…). */
  Slot: 7,
  /** The dict key object itself (a non-str key); name = safe text of the key. */
  KeyObject: 8,
} as const;
export type EdgeKind = (typeof EdgeKind)[keyof typeof EdgeKind];

/** Kind of a root record: why something is alive from outside the heap graph. */
export const RootKind = {
  /** `sys.modules[name]`; name = module name. */
  Module: 1,
  /** A local variable of a live frame; frame: the frame node, name = variable name. */
  FrameLocal: 2,
  /** The innermost frame of a thread; name = thread name. */
  Thread: 3,
  /** The frame the capture was taken in (the paused frame). */
  PausedFrame: 4,
  /** A frame of the paused thread's stack; name = `function` text. */
  StackFrame: 5,
  /** `gc.garbage`. */
  GcGarbage: 6,
} as const;
export type RootKind = (typeof RootKind)[keyof typeof RootKind];

/** Bits of a type record's `flags`. */
export const TypeFlag = {
  /** The type has a finalizer (`tp_finalize`: a `__del__` in its MRO, generators, coroutines, io). */
  HasFinalizer: 1 << 0,
  /** That finalizer is a Python-level `__del__` function (user code). */
  PythonDel: 1 << 1,
  /** A heap type (a class created by a `class` statement or `type()`). */
  HeapType: 1 << 2,
  /** A weak reference type (`weakref.ref`, proxies and their subclasses). */
  WeakRef: 1 << 3,
  /** Generator, coroutine or async generator. */
  GeneratorLike: 1 << 4,
  /**
   * `__del__ = None` in the class or a base. CPython still gives the type a finalizer
   * (`HasFinalizer` is set too): running it calls None, which raises TypeError, reported as
   * "Exception ignored in: …". Readers that do not know this bit still count the finalizer.
   */
  DelIsNone: 1 << 5,
} as const;

/** What a type is, for drawing and filtering: every category, in the order the legend lists them. */
export const TYPE_CATEGORIES = [
  'instance',
  'container',
  'frame',
  'module',
  'class',
  'function',
  'weakref',
  'generator',
  'atom',
  'other',
] as const;
export type TypeCategory = (typeof TYPE_CATEGORIES)[number];

/** One entry of the `types` section. */
export interface TypeRecord {
  /** `module.qualname`, e.g. `__main__.Node`, `builtins.dict`. */
  name: string;
  /** The parts of `name` (a module or a qualname can contain dots: `pkg.mod`, `Outer.Inner`). */
  module?: string;
  qualname?: string;
  flags: number;
  category: TypeCategory;
  /** File that defines a heap type, when its module has a `__file__`. */
  file?: string;
  /** Format 2: the type object's address (an instance's reference to its class). */
  address?: number;
  /** Format 2: the size of its instances where `node.size` is 0 (one per type). */
  size?: number;
  /** Format 2: how its instances' references are labelled (see `NodeLabels.ByPlan`). */
  labels?: LabelPlan;
  /** Format 2, plan `instanceValues`: the class's attribute names in slot order. */
  attributes?: string[];
}

/** A frame of the paused stack or of a thread, innermost first. */
export interface FrameRecord {
  /** Node index of the frame object, or -1 if it could not be captured. */
  node: number;
  file: string;
  line: number;
  function: string;
}

export interface ThreadRecord {
  ident: number;
  name: string;
  /** True for the thread that took the capture. */
  current: boolean;
  frames: FrameRecord[];
}

/** Contents of the `frames` section. */
export interface FramesSection {
  /** The paused thread's stack, innermost (the paused frame) first. */
  paused: FrameRecord[];
  threads: ThreadRecord[];
}

/** One pending `weakref.finalize` entry (from `weakref.finalize._registry`). */
export interface FinalizeRecord {
  /** The `weakref.finalize` object. */
  node: number;
  /** Its referent, or -1 when the referent is not in the snapshot. */
  referent: number;
  func: number;
  args: number;
  kwargs: number;
  /** Runs at interpreter exit if still pending. */
  atexit: boolean;
  /** Registration order. */
  index: number;
  /** Safe text of the callback (`shutil.rmtree`, `Workspace.cleanup`). */
  funcName: string;
}

export interface GcState {
  enabled: boolean;
  /** `gc.get_count()` when the capture started. */
  counts: number[];
  thresholds: number[];
  /** `gc.get_debug()` flags. */
  debug: number;
  /** `len(gc.garbage)`. */
  garbage: number;
  /** `gc.get_freeze_count()`: objects in the permanent generation (never collected). */
  frozen: number;
  /** Number of generations the collector has (3 for 3.8–3.13). */
  generations: number;
  /** 3.14+: the collector is incremental (young generation + increments of the old one). */
  incremental: boolean;
  /**
   * Runner captures only: whether the program's automatic collections came at the same
   * allocations as under plain `python` up to this line, and if not, why (see docs/agent.md).
   */
  schedule?: CollectionSchedule;
}

export interface CollectionSchedule {
  exact: boolean;
  /** One sentence each, for the user. */
  reasons: string[];
}

/** Another thread's CPU time while the heap was read. */
export interface OtherThreadCpu {
  /** `threading.get_ident()` of the thread. */
  ident: number;
  /** Its `threading.Thread` name, or `Thread <ident>`. */
  name: string;
  cpuSeconds: number;
}

/**
 * Other threads keep running while the agent reads the heap (pure Python cannot stop them: the
 * agent only makes them wait longer for the GIL), so a snapshot can mix moments. This is what
 * they did meanwhile.
 */
export interface OtherThreadsActivity {
  /** Wall-clock seconds during which the heap was read. */
  readSeconds: number;
  /** CPU seconds the capturing thread used meanwhile. */
  readCpuSeconds: number;
  /**
   * CPU seconds the other threads running Python code used meanwhile (`measuredBy`
   * `thread-clocks`: each thread's own CPU clock; `process`: where threads have no clock of
   * their own, the process's CPU time minus the capturing thread's).
   */
  cpuSeconds: number;
  /** The process's CPU time minus the capturing thread's: every other thread, Python or not. */
  processCpuSeconds: number;
  measuredBy: 'thread-clocks' | 'process';
  /** The threads that used CPU, busiest first (at most 10). */
  threads: OtherThreadCpu[];
  /** Threads that ended while the heap was read (their CPU time is not counted). */
  ended: number;
  /** Objects whose references changed between two reads of the same capture. */
  changedObjects: number;
  /** The switch interval while the heap was read (seconds). */
  switchInterval: number;
}

/** Contents of the `meta` section. */
export interface SnapshotMeta {
  format: 'python-heap-inspector-snapshot';
  version: number;
  agentVersion: string;
  python: {
    implementation: string;
    version: [number, number, number];
    versionString: string;
    executable: string;
    platform: string;
    pointerSize: number;
  };
  capture: {
    /** Unix time in seconds. */
    time: number;
    pid: number;
    /** Where the capture was taken: the paused frame's position. */
    file: string;
    line: number;
    function: string;
    /** How the capture was triggered: `runner` (the agent's runner), `debugger`, `api`. */
    trigger: 'runner' | 'debugger' | 'api';
    /** Seconds spent capturing (walking the heap), and writing. */
    seconds: number;
    writeSeconds: number;
    /** CPU seconds the capturing thread used, writing excluded (absent from older snapshots). */
    cpuSeconds?: number;
    /** What other threads did while the heap was read (absent from older snapshots). */
    otherThreads?: OtherThreadsActivity;
    /** Which kernel read the heap: `python`, or the native accelerator's name (format 2). */
    kernel?: CaptureKernel;
  };
  gc: GcState;
  counts: {
    nodes: number;
    edges: number;
    tracked: number;
    weakrefs: number;
    roots: number;
    /** Objects the agent left out because they are its own. */
    excludedAgentObjects: number;
  };
  /**
   * Where the capture is less than exact, one sentence each (e.g. attribute names unavailable
   * on this Python version). Shown to the user.
   */
  warnings: string[];
}

/** Contents of the `end` section: proves the file is whole. */
export interface EndSection {
  sections: number;
}

/** `meta.capture.kernel`: which implementation of the agent's kernel read the heap. */
export interface CaptureKernel {
  name: string;
  /** Why the native accelerator was not used, when it was not. */
  reason?: string;
}

/** Format 2: a frame record names its frame by address (0: none); the reader maps it to a node. */
export interface FrameRecordV2 {
  address: number;
  file: string;
  line: number;
  function: string;
}

/** Format 2: a `weakref.finalize` record by addresses (0: absent); the reader maps them to nodes. */
export interface FinalizeRecordV2 {
  address: number;
  referent: number;
  func: number;
  args: number;
  kwargs: number;
  atexit: boolean;
  index: number;
  funcName: string;
}
