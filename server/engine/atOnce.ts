/**
 * What reference counting alone frees the moment every reference to an object goes (docs/retained.md,
 * "Freed at once"), simulated on the snapshot's reference counts, as CPython would do it
 * (Include/object.h: Py_DECREF on each reference of an object as it is freed):
 *
 * - the object itself is freed, whatever cycle it is on (the references from that cycle are among
 *   the references that went);
 * - each reference of a freed object decrements its target's count; a target whose count reaches 0
 *   is freed in turn, and so on;
 * - a cycle below the object that does not contain it keeps its members' counts above 0, and so does
 *   any reference from an object not freed: both stop the cascade there.
 *
 * Nearly every object of a real program is in one cycle (an instance refers to its class, the class
 * to its methods, a method to its module's globals, and those to everything), so cycles alone say
 * nothing about this notion: the counts do.
 *
 * Everything freed at once with X is in X's subtree of the next collection's dominator tree (an
 * object outside it is reachable from a root without X, and every object on that path keeps a
 * reference to the next; for garbage, read the garbage group's subtree: garbage entries are
 * siblings), so a target outside that interval is never decremented: the cascade
 * costs at most the references of X's subtree, and siblings' subtrees are disjoint, so a page of
 * rows costs at most their parent's subtree. A weak container's entry is the exception: when a
 * freed object is the referent of a `WeakValueDictionary`/`WeakKeyDictionary`/`WeakSet` entry,
 * the weak reference's callback removes the entry (weakEntries.ts), which drops the container's
 * reference to the weak reference (and to the key or value with it); what that frees is followed
 * by counts alone. Sizes are computed on demand and kept; one cascade also gives the size of
 * every object it freed (`learn`), so a row's children, or a list's nodes, cost nothing more.
 */
import type { RetainedSize } from '../../protocol/retained';
import { NodeFlag, RootKind } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';
import { releasedDuringCapture } from './releasedDuringCapture';
import type { WeakEntries } from './weakEntries';

const NODE_TRACKED = NodeFlag.Tracked;
const NODE_IMMORTAL = NodeFlag.Immortal;
const ROOT_FRAME_LOCAL = RootKind.FrameLocal;

/** The next collection's dominator tree as preorder intervals (retained.ts `TreeIndex`). */
export interface SubtreeIntervals {
  pre: Int32Array;
  end: Int32Array;
}

/** Per weak-container pair: the container's dict or set (the entry's dominator). */
interface WeakPairs {
  referent: Uint32Array;
  entry: Uint32Array;
  holder: Int32Array;
  /** Pairs by referent and by holder (CSR over objects). */
  byReferentStart: Uint32Array;
  byReferent: Uint32Array;
  byHolderStart: Uint32Array;
  byHolder: Uint32Array;
}

function csr(n: number, keys: ArrayLike<number>): { start: Uint32Array; list: Uint32Array } {
  const start = new Uint32Array(n + 1);
  for (let k = 0; k < keys.length; k++) if (keys[k] >= 0 && keys[k] < n) start[keys[k] + 1]++;
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const fill = start.slice(0, n);
  const list = new Uint32Array(start[n]);
  for (let k = 0; k < keys.length; k++) if (keys[k] >= 0 && keys[k] < n) list[fill[keys[k]]++] = k;
  return { start, list };
}

export class AtOnce {
  private readonly snapshot: HeapSnapshot;
  private readonly tree: () => SubtreeIntervals;
  private readonly live: Uint8Array;
  private readonly refcount: Uint32Array;
  private readonly released: Uint8Array;
  private readonly idom: Int32Array;
  /** Per object once known (`known` 1): its sizes freed at once. */
  private known: Uint8Array | null = null;
  private objects: Uint32Array | null = null;
  private trackedCount: Uint32Array | null = null;
  private bytes: Float64Array | null = null;
  /** References each object receives from objects not released, frame locals included. */
  private shown: Uint32Array | null = null;
  private readonly locals = new Map<number, number[]>();
  private readonly pairs: WeakPairs | null;
  // Working state of one cascade, reset by bumping `generation` (no clearing of n-sized arrays).
  private count: Int32Array | null = null;
  private seen: Uint32Array | null = null;
  private freed: Uint32Array | null = null;
  private dropped: Uint32Array | null = null;
  private generation = 0;
  /** The last cascade freed nothing through a weak entry, and only objects with exact counts. */
  private reusable = true;

