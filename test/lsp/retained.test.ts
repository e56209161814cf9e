/**
 * What holds the memory, through a real LSP client against the built server, on the live-facts
 * fixture captured by the real agent (liveCapture.ts): the hover over a paused variable says what
 * it retains with the notion named, and the numbers are the engine's for that object (the same
 * snapshot loaded in this process); the first view carries the retained part; the dominator
 * tree is paged through from the roots down to an object, a type's tops and an object's retained
 * set are answered; bad parameters get a clear error.
 *
 *   node scripts/build.mjs && node --import tsx --test test/lsp/retained.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HoverRequest, type Hover, type MarkupContent } from 'vscode-languageserver/node';
import {
  DominatorChildrenRequest,
  LoadSnapshotRequest,
  RetainedSetRequest,
  SetLiveCaptureNotification,
  TypeTopsRequest,
  type LoadSnapshotResult,
} from '../../protocol/lsp';
import {
  GARBAGE_ROW,
  ROOTS_ROW,
  type DominatorChildren,
  type DominatorRow,
  type RetainedSet,
  type TypeTops,
} from '../../protocol/retained';
import { LoadedSnapshot } from '../../server/lsp/loadedSnapshot';
import { at, captureLiveFixture, lineOf, type LiveFixture } from './liveCapture';
import { fileUri, LspClient } from './lspClient';

describe('retained sizes over LSP', () => {
  let fixture: LiveFixture;
  let client: LspClient;
  let local: LoadedSnapshot;
  let uri: string;
  let text: string;
  let snapshotId: string;
  let first: LoadSnapshotResult;

  before(async () => {
    fixture = captureLiveFixture();
    text = fixture.text;
    local = LoadedSnapshot.fromFile('local#1', 'local', fixture.snapshot);
    client = await LspClient.start();
    first = (await client.rpc.sendRequest(LoadSnapshotRequest, {
      path: fixture.snapshot,
      session: 'retained-test',
    })) as LoadSnapshotResult;
    snapshotId = first.snapshotId;
    uri = fileUri(fixture.program);
    await client.open(uri, text);
    await client.rpc.sendNotification(SetLiveCaptureNotification, { snapshotId });
  });

  after(async () => {
    await client?.stop();
    fixture?.dispose();
  });

  const hover = async (position: { line: number; character: number }): Promise<string> => {
    const h = (await client.rpc.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position,
    })) as Hover | null;
    assert.ok(h, 'no hover');
    return (h.contents as MarkupContent).value;
  };
  const number = (n: number) => n.toLocaleString('en-US');
  /** The engine's numbers for the object at `address`, computed in this process. */
  const engineFacts = (address: string) => {
    const node = local.nodeAt(address);
    assert.ok(node !== null, `no object at ${address}`);
    return local.retained.objectRetained(node);
  };
  const addressIn = (md: string) => /at `(0x[0-9a-f]+)`/.exec(md)![1];

  test('hover: an object in a reference cycle retains its cycle, nothing at once', async () => {
    const md = await hover(
      at(text, lineOf(text, 'current = Connection(pool, "current")'), 'current'),
    );
    const { retained, atOnce } = engineFacts(addressIn(md));
    assert.equal(atOnce.objects, 0);
    assert.ok(retained.objects >= 2, 'the instance and its bound method at least');
    assert.ok(
      md.includes(
        `- **Retains** ${number(retained.objects)} objects (${number(retained.bytes)} bytes): ` +
          'freed by the next collection if every reference to it went (none at once: it is in a ' +
          'reference cycle, which only the collector frees)',
      ),
      md,
    );
  });

  const objects = (n: number) => (n === 1 ? '1 object' : `${number(n)} objects`);

  test('hover: what garbage still refers to is freed by the next collection, not at once', async () => {
    // The set of names: the three unreachable connections still hold their names, so dropping
    // the set frees only the set at once; their names go with the next collection.
    const md = await hover(at(text, lineOf(text, 'open_connections(pool, 3)'), 'pool'));
    const { retained, atOnce } = engineFacts(addressIn(md));
    assert.ok(
      atOnce.objects >= 1 && atOnce.objects < retained.objects,
      JSON.stringify({ retained, atOnce }),
    );
    assert.ok(
      md.includes(
        `- **Retains** ${objects(retained.objects)} (${number(retained.bytes)} bytes): freed by ` +
          'the next collection if every reference to it went; ' +
          `${objects(atOnce.objects)} (${number(atOnce.bytes)} bytes) of them at once by reference counting`,
      ),
      md,
    );
  });

  test('hover: an object in no cycle is freed at once with what it retains', async () => {
    const pause = lineOf(text, '# PAUSE HERE');
    const md = await hover(at(text, pause + 1, 'path'));
    const { retained, atOnce } = engineFacts(addressIn(md));
    assert.deepEqual(atOnce, retained);
    assert.ok(
      md.includes(
        `- **Retains** ${objects(retained.objects)} (${number(retained.bytes)} bytes): ` +
          'freed at once by reference counting if every reference to it went',
      ),
      md,
    );
  });

  test('the first view carries the summary part, the type table and the top of the tree', () => {
    const r = first.view.retained;
    assert.ok(r, 'no retained part in the view');
    assert.equal(first.summary.retained?.notion, 'nextCollection');
    assert.deepEqual(r.top, first.summary.retained?.top);
    assert.equal(r.tree[0].id, ROOTS_ROW);
    assert.ok(r.tree.some((row) => row.id === GARBAGE_ROW));
    assert.equal(r.tree[0].retained.objects, local.nodeCount);
    const connection = r.types.find((t) => t.type === '__main__.Connection');
    assert.ok(connection);
    assert.equal(connection.count, 4);
    assert.ok(first.view.nodes.every((n) => n.retained !== undefined));
  });

  test('the dominator tree, paged from the roots down to an object', async () => {
    const roots = (await client.rpc.sendRequest(DominatorChildrenRequest, {
      snapshotId,
      node: ROOTS_ROW,
      limit: 5,
    })) as DominatorChildren;
    assert.equal(roots.parent.id, ROOTS_ROW);
    assert.equal(roots.rows.length, 5);
    assert.ok(roots.total > 5);
    // Through the tree only: weak-container entries (`entries`) are held elsewhere in it.
    const tree = (r: DominatorRow) => r.retained.bytes - (r.entries?.bytes ?? 0);
    const sum = (rows: DominatorRow[]) => rows.reduce((a, r) => a + tree(r), 0);
    assert.equal(sum(roots.rows) + (roots.rest?.bytes ?? 0), tree(roots.parent));
    for (let i = 1; i < roots.rows.length; i++) {
      assert.ok(roots.rows[i - 1].retained.bytes >= roots.rows[i].retained.bytes);
    }
    const next = (await client.rpc.sendRequest(DominatorChildrenRequest, {
      snapshotId,
      node: ROOTS_ROW,
      offset: 5,
      limit: 5,
    })) as DominatorChildren;
    assert.equal(next.offset, 5);
    assert.notDeepEqual(
      next.rows.map((r) => r.id),
      roots.rows.map((r) => r.id),
    );
    // Down the largest child until a leaf: every row's children add up to it.
    let row = roots.rows[0];
    while (row.childCount > 0) {
      const page = (await client.rpc.sendRequest(DominatorChildrenRequest, {
        snapshotId,
        node: row.id,
        limit: 2000,
      })) as DominatorChildren;
      assert.equal(page.total, row.childCount);
      assert.equal(sum(page.rows) + (page.rest?.bytes ?? 0) + row.size, tree(row));
      assert.ok(page.rows.every((child) => child.parent === row.id));
      row = page.rows[0];
    }
    assert.equal(row.retained.objects, 1);
    assert.equal(
      await client.rpc.sendRequest(DominatorChildrenRequest, { snapshotId, node: 10 ** 9 }),
      null,
    );
  });

  test("a type's tops and an object's retained set", async () => {
    const tops = (await client.rpc.sendRequest(TypeTopsRequest, {
      snapshotId,
      type: '__main__.Connection',
    })) as TypeTops;
    assert.equal(tops.type, '__main__.Connection');
    assert.ok(tops.total >= 1 && tops.total <= 4);
    assert.ok(tops.rows.every((r) => r.type === '__main__.Connection'));
    const set = (await client.rpc.sendRequest(RetainedSetRequest, {
      snapshotId,
      node: tops.rows[0].id,
    })) as RetainedSet;
    assert.equal(set.node, tops.rows[0].id);
    assert.equal(set.nodes[0], tops.rows[0].id);
    assert.equal(set.size.objects, tops.rows[0].retained.objects);
    assert.equal(set.size.bytes, tops.rows[0].retained.bytes);
    assert.equal(set.complete, true);
    assert.equal(
      set.byType.reduce((a, g) => a + g.count, 0),
      set.size.objects,
    );
    const atOnce = (await client.rpc.sendRequest(RetainedSetRequest, {
      snapshotId,
      node: tops.rows[0].id,
      notion: 'atOnce',
      limit: 1,
    })) as RetainedSet;
    assert.equal(atOnce.notion, 'atOnce');
    assert.equal(atOnce.size.objects, tops.rows[0].atOnce.objects);
  });

  test('bad parameters: one clear error', async () => {
    await assert.rejects(
      client.rpc.sendRequest(DominatorChildrenRequest, {
        snapshotId,
        node: 'x' as unknown as number,
      }),
      /node must be an object index, -1 \(the roots\) or -2 \(the garbage group\)/,
    );
    await assert.rejects(
      client.rpc.sendRequest(RetainedSetRequest, {
        snapshotId,
        node: 0,
        notion: 'soon' as unknown as 'atOnce',
      }),
      /notion must be "nextCollection" or "atOnce"/,
    );
    await assert.rejects(
      client.rpc.sendRequest(TypeTopsRequest, { snapshotId, type: 'x', offset: -1 }),
      /offset must be a whole number/,
    );
    await assert.rejects(
      client.rpc.sendRequest(DominatorChildrenRequest, { snapshotId: 'gone#1', node: -1 }),
      /no longer loaded/,
    );
  });
});
