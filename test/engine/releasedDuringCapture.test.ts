/**
 * Objects another thread let go of while the heap was read (a debugger thread's returned frame
 * and the lock it waited on, seen in real captures under load): the capture alone held them, so
 * reference counting frees them when it ends, before any collection. They and what only they
 * kept alive are not what the collector frees; the cycles they referenced still are.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RootKind } from '../../protocol/snapshot';
import { predictCollection } from '../../server/engine/collectorPrediction';
import { releasedDuringCapture } from '../../server/engine/releasedDuringCapture';
import { summarize } from '../../server/engine/summary';
import { HeapBuilder } from '../helpers/heapBuilder';

function members(bitmap: Uint8Array): number[] {
  const out: number[] = [];
  bitmap.forEach((b, i) => {
    if (b === 1) out.push(i);
  });
  return out;
}

/** A returned frame (count 0) holding a lock and a frame below it, and a real 2-ring. */
function heapWithReturnedFrame() {
  const h = new HeapBuilder();
  const frame = h.obj('builtins.frame', { gen: 0 });
  const lock = h.obj('_thread.lock', { gen: 0 });
  const caller = h.obj('builtins.frame', { gen: 0 });
  h.ref(frame, lock, 'waiter').ref(frame, caller, 'f_back');
  // The frame also referenced one node of a dropped 2-ring: the ring stays the collector's.
  const a = h.obj('__main__.Node', { gen: 0 });
  const b = h.obj('__main__.Node', { gen: 0 });
  h.ref(a, b, 'next').ref(b, a, 'next').ref(frame, a, 'node');
  // A lock the program still holds elsewhere loses one reference, and survives.
  const shared = h.obj('_thread.lock', { gen: 0, external: 1 });
  h.ref(frame, shared, 'lock');
  return { h, frame, lock, caller, a, b, shared };
}

describe('objects released during the capture', () => {
  test('a count of 0 and what only it held are freed by reference counting, not collected', () => {
    const { h, frame, lock, caller, a, b, shared } = heapWithReturnedFrame();
    const snap = h.snapshot();
    assert.equal(snap.nodeRefcount[frame], 0, 'the builder gives the frame no reference');
    const released = releasedDuringCapture(snap);
    assert.deepEqual(members(released.released), [frame, lock, caller]);
    assert.equal(released.count, 3);
    assert.equal(released.refcount[a], 1, 'a keeps b’s reference');
    assert.equal(released.refcount[shared], 1, 'the shared lock keeps its outside reference');
    for (const g of [0, 1, 2]) {
      const r = predictCollection(snap, g);
      assert.deepEqual(members(r.unreachable), [a, b]);
      assert.equal(r.examined, 3, 'a, b and the shared lock');
      assert.equal(r.gcRefs[a], 0);
      assert.equal(r.gcRefs[shared], 1);
    }
  });

  test('the summary says how many, and leaves them out of the counts', () => {
    const { h } = heapWithReturnedFrame();
    const snap = h.snapshot();
    (snap.meta.capture as unknown as Record<string, unknown>).otherThreads = {
      readSeconds: 1.3,
      readCpuSeconds: 0.9,
      cpuSeconds: 0.0002,
      processCpuSeconds: 0.9,
      measuredBy: 'thread-clocks',
      threads: [],
      ended: 0,
      changedObjects: 0,
      switchInterval: 0.3,
    };
    const summary = summarize(snap);
    assert.equal(summary.unreachable.count, 2);
    assert.deepEqual(summary.unreachable.byType, { '__main__.Node': 2 });
    assert.equal(summary.otherThreads?.releasedObjects, 3);
    assert.equal(summary.otherThreads?.mayMixMoments, true);
    assert.equal(
      summary.otherThreads?.notice,
      'other threads ran 0 ms of CPU during the 1.30 s capture: counts may mix moments ' +
        '(3 objects let go of meanwhile, left out of what the collector frees)',
    );
  });

  test('the paused frame is alive whatever its count reads; another thread’s returned frame is not', () => {
    // The agent subtracts its own references to the paused frame: a miscount must not free it.
    const h = new HeapBuilder();
    const paused = h.obj('builtins.frame', { gen: 0, refcount: 0 });
    const local = h.obj('builtins.dict', { gen: 0 });
    h.ref(paused, local, 'f_locals');
    h.pausedFrame(paused, 'main', 3);
    // A worker's innermost frame when the roots were read; it returned before its count was read
    // (a running frame's count includes the interpreter's reference).
    const returned = h.obj('builtins.frame', { gen: 0, refcount: 0 });
    const lock = h.obj('_thread.lock', { gen: 0 });
    h.ref(returned, lock, 'waiter');
    h.root(RootKind.Thread, returned, 'worker');
    const snap = h.snapshot();
    assert.deepEqual(members(releasedDuringCapture(snap).released), [returned, lock]);
    const unreachable = predictCollection(snap, 2).unreachable;
    assert.deepEqual([unreachable[returned], unreachable[lock]], [0, 0]);
  });

  test('nothing released: the snapshot’s column itself', () => {
    const h = new HeapBuilder();
    const a = h.obj('__main__.Node', { gen: 0 });
    h.ref(a, a, 'me');
    const snap = h.snapshot();
    assert.equal(releasedDuringCapture(snap).count, 0);
    assert.equal(releasedDuringCapture(snap).refcount, snap.nodeRefcount);
  });

  test('immortal objects are never released', () => {
    const h = new HeapBuilder();
    h.obj('builtins.NoneType', { immortal: true, refcount: 0 });
    assert.equal(releasedDuringCapture(h.snapshot()).count, 0);
  });
});
