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
 */
import type { HeapView, ViewNode } from '../../../protocol/heapView';
import {
  StepperFlag,
  type CollectionComparison,
  type FromWebview,
  type StepperData,
  type StepperGeneration,
} from '../../../protocol/messages';
import { h, type Child } from '../../ui/dom';
import {
  displayType,
  formatCount,
  mapStrings,
  plural,
  sortedByType,
  visible,
} from '../../model/format';
import type { Overlay } from '../../graph/highlight';
import type { GraphStore } from '../../model/graphStore';
import { icon, type CodiconName } from '../../ui/icons/icon';
import { PHASE_STYLES, phaseTouches, type PhaseTone } from './phases';

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
  highlight(): Overlay<PhaseTone> | null;
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
const FADE_MS = 1300;

const PHASE_LEGEND: Record<string, [PhaseTone, string][]> = {
  'copy-refcounts': [
    ['examined', 'examined: gc_refs = refcount'],
    ['older', 'older generation: not examined'],
  ],
  'subtract-internal': [
    ['internal', 'references between examined objects, subtracted'],
    ['older', 'from an older generation: not subtracted'],
  ],
  'tentatively-unreachable': [
    ['tentative', 'gc_refs 0: tentatively unreachable'],
    ['external', 'gc_refs > 0: referenced from outside'],
    ['older', 'older generation'],
  ],
  rescued: [
    ['external', 'referenced from outside'],
    ['rescued', 'rescued: reachable from those'],
    ['tentative', 'still gc_refs 0'],
  ],
  unreachable: [
    ['unreachable', 'unreachable'],
    ['external', 'kept by this collection'],
    ['older', 'older generation'],
  ],
  weakrefs: [
    ['weakref', 'weak reference cleared'],
    ['unreachable', 'unreachable'],
  ],
  finalizers: [
    ['finalizer', 'finalizer runs'],
    ['unreachable', 'unreachable'],
  ],
  resurrection: [
    ['finalizer', 'may be resurrected by its finalizer'],
    ['survived', 'resurrected (the real run)'],
  ],
  freed: [
    ['freed', 'freed'],
    ['survived', 'survived (resurrected)'],
    ['mismatch', 'prediction ≠ reality'],
  ],
};

function flagOf(g: StepperGeneration, i: number, flag: number): boolean {
  return (g.flags[i] & flag) !== 0;
}

function typeText(byType: Record<string, number>, limit = 3): string {
  const entries = sortedByType(byType);
  if (entries.length === 0) return 'nothing';
  const shown = entries.slice(0, limit).map(([t, n]) => `${formatCount(n)} ${displayType(t)}`);
  if (entries.length > limit) shown.push(`${entries.length - limit} more types`);
  return shown.join(', ');
}

function countOf(byType: Record<string, number>): number {
  return Object.values(byType).reduce((a, b) => a + b, 0);
}

function finalizerVerb(n: ViewNode | undefined): string {
  switch (n?.finalizer) {
    case 'generator':
      return 'finally runs';
    case 'native':
      return 'finalizer runs';
    default:
      return '__del__ runs';
  }
}

