/**
 * The language server's `.heapsnapshot` export (ExportHeapsnapshotRequest), which VS Code's
 * "Export as .heapsnapshot" uses: the file is written by the server, whole or not at all, and reads
 * back with the independent reader; bad targets get a clear error and leave what was there.
 *
 *   node scripts/build.mjs && node --import tsx --test test/lsp/export.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-languageserver/node';
import { ExportHeapsnapshotRequest, LoadSnapshotRequest } from '../../protocol/lsp';
import { readSnapshotFile } from '../../server/engine/index';
import { SMALL_SNAPSHOT } from '../helpers/snapshotChecks';
import { parseHeapsnapshot } from '../helpers/heapsnapshotReader';
import { LspClient } from './lspClient';

const work = mkdtempSync(join(tmpdir(), 'hi-lsp-export-'));
let client: LspClient;
let snapshotId: string;

before(async () => {
  client = await LspClient.start();
  const loaded = await client.rpc.sendRequest(LoadSnapshotRequest, {
    path: SMALL_SNAPSHOT,
    session: 'export',
  });
  snapshotId = loaded.snapshotId;
});
after(async () => {
  await client.stop();
  rmSync(work, { recursive: true, force: true });
});

async function failure(params: {
  snapshotId: string;
  path: string;
}): Promise<ResponseError<unknown>> {
  try {
    await client.rpc.sendRequest(ExportHeapsnapshotRequest, params);
  } catch (error) {
    assert.ok(error instanceof ResponseError, String(error));
    return error;
  }
  assert.fail(`exporting to ${params.path} succeeded`);
}

test('exports a loaded snapshot to the file asked for, replacing what was there', async () => {
  const path = join(work, 'small.heapsnapshot');
  writeFileSync(path, 'an older export');
  const result = await client.rpc.sendRequest(ExportHeapsnapshotRequest, { snapshotId, path });
  const snapshot = readSnapshotFile(SMALL_SNAPSHOT);
  assert.equal(result.path, path);
  assert.equal(result.objects, snapshot.nodeCount);
  const text = readFileSync(path, 'utf8');
  assert.equal(result.bytes, Buffer.byteLength(text));
  const parsed = parseHeapsnapshot(text);
  assert.equal(parsed.nodes.length, result.nodes);
  assert.equal(parsed.edges.length, result.edges);
  assert.deepEqual(readdirSync(work), ['small.heapsnapshot'], 'no temporary file left');
});

test('bad targets: one clear error, nothing written, the server goes on', async () => {
  const folder = join(work, 'a-folder');
  mkdirSync(folder);
  const missing = join(work, 'no-such-folder', 'x.heapsnapshot');
  assert.match((await failure({ snapshotId, path: folder })).message, /is not a regular file/);
  assert.match(
    (await failure({ snapshotId, path: missing })).message,
    /^Cannot write .*no-such-folder/,
  );
  assert.match((await failure({ snapshotId, path: 'relative.heapsnapshot' })).message, /absolute/);
  assert.match(
    (await failure({ snapshotId: 'gone#1', path: join(work, 'y.heapsnapshot') })).message,
    /no longer loaded/,
  );
  assert.deepEqual(readdirSync(work).sort(), ['a-folder', 'small.heapsnapshot']);
  const again = await client.rpc.sendRequest(ExportHeapsnapshotRequest, {
    snapshotId,
    path: join(work, 'again.heapsnapshot'),
  });
  assert.ok(again.nodes > 0);
});
