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
import type { DominatorChildren, TypeTops } from './retained';
import type { StepperData } from './stepper';

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
  | { type: 'collectionResult'; before: HeapView; stepper: StepperData; after: boolean }
  /** A page of a dominator-tree row's children (answer to `requestDominatorChildren`); null: no such row. */
  | { type: 'dominatorChildren'; requestId: number; page: DominatorChildren | null }
  /** A page of a type's tops (answer to `requestTypeTops`). */
  | { type: 'typeTops'; requestId: number; page: TypeTops };

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
  | { type: 'cancelCollection' }
  /**
   * Rows of the dominator tree the view does not embed: a row's children (`node`: an id,
   * `ROOTS_ROW` or `GARBAGE_ROW`), most retained first, from `offset` (the language server's
   * `heapInspector/retained/children`).
   */
  | {
      type: 'requestDominatorChildren';
      requestId: number;
      node: number;
      offset: number;
      limit: number;
    }
  /** A type's tops, most retained first (`heapInspector/retained/typeTops`). */
  | { type: 'requestTypeTops'; requestId: number; typeName: string; offset: number; limit: number };

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
  'dominatorChildren',
  'typeTops',
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
  'requestDominatorChildren',
  'requestTypeTops',
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
