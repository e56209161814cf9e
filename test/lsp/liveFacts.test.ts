/**
 * Live facts through a real LSP client against the built server: a program run with tracemalloc
 * on is captured by the real agent at a marked line (test/vscode/fixtures/live-workspace/
 * leak_demo.py), loaded into the server and made current; then the server answers what a hover,
 * the allocation-site decorations and the CodeLens show, and the lint diagnostics carry the
 * capture's facts about their class — until the capture stops being current.
 *
 *   node scripts/build.mjs && node --import tsx --test test/lsp/liveFacts.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver/node';
import {
  AllocationSitesRequest,
  ClassFactsRequest,
  LoadSnapshotRequest,
  SetLiveCaptureNotification,
  VariableFactsRequest,
  type AllocationSitesResult,
  type ClassFactsResult,
  type LoadSnapshotResult,
  type VariableFactsResult,
} from '../../protocol/lsp';
import {
  classLensTitle,
  siteAnnotation,
  siteHoverMarkdown,
  variableHoverMarkdown,
} from '../../extension/liveFacts/format';
import { findPython } from '../../scripts/python.mjs';
import { fileUri, LspClient, REPO_ROOT } from './lspClient';

const messageOf = (d: Diagnostic): string =>
  typeof d.message === 'string' ? d.message : d.message.value;

const FIXTURE = join(REPO_ROOT, 'test', 'vscode', 'fixtures', 'live-workspace', 'leak_demo.py');
const RUNNER = join(REPO_ROOT, 'agent', 'heap_inspector_run.py');

function lineOf(text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `no "${marker}" line`);
  return i; // 0-based
}

/** 0-based position of the `n`th occurrence of `word` on `line`. */
function at(text: string, line: number, word: string, n = 1): { line: number; character: number } {
  const row = text.split('\n')[line];
  let i = -1;
  for (let k = 0; k < n; k++) i = row.indexOf(word, i + 1);
  assert.ok(i >= 0, `no ${word} on line ${line + 1}: ${row}`);
  return { line, character: i + 1 };
}

