/**
 * What grew between captures of one process (docs/growth.md): per type, the objects new at the
 * last capture and those freed since the first; the new objects grouped by the object that was
 * already there and holds them (their nearest old dominator in the last capture's dominator
 * tree), with its path written as Python would; and over three or more captures, what grew at
 * every step and what survives from each capture to the last. Identity is object by object
 * (captureIdentity.ts), never by address alone.
 */
import type {
  CaptureRecord,
  GrowthDiff,
  GrowthSuspect,
  Survivors,
  TypeGrowth,
} from '../../protocol/growth';
import { analyze } from './analysis';
import { matchConsecutive, type PairMatch } from './captureIdentity';
import type { HeapSnapshot } from './heapSnapshot';
import { RootReason } from './retainedGraph';
import { retainedQueries } from './retainedQueries';
import { namespaceDicts } from './retainedTop';
import { countText } from './countText';

/** At most this many suspects are listed. */
export const MAX_SUSPECTS = 50;

const number = { format: countText }; // made on first use (countText.ts)

/** Compares captures of one process, in capture order (two or more). */
export function diffCaptures(snapshots: HeapSnapshot[], hits?: number[]): GrowthDiff {
  if (snapshots.length < 2) throw new Error('diffCaptures needs two captures or more');
  const pairs: PairMatch[] = [];
  for (let k = 1; k < snapshots.length; k++) {
    pairs.push(matchConsecutive(snapshots[k - 1], snapshots[k]));
  }
  // born[k][v]: the capture where node v of capture k was first seen; toFirst: its node there.
  const born: Int32Array[] = [new Int32Array(snapshots[0].nodeCount)];
  let toFirst = Int32Array.from({ length: snapshots[0].nodeCount }, (_, v) => v);
  for (let k = 1; k < snapshots.length; k++) {
    const { earlier } = pairs[k - 1];
    const n = snapshots[k].nodeCount;
    const b = new Int32Array(n);
    const f = new Int32Array(n);
    for (let v = 0; v < n; v++) {
      const u = earlier[v];
      b[v] = u >= 0 ? born[k - 1][u] : k;
      f[v] = u >= 0 ? toFirst[u] : -1;
    }
    born.push(b);
    toFirst = f;
  }
  const first = snapshots[0];
  const last = snapshots[snapshots.length - 1];
  const isNew = new Uint8Array(last.nodeCount);
  const kept = new Uint8Array(first.nodeCount);
  for (let v = 0; v < last.nodeCount; v++) {
    if (toFirst[v] < 0) isNew[v] = 1;
    else kept[toFirst[v]] = 1;
  }
  const byType = typeGrowth(first, last, isNew, kept);
  const diff: GrowthDiff = {
    format: 'python-heap-inspector-growth',
    pid: last.meta.capture.pid,
    python: last.meta.python.versionString,
    captures: snapshots.map((s, k) => captureRecord(s, hits?.[k])),
    byType,
    suspects: suspects(last, isNew),
    identity: { exact: 0, inferred: 0, reusedAddress: 0 },
    totals: totals(first, last, isNew, kept),
    notes: [],
  };
  for (const p of pairs) {
    diff.identity.exact += p.counts.exact;
    diff.identity.inferred += p.counts.inferred;
    diff.identity.reusedAddress += p.counts.reusedAddress;
  }
  if (snapshots.length >= 3) Object.assign(diff, overTime(snapshots, born, byType));
  diff.notes = notes(snapshots, diff);
  return diff;
}

export function captureRecord(s: HeapSnapshot, hit: number | undefined): CaptureRecord {
  let bytes = 0;
  for (let v = 0; v < s.nodeCount; v++) bytes += s.nodeSize[v];
  return {
    capture: s.identity?.capture ?? 0,
    ...(hit !== undefined ? { hit } : {}),
    file: s.meta.capture.file,
    line: s.meta.capture.line,
    objects: s.nodeCount,
    bytes,
  };
}

