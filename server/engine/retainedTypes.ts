/**
 * Retained bytes by type without double counting: a type's "tops" are its objects that no other
 * object of the same type dominates (next collection's tree); the type retains what its tops
 * retain. One depth-first walk of the dominator tree, counting per type how many of the current
 * object's ancestors are of that type.
 */
import type { RetainedTypeRow } from '../../protocol/retained';
import type { RetainedAnalysis } from './retained';

export interface RetainedByType {
  /** Per type index. */
  count: Uint32Array;
  bytes: Float64Array;
  tops: Uint32Array;
  retainedObjects: Float64Array;
  retainedBytes: Float64Array;
  /** The tops of each type (CSR by type index), in tree preorder. */
  topStart: Uint32Array;
  topList: Uint32Array;
}

export function retainedByType(r: RetainedAnalysis): RetainedByType {
  const s = r.snapshot;
  const n = r.nodeCount;
  const typeCount = s.types.length;
  const nodeType = s.nodeType;
  const count = new Uint32Array(typeCount);
  const bytes = new Float64Array(typeCount);
  for (let v = 0; v < n; v++) {
    count[nodeType[v]]++;
    bytes[nodeType[v]] += s.nodeSize[v];
  }
  const tops = new Uint32Array(typeCount);
  const retainedObjects = new Float64Array(typeCount);
  const retainedBytes = new Float64Array(typeCount);
  const isTop = new Uint8Array(n);
  const active = new Uint32Array(typeCount);
  const { childStart, childList } = r.tree;
  const stackNode = new Uint32Array(r.graph.size);
  const stackNext = new Uint32Array(r.graph.size);
  let sp = 0;
  stackNode[0] = r.superRoot;
  stackNext[0] = childStart[r.superRoot];
  const { objects: retObjects, bytes: retBytes } = r.nextCollection;
  while (sp >= 0) {
    const v = stackNode[sp];
    const next = stackNext[sp];
    if (next < childStart[v + 1]) {
      stackNext[sp] = next + 1;
      const w = childList[next];
      if (w < n) {
        const t = nodeType[w];
        if (active[t] === 0) {
          isTop[w] = 1;
          tops[t]++;
          retainedObjects[t] += retObjects[w];
          retainedBytes[t] += retBytes[w];
        }
        active[t]++;
      }
      sp++;
      stackNode[sp] = w;
      stackNext[sp] = childStart[w];
    } else {
      if (v < n) active[nodeType[v]]--;
      sp--;
    }
  }
  const topStart = new Uint32Array(typeCount + 1);
  for (let t = 0; t < typeCount; t++) topStart[t + 1] = topStart[t] + tops[t];
  const fill = topStart.slice(0, typeCount);
  const topList = new Uint32Array(topStart[typeCount]);
  const { preorder } = r.tree;
  for (let k = 0; k < preorder.length; k++) {
    const v = preorder[k];
    if (v < n && isTop[v] === 1) topList[fill[nodeType[v]]++] = v;
  }
  return { count, bytes, tops, retainedObjects, retainedBytes, topStart, topList };
}

/** Rows per type name (types sharing a name are added), most retained bytes first. */
export function retainedTypeRows(r: RetainedAnalysis, byType: RetainedByType): RetainedTypeRow[] {
  const rows = new Map<string, RetainedTypeRow>();
  r.snapshot.types.forEach((record, t) => {
    if (byType.count[t] === 0) return;
    let row = rows.get(record.name);
    if (!row) {
      row = {
        type: record.name,
        count: 0,
        bytes: 0,
        retainedBytes: 0,
        retainedObjects: 0,
        tops: 0,
      };
      rows.set(record.name, row);
    }
    row.count += byType.count[t];
    row.bytes += byType.bytes[t];
    row.retainedBytes += byType.retainedBytes[t];
    row.retainedObjects += byType.retainedObjects[t];
    row.tops += byType.tops[t];
  });
  return [...rows.values()].sort(
    (a, b) => b.retainedBytes - a.retainedBytes || b.count - a.count || (a.type < b.type ? -1 : 1),
  );
}

/** The tops of the types named `name`, in tree preorder. */
function topsOf(r: RetainedAnalysis, byType: RetainedByType, name: string): number[] {
  const out: number[] = [];
  r.snapshot.types.forEach((record, t) => {
    if (record.name !== name) return;
    for (let k = byType.topStart[t]; k < byType.topStart[t + 1]; k++) out.push(byType.topList[k]);
  });
  return out;
}

/** The tops of the types named `name`, most retained bytes first. */
export function typeTops(r: RetainedAnalysis, byType: RetainedByType, name: string): number[] {
  const bytes = r.nextCollection.bytes;
  return topsOf(r, byType, name).sort((a, b) => bytes[b] - bytes[a] || a - b);
}

/** The `limit` largest tops of the types named `name`, largest first (no full sort). */
export function largestTypeTops(
  r: RetainedAnalysis,
  byType: RetainedByType,
  name: string,
  limit: number,
): number[] {
  const bytes = r.nextCollection.bytes;
  const better = (a: number, b: number) => bytes[a] > bytes[b] || (bytes[a] === bytes[b] && a < b);
  const best: number[] = [];
  for (const v of topsOf(r, byType, name)) {
    if (best.length === limit && !better(v, best[limit - 1])) continue;
    let i = best.length === limit ? limit - 1 : best.length;
    if (best.length < limit) best.push(v);
    while (i > 0 && better(v, best[i - 1])) {
      best[i] = best[i - 1];
      i--;
    }
    best[i] = v;
  }
  return best;
}