describe('live facts over LSP', () => {
  let client: LspClient;
  let dir: string;
  let program: string;
  let uri: string;
  let text: string;
  let snapshotId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hi-live-'));
    program = join(dir, 'leak_demo.py');
    copyFileSync(FIXTURE, program);
    text = readFileSync(program, 'utf8');
    const snapshot = join(dir, 'demo.heapsnap');
    const r = spawnSync(
      findPython(),
      [
        RUNNER,
        'run',
        '--at',
        `${program}:${lineOf(text, '# PAUSE HERE') + 1}`,
        '--out',
        snapshot,
        program,
      ],
      { env: { ...process.env, PYTHONTRACEMALLOC: '1' }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    client = await LspClient.start();
    const loaded = (await client.rpc.sendRequest(LoadSnapshotRequest, {
      path: snapshot,
      session: 'live-test',
    })) as LoadSnapshotResult;
    snapshotId = loaded.snapshotId;
    uri = fileUri(program);
    await client.open(uri, text);
  });

  after(async () => {
    await client?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const variable = (position: { line: number; character: number }) =>
    client.rpc.sendRequest(VariableFactsRequest, { uri, position }) as Promise<VariableFactsResult>;

  test('nothing is answered while no capture is current', async () => {
    const pause = lineOf(text, '# PAUSE HERE');
    assert.equal(await variable(at(text, pause, 'pool')), null);
    assert.equal(await client.rpc.sendRequest(ClassFactsRequest, { uri }), null);
    const ds = await client.diagnostics(uri);
    assert.ok(ds.length >= 4);
    assert.ok(ds.every((d) => !d.relatedInformation && !/Right now/.test(messageOf(d))));
  });

  test('diagnostics gain the capture’s facts about their class when it becomes current', async () => {
    const since = client.publishCount;
    await client.rpc.sendNotification(SetLiveCaptureNotification, { snapshotId });
    const published = await client.waitForPublish(
      (p) => p.uri === uri && p.diagnostics.some((d) => !!d.relatedInformation),
      10_000,
      since,
    );
    const byCode = (code: string): Diagnostic => {
      const d = published.diagnostics.find((x) => x.code === code);
      assert.ok(d, `no ${code}`);
      return d;
    };
    const hi001 = byCode('HI001');
    assert.match(
      messageOf(hi001),
      /Right now 3 instances of Connection are in unreachable cycles, waiting for the collector \(serve\(\) · leak_demo\.py:\d+\)/,
    );
    assert.match(
      hi001.relatedInformation?.[0].message ?? '',
      /4 Connection instances alive, 4 in reference cycles, 3 unreachable/,
    );
    assert.equal(
      hi001.relatedInformation?.[0].location.range.start.line,
      lineOf(text, 'class Connection'),
    );
    const hi007 = byCode('HI007');
    assert.match(
      messageOf(hi007),
      /Right now 2 instances of Workspace are kept alive by their own weakref\.finalize/,
    );
  });

  test('hover facts: a local of the paused frame, an attribute chain, a global up the stack', async () => {
    const pause = lineOf(text, '# PAUSE HERE');
    const serveLine = lineOf(text, 'workspace = Workspace()');
    const current = await variable(at(text, serveLine + 1, 'current'));
    assert.ok(current);
    assert.equal(current.expression, 'current');
    assert.deepEqual(current.scope, {
      kind: 'frame',
      index: 0,
      function: 'serve',
      line: pause + 1,
    });
    assert.equal(current.object.type, '__main__.Connection');
    assert.equal(current.object.inCycle, true);
    assert.equal(current.object.cycleSize, 2, 'the instance and its bound method');
    assert.equal(current.object.unreachable, false, 'a local keeps it alive');
    assert.equal(current.object.finalizer, 'del');
    assert.equal(current.object.finalized, false);
    assert.equal(current.object.allocation?.line, serveLine + 2);
    assert.match(current.path?.root ?? '', /local current/);
    assert.equal(current.capture.allocationsRecorded, true);

    const workspace = await variable(at(text, serveLine, 'workspace'));
    assert.equal(workspace?.object.type, '__main__.Workspace');
    assert.equal(workspace?.object.selfDefeating, true);
    assert.equal(workspace?.object.finalizer, 'finalize');

    const chain = await variable(at(text, pause + 1, 'path'));
    assert.equal(chain?.expression, 'workspace.path');
    assert.equal(chain?.object.type, 'builtins.str');

    // main() is a frame up the stack: its `pool` is the set serve() was given.
    const mainLine = lineOf(text, 'open_connections(pool, 3)');
    const up = await variable(at(text, mainLine, 'pool'));
    assert.deepEqual(up?.scope, { kind: 'frame', index: 1, function: 'main', line: mainLine + 3 });
    assert.equal(up?.object.type, 'builtins.set');
    // The same set, as a module global.
    const global = await variable(at(text, lineOf(text, 'main(shared)'), 'shared'));
    assert.deepEqual(global?.scope, { kind: 'module', module: '__main__' });
    assert.equal(global?.object.address, up?.object.address);

    // Inside serve(), `pool` is the parameter: the same set, from the paused frame.
    const param = await variable(at(text, pause, 'pool'));
    assert.deepEqual(param?.scope, { kind: 'frame', index: 0, function: 'serve', line: pause + 1 });
    assert.equal(param?.object.address, global?.object.address);

    // Locals not bound yet (here and up the stack), a function that is not running, a builtin.
    assert.equal(await variable(at(text, pause, 'answer')), null);
    assert.equal(await variable(at(text, lineOf(text, 'result = serve(pool)'), 'result')), null);
    const notRunning = lineOf(text, 'conn = Connection(pool');
    assert.equal(await variable(at(text, notRunning, 'conn')), null);
    assert.equal(await variable(at(text, pause, 'len')), null);
  });

  test('allocation sites: the lines that made the unreachable and the stuck objects', async () => {
    const result = (await client.rpc.sendRequest(AllocationSitesRequest, {
      uri,
    })) as AllocationSitesResult;
    assert.equal(result.capture.allocationsRecorded, true);
    const lines = new Map(result.sites.map((s) => [s.line, s]));
    const conns = lines.get(lineOf(text, '# ALLOCATES CONNECTIONS'));
    assert.ok(conns, `no site for the connections: ${JSON.stringify([...lines.keys()])}`);
    assert.equal(conns.byType['__main__.Connection'], 3);
    assert.equal(conns.unreachable, 3);
    assert.ok(conns.objects.every((o) => o.unreachable));
    const scratch = lines.get(lineOf(text, '# ALLOCATES A WORKSPACE'));
    assert.ok(scratch, 'no site for the workspace nothing frees');
    assert.deepEqual(scratch.byType, { '__main__.Workspace': 1 });
    assert.equal(scratch.selfDefeating, 1);
    assert.equal(scratch.unreachable, 0);
  });

  test('class facts for CodeLens', async () => {
    const result = (await client.rpc.sendRequest(ClassFactsRequest, { uri })) as ClassFactsResult;
    const by = new Map(result.classes.map((c) => [c.qualname, c]));
    assert.deepEqual(
      (({ live, inCycles, unreachable, finalizersPending }) => ({
        live,
        inCycles,
        unreachable,
        finalizersPending,
      }))(by.get('Connection')!),
      { live: 4, inCycles: 4, unreachable: 3, finalizersPending: 4 },
    );
    assert.match(by.get('Connection')!.focus ?? '', /^0x[0-9a-f]+$/);
    assert.equal(by.get('Workspace')?.live, 2);
    assert.equal(by.get('Workspace')?.selfDefeating, 2);
    assert.equal(by.get('Connection')?.range.start.line, lineOf(text, 'class Connection'));
  });

  test('the words the editor shows (extension/liveFacts/format.ts)', async () => {
    const pause = lineOf(text, '# PAUSE HERE');
    const current = await variable(at(text, pause - 1, 'current'));
    assert.ok(current);
    const md = variableHoverMarkdown(current, { trackAllocations: true });
    assert.match(
      md,
      /^\$\(pulse\) \*\*current\*\*: `Connection` at `0x[0-9a-f]+` · 56 bytes · refcount \d+ · generation \d/,
    );
    assert.match(md, /- \*\*In a reference cycle\*\* of 2 objects/);
    assert.match(md, /- \*\*Finalizer:\*\* `__del__` pending/);
    assert.match(md, /- \*\*Why alive:\*\* local current → Connection/);
    assert.match(
      md,
      /\[\$\(type-hierarchy-sub\) Show in Heap Graph\]\(command:heapInspector\.showInGraph\?[^ ]+ "Select 0x[0-9a-f]+ in the heap view of this capture"\)/,
    );
    const off = variableHoverMarkdown(
      {
        ...current,
        capture: { ...current.capture, allocationsRecorded: false },
        object: { ...current.object, allocation: undefined },
      },
      { trackAllocations: false },
    );
    assert.match(off, /allocation tracking is off \(turn on `heapInspector\.trackAllocations`/);
    const sites = (await client.rpc.sendRequest(AllocationSitesRequest, {
      uri,
    })) as AllocationSitesResult;
    const conns = sites.sites.find((x) => x.line === lineOf(text, '# ALLOCATES CONNECTIONS'))!;
    assert.equal(
      siteAnnotation(conns),
      '3 Connection instances allocated here: unreachable, the next gc.collect() frees them',
    );
    assert.match(
      siteHoverMarkdown(conns, sites.capture),
      /This line allocated 3 objects the next `gc\.collect\(\)` frees/,
    );
    const classes = (await client.rpc.sendRequest(ClassFactsRequest, { uri })) as ClassFactsResult;
    assert.equal(
      classLensTitle(classes.classes.find((c) => c.qualname === 'Connection')!),
      '$(pulse) Heap: 4 live instances · 4 in cycles · 3 unreachable',
    );
  });

  test('when the capture stops being current, the facts go', async () => {
    const since = client.publishCount;
    await client.rpc.sendNotification(SetLiveCaptureNotification, { snapshotId: null });
    const published = await client.waitForPublish((p) => p.uri === uri, 10_000, since);
    assert.ok(published.diagnostics.every((d) => !d.relatedInformation));
    assert.equal(await variable(at(text, lineOf(text, '# PAUSE HERE'), 'pool')), null);
  });
});
