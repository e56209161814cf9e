/**
 * Scratch arrays for the engine's one-off passes over every node or every reference (a search's
 * stack, a graph's reverse, the dominator search's working columns), lent and taken back.
 *
 * Why: at 2M objects each such array is 10–25 MB outside the JavaScript heap, and V8 answers
 * every ~64 MB of new outside memory with a full collection of the heap, whose cost grows with the
 * snapshot's string table (tens of milliseconds each). One analysis allocated half a gigabyte of
 * them. Reusing the buffers of one pass in the next avoids most of those collections, and the
 * page faults of fresh memory.
 *
 * A borrowed array's contents are whatever its last user left: every user writes an element
 * before it reads it (or asks for zeros). Only arrays that do not outlive the borrower are given
 * back. The pool keeps a few buffers and lets them go at the next turn of the event loop, so memory
 * is not held between analyses.
 */

/** Buffers kept at most. */
const MAX_BUFFERS = 8;
/** Lengths are rounded up to this many bytes, so that arrays of n and n + 3 elements share. */
const GRANULE = 1 << 16;
/** Arrays shorter than this are allocated as usual. */
const MIN_BYTES = 1 << 20;

const pool: ArrayBuffer[] = [];
let dropScheduled = false;

function borrowBuffer(bytes: number): ArrayBuffer {
  let best = -1;
  for (let i = 0; i < pool.length; i++) {
    const size = pool[i].byteLength;
    if (size >= bytes && (best < 0 || size < pool[best].byteLength)) best = i;
  }
  if (best >= 0) return pool.splice(best, 1)[0];
  return new ArrayBuffer(Math.ceil(bytes / GRANULE) * GRANULE);
}

/** A Uint32Array of `length` elements, contents unspecified unless `zeroed`. */
export function scratchUint32(length: number, zeroed = false): Uint32Array {
  if (length * 4 < MIN_BYTES) return new Uint32Array(length);
  const a = new Uint32Array(borrowBuffer(length * 4), 0, length);
  if (zeroed) a.fill(0);
  return a;
}

/** An Int32Array of `length` elements, contents unspecified unless `zeroed`. */
export function scratchInt32(length: number, zeroed = false): Int32Array {
  if (length * 4 < MIN_BYTES) return new Int32Array(length);
  const a = new Int32Array(borrowBuffer(length * 4), 0, length);
  if (zeroed) a.fill(0);
  return a;
}

/**
 * Takes arrays back for the next borrower. Each must have come from `scratchUint32` or
 * `scratchInt32` (or be any array that owns its whole buffer) and must not be used again.
 */
export function giveBack(...arrays: (Uint32Array | Int32Array)[]): void {
  for (const a of arrays) {
    const buffer = a.buffer;
    if (!(buffer instanceof ArrayBuffer) || a.byteOffset !== 0) continue;
    if (buffer.byteLength < MIN_BYTES || pool.includes(buffer)) continue;
    if (pool.length >= MAX_BUFFERS) {
      // Keep the largest: they serve every smaller request too.
      let smallest = 0;
      for (let i = 1; i < pool.length; i++) {
        if (pool[i].byteLength < pool[smallest].byteLength) smallest = i;
      }
      if (pool[smallest].byteLength >= buffer.byteLength) continue;
      pool.splice(smallest, 1);
    }
    pool.push(buffer);
  }
  if (!dropScheduled && pool.length > 0) {
    dropScheduled = true;
    const timer: { unref?: () => void } = setTimeout(dropPool, 0) as unknown as {
      unref?: () => void;
    };
    timer.unref?.();
  }
}

function dropPool(): void {
  pool.length = 0;
  dropScheduled = false;
}
