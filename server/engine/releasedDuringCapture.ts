/**
 * Objects another thread let go of while the agent read the heap.
 *
 * The capture holds every object it lists, so nothing is freed while it reads. An object whose
 * last outside reference went away meanwhile (a frame that returned in a debugger's thread, the
 * lock it waited on) is then left with a reference count of 0 once the capture's own references
 * are subtracted, and no reference from the heap. A consistent heap has no such object: CPython
 * frees an object the moment its count reaches 0. These objects are freed by reference counting
 * when the capture lets go of its list, never by the collector, and so is everything only they
 * kept alive. Predictions of what the collector frees must leave them out, and the references
 * they held no longer count (Include/object.h: Py_DECREF on each reference as they are freed).
 */
import { NodeFlag, RootKind } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';

export interface ReleasedDuringCapture {
  /** 1 for the objects freed by reference counting as soon as the capture ends. */
  released: Uint8Array;
  count: number;
  /**
   * Each object's reference count once those are freed: the snapshot's column itself when
   * nothing was released (the common case), else a copy.
   */
  refcount: Uint32Array;
}

// Read once: under tsx every access to an imported object's member is a getter call.
const NODE_IMMORTAL = NodeFlag.Immortal;
const ROOT_FRAME_LOCAL = RootKind.FrameLocal;
const ROOT_THREAD = RootKind.Thread;

const cache = new WeakMap<HeapSnapshot, ReleasedDuringCapture>();

/**
 * Objects the capture knows to be alive whatever their count reads: modules, the paused thread's
 * frames (the agent's own references to them are subtracted, and those can be miscounted) and
 * `gc.garbage`. Another thread's frame is not among them: its count includes the interpreter's
 * reference while it runs, and a frame that returned meanwhile is released like any object.
 */
function rootedNodes(snapshot: HeapSnapshot): Uint8Array {
  const rooted = new Uint8Array(snapshot.nodeCount);
  for (let r = 0; r < snapshot.rootCount; r++) {
    const kind = snapshot.rootKind[r];
    if (kind !== ROOT_FRAME_LOCAL && kind !== ROOT_THREAD) rooted[snapshot.rootNode[r]] = 1;
  }
  return rooted;
}

/** References each object receives from the heap's objects, with multiplicity. */
function inDegrees(snapshot: HeapSnapshot): Uint32Array {
  const degree = new Uint32Array(snapshot.nodeCount);
  const edgeTo = snapshot.edgeTo;
  for (let e = 0; e < edgeTo.length; e++) degree[edgeTo[e]]++;
  return degree;
}

export function releasedDuringCapture(snapshot: HeapSnapshot): ReleasedDuringCapture {
  const known = cache.get(snapshot);
  if (known) return known;
  const n = snapshot.nodeCount;
  const refcount = snapshot.nodeRefcount;
  const flags = snapshot.nodeFlags;
  const released = new Uint8Array(n);
  const queue: number[] = [];
  let rooted: Uint8Array | undefined;
  let degree: Uint32Array | undefined;
  for (let v = 0; v < n; v++) {
    if (refcount[v] !== 0 || (flags[v] & NODE_IMMORTAL) !== 0) continue;
    rooted ??= rootedNodes(snapshot);
    degree ??= inDegrees(snapshot);
    // A count of 0 with references from the heap is a count read wrong, not a release.
    if (rooted[v] === 1 || degree[v] !== 0) continue;
    released[v] = 1;
    queue.push(v);
  }
  if (queue.length === 0) {
    const result = { released, count: 0, refcount };
    cache.set(snapshot, result);
    return result;
  }
  // Free them as CPython would: each freed object drops its references, and an object left with
  // neither a count nor a reference from what remains is freed in turn.
  const after = Uint32Array.from(refcount);
  const edgeStart = snapshot.edgeStart;
  const edgeTo = snapshot.edgeTo;
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head];
    for (let e = edgeStart[u]; e < edgeStart[u + 1]; e++) {
      const t = edgeTo[e];
      degree![t]--;
      if (after[t] > 0) after[t]--;
      if (
        after[t] === 0 &&
        degree![t] === 0 &&
        released[t] === 0 &&
        (flags[t] & NODE_IMMORTAL) === 0 &&
        rooted![t] === 0
      ) {
        released[t] = 1;
        queue.push(t);
      }
    }
  }
  const result = { released, count: queue.length, refcount: after };
  cache.set(snapshot, result);
  return result;
}
