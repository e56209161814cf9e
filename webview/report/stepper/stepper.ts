/**
 * The collector stepper: CPython's cycle collector working on the captured heap, phase by phase
 * (docs/stepper.md). Pick gc.collect(0), (1) or (2); step forward and back through the nine
 * phases, or play them. Each phase colours the objects it touches on the graph with their
 * numbers (gc_refs, "rescued", "freed"…), explains itself in one sentence with this heap's
 * numbers, and the details panel shows the selected object's refcount, internal references and
 * gc_refs. In a young collection the older-generation objects that refer into it are drawn as the
 * external roots they are.
 *
 * Then the real collection: in VS Code, "Run gc.collect(N) for real" asks the extension to run
 * it in the program (protocol/messages.ts `runCollection`); `heap-inspector step --html` embeds
 * one. Prediction and reality side by side, any mismatch flagged with its objects, and the
 * difference animated on the graph (freed objects fade out; positions are kept by address).
 *
 * This file holds the stepper together: its data, navigation and messages. The parts: phases.ts
 * and fate.ts (what a phase does, pure), panel.ts and phaseText.ts (the controls and the text),
 * details.ts, reality.ts (prediction vs. reality), transition.ts (before/after).
 */
import type { HeapView } from '../../../protocol/heapView';
import type { StepperData } from '../../../protocol/stepper';
import type { Overlay } from '../../graph/highlight';
import { mapStrings, plural, visible } from '../../model/format';
import { h } from '../../ui/dom';
import { stepperDetails } from './details';
import { mergeNumbers, objectsToShow } from './numbers';
import { createPanel } from './panel';
import { afterOverlay, phaseOverlay, PHASE_STYLES, type PhaseTone } from './phases';
import { renderReality } from './reality';
import {
  currentGeneration,
  currentPhase,
  newSession,
  realCollection,
  realityOf,
  type StepperHost,
} from './session';
import { createTransitions } from './transition';
import './stepper.css';

export type { StepperHost } from './session';

export interface StepperState {
  open: boolean;
  generation: number;
  phase: number;
}

export interface Stepper {
  readonly element: HTMLElement;
  /** Prediction vs. reality, placed under the graph. */
  readonly reality: HTMLElement;
  readonly toggle: HTMLButtonElement;
  /** Embedded data (the HTML report), for the view shown. */
  setData(data: StepperData | null): void;
  /** A new view was shown. */
  onView(view: HeapView): void;
  /** A `view` message to hold back while an animation runs (true: it will be shown later). */
  deferView(apply: (fit: boolean) => void): boolean;
  /** What the stepper lays over the graph now, or null when it is closed. */
  overlay(): Overlay<PhaseTone> | null;
  fading(): Set<number>;
  /** The page shows the capture before a real collection while the extension holds the one after. */
  showingOlderCapture(): boolean;
  /** The stepper's part of the details panel for an object, or null. */
  details(id: number): HTMLElement | null;
  collectionMessage(state: 'running' | 'failed' | 'cancelled', message: string): void;
  collectionResult(before: HeapView, data: StepperData, after: boolean): void;
  state(): StepperState;
  restore(state: StepperState | undefined): void;
  keydown(e: KeyboardEvent): boolean;
  open(generation?: number, phase?: number): void;
  close(): void;
}

const PLAY_MS = 2600;
/** Most objects whose numbers one request asks for. */
const ASK_LIMIT = 500;

