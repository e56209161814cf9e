/**
 * What each phase of a collection does to the objects on the graph, as the stepper shows it
 * (docs/stepper.md): which objects a phase touches, the colour and the short tag each one gets,
 * the references the phase is about, and what the legend says. Pure: no DOM.
 */
import type { ViewEdge, ViewNode } from '../../../protocol/heapView';
import {
  StepperFlag,
  type CollectionComparison,
  type StepperData,
  type StepperGeneration,
  type StepperPhaseId,
} from '../../../protocol/stepper';
import type { Overlay, OverlayStyle } from '../../graph/highlight';

/** What a phase does to an object, as the stepper colours it on the graph. */
export type PhaseTone =
  | 'examined'
  | 'internal'
  | 'tentative'
  | 'external'
  | 'rescued'
  | 'unreachable'
  | 'older'
  | 'weakref'
  | 'finalizer'
  | 'freed'
  | 'survived'
  | 'mismatch';

/**
 * How the graph draws each tone (rings around objects, and references: between examined objects,
 * from an older generation, rescuing). Colours are the theme's `--hi-step-*` (stepper.css).
 */
export const PHASE_STYLES: Record<PhaseTone, OverlayStyle> = {
  examined: { colorVar: '--hi-step-examined' },
  internal: { colorVar: '--hi-step-internal' },
  tentative: { colorVar: '--hi-step-tentative' },
  external: { colorVar: '--hi-step-external' },
  rescued: { colorVar: '--hi-step-rescued' },
  unreachable: { colorVar: '--hi-step-unreachable', fades: true },
  older: { colorVar: '--hi-step-older', dashed: true },
  weakref: { colorVar: '--hi-step-weakref' },
  finalizer: { colorVar: '--hi-step-finalizer' },
  freed: { colorVar: '--hi-step-freed', fades: true },
  survived: { colorVar: '--hi-step-survived' },
  mismatch: { colorVar: '--hi-step-mismatch', ringWidth: 4.5, dashed: true },
};

/** What each phase's colours mean, for the legend under the phase's sentence. */
export const PHASE_LEGEND: Record<StepperPhaseId, [PhaseTone, string][]> = {
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

/** Whether object `i` of the generation's columns has this StepperFlag. */
export function flagOf(g: StepperGeneration, i: number, flag: number): boolean {
  return (g.flags[i] & flag) !== 0;
}

/** Whether phase `id` touches the object at `i` of the generation's columns. */
export function phaseTouches(id: string, g: StepperGeneration, i: number): boolean {
  const f = g.flags[i];
  switch (id) {
    case 'copy-refcounts':
      return (f & StepperFlag.Examined) !== 0;
    case 'subtract-internal':
      return g.internal[i] > 0;
    case 'tentatively-unreachable':
      return (f & StepperFlag.Tentative) !== 0;
    case 'rescued':
      return (f & StepperFlag.Tentative) !== 0 && (f & StepperFlag.Unreachable) === 0;
    case 'unreachable':
    case 'freed':
      return (f & StepperFlag.Unreachable) !== 0;
    case 'weakrefs':
      return (f & StepperFlag.WeakrefCleared) !== 0;
    case 'finalizers':
    case 'resurrection':
      return (f & StepperFlag.Finalizer) !== 0;
    default:
      return false;
  }
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

/** What the graph knows of the objects: by id, and the references out of each. */
export interface KnownObjects {
  nodes: ReadonlyMap<number, ViewNode>;
  out: ReadonlyMap<number, readonly ViewEdge[]>;
}

export interface PhaseScene {
  data: StepperData;
  /** Object id → its column in the data. */
  index: ReadonlyMap<number, number>;
  generation: number;
  phase: StepperPhaseId;
  /** The real collection, when it ran this generation; it decides the last phases' marks. */
  real: CollectionComparison | null;
  objects: KnownObjects;
}

/** The phase on the graph: each touched object's tone and tag, and the references it is about. */
export function phaseOverlay(v: PhaseScene): Overlay<PhaseTone> {
  const { data, index, generation, real } = v;
  const g = data.generations[generation];
  const store = v.objects;
  const tones = new Map<number, PhaseTone>();
  const tags = new Map<number, string>();
  const edges = new Map<string, PhaseTone>();
  const older = generation < 2;
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
    switch (v.phase) {
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
    ].includes(v.phase)
  ) {
    for (const id of g.olderRoots) {
      for (const e of store.out.get(id) ?? []) {
        if (!e.weak && withFlag(e.to, StepperFlag.Examined) && tones.has(e.to))
          edges.set(`${e.from}>${e.to}`, 'older');
      }
    }
  }
  if (v.phase === 'subtract-internal') {
    for (const id of data.ids) {
      if (!withFlag(id, StepperFlag.Examined)) continue;
      for (const e of store.out.get(id) ?? []) {
        if (!e.weak && withFlag(e.to, StepperFlag.Examined))
          edges.set(`${e.from}>${e.to}`, 'internal');
      }
    }
  }
  if (v.phase === 'rescued') {
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

/**
 * The capture after a real collection: what survived that should not have, and what a finalizer
 * brought back. Null when there is nothing to point out.
 */
export function afterOverlay(
  nodes: Iterable<ViewNode>,
  comparison: CollectionComparison,
): Overlay<PhaseTone> | null {
  const tones = new Map<number, PhaseTone>();
  const tags = new Map<number, string>();
  const resurrected = new Set(comparison.resurrected);
  const notCollected = new Set(comparison.mismatch.onlyPredicted.map((o) => o.address));
  for (const n of nodes) {
    if (resurrected.has(n.address)) {
      tones.set(n.id, 'survived');
      tags.set(n.id, 'resurrected');
    } else if (notCollected.has(n.address)) {
      tones.set(n.id, 'mismatch');
      tags.set(n.id, 'predicted, NOT collected');
    }
  }
  return tones.size > 0 ? { rings: tones, tags, edges: new Map(), styles: PHASE_STYLES } : null;
}
