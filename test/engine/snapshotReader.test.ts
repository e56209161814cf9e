import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { EdgeKind, RootKind, SectionDType, SectionEncoding } from '../../protocol/snapshot';
import type { SnapshotData } from '../../server/engine/heapSnapshot';
import {
  readSnapshot,
  readSnapshotFile,
  SnapshotError,
  type SnapshotErrorCode,
} from '../../server/engine/snapshotReader';
import { writeSnapshot } from '../../server/engine/snapshotWriter';
import { HeapBuilder } from '../helpers/heapBuilder';

function sampleHeap(): HeapBuilder {
  const h = new HeapBuilder();
  const mod = h.obj('builtins.module', { name: '__main__', external: 1 });
  const globals = h.obj('builtins.dict', {});
  const frame = h.obj('builtins.frame', { gen: 0 });
  const a = h.obj('__main__.Node', { gen: 0, size: 48 });
  const b = h.obj('__main__.Node', { gen: 1, finalized: true });
  const s = h.obj('builtins.str', { name: 'héllo ✓' });
  const w = h.obj('builtins.weakref', { gen: 0, external: 1 });
  const cb = h.obj('builtins.function', { name: 'cb', external: 1 });
  h.ref(mod, globals, '__dict__', EdgeKind.Slot)
    .ref(globals, a, 'a', EdgeKind.StrKey)
    .ref(a, b, 'next')
    .ref(b, a, 'prev');
  h.ref(a, s, 'name').ref(globals, s, '(1, 2)', EdgeKind.OtherKey);
  h.weakref(w, a, cb).weakref(w, -1);
  h.module(mod, '__main__').pausedFrame(frame, 'main', 12).local(frame, b, 'node');
  h.finalize({ node: w, referent: a, func: cb, args: -1, atexit: false, funcName: 'cb' });
  h.thread({
    ident: 1,
    name: 'MainThread',
    current: true,
    frames: [{ node: frame, file: 'app.py', line: 12, function: 'main' }],
  });
  h.warn('attribute names unavailable');
  return h;
}

