/**
 * The requests between the extension (language client) and the language server beyond standard
 * LSP, each one typed object that both ends and the tests use. The server hosts the heap engine:
 * snapshots are parsed and analysed in its process, never in the extension host.
 *
 * Live facts are standard LSP where LSP has the feature: `textDocument/hover` on a name of the
 * paused program and `textDocument/codeLens` on its classes, from the capture the extension
 * makes current (`SetLiveCaptureNotification`). Only the allocation-site gutter decorations have
 * no LSP counterpart (`AllocationSitesRequest`).
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { HeapView } from './heapView';
import type { Neighbourhood, RetentionPath } from './messages';
import type { DominatorChildren, RetainedNotion, RetainedSet, TypeTops } from './retained';
import type { SnapshotMeta } from './snapshot';
import type { CollectionComparison, StepperData } from './stepper';
import type { Summary } from './summary';

// ---- snapshots ---------------------------------------------------------------------------------

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
/** Load a snapshot file into the server; answers its id, summary and first view. */
export const LoadSnapshotRequest = new RequestType<LoadSnapshotParams, LoadSnapshotResult, void>(
  'heapInspector/loadSnapshot',
);

export interface RetentionPathParams {
  snapshotId: string;
  node: number;
}
export type RetentionPathResult = RetentionPath | null;
/** "Why is this alive?": the shortest path from a root to the object. */
export const RetentionPathRequest = new RequestType<RetentionPathParams, RetentionPathResult, void>(
  'heapInspector/retentionPath',
);

export interface NeighbourhoodParams {
  snapshotId: string;
  node: number;
  direction: 'referents' | 'referrers';
  limit?: number;
}
export type NeighbourhoodResult = Neighbourhood;
export const NeighbourhoodRequest = new RequestType<NeighbourhoodParams, NeighbourhoodResult, void>(
  'heapInspector/neighbourhood',
);

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
/** Compare two snapshots of one session (re-capture): what appeared, what went away. */
export const DiffRequest = new RequestType<DiffParams, DiffResult, void>('heapInspector/diff');

export interface DisposeSnapshotParams {
  snapshotId: string;
}
/** Release a snapshot's memory in the server. */
export const DisposeSnapshotNotification = new NotificationType<DisposeSnapshotParams>(
  'heapInspector/disposeSnapshot',
);

export interface FocusViewParams {
  snapshotId: string;
  /** `hex(id(obj))` (`0x7f…`) or `id(obj)` as decimal text. */
  address: string;
  /** How many of its referents to add (default 20). */
  referents?: number;
}
export interface FocusViewResult {
  /** The object's node, or null when the snapshot has no object at that address. */
  node: number | null;
  view: HeapView;
  path: RetentionPath | null;
}
/**
 * The first view of a snapshot plus one object (by its address, `id()`), its path from a root
 * and its referents: "Inspect in Heap Graph" on a variable, "Show in Heap Graph" in a hover.
 */
export const FocusViewRequest = new RequestType<FocusViewParams, FocusViewResult, void>(
  'heapInspector/focusView',
);

export interface SnapshotMetaParams {
  snapshotId: string;
}
export type SnapshotMetaResult = SnapshotMeta;
/** The snapshot's own record (`meta` section): capture time, warnings, counts, Python. */
export const SnapshotMetaRequest = new RequestType<SnapshotMetaParams, SnapshotMetaResult, void>(
  'heapInspector/snapshotMeta',
);

// ---- what holds the memory: the dominator tree, on demand ----------------------------------------
// The first view (`LoadSnapshotResult.view.retained`) holds the summary's part, the type table
// and the largest rows of the tree; these requests page through the rest (protocol/retained.ts,
// docs/retained.md). Row ids are node ids, or `ROOTS_ROW` / `GARBAGE_ROW`.

export interface DominatorChildrenParams {
  snapshotId: string;
  /** A node id, `ROOTS_ROW` (-1) or `GARBAGE_ROW` (-2). */
  node: number;
  /** First child to answer (default 0). */
  offset?: number;
  /** How many (default 200, at most 2000). */
  limit?: number;
}
/** The row's children in the dominator tree, most retained bytes first; null: no such row. */
export type DominatorChildrenResult = DominatorChildren | null;
export const DominatorChildrenRequest = new RequestType<
  DominatorChildrenParams,
  DominatorChildrenResult,
  void
>('heapInspector/retained/children');

export interface TypeTopsParams {
  snapshotId: string;
  /** `module.qualname`, as in `RetainedTypeRow.type`. */
  type: string;
  offset?: number;
  limit?: number;
}
export type TypeTopsResult = TypeTops;
/**
 * The "tops" of a type — its objects no other object of the type dominates — most retained bytes
 * first: a type row of the table, expanded into the dominator tree.
 */
export const TypeTopsRequest = new RequestType<TypeTopsParams, TypeTopsResult, void>(
  'heapInspector/retained/typeTops',
);

