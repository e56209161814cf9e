/**
 * Entries of the standard library's weak containers (`WeakValueDictionary`, `WeakKeyDictionary`,
 * `WeakSet`): when the object a weak reference points to is freed, the weak reference's callback
 * removes the entry, and with it the weak reference (and, in a `WeakKeyDictionary`, the value) —
 * unless something else holds them. No reference in the heap says so: the entry is held by the
 * container, and dies with the referent. docs/retained.md, "Weak containers".
 *
 * Found from the snapshot alone: the weak reference's `__callback__` is one of the containers'
 * own removal functions (by qualname), the weak reference's immediate dominator is a dict or a
 * set (the container's `data`), and a dict's entry is the value and key pair around the reference
 * (a dict's references come value first, then key, per entry).
 */
import { EdgeKind } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';

/** The callbacks `weakref.WeakValueDictionary`, `WeakKeyDictionary` and `WeakSet` install. */
const REMOVER = /^(WeakValueDictionary|WeakKeyDictionary|WeakSet)\.__init__\.<locals>\._?remove$/;

export interface WeakEntries {
  /** Per pair: the object whose death removes the entry. */
  referent: Uint32Array;
  /** Per pair: an object the removal frees (the weak reference, a key, a value). */
  entry: Uint32Array;
}

/** The callback of weak reference record `k`: its `__callback__` reference, else the column. */
function callbackOf(s: HeapSnapshot, k: number): number {
  const w = s.weakrefNode[k];
  for (let e = s.edgeStart[w]; e < s.edgeStart[w + 1]; e++) {
    if (s.edgeKind[e] === EdgeKind.Slot && s.strings[s.edgeName[e]] === '__callback__') {
      return s.edgeTo[e];
    }
  }
  return s.weakrefCallback[k];
}

/** Pairs (referent, entry object) for every live weak-container entry; `idom` is the next collection's. */
export function weakContainerEntries(s: HeapSnapshot, idom: Int32Array): WeakEntries {
  const n = s.nodeCount;
  const referent: number[] = [];
  const entry: number[] = [];
  const remover = new Map<number, boolean>();
  const isRemover = (f: number): boolean => {
    let known = remover.get(f);
    if (known === undefined) {
      known = s.category(f) === 'function' && REMOVER.test(s.name(f));
      remover.set(f, known);
    }
    return known;
  };
  for (let k = 0; k < s.weakrefCount; k++) {
    const x = s.weakrefReferent[k];
    const w = s.weakrefNode[k];
    if (x < 0) continue;
    const callback = callbackOf(s, k);
    if (callback < 0 || !isRemover(callback)) continue;
    const holder = idom[w];
    if (holder < 0 || holder >= n) continue;
    const holderType = s.typeName(holder);
    if (holderType !== 'builtins.dict' && holderType !== 'builtins.set') continue;
    referent.push(x);
    entry.push(w);
    if (holderType !== 'builtins.dict') continue;
    // The rest of the dict's entry: the value before a key, the key after a value.
    const start = s.edgeStart[holder];
    const end = s.edgeStart[holder + 1];
    for (let e = start; e < end; e++) {
      if (s.edgeTo[e] !== w) continue;
      const other = s.edgeKind[e] === EdgeKind.KeyObject ? e - 1 : e + 1;
      const otherIsKey = s.edgeKind[e] !== EdgeKind.KeyObject;
      if (other >= start && other < end) {
        const isKey = s.edgeKind[other] === EdgeKind.KeyObject;
        const t = s.edgeTo[other];
        if (isKey === otherIsKey && t !== w && idom[t] === holder) {
          referent.push(x);
          entry.push(t);
        }
      }
      break;
    }
  }
  return { referent: Uint32Array.from(referent), entry: Uint32Array.from(entry) };
}