function assertSnapshotError(
  fn: () => unknown,
  code: SnapshotErrorCode,
  message: RegExp,
): SnapshotError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SnapshotError, `expected a SnapshotError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.match(caught.message, message);
  return caught;
}

/** Byte offset of the stored bytes of section `name` (raw files). */
function payloadOffset(bytes: Uint8Array, name: string): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 12;
  for (;;) {
    const len = dv.getUint16(off, true);
    const n = new TextDecoder().decode(bytes.subarray(off + 2, off + 2 + len));
    const p = off + 2 + len + 22;
    if (n === name) return p;
    off = p + Number(dv.getBigUint64(off + 2 + len + 14, true));
  }
}

function mutate(edit: (d: SnapshotData) => void): Uint8Array {
  const d = sampleHeap().data();
  edit(d);
  return writeSnapshot(d);
}

describe('snapshot reader', () => {
  test('round-trips every column and section through the writer', () => {
    for (const compress of [false, true]) {
      const data = sampleHeap().data();
      const snap = readSnapshot(writeSnapshot(data, { compress }));
      assert.deepEqual(snap.meta, data.meta);
      assert.deepEqual(snap.strings, data.strings);
      assert.deepEqual(snap.types, data.types);
      assert.deepEqual(snap.frames, data.frames);
      assert.deepEqual(snap.finalizers, data.finalizers);
      for (const key of [
        'nodeAddress',
        'nodeType',
        'nodeSize',
        'nodeRefcount',
        'nodeFlags',
        'nodeName',
        'nodeEdgeCount',
        'edgeTo',
        'edgeKind',
        'edgeName',
        'weakrefNode',
        'weakrefReferent',
        'weakrefCallback',
        'rootKind',
        'rootNode',
        'rootName',
        'rootFrame',
      ] as const) {
        assert.equal(snap[key].constructor, data[key].constructor, key);
        assert.deepEqual([...snap[key]], [...data[key]], key);
      }
      assert.deepEqual([...snap.edgeStart], [0, 1, 3, 3, 5, 6, 6, 7, 7]);
    }
  });

  test('helpers: names, tracking, generations, addresses, edge labels', () => {
    const snap = readSnapshot(sampleHeap().build());
    assert.equal(snap.nodeCount, 8);
    assert.equal(snap.edgeCount, 7);
    assert.equal(snap.typeName(3), '__main__.Node');
    assert.equal(snap.category(0), 'module');
    assert.equal(snap.name(5), 'héllo ✓');
    assert.equal(snap.isTracked(5), false);
    assert.equal(snap.generation(5), null);
    assert.equal(snap.generation(3), 0);
    assert.equal(snap.generation(4), 1);
    assert.equal(snap.generation(0), 2);
    assert.equal(snap.addressHex(0), '0x7f0000001000');
    assert.equal(snap.addressHex(2), '0x7f0000001080');
    assert.deepEqual(
      Array.from({ length: snap.edgeCount }, (_, e) => snap.edgeLabel(e)),
      ['__dict__', "['a']", '[(1, 2)]', '.next', '.name', '.prev', '__callback__'],
    );
    assert.deepEqual(
      Array.from({ length: snap.edgeCount }, (_, e) => snap.edgeSource(e)),
      [0, 1, 1, 3, 3, 4, 6],
    );
    assert.equal(snap.rootKind[0], RootKind.Module);
  });

  test('reads a file from disk, and columns at odd offsets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hi-reader-'));
    const path = join(dir, 'x.pyheap');
    const bytes = sampleHeap().build();
    writeFileSync(path, bytes);
    assert.equal(readSnapshotFile(path).nodeCount, 8);
    // The same bytes one byte into a bigger buffer: every column is misaligned.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const snap = readSnapshot(shifted.subarray(1));
    assert.deepEqual([...snap.nodeAddress], [...readSnapshot(bytes).nodeAddress]);
    assertSnapshotError(
      () => readSnapshotFile(join(dir, 'missing.pyheap')),
      'unreadable',
      /cannot read .*missing\.pyheap.*check the path/,
    );
  });

  test('ignores unknown sections', () => {
    const payload = new TextEncoder().encode('{"future":true}');
    const bytes = writeSnapshot(sampleHeap().data(), {
      extraSections: [
        {
          name: 'future.thing',
          dtype: SectionDType.Json,
          payload,
          count: payload.length,
          encoding: SectionEncoding.Zlib,
        },
        // Even an unknown element type is fine.
        { name: 'future.blob', dtype: 9 as SectionDType, payload: new Uint8Array(3), count: 3 },
      ],
    });
    assert.equal(readSnapshot(bytes).nodeCount, 8);
  });

  test('rejects a file that is not a snapshot', () => {
    const text = new TextEncoder().encode('{"this is": "json"}');
    assertSnapshotError(
      () => readSnapshot(text, 'heap.json'),
      'not-a-snapshot',
      /^heap\.json is not a heap snapshot \(it does not start with "PYHEAPSN"\) — pass a \.heapsnap file written by heap-inspector$/,
    );
    assertSnapshotError(() => readSnapshot(new Uint8Array(0)), 'truncated', /0 bytes/);
  });

  test('rejects another format version with what to do', () => {
    const bytes = sampleHeap().build();
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, 3, true);
    assertSnapshotError(
      () => readSnapshot(bytes, 'x.pyheap'),
      'unsupported-version',
      /^x\.pyheap was written by snapshot format 3; this heap-inspector reads formats 1 and 2 — update heap-inspector or re-capture/,
    );
  });

  test('rejects a truncated file', () => {
    const bytes = sampleHeap().build();
    // Cut inside a section body, inside a header, and just before `end`.
    assertSnapshotError(
      () => readSnapshot(bytes.subarray(0, payloadOffset(bytes, 'edge.to') + 3)),
      'truncated',
      /is truncated: section "edge\.to" needs 28 bytes .* only 3 remain — the capture was interrupted or the file was cut short; capture the snapshot again/,
    );
    assertSnapshotError(
      () => readSnapshot(bytes.subarray(0, payloadOffset(bytes, 'edge.to') - 5)),
      'truncated',
      /is truncated: the header of section #\d+ \("edge\.to"\) at byte \d+ is cut short/,
    );
    const endHeader = payloadOffset(bytes, 'end') - 22 - 2 - 3;
    assertSnapshotError(
      () => readSnapshot(bytes.subarray(0, endHeader)),
      'truncated',
      /is truncated: it has no "end" section/,
    );
  });

  test('rejects a CRC mismatch', () => {
    const bytes = sampleHeap().build();
    bytes[payloadOffset(bytes, 'node.refcount') + 4] ^= 0x01;
    assertSnapshotError(
      () => readSnapshot(bytes),
      'corrupt',
      /is corrupt: section "node\.refcount" fails its CRC-32 check \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\) — capture the snapshot again; if it happens again, report it with the agent version/,
    );
  });

  test('rejects columns whose lengths disagree with meta counts', () => {
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.nodeSize = d.nodeSize.subarray(1)))),
      'corrupt',
      /section "node\.size" announces 7 elements but meta\.counts\.nodes is 8/,
    );
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.meta.counts.edges = 6))),
      'corrupt',
      /section "edge\.to" announces 7 elements but meta\.counts\.edges is 6/,
    );
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.meta.counts.weakrefs = 3))),
      'corrupt',
      /section "weakref\.node" announces 2 elements but meta\.counts\.weakrefs is 3/,
    );
  });

  test('rejects edge counts that do not add up', () => {
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.nodeEdgeCount[0] = 2))),
      'corrupt',
      /the sum of node\.edgeCount is 8, but there are 7 edges/,
    );
  });

  test('rejects indices out of range', () => {
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.edgeTo[3] = 8))),
      'corrupt',
      /edge 3 points to node 8, but there are only 8 nodes/,
    );
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.nodeType[2] = 99))),
      'corrupt',
      /node 2 has type index 99, but there are only \d+ types/,
    );
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.weakrefReferent[0] = 8))),
      'corrupt',
      /the referent of weak reference 0 is node 8, but there are only 8 nodes/,
    );
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.finalizers[0].func = 100))),
      'corrupt',
      /weakref\.finalize entry 0: "func" is node 100/,
    );
    assertSnapshotError(
      () => readSnapshot(mutate((d) => (d.edgeName[1] = 1000))),
      'corrupt',
      /edge 1 has name index 1000/,
    );
  });

  test('rejects a missing required section and a wrong element type', () => {
    const data = sampleHeap().data();
    const bytes = writeSnapshot(data);
    // Rename "edge.to" to "edge.tx": an unknown section, so edge.to is missing.
    const at = payloadOffset(bytes, 'edge.to') - 22 - 7;
    bytes[at + 6] = 'x'.charCodeAt(0);
    assertSnapshotError(
      () => readSnapshot(bytes),
      'corrupt',
      /required section "edge\.to" is missing/,
    );
    const bytes2 = writeSnapshot(data);
    bytes2[payloadOffset(bytes2, 'node.size') - 22] = SectionDType.I32;
    assertSnapshotError(
      () => readSnapshot(bytes2),
      'corrupt',
      /section "node\.size" has element type 2, expected 3/,
    );
  });
});
