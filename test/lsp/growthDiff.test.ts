/**
 * "Re-capture and compare" in the language server is object by object when the two snapshots are
 * consecutive captures of one process (docs/growth.md): new objects, their holder, the types —
 * and the comparison says why it is by address only otherwise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiffRequest, LoadSnapshotRequest } from '../../protocol/lsp';
import { growingProgram } from './growingProgram';

const HITS = [2, 5];
const growth = growingProgram('hi-lsp-growth-');

test('consecutive captures of one process are compared object by object', async () => {
  const [first, second] = growth.captures('app', HITS);
  const a = await growth.rpc.sendRequest(LoadSnapshotRequest, { path: first, session: 's1' });
  const b = await growth.rpc.sendRequest(LoadSnapshotRequest, { path: second, session: 's1' });
  const d = await growth.rpc.sendRequest(DiffRequest, {
    before: a.snapshotId,
    after: b.snapshotId,
  });
  assert.equal(d.byAddressBecause, undefined);
  assert.ok(d.growth);
  assert.deepEqual(d.growth.byType['__main__.Connection'], {
    before: 2,
    after: 5,
    new: 3,
    freed: 0,
  });
  const connections = d.growth.suspects.find((s) => s.type === '__main__.Connection');
  assert.equal(connections?.text, '3 new __main__.Connection held by __main__.leaked');
});

test('captures of two processes are compared by address, and the result says why', async () => {
  const [first] = growth.captures('one', HITS);
  const [, other] = growth.captures('two', HITS);
  const a = await growth.rpc.sendRequest(LoadSnapshotRequest, { path: first, session: 's2' });
  const b = await growth.rpc.sendRequest(LoadSnapshotRequest, { path: other, session: 's2' });
  const d = await growth.rpc.sendRequest(DiffRequest, {
    before: a.snapshotId,
    after: b.snapshotId,
  });
  assert.equal(d.growth, undefined);
  assert.match(d.byAddressBecause ?? '', /different processes/);
});