  /**
   * `tree`: the next collection's dominator tree (built on first use by the caller); `idom`: its
   * immediate dominators; `live`: 1 per object a root reaches; `localAsEdge`: per root record, 1
   * when it is a reference from its frame.
   */
  constructor(
    snapshot: HeapSnapshot,
    tree: () => SubtreeIntervals,
    idom: Int32Array,
    live: Uint8Array,
    weak: WeakEntries,
    localAsEdge: Uint8Array,
  ) {
    this.snapshot = snapshot;
    this.tree = tree;
    this.live = live;
    this.idom = idom;
    const release = releasedDuringCapture(snapshot);
    this.refcount = release.refcount;
    this.released = release.released;
    for (let r = 0; r < snapshot.rootCount; r++) {
      if (localAsEdge[r] !== 1 || snapshot.rootKind[r] !== ROOT_FRAME_LOCAL) continue;
      const frame = snapshot.rootFrame[r];
      const list = this.locals.get(frame);
      if (list) list.push(snapshot.rootNode[r]);
      else this.locals.set(frame, [snapshot.rootNode[r]]);
    }
    const n = snapshot.nodeCount;
    if (weak.entry.length === 0) {
      this.pairs = null;
    } else {
      const holder = Int32Array.from(weak.entry, (e) =>
        idom[e] >= 0 && idom[e] < n ? idom[e] : -1,
      );
      const byReferent = csr(n, weak.referent);
      const byHolder = csr(n, holder);
      this.pairs = {
        referent: weak.referent,
        entry: weak.entry,
        holder,
        byReferentStart: byReferent.start,
        byReferent: byReferent.list,
        byHolderStart: byHolder.start,
        byHolder: byHolder.list,
      };
    }
  }

  /** Objects, tracked objects and bytes freed at once with `v` (zero for what is never freed). */
  size(v: number): RetainedSize {
    const n = this.snapshot.nodeCount;
    if (v < 0 || v >= n) return { objects: 0, tracked: 0, bytes: 0 };
    this.known ??= new Uint8Array(n);
    this.objects ??= new Uint32Array(n);
    this.trackedCount ??= new Uint32Array(n);
    this.bytes ??= new Float64Array(n);
    if (this.known[v] === 0) this.learn(this.cascade(v));
    return { objects: this.objects[v], tracked: this.trackedCount[v], bytes: this.bytes[v] };
  }

  /**
   * Sizes from one cascade, for its object and, when it allows, for everything it freed. For a
   * live object X whose cascade freed w (w ≠ X): every referrer of w is in X's subtree and was
   * freed before it, so every path from X to w runs through freed objects, and w's dominator is
   * freed too, earlier; and what w frees at once is exactly the freed part of w's subtree (its
   * referrers lie in that subtree). One cascade down a linked list gives every node's size.
   * That needs counts that match the references shown and no weak-container entry removed.
   */
  private learn(out: number[]): void {
    const known = this.known!;
    const objects = this.objects!;
    const tracked = this.trackedCount!;
    const bytes = this.bytes!;
    const flags = this.snapshot.nodeFlags;
    const size = this.snapshot.nodeSize;
    if (out.length === 0) return;
    const x = out[0];
    const every = this.reusable && this.live[x] === 1;
    const freed = this.freed!;
    const gen = this.generation;
    const idom = this.idom;
    if (every)
      for (let k = 1; k < out.length && this.reusable; k++)
        this.reusable = freed[idom[out[k]]] === gen;
    if (!(every && this.reusable)) {
      let o = 0;
      let tr = 0;
      let b = 0;
      for (const w of out) {
        o++;
        tr += flags[w] & NODE_TRACKED;
        b += size[w];
      }
      objects[x] = o;
      tracked[x] = tr;
      bytes[x] = b;
      known[x] = 1;
      return;
    }
    for (const w of out) {
      objects[w] = 1;
      tracked[w] = flags[w] & NODE_TRACKED;
      bytes[w] = size[w];
      known[w] = 1;
    }
    // The cascade frees each object after its dominator: add each into it, last first.
    for (let k = out.length - 1; k >= 1; k--) {
      const w = out[k];
      const p = idom[w];
      objects[p] += objects[w];
      tracked[p] += tracked[w];
      bytes[p] += bytes[w];
    }
    // Below X, an object whose set holds a weak reference's referent may also free that entry
    // (outside its subtree) where X's cascade freed the container itself: left to its own cascade.
    const pairs = this.pairs;
    if (!pairs) return;
    for (let k = 1; k < out.length; k++) {
      const w = out[k];
      if (pairs.byReferentStart[w] === pairs.byReferentStart[w + 1]) continue;
      for (let v = w; v !== x && known[v] === 1; v = idom[v]) known[v] = 0;
    }
  }

