/**
 * The cycle collector's phases, replayed on a capture: what each phase does to the user's objects,
 * with counts, the objects it touches and a one-sentence explanation. Built from the prediction
 * (collectorPrediction.ts), so the phases and the prediction can never disagree.
 *
 * Phases follow CPython 3.8–3.13's `gc_collect_main` (Modules/gcmodule.c, Python/gc.c in 3.13):
 * update_refs, subtract_refs, move_unreachable (tentative, then rescued), weak references,
 * finalizers (PEP 442), the resurrection check, and clearing.
 */
import type { ViewEdge, ViewNode } from '../../protocol/heapView';
import {
  StepperFlag,
  type StepperData,
  type StepperGeneration,
  type StepperPhaseId,
} from '../../protocol/stepper';
import { NodeFlag } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';
import type { CollectionResult } from './collectorPrediction';

const NODE_TRACKED = NodeFlag.Tracked;
const NODE_IMMORTAL = NodeFlag.Immortal;

export type PhaseId = StepperPhaseId;

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
      : result.generation === 0
        ? 'generation 0 (the youngest)'
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

// --- What the heap view's stepper needs (protocol/stepper.ts StepperData) ---------------------

/** Most older-generation objects the stepper adds to a view (per generation). */
export const MAX_STEPPER_OLDER_ROOTS = 120;
/** Most references from those objects into the view the stepper adds (per generation). */
export const MAX_STEPPER_OLDER_EDGES = 400;
/** Most weak references to the view's objects that a collection clears, added (per generation). */
export const MAX_STEPPER_WEAKREFS = 60;

export interface StepperDataOptions {
  /** ViewNode of any node (the engine's ViewNodes / ViewSession), for objects the view lacks. */
  viewNode(v: number): ViewNode;
  maxOlderRoots?: number;
}

/**
 * The stepper's per-object numbers for `ids` (the objects a view shows and embeds) in each of
 * `gc.collect(0)`, `(1)` and `(2)`: references from examined objects (subtracted), gc_refs,
 * references from older generations, and what each phase does to the object; plus the
 * older-generation objects that refer into the view's examined objects (a young collection's
 * external roots), added to what the view can draw. Bounded by `ids` and the caps above.
 */
