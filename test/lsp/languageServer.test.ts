/**
 * The language server (dist/server.js) as the extension uses it, over JSON-RPC: a real snapshot
 * of a known program (made by the CLI) is loaded, analysed and asked about — summary and view,
 * "why is this alive?", neighbourhoods, focusing one object by address, comparing two captures —
 * and bad input gets a clear error. No VS Code needed.
 *
 *   node scripts/build.mjs && node --import tsx --test test/lsp/languageServer.test.ts
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-languageserver/node';
import {
  DiffRequest,
  FocusViewRequest,
  LoadSnapshotRequest,
  NeighbourhoodRequest,
  RetentionPathRequest,
  SnapshotMetaRequest,
} from '../../protocol/lsp';
import type { Summary } from '../../protocol/summary';
import { markedLine } from '../vscode/cliExpectations';
import { REPO_ROOT } from './lspClient';

const FIXTURES = join(REPO_ROOT, 'test', 'vscode', 'fixtures', 'workspace');
let server: ChildProcess;
let rpc: MessageConnection;
let scratch: string;
let leakySnapshot: string;
let leakySummary: Summary;
let bigSnapshot: string;

/** `heap-inspector snapshot --out` for a fixture: the snapshot and the CLI's own summary. */
function snapshotOf(script: string, marker: string, out: string): Summary {
  const file = join(FIXTURES, script);
  const r = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'heap-inspector.js'),
      'snapshot',
      '--quiet',
      '--at',
      `${file}:${markedLine(file, marker)}`,
      '--out',
      out,
      '--json',
      '-',
      file,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.slice(r.stdout.search(/^\{/m))) as Summary;
}

before(async () => {
  const bundle = join(REPO_ROOT, 'dist', 'server.js');
  if (!existsSync(bundle)) {
    const b = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
      stdio: 'inherit',
    });
    assert.equal(b.status, 0);
  }
  scratch = mkdtempSync(join(tmpdir(), 'hi-lsp-'));
  leakySnapshot = join(scratch, 'leaky.heapsnap');
  leakySummary = snapshotOf('leaky_pool.py', '# INSPECT HERE', leakySnapshot);
  bigSnapshot = join(scratch, 'big.heapsnap');
  snapshotOf('big_heap.py', '# CAPTURE HERE', bigSnapshot);
  server = spawn(process.execPath, [bundle, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  rpc = createMessageConnection(
    new StreamMessageReader(server.stdout!),
    new StreamMessageWriter(server.stdin!),
  );
  rpc.listen();
  const init = (await rpc.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
  })) as { serverInfo?: { name: string } };
  assert.match(init.serverInfo?.name ?? '', /Heap Inspector/);
  await rpc.sendNotification('initialized', {});
});

after(async () => {
  try {
    await rpc.sendRequest('shutdown');
    await rpc.sendNotification('exit');
  } catch {
    /* already gone */
  }
  rpc?.dispose();
  server?.kill();
  rmSync(scratch, { recursive: true, force: true });
});

test('loadSnapshot: the summary is the CLI’s, the view draws the unreachable objects', async () => {
  const result = await rpc.sendRequest(LoadSnapshotRequest, {
    path: leakySnapshot,
    session: 'test-a',
  });
  assert.deepEqual(result.summary, leakySummary);
  assert.deepEqual(result.view.summary, leakySummary);
  const unreachable = result.view.nodes
    .filter((n) => n.unreachable)
    .map((n) => n.type)
    .sort();
  assert.deepEqual(unreachable, [
    '__main__.Connection',
    '__main__.Connection',
    '__main__.Connection',
    '__main__.Node',
    '__main__.Node',
  ]);
  const m = await rpc.sendRequest(SnapshotMetaRequest, { snapshotId: result.snapshotId });
  assert.equal(m.counts.nodes, leakySummary.heap.objects);
  assert.equal(m.capture.function, 'report');
});

