/**
 * Predicts what `gc.collect(g)` started at the capture point finds unreachable, replaying
 * CPython's algorithm (Modules/gcmodule.c, Python/gc.c) on the snapshot:
 *
 *   update_refs     gc_refs = refcount, for every tracked object of generations 0..g (the set S)
 *   subtract_refs   for every edge u → v with u, v ∈ S: gc_refs[v] -= 1 (with multiplicity)
 *   move_unreachable  objects of S with gc_refs > 0 are referenced from outside S; everything
 *                   reachable from them through S survives; the rest of S is unreachable
 *   finalize        tp_finalize runs on unreachable objects whose finalizer has not run (PEP 442)
 *   handle_weakrefs weak references to unreachable objects are cleared; the callback of such a
 *                   weak reference runs when the weak reference itself is not unreachable
 *
 * Edges from untracked objects or from older generations never subtract: they are "outside".
 * Objects in the permanent generation (encoded as generation 3, `gc.freeze()`) are never in S.
 * Objects another thread let go of during the capture are freed by reference counting before any
 * collection (releasedDuringCapture.ts): they are never in S, and their references do not count.
 */
import { NodeFlag, TypeFlag } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';
import { releasedDuringCapture } from './releasedDuringCapture';
import { giveBack, scratchInt32, scratchUint32 } from './scratch';

// The protocol's flag objects read once: hot loops must not go through a module binding
// (under tsx every access to an imported object is a getter call).
const NODE_TRACKED = NodeFlag.Tracked;
const NODE_GENERATION_MASK = NodeFlag.GenerationMask;
const NODE_GENERATION_SHIFT = NodeFlag.GenerationShift;
const NODE_IMMORTAL = NodeFlag.Immortal;
const TYPE_HAS_FINALIZER = TypeFlag.HasFinalizer;
const NODE_FINALIZED = NodeFlag.Finalized;

export interface CollectionResult {
  /** The generation collected: 0, 1 or 2 (2 = full collection). */
  generation: number;
  /** 1 for the objects the collection examines: tracked, generation ≤ `generation`. */
  inCollection: Uint8Array;
  /** Number of objects examined (|S|). */
  examined: number;
  /**
   * Reference counts the collection starts from: the snapshot's column (not a copy), or, when
   * another thread let go of objects during the capture, the counts once those are freed.
   */
  refcount: Uint32Array;
  /** Per node of S: references from other objects of S (edges, with multiplicity). 0 outside S. */
  internalRefs: Int32Array;
  /** Per node of S: refcount − internalRefs (before clamping). 0 outside S. */
  gcRefs: Int32Array;
  /**
   * Objects of S whose gc_refs came out negative: more visible references than the reference
   * count allows, a sign the capture is inexact. They are treated as gc_refs 0.
   */
  negativeGcRefs: number;
  /** Objects of S referenced from outside S (gc_refs > 0, or immortal): where survival starts. */
  externalRoots: number;
  /** 1 for the objects this collection finds unreachable. */
  unreachable: Uint8Array;
  unreachableCount: number;
  /** Sum of shallow sizes of the unreachable objects. */
  unreachableBytes: number;
  /** Unreachable objects per type index. */
  unreachableByType: Uint32Array;
  /** Unreachable objects whose finalizer would run, in node order. */
  finalizerNodes: Uint32Array;
  /** The same, per type index. */
  finalizersByType: Uint32Array;
  /** Weak-reference records (indices into the weakref columns) that would be cleared. */
  clearedWeakrefs: Uint32Array;
  /** Weak-reference records whose callback would be called. */
  firedCallbacks: Uint32Array;
  /** `weakref.finalize` records (indices into `finalizers`) whose referent is freed. */
  finalizeFired: number[];
}

const INT32_MAX = 0x7fffffff;
/** Where a result keeps its `internalRefs`/`gcRefs` source (not enumerable). */
const COLUMNS = Symbol('gcRefColumns');

/** Predicts one collection of generations 0..generation. */
export function predictCollection(snapshot: HeapSnapshot, generation: number): CollectionResult {
  const set = examinedSet(snapshot, generation);
  const counts = internalReferences(snapshot, set.inS, scratchInt32(snapshot.nodeCount, true));
  return predictFromCounts(snapshot, generation, set, counts);
}

/**
 * The youngest generation whose collection examines node `v`: its own (0..2) when it is tracked
 * and the capture did not see it released, else NOT_EXAMINED.
 */
