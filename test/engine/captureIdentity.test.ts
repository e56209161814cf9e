/**
 * Identity across captures in the engine: the `node.identity` and `identity` sections are read
 * and checked, and objects without weak references are matched by inference exactly when the
 * rule of docs/growth.md holds (same address, same type, not younger, held by a matched object
 * through the same reference, or by the same root, or by nothing in either capture).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgeKind, NodeIdentity, type IdentitySection } from '../../protocol/snapshot';
import { Match, matchConsecutive, IdentityError } from '../../server/engine/captureIdentity';
import { readSnapshot } from '../../server/engine/snapshotReader';
import { writeSnapshot } from '../../server/engine/snapshotWriter';
import { HeapBuilder } from '../helpers/heapBuilder';
import { readError } from '../helpers/snapshotChecks';

const A = 0x7f0000100000;

function identity(capture: number, previous: number | null, process = 'p1'): IdentitySection {
  return {
    process,
    capture,
    previous,
    counts: { same: 0, new: 0, reused: 0, unrecorded: 0 },
    kept: 0,
    complete: true,
    limit: 500000,
    recordBytes: 0,
    bytesPerObject: 0,
  };
}

interface Shape {
  /** Key under which the list lives in the module's namespace. */
  listKey: string;
  listGen: number;
  states: number[];
  capture: number;
  previous: number | null;
  process?: string;
}

/** module (weak-referenceable) → its namespace dict → a list; and a dict nothing refers to. */
function capture(shape: Shape): Uint8Array {
  const h = new HeapBuilder();
  const module = h.obj('builtins.module', { address: A, name: 'app' });
  const namespace = h.obj('builtins.dict', { address: A + 0x100 });
  const list = h.obj('builtins.list', { address: A + 0x200, gen: shape.listGen });
  const loose = h.obj('builtins.dict', { address: A + 0x300, external: 1 });
  h.module(module, 'app');
  h.ref(module, namespace, '__dict__', EdgeKind.Slot);
  h.ref(namespace, list, shape.listKey, EdgeKind.StrKey);
  void loose;
  const data = h.data();
  data.nodeIdentity = Uint8Array.from(shape.states);
  data.identity = identity(shape.capture, shape.previous, shape.process);
  return writeSnapshot(data);
}

const U = NodeIdentity.Unrecorded;
const first = () =>
  readSnapshot(
    capture({ listKey: 'items', listGen: 2, states: [0, 0, 0, 0], capture: 1, previous: null }),
  );

describe('identity across captures (engine)', () => {
  it('reads the sections and matches an unchanged heap, exactly and by inference', () => {
    const later = readSnapshot(
      capture({
        listKey: 'items',
        listGen: 2,
        states: [NodeIdentity.Same, U, U, U],
        capture: 2,
        previous: 1,
      }),
    );
    assert.equal(later.identity?.capture, 2);
    const m = matchConsecutive(first(), later);
    assert.deepEqual([...m.how], [Match.Exact, Match.Inferred, Match.Inferred, Match.Inferred]);
    assert.deepEqual([...m.earlier], [0, 1, 2, 3]);
  });

  it('takes an object at a reused address under another name, or younger, as new', () => {
    const renamed = readSnapshot(
      capture({
        listKey: 'other',
        listGen: 2,
        states: [NodeIdentity.Same, U, U, U],
        capture: 2,
        previous: 1,
      }),
    );
    assert.equal(matchConsecutive(first(), renamed).how[2], Match.ReusedAddress);
    const younger = readSnapshot(
      capture({
        listKey: 'items',
        listGen: 0,
        states: [NodeIdentity.Same, U, U, U],
        capture: 2,
        previous: 1,
      }),
    );
    assert.equal(matchConsecutive(first(), younger).how[2], Match.ReusedAddress);
    // The agent's verdict for an object with weak references stands, whatever its address says.
    const reused = readSnapshot(
      capture({
        listKey: 'items',
        listGen: 2,
        states: [NodeIdentity.Reused, U, U, U],
        capture: 2,
        previous: 1,
      }),
    );
    const m = matchConsecutive(first(), reused);
    assert.equal(m.how[0], Match.ReusedAddress);
    assert.equal(
      m.how[2],
      Match.ReusedAddress,
      'its holder is new: nothing says the list is the same',
    );
  });

  it('refuses captures of two processes, or with a gap, in one line', () => {
    const other = readSnapshot(
      capture({
        listKey: 'items',
        listGen: 2,
        states: [1, U, U, U],
        capture: 2,
        previous: 1,
        process: 'p2',
      }),
    );
    assert.throws(
      () => matchConsecutive(first(), other),
      (e: Error) => {
        assert.ok(e instanceof IdentityError);
        assert.match(e.message, /different processes/);
        return !e.message.includes('\n');
      },
    );
    const gap = readSnapshot(
      capture({ listKey: 'items', listGen: 2, states: [1, U, U, U], capture: 3, previous: 2 }),
    );
    assert.throws(() => matchConsecutive(first(), gap), /give every capture in between/);
  });

  it('rejects an identity column with a value it does not define, or a previous capture after it', () => {
    const bad = capture({
      listKey: 'items',
      listGen: 2,
      states: [1, 7, U, U],
      capture: 2,
      previous: 1,
    });
    assert.match(readError(bad)?.message ?? '', /node 1 has identity 7/);
    const later = capture({
      listKey: 'items',
      listGen: 2,
      states: [1, U, U, U],
      capture: 2,
      previous: 5,
    });
    assert.match(readError(later)?.message ?? '', /identity\.previous is 5, outside 1\.\.1/);
  });
});
