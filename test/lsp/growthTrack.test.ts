/**
 * Track Growth Here in the language server (TrackGrowthRequest): each stop's capture is added to
 * its tracking, which keeps the first capture however many the snapshot store releases since —
 * the counts per stop and the comparison with the first stay exact. A capture of another run
 * starts the tracking again, saying why; StopGrowthNotification ends it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  DisposeSnapshotNotification,
  LoadSnapshotRequest,
  StopGrowthNotification,
  TrackGrowthRequest,
} from '../../protocol/lsp';
import { findPython } from '../../scripts/python.mjs';
import { LspClient, REPO_ROOT } from './lspClient';

const PROGRAM = `class Connection:
    pass


leaked = []
for i in range(6):
    leaked.append(Connection())
    i = i  # capture here
`;
const HITS = [2, 3, 4, 5];

let client: LspClient;
let scratch: string;

function captures(name: string): string[] {
  const script = join(scratch, `${name}.py`);
  writeFileSync(script, PROGRAM);
  const line = PROGRAM.split('\n').findIndex((l) => l.includes('capture here')) + 1;
  const out = join(scratch, `${name}-{hit}.heapsnap`);
  const run = spawnSync(
    findPython(),
    [
      join(REPO_ROOT, 'agent', 'heap_inspector_run.py'),
      'run',
      '--at',
      `${script}:${line}`,
      '--hits',
      HITS.join(','),
      '--out',
      out,
      script,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  return HITS.map((hit) => out.replace('{hit}', String(hit)));
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'hi-lsp-track-'));
  client = await LspClient.start();
});

after(async () => {
  await client.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('the first stop is kept while the store releases it; counts per stop are exact', async () => {
  const paths = captures('app');
  const load = (path: string) =>
    client.rpc.sendRequest(LoadSnapshotRequest, { path, session: 's1' });
  let track;
  for (const [k, path] of paths.entries()) {
    const loaded = await load(path);
    track = await client.rpc.sendRequest(TrackGrowthRequest, {
      track: 's1|app.py:8',
      snapshotId: loaded.snapshotId,
    });
    assert.equal(track.restartedBecause, undefined);
    assert.equal(track.stops.length, k + 1);
    // Released at once (the store keeps two per session; the heap view releases older ones).
    void client.rpc.sendNotification(DisposeSnapshotNotification, {
      snapshotId: loaded.snapshotId,
    });
  }
  assert.ok(track?.comparison);
  assert.deepEqual(track.perStop['__main__.Connection'], [2, 3, 4, 5]);
  assert.deepEqual(track.comparison.byType['__main__.Connection'], {
    before: 2,
    after: 5,
    new: 3,
    freed: 0,
  });
  const k = track.comparison.suspects.findIndex((s) => s.type === '__main__.Connection');
  assert.equal(track.comparison.suspects[k].path, '__main__.leaked');
  assert.match(track.suspectExample[k], /^0x[0-9a-f]+$/);
  assert.ok(track.comparison.growsAtEveryStep?.includes('__main__.Connection'));
});

test('a capture of another run starts again, saying why; stopping forgets the tracking', async () => {
  const [first] = captures('one');
  const [other] = captures('two');
  const track = (path: string) =>
    client.rpc
      .sendRequest(LoadSnapshotRequest, { path, session: 's2' })
      .then((loaded) =>
        client.rpc.sendRequest(TrackGrowthRequest, { track: 's2', snapshotId: loaded.snapshotId }),
      );
  const a = await track(first);
  assert.equal(a.comparison, null);
  const b = await track(other);
  assert.match(b.restartedBecause ?? '', /process|capture/);
  assert.deepEqual(
    b.stops.map((s) => s.stop),
    [1],
  );
  void client.rpc.sendNotification(StopGrowthNotification, { track: 's2' });
  const c = await track(first);
  assert.equal(c.restartedBecause, undefined, 'a new tracking, not a restart');
  assert.deepEqual(
    c.stops.map((s) => s.stop),
    [1],
  );
});
