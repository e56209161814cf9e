/**
 * Growth over many captures of one process, kept incrementally ("Track Growth Here"): only the
 * first capture and the latest are held, with what maps the latest's objects to the first's
 * (pair by pair, as heapDiff.ts does for a list of captures) and the object counts per type at
 * each capture, bounded. Memory stays the size of two captures however many stops there are.
 */
import type { GrowthDiff, GrowthStop, GrowthTrack } from '../../protocol/growth';
import { consecutiveProblem, IdentityError, matchConsecutive } from './captureIdentity';
import type { HeapSnapshot } from './heapSnapshot';
import { captureRecord, notes, suspectGroups, totals, typeGrowth } from './heapDiff';

/** Stops whose per-type counts are kept: the first and the most recent ones. */
export const MAX_COUNTED_STOPS = 60;

function countsByType(s: HeapSnapshot): Map<string, number> {
  const counts = new Map<string, number>();
  for (let v = 0; v < s.nodeCount; v++) {
    const name = s.typeName(v);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

export class GrowthChain {
  private readonly first: HeapSnapshot;
  private latest: HeapSnapshot;
  /** Per object of the latest capture: its node in the first capture, or -1 (new since). */
  private toFirst: Int32Array;
  /** Per object of the latest capture: the stop number where it was first seen. */
  private born: Int32Array;
  private stopCount = 1;
  private readonly stops: GrowthStop[];
  private readonly counts: Map<string, number>[];
  /** Per stop after the first: objects first seen there. */
  private readonly fresh = new Map<number, number>();
  private readonly identity = { exact: 0, inferred: 0, reusedAddress: 0 };
  private incomplete: HeapSnapshot | null = null;

  constructor(
    first: HeapSnapshot,
    private readonly maxCountedStops = MAX_COUNTED_STOPS,
  ) {
    this.first = first;
    this.latest = first;
    this.toFirst = Int32Array.from({ length: first.nodeCount }, (_, v) => v);
    this.born = new Int32Array(first.nodeCount).fill(1);
    this.stops = [{ stop: 1, capture: captureRecord(first, undefined) }];
    this.counts = [countsByType(first)];
    this.noteIncomplete(first);
  }

  get stopsSeen(): number {
    return this.stopCount;
  }

  /** The next capture of the same process; throws IdentityError when it does not follow the latest. */
  add(next: HeapSnapshot): void {
    const problem = consecutiveProblem(this.latest, next);
    if (problem !== null) throw new IdentityError(problem);
    const { earlier, counts } = matchConsecutive(this.latest, next);
    const stop = ++this.stopCount;
    const toFirst = new Int32Array(next.nodeCount);
    const born = new Int32Array(next.nodeCount);
    let fresh = 0;
    for (let v = 0; v < next.nodeCount; v++) {
      const u = earlier[v];
      toFirst[v] = u >= 0 ? this.toFirst[u] : -1;
      born[v] = u >= 0 ? this.born[u] : stop;
      if (u < 0) fresh++;
    }
    this.toFirst = toFirst;
    this.born = born;
    this.latest = next;
    this.fresh.set(stop, fresh);
    this.identity.exact += counts.exact;
    this.identity.inferred += counts.inferred;
    this.identity.reusedAddress += counts.reusedAddress;
    this.noteIncomplete(next);
    this.stops.push({ stop, capture: captureRecord(next, undefined) });
    this.counts.push(countsByType(next));
    if (this.stops.length > this.maxCountedStops) {
      // The first stop stays: it is what the latest is compared with.
      const [dropped] = this.stops.splice(1, 1);
      this.counts.splice(1, 1);
      this.fresh.delete(dropped.stop);
    }
  }

  private noteIncomplete(s: HeapSnapshot): void {
    if (s.identity && !s.identity.complete) this.incomplete = s;
  }

  /** The counts per stop, and the latest stop compared with the first. */
  track(): GrowthTrack {
    const perStop: Record<string, number[]> = {};
    const firstCounts = this.counts[0];
    const lastCounts = this.counts[this.counts.length - 1];
    const grew = [...lastCounts.entries()]
      .filter(([name, n]) => n > (firstCounts.get(name) ?? 0))
      .map(([name, n]) => ({ name, d: n - (firstCounts.get(name) ?? 0) }))
      .sort((a, b) => b.d - a.d || (a.name < b.name ? -1 : 1));
    for (const { name } of grew) perStop[name] = this.counts.map((c) => c.get(name) ?? 0);
    if (this.latest === this.first) {
      return {
        stops: [...this.stops],
        perStop,
        comparison: null,
        newExample: {},
        suspectExample: [],
      };
    }
    const { first, latest } = this;
    const isNew = new Uint8Array(latest.nodeCount);
    const kept = new Uint8Array(first.nodeCount);
    const newExample: Record<string, string> = {};
    for (let v = 0; v < latest.nodeCount; v++) {
      const u = this.toFirst[v];
      if (u >= 0) {
        kept[u] = 1;
        continue;
      }
      isNew[v] = 1;
      const name = latest.typeName(v);
      if (!(name in newExample)) newExample[name] = latest.addressHex(v);
    }
    const groups = suspectGroups(latest, isNew);
    const comparison: GrowthDiff = {
      format: 'python-heap-inspector-growth',
      pid: latest.meta.capture.pid,
      python: latest.meta.python.versionString,
      captures: this.stops.map((s) => s.capture),
      byType: typeGrowth(first, latest, isNew, kept),
      suspects: groups.map((g) => g.suspect),
      identity: { ...this.identity },
      totals: totals(first, latest, isNew, kept),
      notes: [],
    };
    if (this.stops.length >= 3) {
      comparison.perHit = perStop;
      comparison.growsAtEveryStep = Object.keys(perStop).filter((name) =>
        perStop[name].every((c, k) => k === 0 || c > perStop[name][k - 1]),
      );
      comparison.survivors = this.stops.slice(1).map((s) => {
        let survived = 0;
        for (const b of this.born) if (b === s.stop) survived++;
        return { capture: s.capture.capture, new: this.fresh.get(s.stop) ?? 0, survived };
      });
    }
    const seen = [first, latest, ...(this.incomplete ? [this.incomplete] : [])];
    comparison.notes = notes(seen, comparison);
    return {
      stops: [...this.stops],
      perStop,
      comparison,
      newExample,
      suspectExample: groups.map((g) => latest.addressHex(g.example)),
    };
  }
}