export function createStepper(host: StepperHost): Stepper {
  let open = false;
  let generation = 2;
  let phase = 0;
  let playing: ReturnType<typeof setInterval> | null = null;
  let data: StepperData | null = null;
  let index = new Map<number, number>();
  let loading = false;
  let added: number[] = [];
  /** The real collection shown, and what it belongs to. */
  let reality: {
    comparison: CollectionComparison;
    before: HeapView | null;
    /** The capture after the collection (VS Code, paused program), once it arrived. */
    after: HeapView | null;
    /** An after-capture is on its way. */
    afterExpected: boolean;
    showing: 'before' | 'after';
    /** Objects hidden to show "after" without a capture of it. */
    hidden: number[];
  } | null = null;
  /** `reality` as it is now (TypeScript narrows the variable across calls that change it). */
  const current = () => reality;
  let running: { message: string } | null = null;
  let failure: { state: 'failed' | 'cancelled'; message: string } | null = null;
  let fadingIds = new Set<number>();
  let animation: { frame: number; done: () => void } | null = null;
  let deferred: ((fit: boolean) => void) | null = null;
  let expect: 'before' | 'after' | null = null;

  // --- Skeleton ---------------------------------------------------------------------------------
  const toggle = h(
    'button',
    {
      class: 'tool with-text',
      attrs: {
        type: 'button',
        title: 'Step through a gc.collect() on this heap, phase by phase',
        'aria-label': 'Step through gc.collect()',
        'aria-pressed': 'false',
        'data-testid': 'stepper-toggle',
      },
      on: { click: () => (open ? close() : openStepper()) },
    },
    icon('debug-step-over'),
    h('span', null, 'Step gc.collect()'),
  );
  const element = h('section', {
    class: 'stepper',
    attrs: { 'data-testid': 'stepper', 'aria-label': 'Collector stepper', hidden: true },
  });

  const generationButtons = [0, 1, 2].map((g) =>
    h(
      'button',
      {
        class: 'seg',
        attrs: {
          type: 'button',
          'aria-pressed': 'false',
          'data-testid': `stepper-gen-${g}`,
          title:
            g === 2
              ? 'gc.collect() / gc.collect(2): a full collection, every generation'
              : `gc.collect(${g}): generations 0–${g} only; older ones count as outside`,
        },
        on: { click: () => setGeneration(g) },
      },
      String(g),
    ),
  );
  const control = (
    name: CodiconName,
    label: string,
    testId: string,
    onClick: () => void,
  ): HTMLButtonElement =>
    h(
      'button',
      {
        class: 'tool',
        attrs: { type: 'button', title: label, 'aria-label': label, 'data-testid': testId },
        on: { click: onClick },
      },
      icon(name),
    );
  const prev = control('chevron-left', 'Previous phase (,)', 'stepper-prev', () => go(phase - 1));
  const next = control('chevron-right', 'Next phase (.)', 'stepper-next', () => go(phase + 1));
  const play = control('play', 'Play the phases', 'stepper-play', () => togglePlay());
  const pills = Array.from({ length: 9 }, (_, i) =>
    h(
      'button',
      {
        class: 'pill-step',
        attrs: { type: 'button', 'data-testid': `stepper-phase-${i + 1}` },
        on: { click: () => go(i) },
      },
      String(i + 1),
    ),
  );
  const closeButton = control('close', 'Close the stepper', 'stepper-close', () => close());
  const runSlot = h('span', { class: 'stepper-run' });
  const head = h(
    'div',
    { class: 'stepper-head' },
    h(
      'span',
      { class: 'stepper-call', attrs: { role: 'group', 'aria-label': 'Generation' } },
      h('code', null, 'gc.collect('),
      ...generationButtons,
      h('code', null, ')'),
    ),
    h(
      'span',
      { class: 'stepper-controls', attrs: { role: 'group', 'aria-label': 'Phases' } },
      prev,
      play,
      next,
    ),
    h(
      'span',
      { class: 'stepper-pills', attrs: { role: 'group', 'aria-label': 'Phase' } },
      ...pills,
    ),
    runSlot,
    h('span', { class: 'spacer' }),
    closeButton,
  );
  const body = h('div', { class: 'stepper-body' });
  const realityBox = h('div', { class: 'reality', attrs: { 'data-testid': 'reality' } });
  realityBox.hidden = true;
  element.append(head, body);

  // --- Data -------------------------------------------------------------------------------------
  const gen = (): StepperGeneration | null => data?.generations[generation] ?? null;
  const phaseInfo = () => gen()?.phases[phase] ?? null;

  function setData(raw: StepperData | null): void {
    removeAdded();
    asked.clear();
    // Type names and what the finalizers printed come from the program: control and bidi
    // characters shown escaped, as everywhere on the page.
    const d = raw ? mapStrings(raw, visible) : null;
    data = d;
    index = new Map(d ? d.ids.map((id, i) => [id, i]) : []);
    if (d?.collection && !reality) {
      reality = {
        comparison: d.collection,
        before: null,
        after: null,
        afterExpected: false,
        showing: 'before',
        hidden: [],
      };
      generation = d.collection.generation;
    }
    applyAdded();
    render();
  }

  /** Older-generation objects that refer into drawn examined objects: drawn while stepping a young collection. */
  function applyAdded(): void {
    const g = gen();
    const store = host.store();
    if (!open || !data || !g || !store || reality?.showing === 'after') return;
    // Known first (their references too), then drawn where they reach something drawn.
    host.addObjects(data, []);
    const reachesDrawn = (id: number, examinedOnly: boolean): boolean =>
      (store.out.get(id) ?? []).some(
        (e) =>
          host.isDrawn(e.to) &&
          (!examinedOnly || flagOf(g, index.get(e.to) ?? -1, StepperFlag.Examined)),
      );
    const show: number[] = [];
    // The weak references the collection clears, beside the objects they refer to.
    for (const id of g.clearedWeakrefs ?? []) {
      if (!host.isDrawn(id) && reachesDrawn(id, false)) show.push(id);
    }
    // Older-generation objects that refer into the collection: its external roots.
    for (const id of g.olderRoots) {
      if (!host.isDrawn(id) && !show.includes(id) && reachesDrawn(id, true)) show.push(id);
    }
    host.addObjects(data, show);
    // The stepper takes back only what it added (what reaches something drawn stays drawn).
    added = show;
  }

  function removeAdded(): void {
    if (added.length > 0) host.setHidden(added, true);
    added = [];
  }

  const asked = new Set<number>();

  /** Numbers for objects the view gained since (panel): merged into the data. */
  async function fetchNumbers(id: number): Promise<void> {
    if (asked.has(id) || !data) return;
    asked.add(id);
    const store = host.store();
    const missing = [...(store?.nodes.keys() ?? [])].filter((v) => !index.has(v) && !asked.has(v));
    for (const v of missing.slice(0, 500)) asked.add(v);
    const extra = await host.request([id, ...missing.slice(0, 500)]);
    if (!extra || !data) return;
    const d = data;
    extra.ids.forEach((v, i) => {
      if (index.has(v)) return;
      index.set(v, d.ids.length);
      d.ids.push(v);
      d.generations.forEach((g, k) => {
        const e = extra.generations[k];
        g.internal.push(e.internal[i]);
        g.gcRefs.push(e.gcRefs[i]);
        g.fromOlder.push(e.fromOlder[i]);
        g.flags.push(e.flags[i]);
      });
    });
    d.generations.forEach((g, k) => {
      const e = extra.generations[k];
      for (const v of e.olderRoots) if (!g.olderRoots.includes(v)) g.olderRoots.push(v);
    });
    d.nodes.push(...extra.nodes.filter((n) => !d.nodes.some((m) => m.id === n.id)));
    d.edges.push(...extra.edges);
    render();
  }

  async function ensureData(): Promise<void> {
    if (data || loading || host.mode !== 'panel') return;
    loading = true;
    render();
    const answer = await host.request();
    loading = false;
    if (answer && !data) setData(answer);
    else render();
  }

  // --- Navigation -------------------------------------------------------------------------------
  function openStepper(g?: number, p?: number): void {
    open = true;
    if (g !== undefined) generation = g;
    if (p !== undefined) phase = Math.max(0, Math.min(8, p));
    element.hidden = false;
    toggle.setAttribute('aria-pressed', 'true');
    void ensureData();
    applyAdded();
    render();
    host.stateChanged();
  }

  function close(): void {
    open = false;
    stopPlay();
    element.hidden = true;
    toggle.setAttribute('aria-pressed', 'false');
    removeAdded();
    render();
    host.stateChanged();
  }

  function setGeneration(g: number): void {
    if (g === generation) return;
    removeAdded();
    generation = g;
    applyAdded();
    render();
    announcePhase();
    host.stateChanged();
  }

  function go(p: number): void {
    const q = Math.max(0, Math.min(8, p));
    if (q === phase && open) return;
    phase = q;
    if (!open) openStepper();
    render();
    announcePhase();
    host.stateChanged();
  }

  function togglePlay(): void {
    if (playing) return stopPlay();
    if (phase >= 8) phase = 0;
    playing = setInterval(() => {
      if (phase >= 8) return stopPlay();
      go(phase + 1);
    }, PLAY_MS);
    render();
  }

  function stopPlay(): void {
    if (playing) clearInterval(playing);
    playing = null;
    render();
  }

  function announcePhase(): void {
    const p = phaseInfo();
    if (p) host.announce(`Phase ${p.step} of 9, ${p.title}: ${p.explanation}`);
  }

  // --- What the phase highlights ----------------------------------------------------------------
  function highlight(): Overlay<PhaseTone> | null {
    if (!open) return null;
    const store = host.store();
    if (!store) return null;
    const tones = new Map<number, PhaseTone>();
    const tags = new Map<number, string>();
    const edges = new Map<string, PhaseTone>();
    const comparison = reality?.comparison;
    if (reality?.showing === 'after') {
      // The capture after the collection: what survived that should not have, and what a
      // finalizer brought back.
      const resurrected = new Set(comparison?.resurrected ?? []);
      const notCollected = new Set(comparison?.mismatch.onlyPredicted.map((o) => o.address));
      for (const n of store.nodes.values()) {
        if (resurrected.has(n.address)) {
          tones.set(n.id, 'survived');
          tags.set(n.id, 'resurrected');
        } else if (notCollected.has(n.address)) {
          tones.set(n.id, 'mismatch');
          tags.set(n.id, 'predicted, NOT collected');
        }
      }
      // Nothing to point out: the capture after the collection as it is.
      return tones.size > 0 ? { rings: tones, tags, edges, styles: PHASE_STYLES } : null;
    }
    const g = gen();
    const p = phaseInfo();
    if (!data || !g || !p) return { rings: tones, tags, edges, styles: PHASE_STYLES };
    const older = generation < 2;
    const real = comparison && comparison.generation === generation ? comparison : null;
    const collected = new Set(real?.collected.addresses ?? []);
    const resurrected = new Set(real?.resurrected ?? []);
    const mark = (id: number, tone: PhaseTone, tag?: string): void => {
      tones.set(id, tone);
      if (tag !== undefined) tags.set(id, tag);
    };
    const olderTag = (n: ViewNode | undefined) =>
      n?.generation === 3 || n?.generation === null || n?.generation === undefined
        ? 'not examined'
        : `gen ${n.generation} · outside`;
    data.ids.forEach((id, i) => {
      const n = store.nodes.get(id);
      const f = g.flags[i];
      const examined = (f & StepperFlag.Examined) !== 0;
      const tentative = (f & StepperFlag.Tentative) !== 0;
      const unreachable = (f & StepperFlag.Unreachable) !== 0;
      const external = (f & StepperFlag.External) !== 0;
      const olderRoot = (f & StepperFlag.OlderRoot) !== 0;
      const rc = n?.refcount ?? g.gcRefs[i] + g.internal[i];
      switch (p.id) {
        case 'copy-refcounts':
          if (examined) mark(id, 'examined', `gc_refs = ${rc}`);
          else if (olderRoot) mark(id, 'older', olderTag(n));
          break;
        case 'subtract-internal':
          if (examined)
            mark(
              id,
              g.internal[i] > 0 ? 'internal' : 'examined',
              g.internal[i] > 0 ? `${rc} − ${g.internal[i]} = ${g.gcRefs[i]}` : `gc_refs ${rc}`,
            );
          else if (olderRoot) mark(id, 'older', 'not subtracted');
          break;
        case 'tentatively-unreachable':
          if (tentative) mark(id, 'tentative', 'gc_refs 0');
          else if (external)
            mark(
              id,
              'external',
              g.fromOlder[i] > 0 && older
                ? `gc_refs ${g.gcRefs[i]} (${g.fromOlder[i]} from older)`
                : `gc_refs ${g.gcRefs[i]}`,
            );
          else if (olderRoot) mark(id, 'older', olderTag(n));
          break;
        case 'rescued':
          if (tentative && !unreachable) mark(id, 'rescued', 'rescued');
          else if (tentative) mark(id, 'tentative', 'gc_refs 0');
          else if (external) mark(id, 'external', 'outside refs');
          else if (olderRoot) mark(id, 'older', olderTag(n));
          break;
        case 'unreachable':
          if (unreachable) mark(id, 'unreachable', 'unreachable');
          else if (n?.unreachable && older) {
            // Garbage a full collection would free, kept by this young one.
            if (!examined) mark(id, 'older', `gen ${n.generation}: not examined`);
            else if (g.fromOlder[i] > 0)
              mark(id, 'external', `kept: ${g.fromOlder[i]} ref from older gen`);
            else mark(id, 'external', 'kept by this collection');
          } else if (olderRoot) mark(id, 'older', olderTag(n));
          break;
        case 'weakrefs':
          if ((f & StepperFlag.WeakrefCleared) !== 0)
            mark(
              id,
              'weakref',
              (f & StepperFlag.CallbackFires) !== 0 ? 'cleared · callback runs' : 'cleared',
            );
          else if (unreachable) mark(id, 'unreachable');
          break;
        case 'finalizers':
          if ((f & StepperFlag.Finalizer) !== 0) mark(id, 'finalizer', finalizerVerb(n));
          else if (unreachable) mark(id, 'unreachable');
          break;
        case 'resurrection':
          if (n && resurrected.has(n.address)) mark(id, 'survived', 'resurrected');
          else if ((f & StepperFlag.Finalizer) !== 0)
            mark(id, 'finalizer', real ? 'not resurrected' : 'may be resurrected');
          else if (unreachable) mark(id, 'unreachable');
          break;
        case 'freed':
          if (n && resurrected.has(n.address)) mark(id, 'survived', 'resurrected: survives');
          else if (unreachable) {
            if (real && n && !collected.has(n.address))
              mark(id, 'mismatch', 'predicted, NOT collected');
            else mark(id, 'freed', real ? 'freed ✓' : 'freed');
          } else if (real && n && collected.has(n.address))
            mark(id, 'mismatch', 'collected, NOT predicted');
          break;
      }
    });
    // The references the phase is about.
    const withFlag = (id: number, flag: number) => flagOf(g, index.get(id) ?? -1, flag);
    if (
      [
        'copy-refcounts',
        'subtract-internal',
        'tentatively-unreachable',
        'rescued',
        'unreachable',
      ].includes(p.id)
    ) {
      for (const id of g.olderRoots) {
        for (const e of store.out.get(id) ?? []) {
          if (!e.weak && withFlag(e.to, StepperFlag.Examined) && tones.has(e.to))
            edges.set(`${e.from}>${e.to}`, 'older');
        }
      }
    }
    if (p.id === 'subtract-internal') {
      for (const id of data.ids) {
        if (!withFlag(id, StepperFlag.Examined)) continue;
        for (const e of store.out.get(id) ?? []) {
          if (!e.weak && withFlag(e.to, StepperFlag.Examined))
            edges.set(`${e.from}>${e.to}`, 'internal');
        }
      }
    }
    if (p.id === 'rescued') {
      for (const id of data.ids) {
        if (!withFlag(id, StepperFlag.Examined) || withFlag(id, StepperFlag.Unreachable)) continue;
        for (const e of store.out.get(id) ?? []) {
          const target = index.get(e.to);
          if (
            !e.weak &&
            target !== undefined &&
            flagOf(g, target, StepperFlag.Tentative) &&
            !flagOf(g, target, StepperFlag.Unreachable)
          )
            edges.set(`${e.from}>${e.to}`, 'rescued');
        }
      }
    }
    return { rings: tones, tags, edges, styles: PHASE_STYLES };
  }

  // --- Details ----------------------------------------------------------------------------------
  function details(id: number): HTMLElement | null {
    if (!open || !data || reality?.showing === 'after') return null;
    const g = gen();
    const p = phaseInfo();
    const store = host.store();
    const n = store?.nodes.get(id);
    if (!g || !p || !n) return null;
    const i = index.get(id);
    const box = h('section', {
      class: 'stepper-details',
      attrs: { 'data-testid': 'stepper-details', 'aria-label': 'In this collection' },
    });
    box.append(
      h('h3', null, icon('debug-step-over'), ` In gc.collect(${generation}) · phase ${p.step}`),
    );
    if (i === undefined) {
      if (host.mode === 'panel') {
        // Brought in by an expansion: ask the extension for its numbers.
        void fetchNumbers(id);
        box.append(h('p', { class: 'muted' }, 'Computing its numbers…'));
      } else {
        box.append(
          h(
            'p',
            { class: 'muted' },
            'This report has no stepper numbers for this object (it embeds them for the objects around the graph).',
          ),
        );
      }
      return box;
    }
    const f = g.flags[i];
    const examined = (f & StepperFlag.Examined) !== 0;
    const rows: [string, Child, string?][] = [];
    const genText =
      n.generation === null
        ? 'untracked'
        : n.generation === 3
          ? 'permanent (gc.freeze())'
          : String(n.generation);
    rows.push(['Generation', `${genText}${examined ? ' — examined' : ' — not examined'}`, 'gen']);
    if (examined) {
      rows.push(['Reference count', String(n.refcount), 'refcount']);
      rows.push(['− from examined objects', String(g.internal[i]), 'internal']);
      rows.push(['= gc_refs', h('strong', null, String(g.gcRefs[i])), 'gc-refs']);
      if (generation < 2)
        rows.push(['of which from older generations', String(g.fromOlder[i]), 'from-older']);
    } else if ((f & StepperFlag.OlderRoot) !== 0) {
      rows.push([
        'Refers into this collection',
        'yes: those references count as outside',
        'older-root',
      ]);
    }
    box.append(
      h(
        'dl',
        { class: 'numbers' },
        ...rows.flatMap(([k, v, t]) => [
          h('dt', null, k),
          h('dd', { attrs: { 'data-testid': t ? `stepper-${t}` : undefined } }, v),
        ]),
      ),
    );
    box.append(h('p', { attrs: { 'data-testid': 'stepper-fate' } }, fate(n, g, i)));
    return box;
  }

  function fate(n: ViewNode, g: StepperGeneration, i: number): string {
    const f = g.flags[i];
    const call = `gc.collect(${generation})`;
    if (n.generation === null)
      return `Untracked: ${call} never looks at it (it holds only atoms, or is one); reference counting alone frees it.`;
    if ((f & StepperFlag.Examined) === 0) {
      const where =
        n.generation === 3
          ? 'in the permanent generation (gc.freeze())'
          : `in generation ${n.generation}`;
      return `It is ${where}, so ${call} does not examine it: its references into generations 0–${generation} count as references from outside, and what they reach survives this collection${n.unreachable ? ' — even though the next full collection frees it' : ''}.`;
    }
    const real = reality?.comparison.generation === generation ? reality.comparison : null;
    const verdict = real
      ? real.collected.addresses.includes(n.address)
        ? ' CPython’s collector collected it ✓.'
        : (f & StepperFlag.Unreachable) !== 0
          ? ' CPython’s collector did NOT collect it ✗.'
          : ''
      : '';
    if ((f & StepperFlag.Unreachable) !== 0) {
      return `After subtracting the ${plural(g.internal[i], 'reference')} from other examined objects, gc_refs is ${Math.max(0, g.gcRefs[i])}, and nothing referenced from outside reaches it: it is unreachable, and ${call} frees it${(f & StepperFlag.Finalizer) !== 0 ? ` after running its ${n.finalizer === 'generator' ? 'finally block' : '__del__'}` : ''}.${verdict}`;
    }
    if ((f & StepperFlag.Tentative) !== 0) {
      return `Its gc_refs fell to 0 (every reference to it comes from examined objects), but an object referenced from outside reaches it: rescued in phase 4, it survives.${verdict}`;
    }
    const fromOlder = g.fromOlder[i];
    return `gc_refs stays at ${g.gcRefs[i]} after subtracting internal references: ${plural(g.gcRefs[i], 'reference')} from outside the examined objects${fromOlder > 0 && generation < 2 ? ` (${fromOlder} from older generations)` : ''} keep${g.gcRefs[i] === 1 ? 's' : ''} it alive, and everything it reaches survives with it.${n.unreachable && generation < 2 ? ' The next full collection frees it: that one examines the older generations too.' : ''}${verdict}`;
  }

  // --- Rendering --------------------------------------------------------------------------------
  function render(): void {
    generationButtons.forEach((b, g) => b.setAttribute('aria-pressed', String(g === generation)));
    pills.forEach((b, i) => {
      if (i === phase) b.setAttribute('aria-current', 'step');
      else b.removeAttribute('aria-current');
      const info = gen()?.phases[i];
      b.title = info ? `${info.step}. ${info.title}` : `Phase ${i + 1}`;
    });
    prev.disabled = phase === 0;
    next.disabled = phase === 8;
    play.replaceChildren(icon(playing ? 'debug-pause' : 'play'));
    play.setAttribute('aria-label', playing ? 'Pause' : 'Play the phases');
    play.title = playing ? 'Pause' : 'Play the phases';
    element.dataset.generation = String(generation);
    element.dataset.phase = String(phase + 1);
    element.dataset.phaseId = phaseInfo()?.id ?? '';
    element.dataset.ready = data ? 'true' : 'false';
    element.closest('.hi-app')?.classList.toggle('stepping', open);
    renderBody();
    renderReality();
    host.refresh();
  }

  function renderBody(): void {
    const view = host.view();
    const parts: Child[] = [];
    if (reality?.showing === 'after') {
      parts.push(
        h(
          'p',
          { class: 'stepper-after', attrs: { 'data-testid': 'stepper-after' } },
          icon('history'),
          reality.after
            ? ` The graph shows a new capture, taken right after gc.collect(${reality.comparison.generation}) ran. `
            : ` The graph shows the capture less what the collector freed (the program could not be captured again after collecting). `,
          h(
            'button',
            {
              class: 'link',
              attrs: { type: 'button', 'data-testid': 'stepper-new' },
              on: { click: () => stepAfter() },
            },
            reality.after ? 'Step through the next collection on it' : 'Show the capture again',
          ),
        ),
      );
    } else if (!data) {
      parts.push(
        h(
          'p',
          { class: 'muted' },
          loading || host.mode === 'panel'
            ? 'Computing the phases…'
            : 'This report carries no stepper data (it was written by an older heap-inspector).',
        ),
      );
    } else {
      const p = phaseInfo();
      const g = gen();
      if (p && g) {
        const drawn = data.ids.filter(
          (id, i) => host.isDrawn(id) && phaseTouches(p.id, g, i),
        ).length;
        // The legend lists only the colours on the graph now.
        const present = new Set<PhaseTone>();
        for (const [id, tone] of highlight()?.rings ?? []) if (host.isDrawn(id)) present.add(tone);
        // A young collection: the garbage it leaves for a full one, said in so many words.
        const store = host.store();
        const kept =
          p.id === 'unreachable' && generation < 2 && store
            ? data.ids.filter(
                (id, i) =>
                  host.isDrawn(id) &&
                  store.nodes.get(id)?.unreachable === true &&
                  !flagOf(g, i, StepperFlag.Unreachable),
              ).length
            : 0;
        parts.push(
          h(
            'div',
            { class: 'stepper-phase' },
            h(
              'p',
              { class: 'stepper-line' },
              h(
                'strong',
                { class: 'stepper-title', attrs: { 'data-testid': 'stepper-title' } },
                h('span', { class: 'step-number' }, String(p.step)),
                ` ${p.title}`,
                h(
                  'span',
                  {
                    class: 'count',
                    attrs: { 'data-testid': 'stepper-count', title: 'objects in the whole heap' },
                  },
                  p.count === null ? '?' : formatCount(p.count),
                ),
              ),
              ' ',
              h(
                'span',
                { class: 'stepper-explanation', attrs: { 'data-testid': 'stepper-explanation' } },
                p.explanation,
              ),
            ),
            h(
              'p',
              { class: 'stepper-legend muted' },
              ...(PHASE_LEGEND[p.id] ?? [])
                .filter(([tone]) => present.has(tone))
                .map(([tone, text]) => h('span', { class: `tone-chip tone-${tone}` }, text)),
              p.count !== null && p.count > 0
                ? h(
                    'span',
                    { attrs: { 'data-testid': 'stepper-drawn' } },
                    `${formatCount(drawn)} of them drawn`,
                  )
                : null,
            ),
            kept > 0
              ? h(
                  'p',
                  { class: 'stepper-note', attrs: { 'data-testid': 'stepper-kept' } },
                  icon('info'),
                  ` ${plural(kept, 'object')} drawn here that the next full collection frees ${kept === 1 ? 'survives' : 'survive'} gc.collect(${generation}): ${kept === 1 ? 'it is' : 'they are'} in an older generation, or referred to from one — such a reference counts as coming from outside.`,
                )
              : null,
          ),
        );
      }
      if (data.incremental || view?.summary.gc.incremental) {
        parts.push(
          h(
            'p',
            { class: 'stepper-note warn-text', attrs: { 'data-testid': 'stepper-incremental' } },
            icon('warning'),
            generation === 1
              ? ' This interpreter’s collector is incremental (CPython 3.14+): gc.collect(1) collects the young generation and an increment of the old one, not “generations 0–1”. These phases show the 3.8–3.13 algorithm, and this prediction is not claimed to match; gc.collect(2) (a full collection) is predicted exactly.'
              : generation === 0
                ? ' This interpreter’s collector is incremental (CPython 3.14+): gc.collect(0) collects its young generation, which is not the 3.8–3.13 generation 0. These phases show the 3.8–3.13 algorithm, and this prediction is not claimed to match; gc.collect(2) (a full collection) is predicted exactly.'
                : ' This interpreter’s collector is incremental (CPython 3.14+): a full collection, gc.collect(2), still finds exactly what these phases describe.',
          ),
        );
      }
      if (view && !view.summary.gc.enabled) {
        parts.push(
          h(
            'p',
            { class: 'stepper-note', attrs: { 'data-testid': 'stepper-gc-disabled' } },
            icon('info'),
            ' The program disabled automatic collection (gc.disable()): no collection runs on its own, but gc.collect() still collects when called.',
          ),
        );
      }
    }
    parts.push(notices());
    runSlot.replaceChildren(...runControls());
    body.replaceChildren(
      ...parts
        .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
        .map((c) => (typeof c === 'number' ? String(c) : c)),
    );
  }

  /** The head's part: "Run gc.collect(N) for real" (panel), or what is running with Cancel. */
  function runControls(): HTMLElement[] {
    if (host.mode !== 'panel') return [];
    if (running) {
      return [
        h(
          'span',
          { class: 'running', attrs: { 'data-testid': 'collection-running', role: 'status' } },
          icon('refresh'),
          h('span', null, running.message),
        ),
        h(
          'button',
          {
            class: 'action',
            attrs: { type: 'button', 'data-testid': 'cancel-collection' },
            on: { click: () => host.post({ type: 'cancelCollection' }) },
          },
          icon('debug-stop'),
          h('span', null, 'Cancel'),
        ),
      ];
    }
    return [
      h(
        'button',
        {
          class: 'action primary',
          attrs: {
            type: 'button',
            'data-testid': 'run-collection',
            title: `Run gc.collect(${generation}) in the program, then compare what CPython's collector found with this prediction`,
          },
          on: {
            click: () => {
              failure = null;
              stopPlay();
              host.post({ type: 'runCollection', generation });
            },
          },
        },
        icon('beaker'),
        h('span', null, `Run gc.collect(${generation}) for real`),
      ),
    ];
  }

  /** The body's last part: a failed or cancelled collection, or (report) how to run one. */
  function notices(): HTMLElement {
    const row = h('div', { class: 'stepper-actions' });
    if (failure) {
      row.append(
        h(
          'p',
          {
            class: failure.state === 'failed' ? 'stepper-failure error-text' : 'stepper-failure',
            attrs: { 'data-testid': 'collection-failure', role: 'alert' },
          },
          icon(failure.state === 'failed' ? 'error' : 'info'),
          h('span', null, failure.message),
        ),
      );
    }
    if (host.mode === 'report' && reality && reality.comparison.generation !== generation) {
      row.append(
        h(
          'p',
          { class: 'muted' },
          `This report ran gc.collect(${reality.comparison.generation}) for real; for gc.collect(${generation}), run `,
          h('code', null, `heap-inspector step --generation ${generation} --html …`),
          '.',
        ),
      );
    } else if (host.mode === 'report' && !reality) {
      row.append(
        h(
          'p',
          { class: 'muted' },
          'To run it for real and compare: ',
          h('code', null, `heap-inspector step --generation ${generation} --html REPORT …`),
          ', or the stepper in VS Code.',
        ),
      );
    }
    return row;
  }

  function renderReality(): void {
    if (!reality) {
      realityBox.hidden = true;
      realityBox.replaceChildren();
      return;
    }
    realityBox.hidden = false;
    const c = reality.comparison;
    const store = host.store();
    const objectButton = (o: { address: string; type: string }): HTMLElement => {
      const id = store?.byAddress.get(o.address);
      return h(
        'li',
        null,
        id !== undefined
          ? h(
              'button',
              {
                class: 'ref-target',
                attrs: { type: 'button', title: `Select ${o.type} at ${o.address}` },
                on: { click: () => host.select(id) },
              },
              displayType(o.type),
            )
          : h('span', null, displayType(o.type)),
        h('code', { class: 'muted' }, ` ${o.address}`),
      );
    };
    const mismatches = c.mismatch.onlyPredicted.length + c.mismatch.onlyCollected.length;
    /** The rest of the comparison: open in the report, or when anything differs. */
    const moreDetails = (table: HTMLElement): HTMLElement => {
      const box = h(
        'details',
        { class: 'reality-more', attrs: { 'data-testid': 'reality-more' } },
        h(
          'summary',
          null,
          'Finalizers, weakref.finalize callbacks, resurrection, what gc.collect() returned',
        ),
        table,
      );
      if (host.mode === 'report' || !c.match || finalizersDiffer || callbacksDiffer)
        box.open = true;
      return box;
    };
    const where = `${c.capture.file.split(/[\\/]/).pop()}:${c.capture.line}`;
    const via =
      c.via === 'debugger'
        ? 'in the paused program'
        : c.via === 'runner'
          ? 'in a new run of the program to the same line'
          : c.via === 'cli'
            ? 'in the program, by heap-inspector step'
            : 'in the program';
    const row = (
      label: string,
      predicted: Child,
      found: Child,
      testId: string,
      bad = false,
    ): HTMLElement =>
      h(
        'tr',
        { class: bad ? 'row-bad' : '', attrs: { 'data-testid': `reality-${testId}` } },
        h('th', { attrs: { scope: 'row' } }, label),
        h('td', null, predicted),
        h('td', null, found),
      );
    const callbacksDiffer =
      c.finalizeCallbacks.predicted.join(',') !== c.finalizeCallbacks.fired.join(',');
    const finalizersDiffer =
      JSON.stringify(sortedByType(c.finalizers.predicted)) !==
      JSON.stringify(sortedByType(c.finalizers.ran));
    const parts: Child[] = [
      h(
        'h3',
        null,
        icon('beaker'),
        ` Prediction vs. CPython’s collector — gc.collect(${c.generation}) at `,
        h('code', null, where),
        h('span', { class: 'muted' }, ` (${via})`),
      ),
      c.match
        ? h(
            'p',
            {
              class: 'verdict-line ok',
              attrs: { 'data-testid': 'reality-verdict', 'data-match': 'true' },
            },
            icon('pass'),
            ` The collector found exactly the predicted ${plural(c.collected.count, 'object')}, address for address.`,
          )
        : h(
            'div',
            {
              class: 'mismatch',
              attrs: { 'data-testid': 'reality-verdict', 'data-match': 'false', role: 'alert' },
            },
            h(
              'p',
              null,
              icon('error'),
              h(
                'strong',
                null,
                ` MISMATCH: the prediction and CPython’s collector disagree on ${plural(mismatches, 'object')}.`,
              ),
            ),
            c.mismatch.onlyPredicted.length > 0
              ? h(
                  'div',
                  null,
                  h(
                    'h4',
                    null,
                    `Predicted unreachable, but NOT collected (${c.mismatch.onlyPredicted.length})`,
                  ),
                  h(
                    'ul',
                    { class: 'ref-list', attrs: { 'data-testid': 'only-predicted' } },
                    ...c.mismatch.onlyPredicted.slice(0, 50).map(objectButton),
                  ),
                )
              : null,
            c.mismatch.onlyCollected.length > 0
              ? h(
                  'div',
                  null,
                  h(
                    'h4',
                    null,
                    `Collected, but NOT predicted (${c.mismatch.onlyCollected.length})`,
                  ),
                  h(
                    'ul',
                    { class: 'ref-list', attrs: { 'data-testid': 'only-collected' } },
                    ...c.mismatch.onlyCollected.slice(0, 50).map(objectButton),
                  ),
                )
              : null,
          ),
      h(
        'div',
        {
          class: `side-by-side${c.match ? '' : ' differ'}`,
          attrs: { 'data-testid': 'reality-sides' },
        },
        h(
          'div',
          { class: 'side' },
          h('span', { class: 'side-label' }, 'Predicted unreachable'),
          h(
            'strong',
            { attrs: { 'data-testid': 'reality-predicted-count' } },
            formatCount(c.predicted.count),
          ),
          h('span', { class: 'side-types' }, typeText(c.predicted.byType)),
        ),
        h(
          'div',
          { class: 'side' },
          h('span', { class: 'side-label' }, 'CPython’s collector found'),
          h(
            'strong',
            { attrs: { 'data-testid': 'reality-collected-count' } },
            formatCount(c.collected.count),
          ),
          h('span', { class: 'side-types' }, typeText(c.collected.byType)),
        ),
      ),
      moreDetails(
        h(
          'table',
          { class: 'data-table reality-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, ''),
              h('th', { attrs: { scope: 'col' } }, 'Predicted'),
              h('th', { attrs: { scope: 'col' } }, 'CPython found'),
            ),
          ),
          h(
            'tbody',
            null,
            row(
              'Finalizers run',
              `${formatCount(countOf(c.finalizers.predicted))} — ${typeText(c.finalizers.predicted)}`,
              `${formatCount(countOf(c.finalizers.ran))} — ${typeText(c.finalizers.ran)}`,
              'finalizers',
              finalizersDiffer,
            ),
            row(
              'weakref.finalize callbacks',
              c.finalizeCallbacks.predicted.length
                ? c.finalizeCallbacks.predicted.join(', ')
                : 'none',
              c.finalizeCallbacks.fired.length ? c.finalizeCallbacks.fired.join(', ') : 'none',
              'callbacks',
              callbacksDiffer,
            ),
            row(
              'Resurrected by a finalizer',
              h('span', { class: 'muted' }, 'only the real run can tell'),
              String(c.resurrected.length),
              'resurrected',
            ),
            row(
              'gc.collect() returned',
              h('span', { class: 'muted' }, '—'),
              String(c.returned),
              'returned',
            ),
          ),
        ),
      ),
    ];
    if (c.finalizerOutput) {
      parts.push(
        h('h4', null, 'What the finalizers printed'),
        h(
          'pre',
          { class: 'finalizer-output', attrs: { 'data-testid': 'finalizer-output' } },
          c.finalizerOutput,
        ),
        /Exception ignored in/.test(c.finalizerOutput)
          ? h(
              'p',
              { class: 'muted' },
              'A finalizer raised: CPython prints the exception and goes on; the collection completed.',
            )
          : null,
      );
    }
    const notes: Child[] = [];
    if (!c.gcWasEnabled)
      notes.push(
        h(
          'li',
          { attrs: { 'data-testid': 'reality-gc-disabled' } },
          'The program had disabled automatic collection (gc.disable()); the collection ran on request, and automatic collection stays off.',
        ),
      );
    for (const note of c.notes) notes.push(h('li', null, note));
    if (notes.length > 0) parts.push(h('ul', { class: 'reality-notes' }, ...notes));
    const canAfter =
      reality.after !== null ||
      reality.afterExpected ||
      host.mode === 'report' ||
      c.via === 'runner';
    if (canAfter) {
      parts.push(
        h(
          'div',
          {
            class: 'before-after',
            attrs: { role: 'group', 'aria-label': 'Before or after the collection' },
          },
          h(
            'button',
            {
              class: 'seg',
              attrs: {
                type: 'button',
                'aria-pressed': String(reality.showing === 'before'),
                'data-testid': 'show-before',
              },
              on: { click: () => showBefore() },
            },
            'Before: the prediction',
          ),
          h(
            'button',
            {
              class: 'seg',
              attrs: {
                type: 'button',
                'aria-pressed': String(reality.showing === 'after'),
                'data-testid': 'show-after',
                disabled: reality.afterExpected && !reality.after ? true : undefined,
              },
              on: { click: () => showAfter(true) },
            },
            reality.after || reality.afterExpected ? 'After: new capture' : 'After: what is left',
          ),
        ),
      );
    }
    realityBox.dataset.match = String(c.match);
    realityBox.dataset.showing = reality.showing;
    realityBox.replaceChildren(
      ...parts
        .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
        .map((c) => (typeof c === 'number' ? String(c) : c)),
    );
  }

  // --- Before / after ---------------------------------------------------------------------------
  const reduced = (): boolean =>
    window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

  /** Fades the collected objects out, then calls `done`. */
  function fadeOut(done: () => void): void {
    const store = host.store();
    const c = reality?.comparison;
    if (!store || !c) return done();
    const resurrected = new Set(c.resurrected);
    fadingIds = new Set(
      c.collected.addresses
        .filter((a) => !resurrected.has(a))
        .map((a) => store.byAddress.get(a))
        .filter((id): id is number => id !== undefined && host.isDrawn(id)),
    );
    if (fadingIds.size === 0 || reduced()) {
      fadingIds = new Set();
      return done();
    }
    element.dataset.animating = 'true';
    host.refresh();
    const start = performance.now();
    const finish = (): void => {
      animation = null;
      fadingIds = new Set();
      host.setFade(1);
      element.dataset.animating = 'false';
      done();
      // A view that arrived meanwhile (not the one this animation leads to).
      const late = deferred;
      deferred = null;
      late?.(false);
    };
    const frame = (now: number): void => {
      const u = Math.min(1, (now - start) / FADE_MS);
      host.setFade(1 - u);
      if (u >= 1) return finish();
      if (animation) animation.frame = requestAnimationFrame(frame);
    };
    animation = { frame: requestAnimationFrame(frame), done: finish };
  }

  function showAfter(animate: boolean): void {
    if (!reality || reality.showing === 'after') return;
    const r = reality;
    const go2 = (): void => {
      if (r.after) {
        expect = 'after';
        r.showing = 'after';
        host.showView(r.after);
      } else {
        // No capture after the collection: hide what the collector freed.
        const store = host.store();
        const resurrected = new Set(r.comparison.resurrected);
        r.hidden = r.comparison.collected.addresses
          .filter((a) => !resurrected.has(a))
          .map((a) => store?.byAddress.get(a))
          .filter((id): id is number => id !== undefined);
        r.showing = 'after';
        removeAdded();
        host.setHidden(r.hidden, true);
      }
      render();
      host.announce(
        `After gc.collect(${r.comparison.generation}): ${plural(r.comparison.collected.count, 'object')} freed`,
      );
    };
    if (animate) fadeOut(go2);
    else go2();
  }

  function showBefore(): void {
    if (!reality || reality.showing === 'before') return;
    const r = reality;
    r.showing = 'before';
    if (r.after && r.before) {
      expect = 'before';
      host.showView(r.before);
    } else {
      host.setHidden(r.hidden, false);
      r.hidden = [];
    }
    applyAdded();
    render();
  }

  /** From the after view: leave the comparison, step through a collection of this capture. */
  function stepAfter(): void {
    if (!reality) return;
    if (reality.after) {
      reality = null;
      data = null;
      index = new Map();
      phase = 0;
      void ensureData();
      render();
    } else {
      showBefore();
    }
  }

  // --- Messages ---------------------------------------------------------------------------------
  function collectionMessage(state: 'running' | 'failed' | 'cancelled', message: string): void {
    if (state === 'running') {
      running = { message: visible(message) };
      failure = null;
    } else {
      running = null;
      failure = { state, message: visible(message) };
    }
    if (!open) openStepper();
    render();
  }

  function collectionResult(before: HeapView, d: StepperData, after: boolean): void {
    running = null;
    failure = null;
    stopPlay();
    removeAdded();
    reality = null;
    data = null;
    index = new Map();
    open = true;
    element.hidden = false;
    toggle.setAttribute('aria-pressed', 'true');
    expect = 'before';
    host.showView(before);
    expect = null;
    setData(d);
    const r = current();
    if (r && d.collection) {
      r.before = before;
      r.afterExpected = after;
      generation = d.collection.generation;
      phase = 8;
      render();
      host.announce(
        d.collection.match
          ? `gc.collect(${d.collection.generation}) ran: the collector found exactly the ${plural(d.collection.collected.count, 'predicted object')}`
          : `gc.collect(${d.collection.generation}) ran: MISMATCH with the prediction`,
      );
      if (!after) {
        // No capture will follow (the runner's program is gone): animate to what is left.
        setTimeout(() => showAfter(true), 400);
      }
    }
    host.stateChanged();
  }

  function deferView(apply: (fit: boolean) => void): boolean {
    if (reality?.afterExpected && !reality.after) {
      // The capture taken after the collection: fade the freed objects out, then show it.
      const r = reality;
      deferred = apply;
      if (r.showing === 'after') return true;
      fadeOut(() => {
        const run = deferred;
        deferred = null;
        r.showing = 'after';
        expect = 'after';
        run?.(true);
        expect = null;
        r.after = host.view();
        r.afterExpected = false;
        render();
      });
      return true;
    }
    if (animation) {
      deferred = apply;
      return true;
    }
    return false;
  }

  function onView(view: HeapView): void {
    if (expect === 'before' || expect === 'after') {
      // The stepper shows this one itself (before/after a real collection).
      added = [];
      return;
    }
    // Any other new capture: the stepper starts over on it.
    added = [];
    reality = null;
    data = null;
    index = new Map();
    fadingIds = new Set();
    element.dataset.view = view.summary.capture.time.toString();
    if (open) void ensureData();
    render();
  }

  // --- Keys -------------------------------------------------------------------------------------
  function keydown(e: KeyboardEvent): boolean {
    if (!open) return false;
    if (e.key === '.') go(phase + 1);
    else if (e.key === ',') go(phase - 1);
    else return false;
    return true;
  }

  return {
    element,
    reality: realityBox,
    toggle,
    setData,
    onView,
    deferView,
    highlight,
    fading: () => fadingIds,
    showingOlderCapture: () =>
      reality !== null &&
      (reality.after !== null || reality.afterExpected) &&
      reality.showing === 'before',
    details,
    collectionMessage,
    collectionResult,
    state: () => ({ open, generation, phase }),
    restore(state) {
      if (!state) return;
      generation = [0, 1, 2].includes(state.generation) ? state.generation : 2;
      phase = Math.max(0, Math.min(8, Math.floor(state.phase)));
      if (state.open) openStepper();
    },
    keydown,
    open: openStepper,
    close,
  };
}