export function typeGrowth(
  first: HeapSnapshot,
  last: HeapSnapshot,
  isNew: Uint8Array,
  kept: Uint8Array,
): Record<string, TypeGrowth> {
  const rows = new Map<string, TypeGrowth>();
  const row = (name: string): TypeGrowth => {
    let r = rows.get(name);
    if (!r) rows.set(name, (r = { before: 0, after: 0, new: 0, freed: 0 }));
    return r;
  };
  for (let u = 0; u < first.nodeCount; u++) {
    const r = row(first.typeName(u));
    r.before++;
    if (!kept[u]) r.freed++;
  }
  for (let v = 0; v < last.nodeCount; v++) {
    const r = row(last.typeName(v));
    r.after++;
    if (isNew[v]) r.new++;
  }
  const changed = [...rows.entries()]
    .filter(([, r]) => r.new > 0 || r.freed > 0 || r.before !== r.after)
    .sort(([a, ra], [b, rb]) => rb.new - rb.freed - (ra.new - ra.freed) || (a < b ? -1 : 1));
  return Object.fromEntries(changed);
}

export function totals(
  first: HeapSnapshot,
  last: HeapSnapshot,
  isNew: Uint8Array,
  kept: Uint8Array,
): GrowthDiff['totals'] {
  const t = {
    before: { objects: first.nodeCount, bytes: 0 },
    after: { objects: last.nodeCount, bytes: 0 },
    new: { objects: 0, bytes: 0 },
    freed: { objects: 0, bytes: 0 },
  };
  for (let u = 0; u < first.nodeCount; u++) {
    t.before.bytes += first.nodeSize[u];
    if (!kept[u]) {
      t.freed.objects++;
      t.freed.bytes += first.nodeSize[u];
    }
  }
  for (let v = 0; v < last.nodeCount; v++) {
    t.after.bytes += last.nodeSize[v];
    if (isNew[v]) {
      t.new.objects++;
      t.new.bytes += last.nodeSize[v];
    }
  }
  return t;
}

/**
 * The new objects of the last capture grouped by where they are held. Each new object counts
 * under its immediate dominator when that is a container (a list, a dict that is no namespace, a
 * set, a tuple…: `registry['users']`) that is old or held by an old object (a new `batch` list
 * in a module's globals), or under its own path when an old object or a namespace
 * holds it directly (`__main__.batch`, `app.cache`); parts of a new object (its `__dict__`, its
 * attributes' values) count with it. A container's bytes are its own; its contents count in
 * their own groups.
 */
function suspects(last: HeapSnapshot, isNew: Uint8Array): GrowthSuspect[] {
  return suspectGroups(last, isNew).map((g) => g.suspect);
}

/** The suspects, each with one of its new objects (`example`, a node of `last`). */
export function suspectGroups(
  last: HeapSnapshot,
  isNew: Uint8Array,
): { suspect: GrowthSuspect; example: number }[] {
  const queries = retainedQueries(analyze(last));
  const r = queries.retained;
  const n = last.nodeCount;
  const idom = r.idom;
  const namespace = namespaceDicts(last);
  const reason = r.graph.rootReason;
  const container = (v: number) => last.category(v) === 'container' && !namespace[v];
  const ofType = new Map<string, number>();
  for (let v = 0; v < n; v++) {
    if (isNew[v]) ofType.set(last.typeName(v), (ofType.get(last.typeName(v)) ?? 0) + 1);
  }
  const created = allocationSites(last);
  // A new object held inside another new object (a new Session's `data` dict) is its part.
  const partOfNew = (v: number) => {
    const up = idom[v];
    return isNew[v] === 1 && up >= 0 && up < n && isNew[up] === 1;
  };
  const holderPaths = new Map<number, string>();
  const pathOf = (v: number) => queries.paths.pathOf(v) ?? '<held from outside>';
  interface Group {
    path: string;
    holder: number;
    type: string;
    count: number;
    bytes: number;
    sites: Map<string, number>;
    example: number;
  }
  const groups = new Map<string, Group>();
  for (let v = 0; v < n; v++) {
    if (!isNew[v]) continue;
    const h = idom[v];
    let path: string;
    if (h === r.garbageGroup) {
      path = '<unreachable: the next gc.collect() frees it>';
    } else if (h >= 0 && h < n && container(h) && !partOfNew(h)) {
      let known = holderPaths.get(h);
      if (known === undefined) holderPaths.set(h, (known = pathOf(h)));
      path = known;
    } else if (h >= 0 && h < n && isNew[h]) {
      continue; // part of a new object: counted with it
    } else if (h >= 0 && h < n) {
      path = pathOf(v);
    } else {
      // Under the roots: a named root is its own path; the rest (held from outside the graph,
      // or by several roots) share one group per type rather than one line each.
      path = reason[v] === RootReason.Named ? pathOf(v) : '<held from outside>';
    }
    const type = last.typeName(v);
    const key = `${path}\u0000${type}`;
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = { path, holder: h, type, count: 0, bytes: 0, sites: new Map(), example: v }),
      );
    g.count++;
    g.bytes += container(v) ? last.nodeSize[v] : r.nextCollection.bytes[v];
    const site = created.get(v);
    if (site !== undefined) g.sites.set(site, (g.sites.get(site) ?? 0) + 1);
  }
  return [...groups.values()]
    .sort((a, b) => b.bytes - a.bytes || b.count - a.count || (a.path < b.path ? -1 : 1))
    .slice(0, MAX_SUSPECTS)
    .map((g) => {
      const total = ofType.get(g.type) ?? g.count;
      const site = [...g.sites.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      const short = g.type.replace(/^builtins\./, '');
      const of = total === g.count ? '' : ` of ${number.format(total)}`;
      const suspect: GrowthSuspect = {
        path: g.path,
        type: g.type,
        new: g.count,
        bytes: g.bytes,
        ofType: total,
        holderType: g.holder >= 0 && g.holder < n ? last.typeName(g.holder) : '',
        ...(site !== undefined ? { created: site } : {}),
        text: `${number.format(g.count)}${of} new ${short} held by ${g.path}`,
      };
      return { suspect, example: g.example };
    });
}

