/**
 * `heap-inspector report` on files that are not snapshots, or are hostile ones: devices that
 * never end, a named pipe nobody writes to, a folder, crafted files that pass every checksum.
 * Each gets one line on stderr and exit status 2: no stack trace, no raw byte of the file, no
 * hang, no memory blow-up. Every case runs in a child process with a time limit (a hang must
 * fail, not block the suite) and, where memory is at stake, under a 3 GB address-space limit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UNSAFE_TERMINAL_TEXT, smallSnapshotBytes } from '../helpers/snapshotChecks';
import {
  cloneSnapshot,
  editJson,
  findSection,
  joinSnapshot,
  setJson,
  splitSnapshot,
  zlibOfZeros,
} from '../helpers/snapshotSections';
import { SectionEncoding } from '../../protocol/snapshot';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const work = mkdtempSync(join(tmpdir(), 'hi-bad-snapshots-'));

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a child: 60 s at most (a hang fails), 3 GB of address space at most. */
function report(args: string[]): Run {
  const quoted = [process.execPath, CLI, 'report', ...args].map(
    (a) => `'${a.replace(/'/g, "'\\''")}'`,
  );
  const r = spawnSync('/bin/sh', ['-c', `ulimit -v 3000000; exec ${quoted.join(' ')}`], {
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2, nothing on stdout, exactly one safe line on stderr matching `pattern`. */
function assertOneLine(r: Run, pattern: RegExp): void {
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(0, 500)}`);
  assert.equal(r.status, 2, r.stderr.slice(0, 2000));
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.endsWith('\n'));
  const lines = r.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `more than one line:\n${r.stderr.slice(0, 2000)}`);
  assert.match(lines[0], /^heap-inspector: /);
  assert.doesNotMatch(lines[0], /internal error/);
  assert.doesNotMatch(lines[0], UNSAFE_TERMINAL_TEXT);
  assert.ok(lines[0].length < 600, `a line of ${lines[0].length} characters`);
  assert.match(lines[0], pattern);
}

function crafted(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

const base = splitSnapshot(smallSnapshotBytes());
function variant(name: string, edit: (s: ReturnType<typeof cloneSnapshot>) => void): string {
  const s = cloneSnapshot(base);
  edit(s);
  return crafted(name, joinSnapshot(s));
}

describe('heap-inspector report: files that are not snapshots', () => {
  it('refuses devices that never end instead of reading them', () => {
    for (const device of ['/dev/zero', '/dev/urandom']) {
      assertOneLine(
        report([device]),
        new RegExp(`^heap-inspector: cannot read ${device}: it is a character device, not a file`),
      );
    }
  });

  it('refuses a named pipe instead of waiting for a writer', () => {
    const fifo = join(work, 'pipe.heapsnap');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    assertOneLine(report([fifo]), /cannot read .*pipe\.heapsnap: it is a named pipe, not a file/);
  });

  it('refuses a folder', () => {
    assertOneLine(
      report([work]),
      /cannot read .*: it is a folder — give the snapshot file inside it/,
    );
  });
});

describe('heap-inspector report: crafted snapshots', () => {
  it('a CRC-valid zlib bomb: one line, memory bounded', () => {
    const path = variant('bomb.heapsnap', (s) => {
      const flags = findSection(s, 'node.flags');
      flags.encoding = SectionEncoding.Zlib;
      flags.stored = zlibOfZeros(1 << 30);
    });
    assertOneLine(
      report(['--json', join(work, 'bomb.json'), path]),
      /bomb\.heapsnap is corrupt: section "node\.flags" decompresses to more than the \d+ bytes its header announces/,
    );
  });

  it('JSON sections of the wrong shape: one line each', () => {
    const cases: [string, (s: ReturnType<typeof cloneSnapshot>) => void, RegExp][] = [
      [
        'finalizers-null-entry',
        (s) => setJson(s, 'finalizers', [null]),
        /weakref\.finalize entry 0 is not an object/,
      ],
      [
        'frames-paused-num',
        (s) => editJson(s, 'frames', (f) => ({ ...f, paused: 1 })),
        /frames\.paused is not an array/,
      ],
      [
        'frames-threads-null',
        (s) => editJson(s, 'frames', (f) => ({ ...f, threads: [null] })),
        /frames\.threads\[0\] is not an object/,
      ],
      [
        'meta-gc-null',
        (s) => editJson(s, 'meta', (m) => ({ ...m, gc: null })),
        /meta\.gc is not an object/,
      ],
      [
        'strings-nums',
        (s) => setJson(s, 'strings', ['', 1, 2]),
        /section "strings" is not JSON a snapshot holds/,
      ],
      [
        'meta-counts-str',
        (s) =>
          editJson(s, 'meta', (m) => ({ ...m, counts: { ...(m.counts as object), nodes: '7' } })),
        /meta\.counts\.nodes is not a whole number \(got "7"\)/,
      ],
    ];
    for (const [name, edit, pattern] of cases) {
      for (const outputs of [
        [],
        ['--json', join(work, `${name}.json`), '--html', join(work, `${name}.html`)],
      ]) {
        assertOneLine(report([...outputs, variant(`${name}.heapsnap`, edit)]), pattern);
      }
    }
  });

  it('a 65,535-byte section name is not printed: escaped and cut short', () => {
    const bytes = smallSnapshotBytes();
    new DataView(bytes.buffer, bytes.byteOffset).setUint16(12, 0xffff, true);
    const r = report([crafted('namelen.heapsnap', bytes)]);
    assertOneLine(r, /is truncated: section "strings[^"]{0,80}" needs/);
  });
});
