/**
 * `heap-inspector export` on a real program (test/fixtures/export/session_service.py: users,
 * sessions with carts, a page cache, a WeakValueDictionary, and 8 leaked Connection ↔ Request
 * cycles whose Connection has a __del__), read back three ways, none of them the writer's code:
 *
 * - an independent reader (test/helpers/heapsnapshotReader.ts): node and edge counts, class
 *   names, and retained sizes by its own dominator computation, against the engine's;
 * - VS Code's parser (@vscode/v8-heap-parser, the WebAssembly module of its built-in viewer);
 * - Chrome DevTools' own heap snapshot model, as Debian's Chromium ships it
 *   (devtools://devtools/bundled/…/heap_snapshot_worker.js): its loader reads the text in chunks,
 *   as the Memory panel does, and builds the snapshot the panel shows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decode_bytes, init_panic_hook } from '@vscode/v8-heap-parser';
import { RootKind } from '../../protocol/snapshot';
import { analyze, readSnapshotFile, summarize, type HeapSnapshot } from '../../server/engine/index';
import { retainedOf, type RetainedAnalysis } from '../../server/engine/retained';
import { chromiumSuite, launchChromium } from '../helpers/browser';
import {
  parseHeapsnapshot,
  retainedSizes,
  type ParsedHeapsnapshot,
} from '../helpers/heapsnapshotReader';
import { ROOT, runCli } from './support';

const PROGRAM = join(ROOT, 'test', 'fixtures', 'export', 'session_service.py');
const LINE =
  readFileSync(PROGRAM, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('# CAPTURE HERE')) + 1;
const expectedId = (address: number) => (Math.floor(address / 8) % 2 ** 31) * 2 + 1;

interface Capture {
  dir: string;
  snapshot: HeapSnapshot;
  retained: RetainedAnalysis;
  unreachableByType: Record<string, number>;
  text: string;
  bytes: Buffer;
  parsed: ParsedHeapsnapshot;
  /** Retained size of every export node, computed by the independent reader. */
  sizes: Float64Array;
  /** Export node index of each snapshot object (by the id its address gives). */
  exportIndex: Int32Array;
}

let capture: Capture;

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'hi-export-'));
  const snap = join(dir, 'service.heapsnap');
  const out = join(dir, 'service.heapsnapshot');
  const run = runCli(['snapshot', '--at', `${PROGRAM}:${LINE}`, '--out', snap, PROGRAM], {
    cwd: dir,
  });
  assert.equal(run.status, 0, run.stderr);
  const exported = runCli(['export', snap, '--out', out], { cwd: dir });
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /^Wrote .*service\.heapsnapshot: [\d,]+ objects, 4\d unreachable/);
  const snapshot = readSnapshotFile(snap);
  const analysis = analyze(snapshot);
  const bytes = readFileSync(out);
  const text = bytes.toString('utf8');
  const parsed = parseHeapsnapshot(text);
  const byId = new Map(parsed.nodes.map((n) => [n.id, n.index]));
  const exportIndex = Int32Array.from(snapshot.nodeAddress, (a) => byId.get(expectedId(a)) ?? -1);
  capture = {
    dir,
    snapshot,
    retained: retainedOf(analysis),
    unreachableByType: summarize(snapshot, analysis).unreachable.byType,
    text,
    bytes,
    parsed,
    sizes: retainedSizes(parsed),
    exportIndex,
  };
});

after(() => rmSync(capture.dir, { recursive: true, force: true }));

/** Objects of a type: live ones named by the class, unreachable ones with the suffix. */
function countOf(s: HeapSnapshot, r: RetainedAnalysis, typeName: string, live: boolean): number {
  let count = 0;
  for (let v = 0; v < s.nodeCount; v++)
    if (s.typeName(v) === typeName && r.live(v) === live) count++;
  return count;
}

