/**
 * The cycle collector's phases, replayed on a capture: what each phase does to the user's objects,
 * with counts, the objects it touches and a one-sentence explanation. Built from the prediction
 * (collectorPrediction.ts), so the phases and the prediction can never disagree.
 *
 * Phases follow CPython 3.8–3.13's `gc_collect_main` (Modules/gcmodule.c, Python/gc.c in 3.13):
 * update_refs, subtract_refs, move_unreachable (tentative, then rescued), weak references,
 * finalizers (PEP 442), the resurrection check, and clearing.
 */
import type { HeapSnapshot } from './heapSnapshot';
import type { CollectionResult } from './collectorPrediction';

export type PhaseId =
  | 'copy-refcounts'
  | 'subtract-internal'
  | 'tentatively-unreachable'
  | 'rescued'
  | 'unreachable'
  | 'weakrefs'
  | 'finalizers'
  | 'resurrection'
  | 'freed';

export interface CollectorPhase {
  id: PhaseId;
  step: number;
  title: string;
  /** One sentence: what the collector does in this phase, with this heap's numbers. */
  explanation: string;
  /** How many objects the phase touches; null when it cannot be known before the real run. */
  count: number | null;
  /** The nodes it touches (highlighted on the graph); capped at `MAX_PHASE_NODES`. */
  nodes: number[];
  byType: Record<string, number>;
}

export const MAX_PHASE_NODES = 5000;

function typeCounts(snapshot: HeapSnapshot, nodes: Iterable<number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of nodes) {
    const name = snapshot.typeName(v);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

function phase(
  snapshot: HeapSnapshot,
  id: PhaseId,
  step: number,
  title: string,
  explanation: string,
  nodes: number[] | null,
): CollectorPhase {
  return {
    id,
    step,
    title,
    explanation,
    count: nodes === null ? null : nodes.length,
    nodes: nodes === null ? [] : nodes.slice(0, MAX_PHASE_NODES),
    byType: nodes === null ? {} : typeCounts(snapshot, nodes),
  };
}

const plural = (n: number, word: string) =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** The nine phases of `gc.collect(result.generation)` on this snapshot. */
export function collectorPhases(
  snapshot: HeapSnapshot,
  result: CollectionResult,
): CollectorPhase[] {
  const n = snapshot.nodeCount;
  const examined: number[] = [];
  const withInternal: number[] = [];
  const tentative: number[] = [];
  const rescued: number[] = [];
  const unreachable: number[] = [];
  let internalTotal = 0;
  let olderReferences = 0;
  const { inCollection, internalRefs, gcRefs } = result;
  for (let v = 0; v < n; v++) {
    if (inCollection[v] !== 1) continue;
    examined.push(v);
    if (internalRefs[v] > 0) {
      withInternal.push(v);
      internalTotal += internalRefs[v];
    }
    if (gcRefs[v] <= 0) {
      tentative.push(v);
      if (result.unreachable[v] === 1) unreachable.push(v);
      else rescued.push(v);
    } else if (result.unreachable[v] === 1) {
      unreachable.push(v);
    }
  }
  // References into the collected generations from tracked objects of older generations count
  // as coming from outside: the reason a young collection cannot free what an old object holds.
  if (result.generation < 2) {
    const { edgeStart, edgeTo, nodeFlags } = snapshot;
    for (let u = 0; u < n; u++) {
      if (inCollection[u] === 1 || (nodeFlags[u] & 1) === 0) continue;
      for (let e = edgeStart[u]; e < edgeStart[u + 1]; e++) {
        if (inCollection[edgeTo[e]] === 1) olderReferences++;
      }
    }
  }
  const weakrefNodes = Array.from(result.clearedWeakrefs, (w) => snapshot.weakrefNode[w]);
  const finalizers = Array.from(result.finalizerNodes);
  const generationText =
    result.generation === 2
      ? 'every generation (a full collection)'
      : `generations 0–${result.generation}`;
  const collectCall = `gc.collect(${result.generation})`;
  return [
    phase(
      snapshot,
      'copy-refcounts',
      1,
      'Reference counts copied',
      `${collectCall} examines the ${plural(examined.length, 'object')} the collector tracks in ${generationText} and copies each one's reference count into gc_refs.` +
        (result.generation < 2 && olderReferences > 0
          ? ` ${plural(olderReferences, 'reference')} from older generations point into them: they count as outside references.`
          : ''),
      examined,
    ),
    phase(
      snapshot,
      'subtract-internal',
      2,
      'Internal references subtracted',
      `For every reference between two examined objects it subtracts one from the target's gc_refs: ${plural(internalTotal, 'internal reference')} into ${plural(withInternal.length, 'object')}.`,
      withInternal,
    ),
    phase(
      snapshot,
      'tentatively-unreachable',
      3,
      'Tentatively unreachable',
      `${plural(tentative.length, 'object')} end with gc_refs 0: nothing outside the examined objects refers to them directly.`,
      tentative,
    ),
    phase(
      snapshot,
      'rescued',
      4,
      'Rescued',
      `${plural(rescued.length, 'object')} of those are reachable from an object referenced from outside (gc_refs > 0), so they survive.`,
      rescued,
    ),
    phase(
      snapshot,
      'unreachable',
      5,
      'Unreachable',
      `${plural(unreachable.length, 'object')} stay unreachable: only other unreachable objects refer to them. The collector will free them.`,
      unreachable,
    ),
    phase(
      snapshot,
      'weakrefs',
      6,
      'Weak references cleared',
      `${plural(weakrefNodes.length, 'weak reference')} to them ${weakrefNodes.length === 1 ? 'is' : 'are'} cleared; ${plural(result.firedCallbacks.length, 'callback')} of weak references that are themselves alive ${result.firedCallbacks.length === 1 ? 'is' : 'are'} queued` +
        (result.finalizeFired.length > 0
          ? ` (including ${plural(result.finalizeFired.length, 'weakref.finalize callback')}).`
          : '.'),
      weakrefNodes,
    ),
    phase(
      snapshot,
      'finalizers',
      7,
      'Finalizers run',
      `${plural(finalizers.length, 'finalizer')} run once each (PEP 442): __del__ methods, and generators' and coroutines' finally blocks.`,
      finalizers,
    ),
    phase(
      snapshot,
      'resurrection',
      8,
      'Resurrection check',
      finalizers.length > 0
        ? 'The collector checks again: any object a finalizer stored somewhere reachable survives (and its finalizer will not run again). Which ones, only the real collection shows.'
        : 'No finalizer runs, so nothing can be resurrected: every unreachable object will be freed.',
      finalizers.length > 0 ? null : [],
    ),
    phase(
      snapshot,
      'freed',
      9,
      'Cleared and freed',
      `The rest is cleared (tp_clear breaks the cycles) and freed: ${plural(unreachable.length, 'object')}, less any resurrected.`,
      unreachable,
    ),
  ];
}