export function stepperData(
  snapshot: HeapSnapshot,
  generations: readonly CollectionResult[],
  ids: readonly number[],
  options: StepperDataOptions,
): StepperData {
  const n = snapshot.nodeCount;
  const known = new Set<number>();
  const list: number[] = [];
  for (const v of ids) {
    if (Number.isInteger(v) && v >= 0 && v < n && !known.has(v)) {
      known.add(v);
      list.push(v);
    }
  }
  const extraNodes = new Map<number, ViewNode>();
  const extraEdges: ViewEdge[] = [];
  const edgeSeen = new Set<string>();
  const maxRoots = options.maxOlderRoots ?? MAX_STEPPER_OLDER_ROOTS;
  const { edgeStart, edgeTo, nodeFlags } = snapshot;
  const out: StepperGeneration[] = [];
  const perGeneration: {
    result: CollectionResult;
    fromOlder: Int32Array;
    older: Set<number>;
    cleared: number[];
  }[] = [];
  for (const result of generations) {
    const fromOlder = new Int32Array(n);
    const older = new Set<number>();
    let olderReferences = 0;
    let edgesAdded = 0;
    const inS = result.inCollection;
    // Every tracked object outside the collection is in an older generation (or frozen: the
    // permanent generation is never examined either).
    {
      const wanted: number[] = [];
      for (let u = 0; u < n; u++) {
        if (inS[u] === 1 || (nodeFlags[u] & NODE_TRACKED) === 0) continue;
        let intoView = false;
        for (let e = edgeStart[u]; e < edgeStart[u + 1]; e++) {
          const t = edgeTo[e];
          if (inS[t] !== 1) continue;
          fromOlder[t]++;
          olderReferences++;
          if (known.has(t)) intoView = true;
        }
        if (intoView) wanted.push(u);
      }
      // Those the view already has first, then the others (bounded).
      wanted.sort((a, b) => Number(known.has(b)) - Number(known.has(a)) || a - b);
      for (const u of wanted) {
        const inView = known.has(u) || extraNodes.has(u);
        if (!inView && older.size >= maxRoots) continue;
        older.add(u);
        if (!inView) extraNodes.set(u, options.viewNode(u));
        for (let e = edgeStart[u]; e < edgeStart[u + 1]; e++) {
          const t = edgeTo[e];
          if (inS[t] !== 1 || !known.has(t) || edgesAdded >= MAX_STEPPER_OLDER_EDGES) continue;
          const label = snapshot.edgeLabel(e);
          const key = `${u}>${t}>${label}`;
          if (edgeSeen.has(key)) continue;
          edgeSeen.add(key);
          extraEdges.push({ from: u, to: t, label, weak: false });
          edgesAdded++;
        }
      }
    }
    // The weak references this collection clears whose referent the view shows (phase 6).
    const cleared: number[] = [];
    for (const w of result.clearedWeakrefs) {
      const r = snapshot.weakrefReferent[w];
      const node = snapshot.weakrefNode[w];
      if (r < 0 || !known.has(r) || cleared.length >= MAX_STEPPER_WEAKREFS) continue;
      if (!known.has(node) && !extraNodes.has(node)) extraNodes.set(node, options.viewNode(node));
      cleared.push(node);
      const key = `${node}>${r}>weak`;
      if (!edgeSeen.has(key)) {
        edgeSeen.add(key);
        extraEdges.push({ from: node, to: r, label: '', weak: true });
      }
    }
    perGeneration.push({ result, fromOlder, older, cleared });
    out.push({
      generation: result.generation,
      phases: collectorPhases(snapshot, result).map(({ nodes: _nodes, ...rest }) => rest),
      internal: [],
      gcRefs: [],
      fromOlder: [],
      flags: [],
      olderRoots: [],
      olderReferences,
      clearedWeakrefs: cleared,
    });
  }
  // The per-object arrays cover the view's objects and the older roots added to it.
  const all = [...list, ...[...extraNodes.keys()].filter((v) => !known.has(v))];
  const weakrefOf = new Map<number, number>();
  for (let w = 0; w < snapshot.weakrefNode.length; w++) weakrefOf.set(snapshot.weakrefNode[w], w);
  perGeneration.forEach(({ result, fromOlder, older }, g) => {
    const cleared = new Set(result.clearedWeakrefs);
    const fired = new Set(result.firedCallbacks);
    const finalizers = new Set(result.finalizerNodes);
    const target = out[g];
    for (const v of all) {
      const examined = result.inCollection[v] === 1;
      let flags = 0;
      if (examined) {
        flags |= StepperFlag.Examined;
        if (result.gcRefs[v] <= 0) flags |= StepperFlag.Tentative;
        if (result.gcRefs[v] > 0 || (nodeFlags[v] & NODE_IMMORTAL) !== 0)
          flags |= StepperFlag.External;
      }
      if (result.unreachable[v] === 1) flags |= StepperFlag.Unreachable;
      if (finalizers.has(v)) flags |= StepperFlag.Finalizer;
      const w = weakrefOf.get(v);
      if (w !== undefined && cleared.has(w)) {
        flags |= StepperFlag.WeakrefCleared;
        if (fired.has(w)) flags |= StepperFlag.CallbackFires;
      }
      if (older.has(v)) flags |= StepperFlag.OlderRoot;
      target.internal.push(examined ? result.internalRefs[v] : 0);
      target.gcRefs.push(examined ? result.gcRefs[v] : 0);
      target.fromOlder.push(fromOlder[v]);
      target.flags.push(flags);
    }
    target.olderRoots = [...older];
  });
  return {
    ids: all,
    nodes: [...extraNodes.values()],
    edges: extraEdges,
    incremental: snapshot.meta.gc.incremental === true,
    generations: out,
  };
}
