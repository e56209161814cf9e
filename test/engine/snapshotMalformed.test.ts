/**
 * Crafted snapshots that pass every checksum, made from a real capture: each is either rejected
 * with one line saying what is wrong, or accepted with output that still makes sense.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NodeFlag, SectionDType, SectionEncoding } from '../../protocol/snapshot';
import { releasedDuringCapture } from '../../server/engine/releasedDuringCapture';
import { readSnapshot } from '../../server/engine/snapshotReader';
import { assertAccepted, assertRejected, smallSnapshotBytes } from '../helpers/snapshotChecks';
import {
  cloneSnapshot,
  editJson,
  findSection,
  joinSnapshot,
  setElement,
  setJson,
  setPayload,
  splitSnapshot,
  type SplitSnapshot,
} from '../helpers/snapshotSections';

const original = smallSnapshotBytes();
const base = splitSnapshot(original);

function variant(edit: (s: SplitSnapshot) => void): Uint8Array {
  const s = cloneSnapshot(base);
  edit(s);
  return joinSnapshot(s);
}

type Json = Record<string, unknown> & Record<number, unknown>;
const meta = (edit: (m: Json) => unknown) =>
  variant((s) => editJson(s, 'meta', edit as (v: Record<string, unknown>) => unknown));
const frames = (edit: (f: Json) => unknown) =>
  variant((s) => editJson(s, 'frames', edit as (v: Record<string, unknown>) => unknown));

describe('crafted snapshots: JSON sections of the wrong shape are rejected', () => {
  test('the real fixture itself is read', () => {
    const { summary } = assertAccepted(original);
    assert.ok(summary.heap.objects > 1000);
    assert.equal(summary.finalizers.weakrefFinalize.pending, 2);
  });

  test('weakref.finalize entries', () => {
    const finalizers = (value: unknown) => variant((s) => setJson(s, 'finalizers', value));
    assertRejected(finalizers([null]), 'corrupt', /weakref\.finalize entry 0 is not an object/);
    assertRejected(finalizers({}), 'corrupt', /"finalizers" section is not an array/);
    const good =
      base.sections.length > 0
        ? (JSON.parse(new TextDecoder().decode(findSection(base, 'finalizers').payload)) as Json[])
        : [];
    assertRejected(
      finalizers([{ ...good[0], node: '3' }]),
      'corrupt',
      /weakref\.finalize entry 0: "node" /,
    );
    assertRejected(
      finalizers([{ ...good[0], atexit: 1 }]),
      'corrupt',
      /weakref\.finalize entry 0: "atexit" /,
    );
    assertRejected(
      finalizers([{ ...good[0], funcName: 7 }]),
      'corrupt',
      /weakref\.finalize entry 0: "funcName" /,
    );
    assertRejected(
      finalizers([{ ...good[0], referent: 1e9 }]),
      'corrupt',
      /weakref\.finalize entry 0: "referent" is node 1000000000, but there are only \d+ nodes/,
    );
    assertRejected(
      finalizers([{ ...good[0], node: -1 }]),
      'corrupt',
      /weakref\.finalize entry 0: "node" is node -1/,
    );
  });

  test('frames', () => {
    assertRejected(
      frames((f) => ({ ...f, paused: 5 })),
      'corrupt',
      /frames\.paused is not an array/,
    );
    assertRejected(
      frames((f) => ({ ...f, threads: [null] })),
      'corrupt',
      /frames\.threads\[0\] is not an object/,
    );
    assertRejected(
      frames((f) => ({ ...f, threads: null })),
      'corrupt',
      /frames\.threads is not an array/,
    );
    assertRejected(
      frames((f) => {
        (f.threads as Json[])[0].frames = 'x';
      }),
      'corrupt',
      /frames\.threads\[0\]\.frames is not an array/,
    );
    assertRejected(
      frames((f) => {
        (f.paused as Json[])[0].line = 'x';
      }),
      'corrupt',
      /frames\.paused\[0\]\.line is not a whole number/,
    );
    assertRejected(
      frames((f) => {
        (f.paused as Json[])[0].file = 7;
      }),
      'corrupt',
      /frames\.paused\[0\]\.file is not a string/,
    );
    assertRejected(
      frames((f) => {
        (f.threads as Json[])[0].name = { x: 1 };
      }),
      'corrupt',
      /frames\.threads\[0\]\.name is not a string/,
    );
  });

  test('meta', () => {
    assertRejected(
      meta((m) => ({ ...m, gc: null })),
      'corrupt',
      /meta\.gc is not an object/,
    );
    assertRejected(
      meta((m) => {
        delete m.gc;
      }),
      'corrupt',
      /meta\.gc is missing/,
    );
    assertRejected(
      meta((m) => {
        (m.gc as Json).enabled = 'yes';
      }),
      'corrupt',
      /meta\.gc\.enabled is not true or false/,
    );
    assertRejected(
      meta((m) => {
        (m.counts as Json).nodes = String((m.counts as Json).nodes);
      }),
      'corrupt',
      /meta\.counts\.nodes is not a whole number \(got "\d+"\)/,
    );
    assertRejected(
      meta((m) => {
        delete m.python;
      }),
      'corrupt',
      /meta\.python is missing/,
    );
    assertRejected(
      meta((m) => {
        delete m.capture;
      }),
      'corrupt',
      /meta\.capture is missing/,
    );
    assertRejected(
      meta((m) => {
        (m.capture as Json).file = 12;
      }),
      'corrupt',
      /meta\.capture\.file is not a string/,
    );
    assertRejected(
      meta((m) => {
        (m.python as Json).version = [3, 'x', 1];
      }),
      'corrupt',
      /meta\.python\.version\[1\] is not a whole number/,
    );
    assertRejected(
      meta((m) => {
        m.warnings = ['ok', 3];
      }),
      'corrupt',
      /meta\.warnings\[1\] is not a string/,
    );
    assertRejected(
      meta(() => null),
      'corrupt',
      /the "meta" section is not an object/,
    );
  });

  test('strings and types', () => {
    const strings = JSON.parse(
      new TextDecoder().decode(findSection(base, 'strings').payload),
    ) as unknown[];
    assertRejected(
      variant((s) =>
        setJson(
          s,
          'strings',
          strings.map((x, i) => (i === 5 ? 5 : x)),
        ),
      ),
      'corrupt',
      /section "strings" is not JSON a snapshot holds \(not an array of strings\)/,
    );
    assertRejected(
      variant((s) =>
        setJson(
          s,
          'strings',
          strings.map((x, i) => (i === 7 ? null : x)),
        ),
      ),
      'corrupt',
      /section "strings" is not JSON a snapshot holds \(not an array of strings\)/,
    );
    assertRejected(
      variant((s) => setJson(s, 'strings', { 0: '' })),
      'corrupt',
      /section "strings" is not JSON a snapshot holds \(not an array of strings\)/,
    );
    assertRejected(
      variant((s) => setJson(s, 'strings', 'text')),
      'corrupt',
      /the "strings" section is not an array \(got "text"\)/,
    );
    assertRejected(
      variant((s) => setJson(s, 'strings', ['x', ...strings.slice(1)])),
      'corrupt',
      /string 0 is "x"; it must be empty/,
    );
    const types = (edit: (t: Json[]) => void) =>
      variant((s) =>
        editJson(s, 'types', (t) => {
          edit(t as unknown as Json[]);
        }),
      );
    assertRejected(
      types((t) => (t[0] = null as never)),
      'corrupt',
      /type record 0 is not an object/,
    );
    assertRejected(
      types((t) => (t[1].flags = '1')),
      'corrupt',
      /type record 1: "flags" is not a whole number/,
    );
    assertRejected(
      types((t) => (t[1].name = 1)),
      'corrupt',
      /type record 1: "name" is not a string/,
    );
    assertRejected(
      types((t) => (t[1].category = 1)),
      'corrupt',
      /type record 1: "category" is not a string/,
    );
  });
});

describe('crafted snapshots: columns with values out of range are rejected', () => {
  test('node addresses must be whole numbers below 2^53', () => {
    for (const bad of [NaN, -8, 1.5, Infinity, 2 ** 53]) {
      assertRejected(
        variant((s) => setElement(s, 'node.address', 3, bad)),
        'corrupt',
        /node 3 has address .*, which is not an object address/,
      );
    }
  });

  test('edge and root kinds must be known', () => {
    assertRejected(
      variant((s) => setElement(s, 'edge.kind', 2, 0xff)),
      'corrupt',
      /edge 2 has kind 255, which format 1 does not define/,
    );
    assertRejected(
      variant((s) => setElement(s, 'root.kind', 1, 0)),
      'corrupt',
      /root 1 has kind 0, which format 1 does not define/,
    );
  });

  test('alloc columns point inside the snapshot', () => {
    assertRejected(
      variant((s) => setElement(s, 'alloc.file', 0, 0xfffffff0)),
      'corrupt',
      /allocation record 0 points outside the snapshot/,
    );
  });
});

describe('crafted snapshots: the container', () => {
  test('a 65,535-byte section name is shown escaped and cut short', () => {
    const bytes = original.slice();
    // The first section's name length: its name now runs over the following binary data.
    new DataView(bytes.buffer).setUint16(12, 0xffff, true);
    const error = assertRejected(bytes, 'truncated', /section "strings.{0,80}"/);
    assert.ok(error.message.length < 300, error.message);
  });

  test('a count beyond 2^53 is corrupt, not truncated', () => {
    const bytes = variant((s) => {
      findSection(s, 'node.flags').count = 2n ** 60n;
    });
    assertRejected(
      bytes,
      'corrupt',
      /section "node\.flags" announces 1152921504606846976 elements/,
    );
  });

  test('counts that disagree with meta are found before anything is decompressed', () => {
    const bytes = variant((s) => {
      findSection(s, 'node.flags').count += 1n;
    });
    assertRejected(
      bytes,
      'corrupt',
      /section "node\.flags" announces \d+ elements but meta\.counts\.nodes is \d+/,
    );
  });

  test('consistent but enormous counts are refused before allocating', () => {
    const N = 2n ** 28n;
    const bytes = variant((s) => {
      editJson(s, 'meta', (m) => {
        (m.counts as Json).nodes = Number(N);
      });
      for (const name of [
        'node.address',
        'node.type',
        'node.size',
        'node.refcount',
        'node.flags',
        'node.name',
        'node.edgeCount',
      ]) {
        const sec = findSection(s, name);
        sec.count = N;
        sec.encoding = SectionEncoding.Zlib;
        sec.stored = new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
      }
    });
    assertRejected(bytes, 'corrupt', /decompress to \d+ bytes, more than 32 times the file's size/);
  });

  test('bytes after the end section', () => {
    const bytes = new Uint8Array(original.length + 5);
    bytes.set(original);
    assertRejected(bytes, 'corrupt', /5 bytes follow its "end" section/);
  });

  test('a JSON section made of nested containers is refused before it is parsed', () => {
    const nested = '[' + '[],'.repeat(20_000) + '[]]';
    assertRejected(
      variant((s) => {
        setPayload(findSection(s, 'finalizers'), new TextEncoder().encode(nested));
      }),
      'corrupt',
      /section "finalizers" is not JSON a snapshot holds/,
    );
    const deep = '['.repeat(100) + ']'.repeat(100);
    assertRejected(
      variant((s) => {
        const text = `{"paused":[],"threads":[],"x":${deep}}`;
        setPayload(findSection(s, 'frames'), new TextEncoder().encode(text));
      }),
      'corrupt',
      /section "frames" is not JSON a snapshot holds/,
    );
  });

  test('a section of unknown element type is still ignored only when its name is unknown', () => {
    const bytes = variant((s) => {
      findSection(s, 'node.flags').dtype = SectionDType.U32;
    });
    assertRejected(bytes, 'corrupt', /section "node\.flags" has element type 3, expected 1/);
  });
});

describe('crafted snapshots: tolerated values give sane output', () => {
  test('flags 0xff (permanent generation, an unknown bit), refcount 2^32−1 and 0', () => {
    const n = Number(findSection(base, 'node.flags').count);
    const flagged = assertAccepted(variant((s) => setElement(s, 'node.flags', 4, 0xff)));
    assert.equal(flagged.summary.heap.objects, n);
    assert.doesNotMatch(flagged.text, /NaN|undefined/);
    const huge = assertAccepted(variant((s) => setElement(s, 'node.refcount', 4, 0xffffffff)));
    assert.equal(huge.summary.heap.objects, n);
    // Reference counts of 0 everywhere (a capture racing other threads can undercount; the
    // reader does not judge): objects nothing refers to read as let go of during the capture,
    // with all they alone hold; every other tracked object is unreachable.
    const zeroBytes = variant((s) => {
      const refcount = findSection(s, 'node.refcount');
      setPayload(refcount, new Uint8Array(refcount.payload.length));
    });
    const zero = assertAccepted(zeroBytes);
    const zeroSnapshot = readSnapshot(zeroBytes, 'crafted.heapsnap');
    const { released } = releasedDuringCapture(zeroSnapshot);
    let releasedTracked = 0;
    for (let v = 0; v < zeroSnapshot.nodeCount; v++)
      if (released[v] === 1 && (zeroSnapshot.nodeFlags[v] & NodeFlag.Tracked) !== 0)
        releasedTracked++;
    assert.ok(releasedTracked > 0);
    assert.equal(zero.summary.unreachable.count + releasedTracked, zero.summary.heap.tracked);
  });

  test('an unknown type category reads as "other"; unknown meta fields pass through', () => {
    const bytes = variant((s) => {
      editJson(s, 'types', (t) => {
        (t as unknown as Json[])[1].category = 'hologram';
      });
      editJson(s, 'meta', (m) => {
        m.futureField = { nested: [1, 2, 3] };
      });
    });
    const { summary } = assertAccepted(bytes);
    assert.ok(summary.heap.objects > 0);
  });
});
