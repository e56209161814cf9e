/**
 * The collector stepper's model (docs/stepper.md): the phases of `gc.collect(N)` on a capture,
 * per object, and a real collection compared with the prediction. Made by the engine
 * (server/engine/collectorPhases.ts, stepComparison.ts), sent by the language server, embedded
 * by `heap-inspector step --html`, drawn by the webview's stepper.
 *
 * `RealCollectionRecord` is what the agent writes about a real collection
 * (agent/heap_inspector_agent/collect.py); it crosses a process, and in a debug session a
 * debugger, so it is checked once where it is compared: `collectionRecordProblem`.
 */
import type { ViewEdge, ViewNode } from './heapView';

export type StepperPhaseId =
  | 'copy-refcounts'
  | 'subtract-internal'
  | 'tentatively-unreachable'
  | 'rescued'
  | 'unreachable'
  | 'weakrefs'
  | 'finalizers'
  | 'resurrection'
  | 'freed';

/** One phase of `gc.collect(N)` on the whole heap (server/engine/collectorPhases.ts). */
export interface StepperPhaseInfo {
  id: StepperPhaseId;
  step: number;
  title: string;
  /** One sentence, with this heap's numbers. */
  explanation: string;
  /** Objects it touches in the whole heap; null when only the real run can tell (resurrection). */
  count: number | null;
  byType: Record<string, number>;
}

/** Bits of `StepperGeneration.flags`, per object. */
export const StepperFlag = {
  /** Tracked, in generations 0..N: the collection examines it. */
  Examined: 1,
  /** Examined and left with gc_refs 0 after the internal references are subtracted. */
  Tentative: 2,
  /** The collection finds it unreachable. */
  Unreachable: 4,
  /** Its finalizer (`__del__`, a generator's `finally`) runs in this collection. */
  Finalizer: 8,
  /** A weak reference that this collection clears (its referent is unreachable). */
  WeakrefCleared: 16,
  /** Tracked, in an older generation, and refers to examined objects: an outside reference. */
  OlderRoot: 32,
  /** A cleared weak reference that is itself alive: its callback is called. */
  CallbackFires: 64,
  /** Examined and referenced from outside the examined objects (gc_refs > 0): a starting point of survival. */
  External: 128,
} as const;

/** One generation's collection, for the objects `StepperData.ids` lists (parallel arrays). */
export interface StepperGeneration {
  generation: number;
  phases: StepperPhaseInfo[];
  /** References each object receives from examined objects (subtracted in phase 2). */
  internal: number[];
  /** refcount − internal: what is left when phase 2 ends (0 for objects not examined). */
  gcRefs: number[];
  /** References each object receives from tracked objects of older generations (they count as outside). */
  fromOlder: number[];
  /** StepperFlag bits. */
  flags: number[];
  /** Of `ids` and `StepperData.nodes`: older-generation objects that refer to examined objects. */
  olderRoots: number[];
  /** References from older generations into the examined objects, in the whole heap. */
  olderReferences: number;
  /** Of `ids` and `StepperData.nodes`: weak references to the view's objects this collection clears. */
  clearedWeakrefs?: number[];
}

/** What the stepper needs, bounded: the view's objects (and its embedded neighbourhood). */
export interface StepperData {
  ids: number[];
  /**
   * Objects the view lacks that the stepper shows: older-generation objects that refer to
   * examined objects of the view (the external roots of a young collection), and the weak
   * references to the view's objects that a collection clears, with those references.
   */
  nodes: ViewNode[];
  edges: ViewEdge[];
  /** CPython 3.14+'s incremental collector: gc.collect(0)/(1) are not "generations 0..N". */
  incremental: boolean;
  /** gc.collect(0), gc.collect(1), gc.collect(2). */
  generations: StepperGeneration[];
  /** A real collection at the capture's point, compared with the prediction. */
  collection?: CollectionComparison;
}

/** What agent/heap_inspector_agent/collect.py records about a real `gc.collect(N)`. */
export interface RealCollectionRecord {
  generation: number;
  returned: number;
  collected: { count: number; byType: Record<string, number>; addresses: string[] };
  finalizers: { count: number; byType: Record<string, number> };
  resurrected: string[];
  finalizeCallbacksFired: string[];
  garbageAdded: number;
  output: string;
  gcWasEnabled: boolean;
  seconds: number;
}

export interface TypeCountWithAddresses {
  count: number;
  byType: Record<string, number>;
  addresses: string[];
}

/** The prediction for `gc.collect(generation)` against what the collector itself reported. */
export interface CollectionComparison {
  generation: number;
  capture: { file: string; line: number; function: string; python: string };
  phases: StepperPhaseInfo[];
  predicted: TypeCountWithAddresses;
  /** What the collector itself found unreachable (gc.DEBUG_COLLECTABLE). */
  collected: TypeCountWithAddresses;
  /** The collector found exactly the predicted objects (compared by address: same process). */
  match: boolean;
  mismatch: {
    onlyPredicted: { address: string; type: string }[];
    onlyCollected: { address: string; type: string }[];
  };
  finalizers: { predicted: Record<string, number>; ran: Record<string, number> };
  finalizeCallbacks: { predicted: string[]; fired: string[] };
  resurrected: string[];
  returned: number;
  gcWasEnabled: boolean;
  finalizerOutput: string;
  /** Things the user should know about this run (3.14's incremental collector, …). */
  notes: string[];
  /**
   * Collections that ran between the capture and this one (per generation), when known and not
   * zero: the capture no longer described the heap exactly (a mismatch is then expected).
   */
  collectionsBetween?: number[];
  /** How the collection ran: in the paused debuggee, or by running the program again to the line. */
  via?: 'debugger' | 'runner' | 'cli';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isCountsByType(value: unknown): value is Record<string, number> {
  return isObject(value) && Object.values(value).every(isCount);
}

/**
 * What is wrong with `value` as the record of `gc.collect(generation)`, in a few words naming the
 * field (`collected.addresses is not a list of strings`), or null when it is one. Checks every
 * field the comparison reads.
 */
export function collectionRecordProblem(value: unknown, generation: number): string | null {
  if (!isObject(value)) return 'it is not an object';
  if (typeof value.generation !== 'number') return 'generation is not a number';
  if (value.generation !== generation) {
    return `it is the record of gc.collect(${value.generation}), not gc.collect(${generation})`;
  }
  if (!isCount(value.returned)) return 'returned is not a count';
  const collected = value.collected;
  if (!isObject(collected)) return 'collected is not an object';
  if (!isCount(collected.count)) return 'collected.count is not a count';
  if (!isCountsByType(collected.byType)) return 'collected.byType is not counts by type';
  if (!isStrings(collected.addresses)) return 'collected.addresses is not a list of strings';
  const finalizers = value.finalizers;
  if (!isObject(finalizers) || !isCountsByType(finalizers.byType)) {
    return 'finalizers.byType is not counts by type';
  }
  if (!isStrings(value.resurrected)) return 'resurrected is not a list of strings';
  if (!isStrings(value.finalizeCallbacksFired)) {
    return 'finalizeCallbacksFired is not a list of strings';
  }
  if (typeof value.output !== 'string') return 'output is not a string';
  if (typeof value.gcWasEnabled !== 'boolean') return 'gcWasEnabled is not a boolean';
  return null;
}
