/**
 * The JSON summary (`heap-inspector snapshot --json`, `heap-inspector report --json`).
 * Type names are `module.qualname` (`__main__.Node`, `builtins.dict`).
 */
import type { RetainedSummary } from './retained';
import type { GcState, OtherThreadCpu } from './snapshot';

/** A count with its breakdown by type name. */
export interface TypeCount {
  count: number;
  byType: Record<string, number>;
}

/** What one collection would find unreachable. */
export interface CollectionPrediction extends TypeCount {
  /** The generation collected: 0, 1 or 2 (2 = full collection, `gc.collect()`). */
  generation: number;
  /** Shallow bytes of the unreachable objects. */
  bytes: number;
  /** Objects among them whose finalizer would run (type has one and it has not run yet). */
  finalizers: TypeCount;
  /** Weak references to them that would be cleared, and how many callbacks would fire. */
  weakrefsCleared: number;
  callbacksFired: number;
  /** `weakref.finalize` callbacks that would fire. */
  finalizeCallbacksFired: number;
}

export interface FinalizeEntrySummary {
  /** Address of the `weakref.finalize` object, hex. */
  address: string;
  referentType: string | null;
  referentAddress: string | null;
  func: string;
  atexit: boolean;
  /** The callback or its arguments keep the referent alive: it can never run before exit. */
  selfDefeating: boolean;
  /** The next full collection frees the referent, so the callback fires. */
  willFire: boolean;
}

export interface CycleSummary {
  /** Number of objects in the strongly connected component. */
  size: number;
  /** Every object of the cycle is unreachable: the next full collection frees it. */
  unreachable: boolean;
  byType: Record<string, number>;
  /** Objects in it whose finalizer is pending. */
  finalizers: number;
  /** Up to 20 member addresses, hex. */
  addresses: string[];
}

export interface Summary {
  schema: 'python-heap-inspector-summary';
  version: 1;
  capture: {
    file: string;
    line: number;
    function: string;
    python: string;
    pid: number;
    time: number;
  };
  heap: {
    objects: number;
    tracked: number;
    references: number;
    bytes: number;
    /** Tracked objects per generation. */
    byGeneration: number[];
  };
  /** What a full `gc.collect()` started at the capture point would find unreachable. */
  unreachable: TypeCount & { bytes: number };
  finalizers: {
    /** Objects with a pending finalizer among `unreachable`. */
    del: TypeCount;
    /**
     * Those of `del` whose class sets `__del__ = None` (absent when none): their finalizer still
     * runs, and raises TypeError ("Exception ignored" on the program's stderr).
     */
    delIsNone?: TypeCount;
    weakrefFinalize: {
      pending: number;
      selfDefeating: number;
      willFire: number;
      atexit: number;
      entries: FinalizeEntrySummary[];
    };
  };
  weakrefs: {
    total: number;
    dead: number;
    /** Weak references whose referent the next full collection frees. */
    cleared: number;
    callbacksFired: number;
  };
  /** Per generation: what `gc.collect(0)`, `(1)`, `(2)` would find unreachable. */
  generations: CollectionPrediction[];
  /** Reference cycles holding unreachable objects, largest first. */
  cycles: CycleSummary[];
  gc: GcState;
  warnings: string[];
  /**
   * Other threads that ran while the heap was read. Absent when the snapshot does not say
   * (captured by an older agent).
   */
  otherThreads?: OtherThreadsSummary;
  /**
   * What holds the memory (protocol/retained.ts, docs/retained.md): the objects retaining the
   * most bytes (`top`, freed by the next collection if every reference to them went), leak
   * suspects, and the heap's totals split between live and garbage. Absent from summaries made
   * before it existed.
   */
  retained?: RetainedSummary;
}

export interface OtherThreadsSummary {
  /** CPU seconds other threads running Python code used while the heap was read. */
  cpuSeconds: number;
  /** Wall-clock seconds the heap was being read. */
  readSeconds: number;
  /** The busiest of them, busiest first. */
  threads: OtherThreadCpu[];
  /** Threads that ended meanwhile. */
  ended: number;
  /** Objects seen to change between two reads of the same capture. */
  changedObjects: number;
  /**
   * Objects they let go of during the capture: freed by reference counting when it ends, left
   * out of what the collector frees. Absent from summaries made before it was counted.
   */
  releasedObjects?: number;
  /** Whether counts and references may come from different moments (the notice is shown). */
  mayMixMoments: boolean;
  /** One sentence for the user when `mayMixMoments`, else null. */
  notice: string | null;
}
