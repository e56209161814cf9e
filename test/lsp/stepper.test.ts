/**
 * The collector stepper's requests through a real LSP client against the built server: a real
 * `gc.collect(2)` recorded by the agent's runner right after its capture
 * (test/programs/scenarios/two_node_cycle.py) is compared with the prediction on that capture. The agent's
 * record is what crossed a process (and, in a debug session, a debugger): the server is the one
 * place that checks it, and it computes the collections the collector ran on its own in between
 * from the `gc.get_stats()` counts it is sent.
 *
 *   node scripts/build.mjs && node --import tsx --test test/lsp/stepper.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import {
  CompareCollectionRequest,
  LoadSnapshotRequest,
  StepperDataRequest,
  type CompareCollectionResult,
  type LoadSnapshotResult,
  type StepperDataResult,
} from '../../protocol/lsp';
import { findPython } from '../../scripts/python.mjs';
import { LspClient, REPO_ROOT } from './lspClient';

const SCENARIO = join(REPO_ROOT, 'test', 'programs', 'scenarios', 'two_node_cycle.py');
const RUNNER = join(REPO_ROOT, 'agent', 'heap_inspector_run.py');

async function rejected(promise: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ResponseError, `a ResponseError, not ${String(error)}`);
    return error;
  }
  assert.fail('the request was answered');
}

describe('collector stepper over LSP', () => {
  let client: LspClient;
  let dir: string;
  let snapshotId: string;
  let record: Record<string, unknown>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hi-step-lsp-'));
    const line =
      readFileSync(SCENARIO, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('# @capture')) + 1;
    const snapshot = join(dir, 'capture.heapsnap');
    const result = join(dir, 'collection.json');
    const r = spawnSync(
      findPython(),
      [
        RUNNER,
        'run',
        '--at',
        `${SCENARIO}:${line}`,
        '--out',
        snapshot,
        '--collect',
        '2',
        '--collect-out',
        result,
        '--',
        SCENARIO,
      ],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    record = JSON.parse(readFileSync(result, 'utf8')) as Record<string, unknown>;
    client = await LspClient.start();
    const loaded = (await client.rpc.sendRequest(LoadSnapshotRequest, {
      path: snapshot,
      session: 'step-test',
    })) as LoadSnapshotResult;
    snapshotId = loaded.snapshotId;
  });

  after(async () => {
    await client?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the stepper data of the view', async () => {
    const data = (await client.rpc.sendRequest(StepperDataRequest, {
      snapshotId,
    })) as StepperDataResult;
    assert.deepEqual(
      data.generations.map((g) => g.generation),
      [0, 1, 2],
    );
    assert.equal(data.ids.length, data.generations[2].flags.length);
  });

  test('a real collection compared with the prediction', async () => {
    const data = (await client.rpc.sendRequest(CompareCollectionRequest, {
      snapshotId,
      generation: 2,
      real: record,
      via: 'runner',
    })) as CompareCollectionResult;
    const c = data.collection;
    assert.ok(c);
    assert.equal(c.match, true, JSON.stringify(c.mismatch));
    assert.deepEqual(c.collected.byType, { '__main__.Node': 2 });
    assert.equal(c.via, 'runner');
    assert.equal(c.collectionsBetween, undefined, 'no counts sent: nothing said about them');
  });

  test('the server computes the collections that ran in between from the counts', async () => {
    const data = (await client.rpc.sendRequest(CompareCollectionRequest, {
      snapshotId,
      generation: 2,
      real: record,
      // gc.get_stats() collections: at the capture, and right after the real gc.collect(2)
      // (which counts itself once in generation 2); two young collections ran in between.
      gcCollections: { atCapture: [10, 4, 1], afterCollection: [12, 4, 2] },
      via: 'debugger',
    })) as CompareCollectionResult;
    assert.deepEqual(data.collection?.collectionsBetween, [2, 0, 0]);
    assert.ok(
      data.collection?.notes.some((n) =>
        /the collector ran 2 time\(s\) on its own between the capture and this collection/.test(n),
      ),
      JSON.stringify(data.collection?.notes),
    );
    const none = (await client.rpc.sendRequest(CompareCollectionRequest, {
      snapshotId,
      generation: 2,
      real: record,
      gcCollections: { atCapture: [10, 4, 1], afterCollection: [10, 4, 2] },
      via: 'debugger',
    })) as CompareCollectionResult;
    assert.equal(none.collection?.collectionsBetween, undefined, 'none ran: nothing to say');
  });

  test('a record that is not what the agent writes is refused with one sentence', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['not an object', 'nonsense', /record of the collection is not what this version expects/],
      [
        'addresses not strings',
        { ...record, collected: { ...(record.collected as object), addresses: [1, 2] } },
        /collected\.addresses/,
      ],
      ['no output', { ...record, output: undefined }, /output/],
      [
        'another generation',
        { ...record, generation: 0 },
        /gc\.collect\(0\), not gc\.collect\(2\)/,
      ],
    ];
    for (const [what, real, message] of cases) {
      const error = await rejected(
        client.rpc.sendRequest(CompareCollectionRequest, { snapshotId, generation: 2, real }),
      );
      assert.equal(error.code, ErrorCodes.InvalidParams, what);
      assert.match(error.message, message, what);
      assert.doesNotMatch(error.message, /\n/, `${what}: one line`);
    }
    const counts = await rejected(
      // Sent by name: the typed request object would not let a bad count through.
      client.rpc.sendRequest(CompareCollectionRequest.method, {
        snapshotId,
        generation: 2,
        real: record,
        gcCollections: { atCapture: [1, 'x'], afterCollection: [1, 2] },
      }),
    );
    assert.match(counts.message, /gcCollections/);
  });
});