function examinedFrom(flags: Uint8Array, released: Uint8Array, v: number): number {
  const f = flags[v];
  if ((f & NODE_TRACKED) === 0 || released[v] !== 0) return NOT_EXAMINED;
  return (f & NODE_GENERATION_MASK) >> NODE_GENERATION_SHIFT;
}

/** Above every generation a collection examines. */
const NOT_EXAMINED = 3;

/** S: tracked objects of generations 0..g that the capture did not see released. */
function examinedSet(
  snapshot: HeapSnapshot,
  generation: number,
): { inS: Uint8Array; examined: number } {
  const n = snapshot.nodeCount;
  const flags = snapshot.nodeFlags;
  const { released } = releasedDuringCapture(snapshot);
  const inS = new Uint8Array(n);
  let examined = 0;
  for (let v = 0; v < n; v++) {
    if (examinedFrom(flags, released, v) <= generation) {
      inS[v] = 1;
      examined++;
    }
  }
  return { inS, examined };
}

/**
 * The prediction from S and subtract_refs' counts (`internalRefs`, scratch, given back: the
 * counts are kept only while needed, `gcRefCounts` gives them on demand).
 */
function predictFromCounts(
  snapshot: HeapSnapshot,
  generation: number,
  { inS, examined }: { inS: Uint8Array; examined: number },
  internalRefs: Int32Array,
): CollectionResult {
  const n = snapshot.nodeCount;
  const flags = snapshot.nodeFlags;
  const { refcount } = releasedDuringCapture(snapshot);
  const edgeStart = snapshot.edgeStart;
  const edgeTo = snapshot.edgeTo;

  // update_refs − subtract_refs, and the objects referenced from outside.
  const queue = scratchUint32(examined);
  const reached = new Uint8Array(n);
  let negativeGcRefs = 0;
  let tail = 0;
  for (let v = 0; v < n; v++) {
    if (inS[v] === 0) continue;
    const rc = refcount[v] > INT32_MAX ? INT32_MAX : refcount[v];
    const g = rc - internalRefs[v];
    if (g < 0) negativeGcRefs++;
    if (g > 0 || (flags[v] & NODE_IMMORTAL) !== 0) {
      reached[v] = 1;
      queue[tail++] = v;
    }
  }
  giveBack(internalRefs);
  const externalRoots = tail;

  // move_unreachable: everything reachable through S from an externally referenced object.
  for (let head = 0; head < tail; head++) {
    const u = queue[head];
    const end = edgeStart[u + 1];
    for (let e = edgeStart[u]; e < end; e++) {
      const t = edgeTo[e];
      if (inS[t] === 1 && reached[t] === 0) {
        reached[t] = 1;
        queue[tail++] = t;
      }
    }
  }

  giveBack(queue);

  // The rest of S is unreachable: `reached` becomes the unreachable bitmap in place.
  const unreachable = reached;
  const typeCount = snapshot.types.length;
  const unreachableByType = new Uint32Array(typeCount);
  const finalizersByType = new Uint32Array(typeCount);
  const typeFlags = snapshot.typeFlags;
  const nodeType = snapshot.nodeType;
  const size = snapshot.nodeSize;
  let unreachableCount = 0;
  let unreachableBytes = 0;
  let finalizerCount = 0;
  for (let v = 0; v < n; v++) {
    if (inS[v] === 1 && reached[v] === 0) {
      unreachable[v] = 1;
      unreachableCount++;
      unreachableBytes += size[v];
      const t = nodeType[v];
      unreachableByType[t]++;
      if ((typeFlags[t] & TYPE_HAS_FINALIZER) !== 0 && (flags[v] & NODE_FINALIZED) === 0) {
        finalizersByType[t]++;
        finalizerCount++;
      }
    } else {
      unreachable[v] = 0;
    }
  }
  const finalizerNodes = new Uint32Array(finalizerCount);
  if (finalizerCount > 0) {
    let k = 0;
    for (let v = 0; v < n; v++) {
      if (
        unreachable[v] === 1 &&
        (typeFlags[nodeType[v]] & TYPE_HAS_FINALIZER) !== 0 &&
        (flags[v] & NODE_FINALIZED) === 0
      ) {
        finalizerNodes[k++] = v;
      }
    }
  }

  // handle_weakrefs.
  const cleared: number[] = [];
  const fired: number[] = [];
  const wNode = snapshot.weakrefNode;
  const wReferent = snapshot.weakrefReferent;
  const wCallback = snapshot.weakrefCallback;
  for (let w = 0; w < wNode.length; w++) {
    const r = wReferent[w];
    if (r < 0 || unreachable[r] === 0) continue;
    cleared.push(w);
    if (wCallback[w] >= 0 && unreachable[wNode[w]] === 0) fired.push(w);
  }
  const finalizeFired: number[] = [];
  snapshot.finalizers.forEach((f, i) => {
    if (f.referent >= 0 && unreachable[f.referent] === 1) finalizeFired.push(i);
  });

  return withGcRefs(snapshot, {
    generation,
    inCollection: inS,
    examined,
    refcount,
    negativeGcRefs,
    externalRoots,
    unreachable,
    unreachableCount,
    unreachableBytes,
    unreachableByType,
    finalizerNodes,
    finalizersByType,
    clearedWeakrefs: Uint32Array.from(cleared),
    firedCallbacks: Uint32Array.from(fired),
    finalizeFired,
  });
}

