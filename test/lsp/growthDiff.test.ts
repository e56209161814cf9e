/**
 * "Re-capture and compare" in the language server is object by object when the two snapshots are
 * consecutive captures of one process (docs/growth.md): new objects, their holder, the types —
 * and the comparison says why it is by address only otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DiffRequest, LoadSnapshotRequest } from '../../protocol/lsp';
import { findPython } from '../../scripts/python.mjs';
import { LspClient, REPO_ROOT } from './lspClient';

const PROGRAM = `class Connection:
    pass


leaked = []
for i in range(6):
    leaked.append(Connection())
    i = i  # capture here
`;

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
      '2,5',
      '--out',
      out,
      script,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  return [out.replace('{hit}', '2'), out.replace('{hit}', '5')];
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'hi-lsp-growth-'));
  client = await LspClient.start();
});

after(async () => {
  await client.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('consecutive captures of one process are compared object by object', async () => {
  const [first, second] = captures('app');
  const a = await client.rpc.sendRequest(LoadSnapshotRequest, { path: first, session: 's1' });
  const b = await client.rpc.sendRequest(LoadSnapshotRequest, { path: second, session: 's1' });
  const d = await client.rpc.sendRequest(DiffRequest, {
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
  const [first] = captures('one');
  const [, other] = captures('two');
  const a = await client.rpc.sendRequest(LoadSnapshotRequest, { path: first, session: 's2' });
  const b = await client.rpc.sendRequest(LoadSnapshotRequest, { path: other, session: 's2' });
  const d = await client.rpc.sendRequest(DiffRequest, {
    before: a.snapshotId,
    after: b.snapshotId,
  });
  assert.equal(d.growth, undefined);
  assert.match(d.byAddressBecause ?? '', /different processes/);
});
