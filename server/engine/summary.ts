/** The JSON summary (protocol/summary.ts) of a snapshot and its analysis. */
import type {
  CollectionPrediction,
  CycleSummary,
  FinalizeEntrySummary,
  Summary,
  TypeCount,
} from '../../protocol/summary';
import { TypeFlag } from '../../protocol/snapshot';
import { analyze, type Analysis } from './analysis';
import type { CollectionResult } from './collectorPrediction';
import type { HeapSnapshot } from './heapSnapshot';
import type { GcState } from '../../protocol/snapshot';
import { summarizeOtherThreads } from './otherThreads';
import { releasedDuringCapture } from './releasedDuringCapture';
import { retainedQueries } from './retainedQueries';

/** At most this many cycles are listed. */
export const MAX_CYCLES = 200;
/** At most this many addresses per cycle. */
export const MAX_CYCLE_ADDRESSES = 20;

export function summarize(snapshot: HeapSnapshot, analysis: Analysis = analyze(snapshot)): Summary {
  const meta = snapshot.meta;
  const n = snapshot.nodeCount;
  const full = analysis.full;

  let tracked = 0;
  let bytes = 0;
  const byGeneration = [0, 0, 0];
  for (let v = 0; v < n; v++) {
    bytes += snapshot.nodeSize[v];
    const g = snapshot.generation(v);
    if (g === null) continue;
    tracked++;
    if (g < byGeneration.length) byGeneration[g]++;
  }

  let dead = 0;
  for (let w = 0; w < snapshot.weakrefCount; w++) if (snapshot.weakrefReferent[w] < 0) dead++;

  const entries: FinalizeEntrySummary[] = analysis.finalize.verdicts.map((v) => ({
    address: snapshot.addressHex(v.record.node),
    referentType: v.record.referent >= 0 ? snapshot.typeName(v.record.referent) : null,
    referentAddress: v.record.referent >= 0 ? snapshot.addressHex(v.record.referent) : null,
    func: v.record.funcName,
    atexit: v.record.atexit,
    selfDefeating: v.selfDefeating,
    willFire: v.willFire,
  }));

  return {
    schema: 'python-heap-inspector-summary',
    version: 1,
    capture: {
      file: meta.capture?.file ?? '',
      line: meta.capture?.line ?? 0,
      function: meta.capture?.function ?? '',
      python: meta.python?.versionString ?? '',
      pid: meta.capture?.pid ?? 0,
      time: meta.capture?.time ?? 0,
    },
    heap: {
      objects: n,
      tracked,
      references: snapshot.edgeCount,
      bytes,
      byGeneration,
    },
    unreachable: {
      count: full.unreachableCount,
      byType: byTypeName(snapshot, full.unreachableByType),
      bytes: full.unreachableBytes,
    },
    finalizers: {
      del: {
        count: full.finalizerNodes.length,
        byType: byTypeName(snapshot, full.finalizersByType),
      },
      ...delIsNone(snapshot, full),
      weakrefFinalize: {
        pending: snapshot.finalizers.length,
        selfDefeating: analysis.finalize.selfDefeating,
        willFire: analysis.finalize.willFire,
        atexit: snapshot.finalizers.filter((f) => f.atexit).length,
        entries,
      },
    },
    weakrefs: {
      total: snapshot.weakrefCount,
      dead,
      cleared: full.clearedWeakrefs.length,
      callbacksFired: full.firedCallbacks.length,
    },
    generations: analysis.generations.map((g) => collectionPrediction(snapshot, g)),
    cycles: summarizeCycles(snapshot, analysis),
    gc: meta.gc,
    warnings: [...(meta.warnings ?? []), ...scheduleWarnings(meta.gc)],
    ...otherThreadsField(meta, releasedDuringCapture(snapshot).count),
    retained: retainedQueries(analysis).summary(),
  };
}

/** When automatic collections may not have matched plain python's, say so and why. */
export function scheduleWarnings(gc: GcState | undefined): string[] {
  const schedule = gc?.schedule;
  if (!schedule || schedule.exact || !gc.enabled) return [];
  return [
    `Automatic collections may not have come at the same moments as under plain python, so what is pending at this line can differ from a plain run: ${schedule.reasons.join('; ')}.`,
  ];
}

/** `{otherThreads}` when the snapshot says what other threads did, else nothing (older agents). */
function otherThreadsField(
  meta: HeapSnapshot['meta'],
  releasedObjects: number,
): Pick<Summary, 'otherThreads'> {
  const otherThreads = summarizeOtherThreads(meta, releasedObjects);
  return otherThreads ? { otherThreads } : {};
}

