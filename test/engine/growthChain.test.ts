/**
 * The incremental growth of "Track Growth Here" (server/engine/growthChain.ts), on real captures:
 * a program run once by `heap-inspector diff`, captured at four hits of a line, whose registry
 * grows by one session per request and whose batch is replaced every time (the allocator reuses
 * its memory). Kept incrementally — only the first and the latest capture held — the comparison
 * must be exactly what `diffCaptures` says of the whole list, and the counts per stop bounded.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { IdentityError } from '../../server/engine/captureIdentity';
import { GrowthChain } from '../../server/engine/growthChain';
import { diffCaptures } from '../../server/engine/heapDiff';
import type { HeapSnapshot } from '../../server/engine/heapSnapshot';
import { readSnapshot } from '../../server/engine/snapshotReader';
import { findPython } from '../../scripts/python.mjs';
import { runCli, writeScript } from '../cli/support';

const work = mkdtempSync(join(tmpdir(), 'hi-growth-chain-'));
const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') };
const HITS = [2, 3, 4, 5];
const PROGRAM = `class Session:
    def __init__(self, user):
        self.user = user


class WorkItem:
    def __init__(self, n):
        self.n = n


registry = {"users": []}
batch = None
for request in range(8):
    batch = None
    batch = [WorkItem(i) for i in range(200)]
    registry["users"].append(Session("user%d" % request))
    request = request  # capture here
`;

function captures(): HeapSnapshot[] {
  const script = writeScript(work, 'service.py', PROGRAM);
  const line = PROGRAM.split('\n').findIndex((l) => l.includes('capture here')) + 1;
  const keep = join(work, 'kept');
  mkdirSync(keep);
  const run = runCli(
    [
      'diff',
      '--quiet',
      '--python',
      findPython(),
      '--at',
      `${script}:${line}`,
      '--hits',
      HITS.join(','),
      '--keep',
      keep,
      script,
    ],
    { cwd: work, env },
  );
  assert.equal(run.status, 0, run.stderr);
  return HITS.map((hit) => readSnapshot(readFileSync(join(keep, `hit-${hit}.heapsnap`))));
}

describe('growth kept incrementally (Track Growth Here)', () => {
  after(() => rmSync(work, { recursive: true, force: true }));
  const snapshots = captures();

  it('compares the latest stop with the first exactly as the whole list would', () => {
    const chain = new GrowthChain(snapshots[0]);
    const atFirst = chain.track();
    assert.equal(atFirst.comparison, null);
    assert.deepEqual(atFirst.perStop, {});
    for (const s of snapshots.slice(1)) chain.add(s);
    const track = chain.track();
    const whole = diffCaptures(snapshots);
    assert.ok(track.comparison);
    assert.deepEqual(track.comparison.byType, whole.byType);
    assert.deepEqual(track.comparison.suspects, whole.suspects);
    assert.deepEqual(track.comparison.totals, whole.totals);
    assert.deepEqual(track.comparison.identity, whole.identity);
    assert.deepEqual(track.comparison.perHit, whole.perHit);
    assert.deepEqual(track.comparison.growsAtEveryStep, whole.growsAtEveryStep);
    assert.deepEqual(track.comparison.survivors, whole.survivors);
    assert.deepEqual(track.perStop['__main__.Session'], [2, 3, 4, 5]);
    assert.deepEqual(track.perStop['__main__.WorkItem'], undefined, 'replaced, never grew');
    assert.equal(track.comparison.byType['__main__.WorkItem'].new, 200);
    assert.equal(track.comparison.byType['__main__.WorkItem'].freed, 200);
    assert.deepEqual(
      track.stops.map((s) => s.stop),
      [1, 2, 3, 4],
    );
    const sessions = track.comparison.suspects.find((s) => s.type === '__main__.Session');
    assert.equal(sessions?.path, "__main__.registry['users']");
    assert.equal(sessions?.new, 3);
  });

  it('names one new object of each type and of each suspect, in the latest capture', () => {
    const chain = new GrowthChain(snapshots[0]);
    for (const s of snapshots.slice(1)) chain.add(s);
    const track = chain.track();
    const latest = snapshots[snapshots.length - 1];
    const first = snapshots[0];
    const typeAt = (s: HeapSnapshot, address: string) => {
      for (let v = 0; v < s.nodeCount; v++) if (s.addressHex(v) === address) return s.typeName(v);
      return null;
    };
    const session = track.newExample['__main__.Session'];
    assert.equal(typeAt(latest, session), '__main__.Session');
    // A session of the first stop is not new: the example is none of them.
    const firstSessions = new Set<string>();
    for (let v = 0; v < first.nodeCount; v++) {
      if (first.typeName(v) === '__main__.Session') firstSessions.add(first.addressHex(v));
    }
    assert.ok(!firstSessions.has(session));
    assert.equal(track.suspectExample.length, track.comparison?.suspects.length);
    track.comparison?.suspects.forEach((s, k) => {
      assert.equal(typeAt(latest, track.suspectExample[k]), s.type);
    });
  });

  it('keeps the counts of the first stop and the most recent ones only', () => {
    const chain = new GrowthChain(snapshots[0], 3);
    for (const s of snapshots.slice(1)) chain.add(s);
    const track = chain.track();
    assert.deepEqual(
      track.stops.map((s) => s.stop),
      [1, 3, 4],
    );
    assert.deepEqual(track.perStop['__main__.Session'], [2, 4, 5]);
    assert.equal(track.comparison?.byType['__main__.Session'].new, 3);
  });

  it('refuses a capture that does not follow the latest one', () => {
    const chain = new GrowthChain(snapshots[0]);
    assert.throws(() => chain.add(snapshots[2]), IdentityError);
    chain.add(snapshots[1]);
    assert.equal(chain.stopsSeen, 2);
  });
});