export function createStepper(host: StepperHost): Stepper {
  const s = newSession();
  const panel = createPanel({
    toggle: () => (s.open ? close() : openStepper()),
    setGeneration,
    go,
    step: (delta) => go(s.phase + delta),
    togglePlay,
    close,
    run() {
      s.failure = null;
      stopPlay();
      host.post({ type: 'runCollection', generation: s.generation });
    },
    stepAfter: () => transitions.stepAfter(),
  });
  const { element, toggle } = panel;
  const realityBox = h('div', { class: 'reality', attrs: { 'data-testid': 'reality' } });
  realityBox.hidden = true;
  const transitions = createTransitions(s, host, {
    element,
    render,
    applyAdded,
    removeAdded,
    ensureData,
  });

  function render(): void {
    panel.render(s, host, overlay());
    renderReality(realityBox, s, host, {
      before: () => transitions.showBefore(),
      after: () => transitions.showAfter(true),
    });
    host.refresh();
  }

  // --- Data -------------------------------------------------------------------------------------
  function setData(raw: StepperData | null): void {
    removeAdded();
    s.asked.clear();
    // Type names and what the finalizers printed come from the program: control and bidi
    // characters shown escaped, as everywhere on the page.
    const d = raw ? mapStrings(raw, visible) : null;
    s.data = d;
    s.index = new Map(d ? d.ids.map((id, i) => [id, i]) : []);
    if (d?.collection && !s.reality) {
      s.reality = {
        comparison: d.collection,
        before: null,
        after: null,
        afterExpected: false,
        showing: 'before',
        hidden: [],
      };
      s.generation = d.collection.generation;
    }
    applyAdded();
    render();
  }

  /** Older-generation objects that refer into drawn examined objects: drawn while stepping a young collection. */
  function applyAdded(): void {
    const g = currentGeneration(s);
    const store = host.store();
    if (!s.open || !s.data || !g || !store || s.reality?.showing === 'after') return;
    // Known first (their references too), then drawn where they reach something drawn.
    host.addObjects(s.data, []);
    const show = objectsToShow(g, s.index, store.out, host.isDrawn);
    host.addObjects(s.data, show);
    // The stepper takes back only what it added (what reaches something drawn stays drawn).
    s.added = show;
  }

  function removeAdded(): void {
    if (s.added.length > 0) host.setHidden(s.added, true);
    s.added = [];
  }

  /** Numbers for objects the view gained since (panel): merged into the data. */
  async function fetchNumbers(id: number): Promise<void> {
    if (s.asked.has(id) || !s.data) return;
    s.asked.add(id);
    const store = host.store();
    const missing = [...(store?.nodes.keys() ?? [])].filter(
      (v) => !s.index.has(v) && !s.asked.has(v),
    );
    for (const v of missing.slice(0, ASK_LIMIT)) s.asked.add(v);
    const extra = await host.request([id, ...missing.slice(0, ASK_LIMIT)]);
    if (!extra || !s.data) return;
    mergeNumbers(s.data, s.index, extra);
    render();
  }

  async function ensureData(): Promise<void> {
    if (s.data || s.loading || host.mode !== 'panel') return;
    s.loading = true;
    render();
    const answer = await host.request();
    s.loading = false;
    if (answer && !s.data) setData(answer);
    else render();
  }

  // --- Navigation -------------------------------------------------------------------------------
  function openStepper(g?: number, p?: number): void {
    s.open = true;
    if (g !== undefined) s.generation = g;
    if (p !== undefined) s.phase = Math.max(0, Math.min(8, p));
    element.hidden = false;
    toggle.setAttribute('aria-pressed', 'true');
    void ensureData();
    applyAdded();
    render();
    host.stateChanged();
  }

  function close(): void {
    s.open = false;
    stopPlay();
    element.hidden = true;
    toggle.setAttribute('aria-pressed', 'false');
    removeAdded();
    render();
    host.stateChanged();
  }

  function setGeneration(g: number): void {
    if (g === s.generation) return;
    removeAdded();
    s.generation = g;
    applyAdded();
    render();
    announcePhase();
    host.stateChanged();
  }

  function go(p: number): void {
    const q = Math.max(0, Math.min(8, p));
    if (q === s.phase && s.open) return;
    s.phase = q;
    if (!s.open) openStepper();
    render();
    announcePhase();
    host.stateChanged();
  }

  function togglePlay(): void {
    if (s.playing) return stopPlay();
    if (s.phase >= 8) s.phase = 0;
    s.playing = setInterval(() => {
      if (s.phase >= 8) return stopPlay();
      go(s.phase + 1);
    }, PLAY_MS);
    render();
  }

  function stopPlay(): void {
    if (s.playing) clearInterval(s.playing);
    s.playing = null;
    render();
  }

  function announcePhase(): void {
    const p = currentPhase(s);
    if (p) host.announce(`Phase ${p.step} of 9, ${p.title}: ${p.explanation}`);
  }

  // --- What the stepper lays over the graph -----------------------------------------------------
  function overlay(): Overlay<PhaseTone> | null {
    if (!s.open) return null;
    const store = host.store();
    if (!store) return null;
    if (s.reality?.showing === 'after')
      return afterOverlay(store.nodes.values(), s.reality.comparison);
    const p = currentPhase(s);
    if (!s.data || !p) {
      // No numbers yet: nothing is marked, and the rest steps back all the same.
      return { rings: new Map(), tags: new Map(), edges: new Map(), styles: PHASE_STYLES };
    }
    return phaseOverlay({
      data: s.data,
      index: s.index,
      generation: s.generation,
      phase: p.id,
      real: realCollection(s),
      objects: store,
    });
  }

  // --- Messages ---------------------------------------------------------------------------------
  function collectionMessage(state: 'running' | 'failed' | 'cancelled', message: string): void {
    if (state === 'running') {
      s.running = { message: visible(message) };
      s.failure = null;
    } else {
      s.running = null;
      s.failure = { state, message: visible(message) };
    }
    if (!s.open) openStepper();
    render();
  }

  function collectionResult(before: HeapView, d: StepperData, after: boolean): void {
    s.running = null;
    s.failure = null;
    stopPlay();
    removeAdded();
    s.reality = null;
    s.data = null;
    s.index = new Map();
    s.open = true;
    element.hidden = false;
    toggle.setAttribute('aria-pressed', 'true');
    s.expect = 'before';
    host.showView(before);
    s.expect = null;
    setData(d);
    const r = realityOf(s);
    if (r && d.collection) {
      r.before = before;
      r.afterExpected = after;
      s.generation = d.collection.generation;
      s.phase = 8;
      render();
      host.announce(
        d.collection.match
          ? `gc.collect(${d.collection.generation}) ran: the collector found exactly the ${plural(d.collection.collected.count, 'predicted object')}`
          : `gc.collect(${d.collection.generation}) ran: MISMATCH with the prediction`,
      );
      if (!after) {
        // No capture will follow (the runner's program is gone): animate to what is left.
        setTimeout(() => transitions.showAfter(true), 400);
      }
    }
    host.stateChanged();
  }

  function onView(view: HeapView): void {
    if (s.expect === 'before' || s.expect === 'after') {
      // The stepper shows this one itself (before/after a real collection).
      s.added = [];
      return;
    }
    // Any other new capture: the stepper starts over on it.
    s.added = [];
    s.reality = null;
    s.data = null;
    s.index = new Map();
    s.fading = new Set();
    element.dataset.view = view.summary.capture.time.toString();
    if (s.open) void ensureData();
    render();
  }

  return {
    element,
    reality: realityBox,
    toggle,
    setData,
    onView,
    deferView: (apply) => transitions.deferView(apply),
    overlay,
    fading: () => s.fading,
    showingOlderCapture: () =>
      s.reality !== null &&
      (s.reality.after !== null || s.reality.afterExpected) &&
      s.reality.showing === 'before',
    details: (id) => stepperDetails(s, host, id, (v) => void fetchNumbers(v)),
    collectionMessage,
    collectionResult,
    state: () => ({ open: s.open, generation: s.generation, phase: s.phase }),
    restore(state) {
      if (!state) return;
      s.generation = [0, 1, 2].includes(state.generation) ? state.generation : 2;
      s.phase = Math.max(0, Math.min(8, Math.floor(state.phase)));
      if (state.open) openStepper();
    },
    keydown(e) {
      if (!s.open) return false;
      if (e.key === '.') go(s.phase + 1);
      else if (e.key === ',') go(s.phase - 1);
      else return false;
      return true;
    },
    open: openStepper,
    close,
  };
}
