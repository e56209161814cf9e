/**
 * Messages between the extension host and the heap view webview (panel). Every message is a
 * tagged union member; both sides validate what they receive (`isToWebview`, `isFromWebview`) —
 * nothing crosses the boundary untyped.
 *
 * The HTML report uses the same webview code without an extension: there, the data is embedded
 * and the "from webview" requests are answered from it.
 *
 * Hosting the bundle (dist/webview/report.js + report.css) in a panel: the page needs an element
 * `<main id="app">`, the script and style with a nonce, and a CSP that allows
 * `worker-src blob:` (the graph layout runs in a worker made from inlined code; without it the
 * layout runs on the page's thread) and `img-src data: blob:`. The engine answers both requests:
 * `new ViewSession(snapshot, analysis, view)` (server/engine/neighbourhood.ts), then
 * `session.path(node)` for `requestPath` and `session.neighbourhood(node, direction)` for
 * `requestNeighbourhood`. `export` carries what the user saved (webviews cannot download);
 * `openSource` is sent for an allocation site (`ViewNode.allocation`).
 */
import type { HeapView, ViewEdge, ViewNode } from './heapView';

/** A path from a root to an object: "why is this alive?". */
export interface RetentionPath {
  target: number;
  /** From the root (first) to the target (last). `label` is the edge leading to the step's node. */
  steps: { node: ViewNode; label: string }[];
  /** How the root keeps it alive: `sys.modules['app']`, `local x in f()`, `thread Worker`. */
  root: string;
}

/** More of the graph around a node: its referents or referrers, added to what is shown. */
export interface Neighbourhood {
  center: number;
  direction: 'referents' | 'referrers';
  nodes: ViewNode[];
  edges: ViewEdge[];
  /** How many there are in all (only the first ones are sent). */
  total: number;
}

export type ToWebview =
  | { type: 'view'; view: HeapView; title: string; sessionName?: string }
  | { type: 'capturing'; message: string }
  | { type: 'error'; message: string }
  | { type: 'path'; requestId: number; path: RetentionPath | null }
  | { type: 'neighbourhood'; requestId: number; neighbourhood: Neighbourhood }
  | { type: 'focus'; address: string }
  /** The stepper's numbers for the view shown (answer to `requestStepper`). */
  | { type: 'stepper'; requestId: number; data: StepperData }
  /** A real collection is running (or was refused / failed: `state`). */
  | { type: 'collection'; state: 'running' | 'failed' | 'cancelled'; message: string }
  /**
   * The real collection's outcome: `before` is the capture the prediction was made on (shown
   * first, positions kept by address), with its stepper data and the comparison embedded; when
   * the extension could capture again after the collection, a `view` message with that capture
   * follows (the webview animates from one to the other).
   */
  | { type: 'collectionResult'; before: HeapView; stepper: StepperData; after: boolean };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'recapture' }
  | { type: 'requestPath'; requestId: number; node: number }
  | {
      type: 'requestNeighbourhood';
      requestId: number;
      node: number;
      direction: 'referents' | 'referrers';
    }
  | { type: 'openSource'; file: string; line: number }
  | { type: 'stateChanged'; state: PanelState }
  /**
   * Save the current view as an image (webviews cannot download): `svg` data is the SVG text,
   * `png` data is base64. `fileName` is a suggestion (`heap-graph.svg`).
   */
  | { type: 'export'; format: 'svg' | 'png'; fileName: string; data: string }
  /** The stepper's numbers for the view (or, with `nodes`, for those objects only). */
  | { type: 'requestStepper'; requestId: number; nodes?: number[] }
  /** "Run gc.collect(N) for real" in the program the view was captured from. */
  | { type: 'runCollection'; generation: number }
  | { type: 'cancelCollection' };

/** What the panel keeps across hide/show and reloads (getState/setState, serializer). */
export interface PanelState {
  selected: number | null;
  zoom: { x: number; y: number; k: number } | null;
  filters: { hideBuiltins: boolean; hideStdlib: boolean; hideDebugger: boolean };
  search: string;
  /** Objects the user expanded, and in which direction (optional: added later). */
  expanded?: { node: number; direction: 'referents' | 'referrers' }[];
  /** Node positions by address, so a reload or a new capture keeps the layout. */
  positions?: Record<string, [number, number]>;
  /** Drawing aggregated by type or by cycle instead of object by object. */
  groupBy?: 'none' | 'type' | 'cycle';
  /** The collector stepper: open, which gc.collect(N), which phase (0–8). */
  stepper?: { open: boolean; generation: number; phase: number };
}

const TO_WEBVIEW = new Set([
  'view',
  'capturing',
  'error',
  'path',
  'neighbourhood',
  'focus',
  'stepper',
  'collection',
  'collectionResult',
]);
const FROM_WEBVIEW = new Set([
  'ready',
  'recapture',
  'requestPath',
  'requestNeighbourhood',
  'openSource',
  'stateChanged',
  'export',
  'requestStepper',
  'runCollection',
  'cancelCollection',
]);

function tagged(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/** Shallow check of the tag; each handler validates the fields it reads. */
export function isToWebview(value: unknown): value is ToWebview {
  return tagged(value) && TO_WEBVIEW.has(value.type);
}

export function isFromWebview(value: unknown): value is FromWebview {
  return tagged(value) && FROM_WEBVIEW.has(value.type);
}

// --- The collector stepper (docs/stepper.md) ---------------------------------------------------

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
