/**
 * Comparing two captures of one process (protocol/lsp.ts DiffRequest): object counts per type, the
 * objects that appeared and went away (by address: `id()` is stable for an object's lifetime), and
 * the unreachable counts. Kept simple on purpose: an address freed and reused by a new object of
 * the same type between the captures counts as the same object.
 */
import type { DiffResult } from '../../protocol/lsp';
import type { LoadedSnapshot } from './loadedSnapshot';

/** At most this many addresses in `added` / `removed`. */
export const MAX_DIFF_ADDRESSES = 200;

function countsByType(s: LoadedSnapshot): Map<string, number> {
  const snapshot = s.snapshot;
  const perType = new Uint32Array(snapshot.types.length);
  for (let v = 0; v < snapshot.nodeCount; v++) perType[snapshot.nodeType[v]]++;
  const out = new Map<string, number>();
  perType.forEach((count, t) => {
    if (count === 0) return;
    const name = snapshot.types[t].name;
    out.set(name, (out.get(name) ?? 0) + count);
  });
  return out;
}

/** Addresses (with their type) of one snapshot. */
function addressTypes(s: LoadedSnapshot): Map<number, number> {
  const snapshot = s.snapshot;
  const map = new Map<number, number>();
  for (let v = 0; v < snapshot.nodeCount; v++) map.set(snapshot.nodeAddress[v], v);
  return map;
}

export function diffSnapshots(before: LoadedSnapshot, after: LoadedSnapshot): DiffResult {
  const a = countsByType(before);
  const b = countsByType(after);
  const byType: DiffResult['byType'] = {};
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name) ?? 0;
    const y = b.get(name) ?? 0;
    if (x !== y) byType[name] = { before: x, after: y };
  }
  const beforeNodes = addressTypes(before);
  const afterNodes = addressTypes(after);
  const sameObject = (
    address: number,
    v: number,
    other: Map<number, number>,
    o: LoadedSnapshot,
    s: LoadedSnapshot,
  ) => {
    const u = other.get(address);
    return u !== undefined && o.snapshot.typeName(u) === s.snapshot.typeName(v);
  };
  const added: string[] = [];
  for (const [address, v] of afterNodes) {
    if (added.length >= MAX_DIFF_ADDRESSES) break;
    if (!sameObject(address, v, beforeNodes, before, after))
      added.push(after.snapshot.addressHex(v));
  }
  const removed: string[] = [];
  for (const [address, v] of beforeNodes) {
    if (removed.length >= MAX_DIFF_ADDRESSES) break;
    if (!sameObject(address, v, afterNodes, after, before))
      removed.push(before.snapshot.addressHex(v));
  }
  return {
    byType,
    added,
    removed,
    unreachableBefore: before.summary.unreachable.count,
    unreachableAfter: after.summary.unreachable.count,
  };
}