/** Per node of S (`inS`): references from other objects of S, added into `counts`. */
function internalReferences(
  snapshot: HeapSnapshot,
  inS: Uint8Array,
  counts: Int32Array,
): Int32Array {
  const n = snapshot.nodeCount;
  const edgeStart = snapshot.edgeStart;
  const edgeTo = snapshot.edgeTo;
  for (let u = 0; u < n; u++) {
    if (inS[u] === 0) continue;
    const end = edgeStart[u + 1];
    for (let e = edgeStart[u]; e < end; e++) {
      const t = edgeTo[e];
      if (inS[t] === 1) counts[t]++;
    }
  }
  return counts;
}

type GcRefColumns = Pick<CollectionResult, 'internalRefs' | 'gcRefs'>;

/** `internalRefs` and `gcRefs` of a collection, computed again (only the stepper reads them). */
function gcRefCounts(snapshot: HeapSnapshot, inS: Uint8Array, refcount: Uint32Array): GcRefColumns {
  const n = snapshot.nodeCount;
  const internalRefs = internalReferences(snapshot, inS, new Int32Array(n));
  const gcRefs = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    if (inS[v] === 0) continue;
    const rc = refcount[v] > INT32_MAX ? INT32_MAX : refcount[v];
    gcRefs[v] = rc - internalRefs[v];
  }
  return { internalRefs, gcRefs };
}

/**
 * The result with `internalRefs` and `gcRefs` computed on first read: two columns per node that
 * only the stepper shows, not kept for every analysis. `columns` shares them with another result
 * that examines the same objects.
 */
function withGcRefs(
  snapshot: HeapSnapshot,
  result: Omit<CollectionResult, keyof GcRefColumns>,
  columns: () => GcRefColumns = lazyColumns(snapshot, result),
): CollectionResult {
  return Object.defineProperties(result, {
    internalRefs: { get: () => columns().internalRefs, enumerable: true },
    gcRefs: { get: () => columns().gcRefs, enumerable: true },
    [COLUMNS]: { value: columns },
  }) as CollectionResult;
}

function lazyColumns(
  snapshot: HeapSnapshot,
  result: Omit<CollectionResult, keyof GcRefColumns>,
): () => GcRefColumns {
  let columns: GcRefColumns | null = null;
  return () => (columns ??= gcRefCounts(snapshot, result.inCollection, result.refcount));
}

/** Examined sets as `examinedSet` makes them. */
interface ExaminedSet {
  inS: Uint8Array;
  examined: number;
}

/**
 * In one pass: the sets `gc.collect(0)` and `gc.collect(2)` examine, and how many objects
 * `gc.collect(1)` examines. Each set holds the one before it, so equal counts mean equal sets.
 */
function youngestAndFull(snapshot: HeapSnapshot): {
  young: ExaminedSet;
  full: ExaminedSet;
  middleExamined: number;
} {
  const n = snapshot.nodeCount;
  const flags = snapshot.nodeFlags;
  const { released } = releasedDuringCapture(snapshot);
  const inYoung = new Uint8Array(n);
  const inFull = new Uint8Array(n);
  let young = 0;
  let middle = 0;
  let full = 0;
  for (let v = 0; v < n; v++) {
    const g = examinedFrom(flags, released, v);
    if (g > 2) continue;
    inFull[v] = 1;
    full++;
    if (g === 0) {
      inYoung[v] = 1;
      young++;
    } else if (g === 1) {
      middle++;
    }
  }
  return {
    young: { inS: inYoung, examined: young },
    full: { inS: inFull, examined: full },
    middleExamined: young + middle,
  };
}

