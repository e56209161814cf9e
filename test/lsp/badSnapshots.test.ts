/**
 * The language server reads snapshots for the extension ("Open Heap Snapshot…", a capture, a
 * reloaded panel): a file that is not a snapshot, or a hostile one, must get an InvalidRequest
 * error whose message is one safe line and whose data says which kind — never a hang, a crash,
 * or an internal error — and the server must go on answering.
 *
 *   node scripts/build.mjs && node --import tsx --test test/lsp/badSnapshots.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { LoadSnapshotRequest, type LoadSnapshotResult } from '../../protocol/lsp';
import { SectionEncoding } from '../../protocol/snapshot';
import { assertOneSafeLine, SMALL_SNAPSHOT, smallSnapshotBytes } from '../helpers/snapshotChecks';
import {
  cloneSnapshot,
  editJson,
  findSection,
  joinSnapshot,
  setJson,
  splitSnapshot,
  zlibOfZeros,
} from '../helpers/snapshotSections';
import { LspClient } from './lspClient';

const work = mkdtempSync(join(tmpdir(), 'hi-lsp-bad-'));
let client: LspClient;

before(async () => {
  client = await LspClient.start();
});
after(async () => {
  await client.stop();
});

/** The load request, or a failure if the server has not answered within a minute (a hang). */
function load(path: string): Promise<LoadSnapshotResult> {
  return Promise.race([
    client.rpc.sendRequest(LoadSnapshotRequest, { path, session: 'bad-snapshots' }),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no answer for ${path}: the server hangs`)),
        60_000,
      ).unref(),
    ),
  ]) as Promise<LoadSnapshotResult>;
}

async function assertRefused(path: string, kind: string, pattern: RegExp): Promise<void> {
  await assert.rejects(load(path), (e: unknown) => {
    assert.ok(e instanceof ResponseError, `not a ResponseError: ${String(e)}`);
    assert.equal(e.code, ErrorCodes.InvalidRequest, e.message);
    assert.deepEqual(e.data, { code: kind });
    assertOneSafeLine(e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

function crafted(name: string, edit: (s: ReturnType<typeof cloneSnapshot>) => void): string {
  const s = cloneSnapshot(splitSnapshot(smallSnapshotBytes()));
  edit(s);
  const path = join(work, name);
  writeFileSync(path, joinSnapshot(s));
  return path;
}

test('loadSnapshot refuses what is not a snapshot file, in one line, without hanging', async () => {
  const fifo = join(work, 'pipe.heapsnap');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  await assertRefused(fifo, 'unreadable', /it is a named pipe, not a file/);
  await assertRefused('/dev/zero', 'unreadable', /it is a character device, not a file/);
  await assertRefused(work, 'unreadable', /it is a folder/);
});

test('loadSnapshot refuses crafted snapshots that pass their checksums', async () => {
  await assertRefused(
    crafted('finalizers.heapsnap', (s) => setJson(s, 'finalizers', [null])),
    'corrupt',
    /weakref\.finalize entry 0 is not an object/,
  );
  await assertRefused(
    crafted('gc.heapsnap', (s) => editJson(s, 'meta', (m) => ({ ...m, gc: null }))),
    'corrupt',
    /meta\.gc is not an object/,
  );
  await assertRefused(
    crafted('bomb.heapsnap', (s) => {
      const flags = findSection(s, 'node.flags');
      flags.encoding = SectionEncoding.Zlib;
      flags.stored = zlibOfZeros(1 << 30);
    }),
    'corrupt',
    /section "node\.flags" decompresses to more than the \d+ bytes its header announces/,
  );
  const name = join(work, 'name.heapsnap');
  const bytes = smallSnapshotBytes();
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(12, 0xffff, true);
  writeFileSync(name, bytes);
  await assertRefused(name, 'truncated', /section "strings.{0,80}" needs/);
});

test('after all that, the server still loads a good snapshot', async () => {
  const loaded = await load(SMALL_SNAPSHOT);
  assert.equal(loaded.summary.finalizers.weakrefFinalize.pending, 2);
});
