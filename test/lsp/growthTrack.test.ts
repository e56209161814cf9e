/**
 * Track Growth Here in the language server (TrackGrowthRequest): each stop's capture is added to
 * its tracking, which keeps the first capture however many the snapshot store releases since —
 * the counts per stop and the comparison with the first stay exact. A capture of another run
 * starts the tracking again, saying why; StopGrowthNotification ends it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DisposeSnapshotNotification,
  LoadSnapshotRequest,
  StopGrowthNotification,
  TrackGrowthRequest,
} from '../../protocol/lsp';
import { growingProgram } from './growingProgram';

const HITS = [2, 3, 4, 5];
const growth = growingProgram('hi-lsp-track-');

test('the first stop is kept while the store releases it; counts per stop are exact', async () => {
  const paths = growth.captures('app', HITS);
  const load = (path: string) =>
    growth.rpc.sendRequest(LoadSnapshotRequest, { path, session: 's1' });
  let track;
  for (const [k, path] of paths.entries()) {
    const loaded = await load(path);
    track = await growth.rpc.sendRequest(TrackGrowthRequest, {
      track: 's1|app.py:8',
      snapshotId: loaded.snapshotId,
    });
    assert.equal(track.restartedBecause, undefined);
    assert.equal(track.stops.length, k + 1);
    // Released at once (the store keeps two per session; the heap view releases older ones).
    void growth.rpc.sendNotification(DisposeSnapshotNotification, {
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
  const [first] = growth.captures('one', HITS);
  const [other] = growth.captures('two', HITS);
  const track = (path: string) =>
    growth.rpc
      .sendRequest(LoadSnapshotRequest, { path, session: 's2' })
      .then((loaded) =>
        growth.rpc.sendRequest(TrackGrowthRequest, { track: 's2', snapshotId: loaded.snapshotId }),
      );
  const a = await track(first);
  assert.equal(a.comparison, null);
  const b = await track(other);
  assert.match(b.restartedBecause ?? '', /process|capture/);
  assert.deepEqual(
    b.stops.map((s) => s.stop),
    [1],
  );
  void growth.rpc.sendNotification(StopGrowthNotification, { track: 's2' });
  const c = await track(first);
  assert.equal(c.restartedBecause, undefined, 'a new tracking, not a restart');
  assert.deepEqual(
    c.stops.map((s) => s.stop),
    [1],
  );
});
