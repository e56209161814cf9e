/**
 * Live facts through a real LSP client against the built server: the fixture captured by the
 * real agent (test/lsp/liveCapture.ts) is loaded into the server and made current; then the
 * server answers the standard `textDocument/hover` and `textDocument/codeLens` (the Markdown and
 * the titles the editor shows, with the "Show in Heap Graph" command), the allocation-site
 * decorations' words, and the lint diagnostics carry the capture's facts about their class —
 * until the capture stops being current. What the answers are made of (which object a name is,
 * its scope) is tested without RPC in liveFactsAnswers.test.ts.
 *
 *   node scripts/build.mjs && node --import tsx --test test/lsp/liveFacts.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CodeLensRequest,
  HoverRequest,
  type CodeLens,
  type Diagnostic,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver/node';
import {
  AllocationSitesRequest,
  LoadSnapshotRequest,
  SetLiveCaptureNotification,
  type AllocationSitesResult,
  type LoadSnapshotResult,
} from '../../protocol/lsp';
import { at, captureLiveFixture, lineOf, type LiveFixture } from './liveCapture';
import { fileUri, LspClient } from './lspClient';

const messageOf = (d: Diagnostic): string =>
  typeof d.message === 'string' ? d.message : d.message.value;

describe('live facts over LSP', () => {
  let fixture: LiveFixture;
  let client: LspClient;
  let uri: string;
  let text: string;
  let snapshotId: string;

  before(async () => {
    fixture = captureLiveFixture();
    text = fixture.text;
    client = await LspClient.start();
    const loaded = (await client.rpc.sendRequest(LoadSnapshotRequest, {
      path: fixture.snapshot,
      session: 'live-test',
    })) as LoadSnapshotResult;
    snapshotId = loaded.snapshotId;
    uri = fileUri(fixture.program);
    await client.open(uri, text);
  });

  after(async () => {
    await client?.stop();
    fixture?.dispose();
  });

  const hover = (position: { line: number; character: number }) =>
    client.rpc.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position,
    }) as Promise<Hover | null>;
  const markdown = (h: Hover | null): string => {
    assert.ok(h, 'no hover');
    const contents = h.contents as MarkupContent;
    assert.equal(contents.kind, 'markdown');
    return contents.value;
  };
  const lenses = async (): Promise<CodeLens[]> =>
    (await client.rpc.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  const makeCurrent = async (id: string | null): Promise<void> => {
    await client.rpc.sendNotification(SetLiveCaptureNotification, { snapshotId: id });
    // Requests sent after a notification are handled after it: one round trip orders them.
    await client.rpc.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 0 },
    });
  };

  test('the server offers hovers and CodeLens', () => {
    const capabilities = client.initializeResult?.capabilities;
    assert.ok(capabilities?.hoverProvider, 'no hoverProvider');
    assert.ok(capabilities?.codeLensProvider, 'no codeLensProvider');
  });

  test('nothing is answered while no capture is current', async () => {
    const pause = lineOf(text, '# PAUSE HERE');
    assert.equal(await hover(at(text, pause, 'pool')), null);
    assert.deepEqual(await lenses(), []);
    assert.equal(await client.rpc.sendRequest(AllocationSitesRequest, { uri }), null);
    const ds = await client.diagnostics(uri);
    assert.ok(ds.length >= 4);
    assert.ok(ds.every((d) => !d.relatedInformation && !/Right now/.test(messageOf(d))));
  });

  test('diagnostics gain the capture’s facts about their class when it becomes current', async () => {
    const since = client.publishCount;
    const refreshes = client.codeLensRefreshes;
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
    assert.ok(
      client.codeLensRefreshes > refreshes,
      'the server asks the editor for CodeLens again when the capture changes',
    );
  });

  test('textDocument/hover: a local of the paused frame, in Markdown with Show in Heap Graph', async () => {
    const currentLine = lineOf(text, 'current = Connection(pool, "current")');
    const h = await hover(at(text, currentLine, 'current'));
    const md = markdown(h);
    assert.match(
      md,
      /^\$\(pulse\) \*\*current\*\*: `Connection` at `0x[0-9a-f]+` · 56 bytes · refcount \d+ · generation \d/,
    );
    assert.match(
      md,
      /_local of `serve\(\)`, the paused frame · latest capture: serve\(\) · leak\\_demo\.py:\d+_/,
    );
    assert.match(md, /- \*\*In a reference cycle\*\* of 2 objects/);
    assert.match(md, /- \*\*Next collection:\*\* does not free it: it is still reachable/);
    assert.match(md, /- \*\*Finalizer:\*\* `__del__` pending/);
    assert.match(md, /- \*\*Why alive:\*\* local current → Connection/);
    assert.match(
      md,
      new RegExp(`- \\*\\*Allocated at\\*\\* leak\\\\_demo\\.py:${currentLine + 1}`),
    );
    const link =
      /\[\$\(type-hierarchy-sub\) Show in Heap Graph\]\(command:heapInspector\.showInGraph\?([^ ]+) "Select (0x[0-9a-f]+) in the heap view of this capture"\)/.exec(
        md,
      );
    assert.ok(link, md);
    const address = /at `(0x[0-9a-f]+)`/.exec(md)![1];
    assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [{ snapshotId, address }]);
    assert.equal(link[2], address);
    const start = text.split('\n')[currentLine].indexOf('current');
    assert.deepEqual(h?.range, {
      start: { line: currentLine, character: start },
      end: { line: currentLine, character: start + 'current'.length },
    });
  });

  test('textDocument/hover: an attribute chain, a frame up the stack, a global; nothing elsewhere', async () => {
    const pause = lineOf(text, '# PAUSE HERE');
    assert.match(
      markdown(await hover(at(text, pause + 1, 'path'))),
      /\*\*workspace\.path\*\*: `str`/,
    );
    assert.match(
      markdown(await hover(at(text, lineOf(text, 'workspace = Workspace()'), 'workspace'))),
      /- \*\*Never freed before exit:\*\* its own `weakref\.finalize` callback refers to it/,
    );
    const up = markdown(await hover(at(text, lineOf(text, 'open_connections(pool, 3)'), 'pool')));
    assert.match(up, /\*\*pool\*\*: `set`/);
    assert.match(up, /local of `main\(\)`, 1 frame up the stack/);
    assert.match(
      markdown(await hover(at(text, lineOf(text, 'main(shared)'), 'shared'))),
      /global of `__main__`/,
    );
    // A local not bound yet, a function that is not running, a builtin.
    assert.equal(await hover(at(text, pause, 'answer')), null);
    assert.equal(await hover(at(text, lineOf(text, 'conn = Connection(pool'), 'conn')), null);
    assert.equal(await hover(at(text, pause, 'len')), null);
  });

  test('textDocument/codeLens: instances per class, with the command that shows one', async () => {
    const all = await lenses();
    const connectionLine = lineOf(text, 'class Connection');
    const connection = all.find((l) => l.range.start.line === connectionLine);
    assert.ok(connection, JSON.stringify(all));
    assert.deepEqual(connection.range, {
      start: { line: connectionLine, character: 'class '.length },
      end: { line: connectionLine, character: 'class Connection'.length },
    });
    assert.equal(
      connection.command?.title,
      '$(pulse) Heap: 4 live instances · 4 in cycles · 3 unreachable',
    );
    assert.equal(connection.command?.command, 'heapInspector.showInGraph');
    const [args] = connection.command?.arguments as [{ snapshotId: string; address: string }];
    assert.equal(args.snapshotId, snapshotId);
    assert.match(args.address, /^0x[0-9a-f]+$/);
    assert.match(
      connection.command?.tooltip ?? '',
      /^Connection in the latest capture \(serve\(\) · leak_demo\.py:\d+\): click to show one in the heap graph$/,
    );
    const workspace = all.find((l) => l.range.start.line === lineOf(text, 'class Workspace'));
    assert.match(
      workspace?.command?.title ?? '',
      /^\$\(pulse\) Heap: 2 live instances · 2 in cycles · 0 unreachable · 2 kept alive by weakref\.finalize$/,
    );
  });

  test('allocation sites: the lines and the words of their decorations', async () => {
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
    assert.equal(
      conns.annotation,
      '3 Connection instances allocated here: unreachable, the next gc.collect() frees them',
    );
    assert.match(conns.hover, /This line allocated 3 objects the next `gc\.collect\(\)` frees/);
    assert.match(
      conns.hover,
      /\[\$\(type-hierarchy-sub\) Show\]\(command:heapInspector\.showInGraph\?/,
    );
    const scratch = lines.get(lineOf(text, '# ALLOCATES A WORKSPACE'));
    assert.ok(scratch, 'no site for the workspace nothing frees');
    assert.deepEqual(scratch.byType, { '__main__.Workspace': 1 });
    assert.equal(scratch.selfDefeating, 1);
    assert.equal(scratch.unreachable, 0);
    assert.equal(
      scratch.annotation,
      '1 Workspace instance allocated here: kept alive by its own weakref.finalize, never freed',
    );
  });

  test('a capture without allocation sites: the hover reads heapInspector.trackAllocations for the document', async () => {
    const untracked = (await client.rpc.sendRequest(LoadSnapshotRequest, {
      path: fixture.snapshotWithoutAllocations,
      session: 'live-test-untracked',
    })) as LoadSnapshotResult;
    const position = at(text, lineOf(text, 'current = Connection(pool, "current")'), 'current');
    try {
      await makeCurrent(untracked.snapshotId);
      client.sections['heapInspector.trackAllocations'] = false;
      const asked = client.configurationRequests.length;
      assert.match(
        markdown(await hover(position)),
        /\*\*Allocated at:\*\* not recorded: allocation tracking is off \(turn on `heapInspector\.trackAllocations`/,
      );
      assert.deepEqual(
        client.configurationRequests.slice(asked).flatMap((r) => r.items),
        [{ scopeUri: uri, section: 'heapInspector.trackAllocations' }],
      );
      client.sections['heapInspector.trackAllocations'] = true;
      assert.match(
        markdown(await hover(position)),
        /\*\*Allocated at:\*\* not recorded: this program was not started with tracemalloc/,
      );
    } finally {
      await makeCurrent(snapshotId);
    }
  });

  test('when the capture stops being current, the facts go', async () => {
    const since = client.publishCount;
    const refreshes = client.codeLensRefreshes;
    await client.rpc.sendNotification(SetLiveCaptureNotification, { snapshotId: null });
    const published = await client.waitForPublish((p) => p.uri === uri, 10_000, since);
    assert.ok(published.diagnostics.every((d) => !d.relatedInformation));
    assert.equal(await hover(at(text, lineOf(text, '# PAUSE HERE'), 'pool')), null);
    assert.deepEqual(await lenses(), []);
    assert.ok(client.codeLensRefreshes > refreshes, 'no CodeLens refresh when the facts went');
  });
});
