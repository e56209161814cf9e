/**
 * The collector stepper's state, shared by its parts (stepper.ts wires them): what is open and
 * shown, the numbers, the real collection and its before/after, and the animation between them.
 * Also what the stepper needs from the page (StepperHost, implemented by app.ts).
 */
import type { HeapView } from '../../../protocol/heapView';
import type { FromWebview } from '../../../protocol/messages';
import type {
  CollectionComparison,
  StepperData,
  StepperGeneration,
  StepperPhaseInfo,
} from '../../../protocol/stepper';
import type { GraphStore } from '../../model/graphStore';

/** What the stepper needs from the page (app.ts). */
export interface StepperHost {
  readonly mode: 'report' | 'panel';
  store(): GraphStore | null;
  view(): HeapView | null;
  isDrawn(id: number): boolean;
  /** Makes objects known (older-generation roots) and draws `show` among them. */
  addObjects(data: StepperData, show: number[]): void;
  /** Draws these objects no more (the stepper had added them), or again (`hidden` false). */
  setHidden(ids: Iterable<number>, hidden: boolean): void;
  /** The highlight or the details changed: redraw them. */
  refresh(): void;
  select(id: number): void;
  /** Shows another capture (positions kept by address), fitted in the graph. */
  showView(view: HeapView): void;
  setFade(alpha: number): void;
  post(message: FromWebview): void;
  /** Panel: asks the extension for the view's numbers. */
  request(nodes?: number[]): Promise<StepperData | null>;
  announce(text: string): void;
  stateChanged(): void;
}

/** A real collection shown beside the prediction, and what it belongs to. */
export interface Reality {
  comparison: CollectionComparison;
  /** The capture the prediction was made on (once it is known to the page). */
  before: HeapView | null;
  /** The capture after the collection (VS Code, paused program), once it arrived. */
  after: HeapView | null;
  /** An after-capture is on its way. */
  afterExpected: boolean;
  showing: 'before' | 'after';
  /** Objects hidden to show "after" without a capture of it. */
  hidden: number[];
}

export interface StepperSession {
  open: boolean;
  /** gc.collect(generation): 0, 1 or 2. */
  generation: number;
  /** The phase shown, 0…8. */
  phase: number;
  playing: ReturnType<typeof setInterval> | null;
  data: StepperData | null;
  /** Object id → its column in `data`. */
  index: Map<number, number>;
  /** The panel asked the extension for the numbers and waits. */
  loading: boolean;
  /** Objects the stepper drew (older roots, cleared weak references), to take back. */
  added: number[];
  /** Objects whose numbers were asked for already. */
  asked: Set<number>;
  reality: Reality | null;
  /** A real collection running in the program (panel). */
  running: { message: string } | null;
  failure: { state: 'failed' | 'cancelled'; message: string } | null;
  /** Objects fading out (the collector freed them). */
  fading: Set<number>;
  animation: { frame: number; done: () => void } | null;
  /** A view that arrived during an animation, shown when it ends. */
  deferred: ((fit: boolean) => void) | null;
  /** The next view is one the stepper shows itself (before/after a real collection). */
  expect: 'before' | 'after' | null;
}

export function newSession(): StepperSession {
  return {
    open: false,
    generation: 2,
    phase: 0,
    playing: null,
    data: null,
    index: new Map(),
    loading: false,
    added: [],
    asked: new Set(),
    reality: null,
    running: null,
    failure: null,
    fading: new Set(),
    animation: null,
    deferred: null,
    expect: null,
  };
}

export function currentGeneration(s: StepperSession): StepperGeneration | null {
  return s.data?.generations[s.generation] ?? null;
}

export function currentPhase(s: StepperSession): StepperPhaseInfo | null {
  return currentGeneration(s)?.phases[s.phase] ?? null;
}

/** The real collection, when it ran the generation shown. */
export function realCollection(s: StepperSession): CollectionComparison | null {
  const c = s.reality?.comparison;
  return c && c.generation === s.generation ? c : null;
}

/** `s.reality` as it is now (TypeScript keeps a narrowed property across calls that change it). */
export function realityOf(s: StepperSession): Reality | null {
  return s.reality;
}
