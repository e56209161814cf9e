/**
 * The engine's scratch arrays (server/engine/scratch.ts): a buffer given back serves the next
 * request it is large enough for, zeroed when asked, and the pool lets its buffers go at the next
 * turn of the event loop.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { giveBack, scratchInt32, scratchUint32 } from '../../server/engine/scratch';

const LARGE = 1 << 20; // elements: 4 MB, above the size the pool keeps

describe('scratch arrays', () => {
  test('a buffer given back serves the next request that fits, zeroed when asked', () => {
    const a = scratchUint32(LARGE);
    a.fill(7);
    const buffer = a.buffer;
    giveBack(a);
    const b = scratchInt32(LARGE - 3, true);
    assert.equal(b.buffer, buffer, 'the same buffer, reused');
    assert.equal(b.length, LARGE - 3);
    assert.ok(
      b.every((x) => x === 0),
      'zeroed',
    );
    giveBack(b);
    const c = scratchUint32(LARGE);
    assert.equal(c.buffer, buffer);
    assert.equal(c[0], 0, 'contents as the last user left them');
    giveBack(c);
  });

  test('a buffer in use is never lent twice, and a larger request gets a new one', () => {
    const a = scratchUint32(LARGE);
    const b = scratchUint32(LARGE);
    assert.notEqual(a.buffer, b.buffer);
    giveBack(a);
    const bigger = scratchUint32(4 * LARGE);
    assert.notEqual(bigger.buffer, a.buffer);
    assert.equal(bigger.length, 4 * LARGE);
    giveBack(b, bigger);
    // Given back twice (a mistake) it still sits in the pool once: two borrowers never share it.
    giveBack(a);
    const x = scratchUint32(LARGE);
    const y = scratchUint32(LARGE);
    const z = scratchUint32(LARGE);
    assert.equal(new Set([x.buffer, y.buffer, z.buffer]).size, 3);
    giveBack(x, y, z);
  });

  test('small arrays and views into a larger buffer are not pooled', () => {
    const small = scratchUint32(16);
    small[0] = 5;
    giveBack(small);
    assert.notEqual(scratchUint32(16).buffer, small.buffer);
    const whole = new Uint32Array(2 * LARGE);
    giveBack(whole.subarray(LARGE));
    const next = scratchUint32(LARGE);
    assert.notEqual(next.buffer, whole.buffer, 'a view that does not start the buffer');
    giveBack(next);
  });

  test('the pool lets its buffers go at the next turn of the event loop', async () => {
    const a = scratchUint32(LARGE);
    giveBack(a);
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = scratchUint32(LARGE);
    assert.notEqual(b.buffer, a.buffer, 'a new buffer: the old one was dropped');
  });
});
