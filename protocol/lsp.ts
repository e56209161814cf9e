/**
 * Custom requests between the extension (language client) and the language server, which hosts
 * the heap engine: snapshots are parsed and analysed in the server process, never in the
 * extension host.
 */
import type { HeapView } from './heapView';
import type {
  CollectionComparison,
  Neighbourhood,
  RealCollectionRecord,
  RetentionPath,
  StepperData,
} from './messages';
import type { Summary } from './summary';

/** Load a snapshot file into the server; answers its id, summary and first view. */
export const LoadSnapshotRequest = 'heapInspector/loadSnapshot';
export interface LoadSnapshotParams {
  path: string;
  /** Debug session id (or "cli") it belongs to: the server keeps the latest per session. */
  session: string;
}
export interface LoadSnapshotResult {
  snapshotId: string;
  summary: Summary;
  view: HeapView;
}

export const RetentionPathRequest = 'heapInspector/retentionPath';
export interface RetentionPathParams {
  snapshotId: string;
  node: number;
}
export type RetentionPathResult = RetentionPath | null;

export const NeighbourhoodRequest = 'heapInspector/neighbourhood';
export interface NeighbourhoodParams {
  snapshotId: string;
  node: number;
  direction: 'referents' | 'referrers';
  limit?: number;
}
export type NeighbourhoodResult = Neighbourhood;

/** Compare two snapshots of one session (re-capture): what appeared, what went away. */
export const DiffRequest = 'heapInspector/diff';
export interface DiffParams {
  before: string;
  after: string;
}
export interface DiffResult {
  /** Count change per type name, only types that changed. */
  byType: Record<string, { before: number; after: number }>;
  /** Addresses of objects present only after / only before (capped). */
  added: string[];
  removed: string[];
  unreachableBefore: number;
  unreachableAfter: number;
}

/** Release a snapshot's memory in the server. */
export const DisposeSnapshotNotification = 'heapInspector/disposeSnapshot';
export interface DisposeSnapshotParams {
  snapshotId: string;
}

// ---- Live facts (issue 6): the latest capture, next to the code -------------------------------
// The extension says which capture is current (the latest of a session that is still paused
// where it was captured); the server answers questions about a Python document from it.

/** Extension → server: the capture that feeds hovers, decorations, CodeLens and diagnostics. */
export const SetLiveCaptureNotification = 'heapInspector/liveFacts/setCapture';
export interface SetLiveCaptureParams {
  /** A loaded snapshot's id, or null: no live facts. */
  snapshotId: string | null;
}

/** The capture an answer comes from. */
export interface LiveCaptureRef {
  snapshotId: string;
  /** `report() · leaky_pool.py:51`. */
  where: string;
  /** The program ran with tracemalloc on: objects carry the line that allocated them. */
  allocationsRecorded: boolean;
}

/** One object, as a hover describes it. */
export interface LiveObjectFacts {
  address: string;
  /** `module.qualname`. */
  type: string;
  label: string;
  size: number;
  refcount: number;
  /** 0, 1, 2; null when the collector does not track it. */
  generation: number | null;
  /** In a reference cycle (a strongly connected component that loops). */
  inCycle: boolean;
  /** Objects in that cycle (0 when not in one). */
  cycleSize: number;
  /** The next full collection (`gc.collect()`) frees it. */
  unreachable: boolean;
  /** The lowest generation whose collection frees it (`gc.collect(n)`), or null. */
  freedByGeneration: number | null;
  finalizer: 'del' | 'generator' | 'native' | 'finalize' | null;
  /** Its `__del__` already ran (PEP 442: it will not run again). */
  finalized: boolean;
  /** A `weakref.finalize` whose callback keeps this object alive: it never runs before exit. */
  selfDefeating: boolean;
  allocation?: { file: string; line: number };
}

/** Hover on a name (or `a.b.c`) in a frame of the paused stack. */
export const VariableFactsRequest = 'heapInspector/liveFacts/variable';
export interface VariableFactsParams {
  uri: string;
  /** 0-based LSP position. */
  position: { line: number; character: number };
}
export interface VariableFacts {
  capture: LiveCaptureRef;
  expression: string;
  /** The hovered identifier. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** Where the name was found: a frame of the paused stack (0 = the paused frame), or a module's globals. */
  scope:
    | { kind: 'frame'; index: number; function: string; line: number }
    | { kind: 'module'; module: string };
  object: LiveObjectFacts;
  /** Why it is alive: the shortest chain of references from a root, or null (unreachable). */
  path: { root: string; steps: { label: string; type: string }[] } | null;
}
export type VariableFactsResult = VariableFacts | null;

/** Lines of a document that allocated objects the capture found unreachable or stuck. */
export const AllocationSitesRequest = 'heapInspector/liveFacts/allocationSites';
export interface AllocationSitesParams {
  uri: string;
}
export interface AllocationSiteObject {
  address: string;
  type: string;
  label: string;
  unreachable: boolean;
  selfDefeating: boolean;
  finalizer: LiveObjectFacts['finalizer'];
  cycleSize: number;
}
export interface AllocationSite {
  /** 0-based line. */
  line: number;
  /** Objects allocated there that the next collection frees (unreachable). */
  unreachable: number;
  /** Objects allocated there that their own `weakref.finalize` keeps alive. */
  selfDefeating: number;
  /** Count per type name (`module.qualname`). */
  byType: Record<string, number>;
  /** The first objects (at most 20). */
  objects: AllocationSiteObject[];
}
export interface AllocationSitesResult {
  capture: LiveCaptureRef;
  sites: AllocationSite[];
}

/** Per class defined in a document: its instances in the capture (CodeLens). */
export const ClassFactsRequest = 'heapInspector/liveFacts/classes';
export interface ClassFactsParams {
  uri: string;
}
export interface ClassFacts {
  qualname: string;
  /** The class name's range. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  live: number;
  inCycles: number;
  unreachable: number;
  selfDefeating: number;
  /** Instances whose `__del__` (or other finalizer) has not run yet. */
  finalizersPending: number;
  /** An instance to show in the heap graph: the first unreachable one, else the first one. */
  focus: string | null;
}
export interface ClassFactsResult {
  capture: LiveCaptureRef;
  classes: ClassFacts[];
}

/** The collector stepper's numbers for a loaded snapshot's view (or for some of its objects). */
export const StepperDataRequest = 'heapInspector/stepperData';
export interface StepperDataParams {
  snapshotId: string;
  /** Only these objects (added to the view since); default: the view and its context. */
  nodes?: number[];
}
export type StepperDataResult = StepperData;

/**
 * A real `gc.collect(generation)` (what agent/heap_inspector_agent/collect.py recorded in the
 * program, right after the snapshot `snapshotId` was captured) against the snapshot's prediction.
 */
export const CompareCollectionRequest = 'heapInspector/compareCollection';
export interface CompareCollectionParams {
  snapshotId: string;
  generation: number;
  real: RealCollectionRecord;
  /** Collections the collector ran on its own between the capture and this one, per generation. */
  collectionsBetween?: number[];
  via?: CollectionComparison['via'];
}
/** The stepper's data for the snapshot's view, with `collection` set. */
export type CompareCollectionResult = StepperData;