test('retentionPath and neighbourhood answer for objects of the snapshot', async () => {
  const { snapshotId, view } = await rpc.sendRequest(LoadSnapshotRequest, {
    path: leakySnapshot,
    session: 'test-b',
  });
  const pool = view.nodes.find((n) => n.type === '__main__.Pool');
  assert.ok(pool, 'the Pool (a local of the paused frame) is in the view');
  const p = await rpc.sendRequest(RetentionPathRequest, { snapshotId, node: pool.id });
  assert.ok(p, 'the Pool is reachable from a root');
  assert.equal(p.target, pool.id);
  assert.equal(p.steps.at(-1)?.node.id, pool.id);
  const garbage = view.nodes.find((n) => n.type === '__main__.Connection' && n.unreachable)!;
  assert.equal(
    await rpc.sendRequest(RetentionPathRequest, { snapshotId, node: garbage.id }),
    null,
    'no root reaches garbage',
  );
  const out = await rpc.sendRequest(NeighbourhoodRequest, {
    snapshotId,
    node: garbage.id,
    direction: 'referents',
  });
  assert.ok(
    out.edges.some(
      (e) => e.from === garbage.id && e.to === garbage.id && e.label === '.self_reference',
    ),
  );
  const into = await rpc.sendRequest(NeighbourhoodRequest, {
    snapshotId,
    node: pool.id,
    direction: 'referrers',
    limit: 3,
  });
  assert.ok(into.nodes.length <= 3 && into.total >= into.nodes.length);
});

test('focusView adds an object by address, with its path', async () => {
  const { snapshotId, view } = await rpc.sendRequest(LoadSnapshotRequest, {
    path: leakySnapshot,
    session: 'test-c',
  });
  const pool = view.nodes.find((n) => n.type === '__main__.Pool')!;
  const f = await rpc.sendRequest(FocusViewRequest, { snapshotId, address: pool.address });
  assert.equal(f.node, pool.id);
  assert.ok(f.path);
  for (const step of f.path.steps) assert.ok(f.view.nodes.some((n) => n.id === step.node.id));
  const decimal = BigInt(pool.address).toString(10);
  assert.equal(
    (await rpc.sendRequest(FocusViewRequest, { snapshotId, address: decimal })).node,
    pool.id,
  );
  assert.equal(
    (await rpc.sendRequest(FocusViewRequest, { snapshotId, address: '0x1' })).node,
    null,
  );
});

test('diff compares two captures; the server keeps the latest two per session', async () => {
  const a = await rpc.sendRequest(LoadSnapshotRequest, { path: leakySnapshot, session: 'test-d' });
  const b = await rpc.sendRequest(LoadSnapshotRequest, { path: bigSnapshot, session: 'test-d' });
  const d = await rpc.sendRequest(DiffRequest, { before: a.snapshotId, after: b.snapshotId });
  assert.equal(d.unreachableBefore, 5);
  assert.equal(d.unreachableAfter, b.summary.unreachable.count);
  assert.ok(d.byType['__main__.Item'].after > 19_000);
  assert.ok(d.added.length > 0 && d.added.length <= 200);
  const c = await rpc.sendRequest(LoadSnapshotRequest, { path: leakySnapshot, session: 'test-d' });
  await assert.rejects(
    rpc.sendRequest(DiffRequest, { before: a.snapshotId, after: c.snapshotId }),
    /no longer loaded/,
  );
});

test('bad input: not a snapshot, a missing file, an unknown snapshot, a bad node', async () => {
  const junk = join(scratch, 'junk.heapsnap');
  writeFileSync(junk, 'not a snapshot at all');
  await assert.rejects(
    rpc.sendRequest(LoadSnapshotRequest, { path: junk, session: 'bad' }),
    /snapshot/i,
  );
  await assert.rejects(
    rpc.sendRequest(LoadSnapshotRequest, {
      path: join(scratch, 'missing.heapsnap'),
      session: 'bad',
    }),
  );
  await assert.rejects(
    rpc.sendRequest(RetentionPathRequest, { snapshotId: 'nope#1', node: 0 }),
    /no longer loaded/,
  );
  const { snapshotId } = await rpc.sendRequest(LoadSnapshotRequest, {
    path: leakySnapshot,
    session: 'bad',
  });
  await assert.rejects(
    rpc.sendRequest(RetentionPathRequest, { snapshotId, node: -1 }),
    /node must be/,
  );
});