describe('export of a real program, read back', () => {
  test('every object, every reference, plus the synthetic roots', () => {
    const { snapshot: s, parsed: x, exportIndex } = capture;
    assert.ok(
      exportIndex.every((i) => i >= 0),
      'every object is there, with the id of its address',
    );
    assert.equal(new Set(exportIndex).size, s.nodeCount);
    const synthetic = x.nodes.filter((n) => n.type === 'synthetic');
    assert.equal(x.nodes.length, s.nodeCount + synthetic.length);
    let added = 0; // the frames' locals and the weak references' referents
    for (let r = 0; r < s.rootCount; r++) {
      if (s.rootKind[r] === RootKind.FrameLocal && s.rootFrame[r] >= 0) added++;
    }
    for (let k = 0; k < s.weakrefCount; k++) if (s.weakrefReferent[k] >= 0) added++;
    const fromSynthetic = x.edges.filter((e) => x.nodes[e.from].type === 'synthetic').length;
    assert.equal(x.edges.length, s.edgeCount + added + fromSynthetic);
    for (let v = 0; v < s.nodeCount; v++) {
      assert.equal(x.nodes[exportIndex[v]].selfSize, s.nodeSize[v], `object ${v}: sys.getsizeof`);
    }
  });

  test('classes by name; the unreachable named so, their __del__ said pending', () => {
    const { snapshot: s, retained: r, parsed: x, unreachableByType } = capture;
    // Objects only: a class itself is a `closure` node of the same name.
    const count = (name: string) =>
      x.nodes.filter((n) => n.type === 'object' && n.name === name).length;
    for (const cls of ['Service', 'User', 'Session', 'Item', 'PageCache']) {
      const name = `__main__.${cls}`;
      assert.ok(count(name) > 0, name);
      assert.equal(count(name), countOf(s, r, name, true), name);
    }
    assert.deepEqual(
      {
        connections: count('__main__.Connection (unreachable, __del__ pending)'),
        requests: count('__main__.Request (unreachable)'),
        sockets: count('__main__.Socket (unreachable)'),
      },
      {
        connections: unreachableByType['__main__.Connection'],
        requests: unreachableByType['__main__.Request'],
        sockets: unreachableByType['__main__.Socket'],
      },
    );
    assert.equal(unreachableByType['__main__.Connection'], 8);
    const unreachable = x.nodes.filter((n) => n.detachedness === 2).length;
    assert.equal(unreachable, s.nodeCount - r.graph.live.reduce((a, b) => a + b, 0));
  });

  test('retained sizes (an independent dominator tree) equal the engine’s', () => {
    const { snapshot: s, retained: r, sizes, exportIndex } = capture;
    for (let v = 0; v < s.nodeCount; v++) {
      const engine = r.nextCollection.bytes[v] - (r.entries.get(v)?.bytes ?? 0);
      assert.equal(sizes[exportIndex[v]], engine, `object ${v} (${s.typeName(v)})`);
    }
  });

  test('VS Code’s parser: the program’s classes, counts, sizes and retained sizes', () => {
    init_panic_hook();
    const { parsed: x, sizes } = capture;
    const graph = decode_bytes(capture.bytes);
    const groups = graph.get_class_groups(0, 10_000, false);
    for (const cls of ['__main__.Session', '__main__.Connection (unreachable, __del__ pending)']) {
      const i = groups.findIndex((g) => g.name() === cls);
      assert.ok(i >= 0, `VS Code lists ${cls}`);
      const members = x.nodes.filter((n) => n.type === 'object' && n.name === cls);
      assert.equal(groups[i].children_len, members.length, cls);
      assert.equal(
        Number(groups[i].self_size),
        members.reduce((a, n) => a + n.selfSize, 0),
        cls,
      );
      for (const m of graph.class_children(i, 0, members.length, 1)) {
        assert.equal(Number(m.retained_size), sizes[m.index], `${cls} @${m.id}`);
      }
    }
  });

  test(
    'Chrome DevTools’ heap snapshot model loads it: no problem reported, same retained sizes',
    chromiumSuite,
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const warnings: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text());
        });
        page.on('pageerror', (e) => warnings.push(e.message));
        const worker =
          'devtools://devtools/bundled/entrypoints/heap_snapshot_worker/heap_snapshot_worker.js';
        await page.goto(worker);
        const chrome = await page.evaluate(
          async ({ text, worker }) => {
            const m = await import(worker);
            const events: { eventName?: string; data?: unknown }[] = [];
            const dispatcher = new m.HeapSnapshotWorkerDispatcher.HeapSnapshotWorkerDispatcher(
              (message: { eventName?: string }) => events.push(message),
            );
            const loader = new m.HeapSnapshotLoader.HeapSnapshotLoader(dispatcher);
            // In chunks, as the Memory panel feeds its loader from the file.
            for (let i = 0; i < text.length; i += 65_536) loader.write(text.slice(i, i + 65_536));
            loader.close();
            const channel = new MessageChannel();
            await dispatcher.dispatchMessage({
              data: { disposition: 'setupForSecondaryInit', objectId: 1, callId: 1 },
              ports: [channel.port2],
            });
            const snapshot = await loader.buildSnapshot(channel.port1);
            const aggregates = snapshot.aggregatesWithFilter({});
            const ids: number[] = [];
            for (let i = 0; i < snapshot.nodeCount; i++) {
              ids.push(
                snapshot.nodes.getValue(i * snapshot.nodeFieldCount + snapshot.nodeIdOffset),
              );
            }
            return {
              problems: events
                .filter((e) => e.eventName === 'BrokenSnapshot')
                .map((e) => String(e.data)),
              classes: Object.values(aggregates).map((a) => {
                const { name, count, self } = a as { name: string; count: number; self: number };
                return { name, count, self };
              }),
              ids,
              retained: Array.from(snapshot.retainedSizes as Float64Array),
              total: snapshot.totalSize as number,
            };
          },
          { text: capture.text, worker },
        );
        assert.deepEqual(chrome.problems, [], 'Chrome reports no broken snapshot');
        assert.deepEqual(warnings, [], 'no warning (such as nodes unreachable from the root)');
        const { parsed: x, sizes } = capture;
        assert.equal(chrome.ids.length, x.nodes.length);
        chrome.ids.forEach((id, i) => {
          assert.equal(id, x.nodes[i].id, `node ${i}'s id`);
          assert.equal(
            chrome.retained[i],
            sizes[i],
            `node ${i} (${x.nodes[i].name}) retains as computed here`,
          );
        });
        const session = chrome.classes.find((c) => c.name === '__main__.Session');
        assert.equal(
          session?.count,
          x.nodes.filter((n) => n.type === 'object' && n.name === '__main__.Session').length,
        );
        assert.ok(
          chrome.classes.some(
            (c) => c.name === '__main__.Connection (unreachable, __del__ pending)',
          ),
          'the Summary lists the unreachable connections',
        );
        assert.equal(
          chrome.total,
          capture.snapshot.nodeSize.reduce((a, b) => a + b, 0),
        );
      } finally {
        await browser.close();
      }
    },
  );
});