export function collectionPrediction(
  snapshot: HeapSnapshot,
  result: CollectionResult,
): CollectionPrediction {
  return {
    generation: result.generation,
    count: result.unreachableCount,
    byType: byTypeName(snapshot, result.unreachableByType),
    bytes: result.unreachableBytes,
    finalizers: {
      count: result.finalizerNodes.length,
      byType: byTypeName(snapshot, result.finalizersByType),
    },
    weakrefsCleared: result.clearedWeakrefs.length,
    callbacksFired: result.firedCallbacks.length,
    finalizeCallbacksFired: result.finalizeFired.length,
  };
}

/** `{delIsNone}` for the pending finalizers whose class binds `__del__` to None, or `{}`. */
function delIsNone(snapshot: HeapSnapshot, result: CollectionResult): { delIsNone?: TypeCount } {
  const perType = new Uint32Array(snapshot.types.length);
  let count = 0;
  for (const v of result.finalizerNodes) {
    if ((snapshot.flagsOfType(v) & TypeFlag.DelIsNone) === 0) continue;
    perType[snapshot.nodeType[v]]++;
    count++;
  }
  return count === 0 ? {} : { delIsNone: { count, byType: byTypeName(snapshot, perType) } };
}

/** Per-type-index counts to `{typeName: count}` (types sharing a name are added), largest first. */
export function byTypeName(snapshot: HeapSnapshot, perType: Uint32Array): Record<string, number> {
  const acc = new Map<string, number>();
  for (let t = 0; t < perType.length; t++) {
    if (perType[t] === 0) continue;
    const name = snapshot.types[t].name;
    acc.set(name, (acc.get(name) ?? 0) + perType[t]);
  }
  const sorted = [...acc].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(sorted);
}

export interface CycleInfo {
  /** SCC id. */
  component: number;
  size: number;
  /** Members that the full collection frees. */
  unreachableMembers: number;
  /** Member node indices, in node order. */
  members: Uint32Array;
}

/**
 * The cyclic SCCs holding at least one object the full collection frees, largest first (ties:
 * lowest node index first), at most `limit`.
 */
export function unreachableCycles(analysis: Analysis, limit = MAX_CYCLES): CycleInfo[] {
  const { snapshot, scc, full } = analysis;
  const n = snapshot.nodeCount;
  const comp = scc.component;
  // Only a few components hold garbage: they are kept in maps, not in arrays per component.
  const unreachableIn = new Map<number, number>();
  const unreachable = full.unreachable;
  const cyclic = scc.cyclic;
  for (let v = 0; v < n; v++) {
    if (unreachable[v] !== 1) continue;
    const c = comp[v];
    if (cyclic[c] === 1) unreachableIn.set(c, (unreachableIn.get(c) ?? 0) + 1);
  }
  if (unreachableIn.size === 0) return [];
  // Per component: 1 when it holds garbage, 2 once its first node is known.
  const mark = new Uint8Array(scc.count);
  for (const c of unreachableIn.keys()) mark[c] = 1;
  const firstNode = new Map<number, number>();
  for (let v = 0; v < n && firstNode.size < unreachableIn.size; v++) {
    const c = comp[v];
    if (mark[c] === 1) {
      mark[c] = 2;
      firstNode.set(c, v);
    }
  }
  const picked = [...unreachableIn.keys()];
  picked.sort((a, b) => scc.size[b] - scc.size[a] || firstNode.get(a)! - firstNode.get(b)!);
  if (picked.length > limit) picked.length = limit;

  mark.fill(0);
  const slot = new Map<number, number>();
  const members = picked.map((c, i) => {
    mark[c] = 1;
    slot.set(c, i);
    return new Uint32Array(scc.size[c]);
  });
  const fill = new Uint32Array(picked.length);
  const from = Math.min(...picked.map((c) => firstNode.get(c)!));
  for (let v = from; v < n; v++) {
    if (mark[comp[v]] === 0) continue;
    const i = slot.get(comp[v])!;
    members[i][fill[i]++] = v;
  }
  return picked.map((c, i) => ({
    component: c,
    size: scc.size[c],
    unreachableMembers: unreachableIn.get(c)!,
    members: members[i],
  }));
}

function summarizeCycles(snapshot: HeapSnapshot, analysis: Analysis): CycleSummary[] {
  return unreachableCycles(analysis).map((cycle) => {
    const perType = new Uint32Array(snapshot.types.length);
    let finalizers = 0;
    for (const v of cycle.members) {
      perType[snapshot.nodeType[v]]++;
      if (snapshot.hasPendingFinalizer(v)) finalizers++;
    }
    const addresses: string[] = [];
    for (let i = 0; i < Math.min(cycle.members.length, MAX_CYCLE_ADDRESSES); i++) {
      addresses.push(snapshot.addressHex(cycle.members[i]));
    }
    return {
      size: cycle.size,
      unreachable: cycle.unreachableMembers === cycle.size,
      byType: byTypeName(snapshot, perType),
      finalizers,
      addresses,
    };
  });
}