export interface RetainedSetParams {
  snapshotId: string;
  node: number;
  /** Default `nextCollection`. */
  notion?: RetainedNotion;
  /** Most member ids to list (default and at most 100,000); the sizes count every member. */
  limit?: number;
}
export type RetainedSetResult = RetainedSet | null;
/** What an object retains: size, members by type, member ids (to highlight); null: no such object. */
export const RetainedSetRequest = new RequestType<RetainedSetParams, RetainedSetResult, void>(
  'heapInspector/retained/set',
);

// ---- live facts: the current capture, next to the code -----------------------------------------
// The extension says which capture is current (the latest of a session that is still paused
// where it was captured, or of the agent's runner); the server answers hovers, CodeLens and
// allocation sites about a Python document from it, and adds its facts to lint diagnostics.

export interface SetLiveCaptureParams {
  /** A loaded snapshot's id, or null: no live facts. */
  snapshotId: string | null;
}
/** Extension → server: the capture that feeds hovers, decorations, CodeLens and diagnostics. */
export const SetLiveCaptureNotification = new NotificationType<SetLiveCaptureParams>(
  'heapInspector/liveFacts/setCapture',
);

/** The capture an answer comes from. */
export interface LiveCaptureRef {
  snapshotId: string;
  /** `report() · leaky_pool.py:51`. */
  where: string;
  /** The program ran with tracemalloc on: objects carry the line that allocated them. */
  allocationsRecorded: boolean;
}

/** The finalizer an object has: `__del__`, a generator's `finally`, a native one, `weakref.finalize`. */
export type FinalizerKind = 'del' | 'generator' | 'native' | 'finalize' | null;

export interface AllocationSiteObject {
  address: string;
  type: string;
  label: string;
  unreachable: boolean;
  selfDefeating: boolean;
  finalizer: FinalizerKind;
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
  /** The text shown after the line. */
  annotation: string;
  /** The decoration's hover (Markdown with `SHOW_IN_GRAPH_COMMAND` links). */
  hover: string;
}
export interface AllocationSitesParams {
  uri: string;
}
export interface AllocationSitesResult {
  capture: LiveCaptureRef;
  sites: AllocationSite[];
}
/**
 * Lines of a document that allocated objects the current capture found unreachable or stuck, for
 * the gutter decorations; null when no capture is current or it knows nothing of the document.
 */
export const AllocationSitesRequest = new RequestType<
  AllocationSitesParams,
  AllocationSitesResult | null,
  void
>('heapInspector/liveFacts/allocationSites');

/**
 * The extension's command that selects an object in the heap view of a capture. The server
 * links to it from hovers and CodeLens, with one `ShowInGraphArgs` argument; the language client
 * trusts Markdown command links to it (and to nothing else).
 */
export const SHOW_IN_GRAPH_COMMAND = 'heapInspector.showInGraph';
export interface ShowInGraphArgs {
  snapshotId: string;
  address: string;
}

// ---- the collector stepper ---------------------------------------------------------------------

export interface StepperDataParams {
  snapshotId: string;
  /** Only these objects (added to the view since); default: the view and its context. */
  nodes?: number[];
}
export type StepperDataResult = StepperData;
/** The collector stepper's numbers for a loaded snapshot's view (or for some of its objects). */
export const StepperDataRequest = new RequestType<StepperDataParams, StepperDataResult, void>(
  'heapInspector/stepperData',
);

export interface CompareCollectionParams {
  snapshotId: string;
  generation: number;
  /**
   * What agent/heap_inspector_agent/collect.py recorded, as it arrived: the server checks it
   * (protocol/stepper.ts `collectionRecordProblem`) and refuses what is not such a record.
   */
  real: unknown;
  /**
   * `gc.get_stats()` collection counts per generation right after the capture and right after
   * the real collection, when known (a debug session): the server tells from them whether the
   * collector ran on its own in between, which makes the capture out of date.
   */
  gcCollections?: { atCapture: number[]; afterCollection: number[] };
  via?: CollectionComparison['via'];
}
/** The stepper's data for the snapshot's view, with `collection` set. */
export type CompareCollectionResult = StepperData;
/**
 * A real `gc.collect(generation)`, run in the program right after the snapshot `snapshotId` was
 * captured, against the snapshot's prediction.
 */
export const CompareCollectionRequest = new RequestType<
  CompareCollectionParams,
  CompareCollectionResult,
  void
>('heapInspector/compareCollection');

// ---- export ------------------------------------------------------------------------------------

export interface ExportHeapsnapshotParams {
  snapshotId: string;
  /** Absolute path of the file to write (replaced whole, never left half-written). */
  path: string;
}
export interface ExportHeapsnapshotResult {
  path: string;
  /** The snapshot's objects; `nodes` adds the synthetic ones (roots, groups, allocation sites). */
  objects: number;
  nodes: number;
  edges: number;
  /** Objects the next collection frees (written detached, named `… (unreachable…)`). */
  unreachable: number;
  bytes: number;
  seconds: number;
}
/** Write a loaded snapshot as a V8 `.heapsnapshot` file (docs/export.md), in the server's process. */
export const ExportHeapsnapshotRequest = new RequestType<
  ExportHeapsnapshotParams,
  ExportHeapsnapshotResult,
  void
>('heapInspector/exportHeapsnapshot');
