/**
 * Comparing two captures of one process (protocol/lsp.ts DiffRequest): object counts per type, the
 * objects that appeared and went away, and the unreachable counts. Consecutive captures of one
 * process by an agent that keeps an identity record are compared object by object
 * (server/engine/heapDiff.ts, docs/growth.md); others by address, where an address freed and
 * reused by a new object of the same type counts as the same object, and the result says why.
 */
import type { DiffResult } from '../../protocol/lsp';
import { consecutiveProblem, matchConsecutive } from '../engine/captureIdentity';
import { diffCaptures } from '../engine/heapDiff';
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
  const problem = consecutiveProblem(before.snapshot, after.snapshot);
  if (problem === null) return objectLevel(before, after);
  return { ...byAddress(before, after), byAddressBecause: problem };
}

/** Object by object: new and freed are what the identity of the two captures says. */
function objectLevel(before: LoadedSnapshot, after: LoadedSnapshot): DiffResult {
  const growth = diffCaptures([before.snapshot, after.snapshot]);
  const match = matchConsecutive(before.snapshot, after.snapshot);
  const kept = new Uint8Array(before.snapshot.nodeCount);
  const added: string[] = [];
  for (let v = 0; v < after.snapshot.nodeCount; v++) {
    const u = match.earlier[v];
    if (u >= 0) kept[u] = 1;
    else if (added.length < MAX_DIFF_ADDRESSES) added.push(after.snapshot.addressHex(v));
  }
  const removed: string[] = [];
  for (let u = 0; u < before.snapshot.nodeCount && removed.length < MAX_DIFF_ADDRESSES; u++) {
    if (!kept[u]) removed.push(before.snapshot.addressHex(u));
  }
  const byType: DiffResult['byType'] = {};
  for (const [name, g] of Object.entries(growth.byType)) {
    if (g.before !== g.after) byType[name] = { before: g.before, after: g.after };
  }
  return {
    byType,
    added,
    removed,
    unreachableBefore: before.summary.unreachable.count,
    unreachableAfter: after.summary.unreachable.count,
    growth,
  };
}

function byAddress(before: LoadedSnapshot, after: LoadedSnapshot): DiffResult {
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