/**
 * The prediction for `generation` when it examines the same objects as `same` did: the same
 * result (its arrays shared, never written after they are made).
 */
function sameObjectsAs(
  snapshot: HeapSnapshot,
  same: CollectionResult,
  generation: number,
): CollectionResult {
  const columns = (same as unknown as Record<symbol, () => GcRefColumns>)[COLUMNS];
  return withGcRefs(
    snapshot,
    {
      generation,
      inCollection: same.inCollection,
      examined: same.examined,
      refcount: same.refcount,
      negativeGcRefs: same.negativeGcRefs,
      externalRoots: same.externalRoots,
      unreachable: same.unreachable,
      unreachableCount: same.unreachableCount,
      unreachableBytes: same.unreachableBytes,
      unreachableByType: same.unreachableByType,
      finalizerNodes: same.finalizerNodes,
      finalizersByType: same.finalizersByType,
      clearedWeakrefs: same.clearedWeakrefs,
      firedCallbacks: same.firedCallbacks,
      finalizeFired: [...same.finalizeFired],
    },
    columns,
  );
}

/**
 * Predictions for `gc.collect(0)`, `gc.collect(1)` and `gc.collect(2)`. A collection that
 * examines the same objects as the younger one (no object in the generations it adds, as when
 * everything is young) finds the same: it is not computed again.
 */
export function predictAllGenerations(
  snapshot: HeapSnapshot,
): [CollectionResult, CollectionResult, CollectionResult] {
  const { young, full, middleExamined } = youngestAndFull(snapshot);
  const middleAdds = middleExamined !== young.examined;
  const oldAdds = full.examined !== middleExamined;
  if (!middleAdds && !oldAdds) {
    const g0 = predictFromCounts(
      snapshot,
      0,
      young,
      internalReferences(snapshot, young.inS, scratchInt32(snapshot.nodeCount, true)),
    );
    const g1 = sameObjectsAs(snapshot, g0, 1);
    return [g0, g1, sameObjectsAs(snapshot, g1, 2)];
  }
  // The youngest and the largest collection counted in one pass over the references (without
  // objects of generation 2, the largest is gc.collect(1): the same set as the full one).
  const outerGeneration = oldAdds ? 2 : 1;
  const outer = full;
  const [youngCounts, outerCounts] = nestedInternalReferences(snapshot, young.inS, outer.inS);
  const g0 = predictFromCounts(snapshot, 0, young, youngCounts);
  const gOuter = predictFromCounts(snapshot, outerGeneration, outer, outerCounts);
  const g1 = !middleAdds
    ? sameObjectsAs(snapshot, g0, 1)
    : outerGeneration === 1
      ? gOuter
      : predictCollection(snapshot, 1);
  const g2 = oldAdds ? gOuter : sameObjectsAs(snapshot, g1, 2);
  return [g0, g1, g2];
}

/**
 * subtract_refs' counts for two examined sets, `inner` within `outer`, in one pass over the
 * references (scratch arrays, for `predictFromCounts`).
 */
function nestedInternalReferences(
  snapshot: HeapSnapshot,
  inner: Uint8Array,
  outer: Uint8Array,
): [Int32Array, Int32Array] {
  const n = snapshot.nodeCount;
  const innerCounts = scratchInt32(n, true);
  const outerCounts = scratchInt32(n, true);
  const edgeStart = snapshot.edgeStart;
  const edgeTo = snapshot.edgeTo;
  for (let u = 0; u < n; u++) {
    if (outer[u] === 0) continue;
    const end = edgeStart[u + 1];
    if (inner[u] === 1) {
      for (let e = edgeStart[u]; e < end; e++) {
        const t = edgeTo[e];
        if (outer[t] === 1) {
          outerCounts[t]++;
          if (inner[t] === 1) innerCounts[t]++;
        }
      }
    } else {
      for (let e = edgeStart[u]; e < end; e++) {
        const t = edgeTo[e];
        if (outer[t] === 1) outerCounts[t]++;
      }
    }
  }
  return [innerCounts, outerCounts];
}