  /** References to each object from objects not released, and frame locals (computed once). */
  private shownReferences(): Uint32Array {
    if (this.shown) return this.shown;
    const s = this.snapshot;
    const shown = new Uint32Array(s.nodeCount);
    for (let u = 0; u < s.nodeCount; u++) {
      if (this.released[u] === 1) continue;
      for (let e = s.edgeStart[u]; e < s.edgeStart[u + 1]; e++) shown[s.edgeTo[e]]++;
    }
    for (let r = 0; r < s.rootCount; r++)
      if (s.rootKind[r] === ROOT_FRAME_LOCAL) shown[s.rootNode[r]]++;
    this.shown = shown;
    return shown;
  }

  /** The objects freed at once with `v`, itself first. */
  members(v: number): Uint32Array {
    return Uint32Array.from(this.cascade(v));
  }

  private cascade(x: number): number[] {
    const s = this.snapshot;
    const n = s.nodeCount;
    if (x < 0 || x >= n || (s.nodeFlags[x] & NODE_IMMORTAL) !== 0) return [];
    this.count ??= new Int32Array(n);
    this.seen ??= new Uint32Array(n);
    this.freed ??= new Uint32Array(n);
    const count = this.count;
    const seen = this.seen;
    const freed = this.freed;
    const gen = ++this.generation;
    const { pre, end } = this.tree();
    // Garbage frees only garbage, and garbage entries hang side by side under their group.
    const top = this.live[x] === 1 ? x : n + 1;
    const lo = pre[top];
    const hi = end[top];
    const flags = s.nodeFlags;
    const refcount = this.refcount;
    const edgeStart = s.edgeStart;
    const edgeTo = s.edgeTo;
    const out = [x];
    const shown = this.shownReferences();
    this.reusable = true;
    // Objects freed through a weak container's entry lie outside x's subtree: no bound for them.
    const unbounded = new Set<number>();
    freed[x] = gen;
    const release = (w: number, bounded: boolean): void => {
      if (freed[w] === gen || (flags[w] & NODE_IMMORTAL) !== 0) return;
      if (bounded && (pre[w] < lo || pre[w] >= hi)) return;
      if (seen[w] !== gen) {
        seen[w] = gen;
        count[w] = refcount[w];
      }
      if (--count[w] > 0) return;
      freed[w] = gen;
      out.push(w);
      // A count below the references shown: freed while a referrer lives (a count read wrong).
      if (refcount[w] < shown[w]) this.reusable = false;
      if (!bounded) {
        unbounded.add(w);
        this.reusable = false;
      }
    };
    for (let head = 0; head < out.length; head++) {
      const u = out[head];
      // An object freed as the capture ends: its references are already out of the counts.
      if (this.released[u] === 1) continue;
      const bounded = !unbounded.has(u);
      const skip = this.pairs ? this.droppedEntries(u, gen) : null;
      for (let e = edgeStart[u]; e < edgeStart[u + 1]; e++) {
        const w = edgeTo[e];
        const left = skip?.get(w) ?? 0;
        if (left > 0) {
          // The weak reference's callback already removed this entry: its reference is gone.
          skip!.set(w, left - 1);
          continue;
        }
        release(w, bounded);
      }
      const locals = this.locals.get(u);
      if (locals) for (const w of locals) release(w, bounded);
      if (this.pairs) this.removeEntries(u, gen, release);
    }
    return out;
  }

  /** `u` is freed: the callbacks of weak references to it remove their entries from live containers. */
  private removeEntries(
    u: number,
    gen: number,
    release: (w: number, bounded: boolean) => void,
  ): void {
    const p = this.pairs!;
    const n = this.snapshot.nodeCount;
    this.dropped ??= new Uint32Array(p.entry.length);
    for (let i = p.byReferentStart[u]; i < p.byReferentStart[u + 1]; i++) {
      const k = p.byReferent[i];
      const holder = p.holder[k];
      if (holder < 0 || holder >= n || this.freed![holder] === gen || this.dropped[k] === gen)
        continue;
      this.dropped[k] = gen;
      release(p.entry[k], false);
    }
  }

  /** For a freed container's dict or set: the entries already removed (target → references). */
  private droppedEntries(u: number, gen: number): Map<number, number> | null {
    const p = this.pairs!;
    if (p.byHolderStart[u] === p.byHolderStart[u + 1] || !this.dropped) return null;
    let skip: Map<number, number> | null = null;
    for (let i = p.byHolderStart[u]; i < p.byHolderStart[u + 1]; i++) {
      const k = p.byHolder[i];
      if (this.dropped[k] !== gen) continue;
      skip ??= new Map<number, number>();
      skip.set(p.entry[k], (skip.get(p.entry[k]) ?? 0) + 1);
    }
    return skip;
  }
}
