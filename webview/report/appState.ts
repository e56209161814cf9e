/**
 * What the heap view page holds (app.ts owns it; its parts read and change it): the view and
 * what is known of the heap, what is drawn and how, the selection and its "why alive?" answer.
 * Also the verbs the parts ask of the page.
 */
import type { HeapView } from '../../protocol/heapView';
import type { DrawModel, GroupBy } from '../graph/drawModel';
import type { GraphView } from '../graph/graphView';
import type { Filters } from '../model/filters';
import type { GraphStore } from '../model/graphStore';
import type { PathState } from './whyAlive';

export interface AppState {
  view: HeapView | null;
  /** Everything known of the heap: the view, its embedded neighbourhood, what came since. */
  store: GraphStore | null;
  /** What the canvas draws now. */
  model: DrawModel | null;
  graph: GraphView | null;
  /** Objects to draw (before filters and grouping). */
  shown: Set<number>;
  /** `id:direction` → the objects that expansion added. */
  expansions: Map<string, number[]>;
  /** What was shown before each focus ("Back" returns to it). */
  focusStack: Set<number>[];
  filters: Filters;
  groupBy: GroupBy;
  /** Groups opened into their objects. */
  openGroups: Set<string>;
  /** Object id, or a group's negative draw id. */
  selected: number | null;
  pathState: PathState | null;
  /** The object whose retained set is ringed in the graph (null: none). */
  ringed: number | null;
}

export interface RebuildOptions {
  /** Keep what was drawn where it is (the graph grew or shrank). */
  stable?: boolean;
  fit?: boolean;
  /** Start positions by object id. */
  seed?: Map<number, [number, number]>;
}

/** What the page's parts ask of the page. */
export interface AppActions {
  /** What is shown changed: a new draw model, and everything that depends on it. */
  rebuild(o?: RebuildOptions): void;
  /** Selection, path, search or the stepper changed: the graph's emphasis again. */
  highlightChanged(): void;
  detailsChanged(): void;
  /** Something the panel keeps across reloads changed. */
  stateChanged(): void;
  /** Read to screen readers. */
  announce(text: string): void;
}