/** Node -> `FILE:LINE` of the allocating frame, when the program ran with tracemalloc. */
function allocationSites(s: HeapSnapshot): Map<number, string> {
  const sites = new Map<number, string>();
  if (!s.allocNode || !s.allocFile || !s.allocLine) return sites;
  for (let i = 0; i < s.allocNode.length; i++) {
    sites.set(s.allocNode[i], `${s.strings[s.allocFile[i]] ?? '?'}:${s.allocLine[i]}`);
  }
  return sites;
}

function overTime(
  snapshots: HeapSnapshot[],
  born: Int32Array[],
  byType: Record<string, TypeGrowth>,
): Pick<GrowthDiff, 'perHit' | 'growsAtEveryStep' | 'survivors'> {
  const grew = Object.entries(byType)
    .filter(([, r]) => r.after > r.before)
    .map(([name]) => name);
  const wanted = new Set(grew);
  const perHit: Record<string, number[]> = {};
  for (const name of grew) perHit[name] = new Array<number>(snapshots.length).fill(0);
  snapshots.forEach((s, k) => {
    for (let v = 0; v < s.nodeCount; v++) {
      const name = s.typeName(v);
      if (wanted.has(name)) perHit[name][k]++;
    }
  });
  const growsAtEveryStep = grew.filter((name) =>
    perHit[name].every((c, k) => k === 0 || c > perHit[name][k - 1]),
  );
  const lastBorn = born[born.length - 1];
  const survivors: Survivors[] = [];
  for (let k = 1; k < snapshots.length; k++) {
    let fresh = 0;
    for (const b of born[k]) if (b === k) fresh++;
    let survived = 0;
    for (const b of lastBorn) if (b === k) survived++;
    survivors.push({ capture: snapshots[k].identity?.capture ?? k + 1, new: fresh, survived });
  }
  return { perHit, growsAtEveryStep, survivors };
}

export function notes(snapshots: HeapSnapshot[], diff: GrowthDiff): string[] {
  const found: string[] = [];
  if (diff.identity.inferred > 0) {
    found.push(
      `${number.format(diff.identity.inferred)} objects without weak references (dicts, lists, tuples, strings…) were ` +
        'matched by inference: same address, same type, held by the same object through the same reference (docs/growth.md)',
    );
  }
  if (snapshots.some((s) => s.identity && !s.identity.complete)) {
    found.push(
      'more objects had weak references than the agent keeps a record for: the rest were matched by inference',
    );
  }
  return found;
}
