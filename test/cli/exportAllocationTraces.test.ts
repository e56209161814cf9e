/**
 * tracemalloc's records in the `.heapsnapshot` export, on a real program run with
 * PYTHONTRACEMALLOC=1 (test/fixtures/export/session_service.py): each allocated object's line as
 * its location, and with --allocation-traces V8's allocation traces, read by Chrome DevTools' own
 * heap snapshot model (Debian's Chromium's bundled heap_snapshot_worker.js): its Allocation view
 * lists the program's lines with the objects still alive from each, and an object's allocation
 * stack is its line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decode_bytes, init_panic_hook } from '@vscode/v8-heap-parser';
import { readSnapshotFile } from '../../server/engine/index';
import { chromiumSuite, launchChromium } from '../helpers/browser';
import { parseHeapsnapshot } from '../helpers/heapsnapshotReader';
import { ROOT, runCli } from './support';

init_panic_hook();

const PROGRAM = join(ROOT, 'test', 'fixtures', 'export', 'session_service.py');
const lines = readFileSync(PROGRAM, 'utf8').split('\n');
const LINE = lines.findIndex((l) => l.includes('# CAPTURE HERE')) + 1;
/** The line that makes each leaked connection. */
const CONNECTION_LINE = lines.findIndex((l) => l.includes('conn = Connection(')) + 1;

let dir: string;
let snap: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hi-export-traces-'));
  snap = join(dir, 'service.heapsnap');
  const run = runCli(['snapshot', '--at', `${PROGRAM}:${LINE}`, '--out', snap, PROGRAM], {
    cwd: dir,
    env: { ...process.env, PYTHONTRACEMALLOC: '1' },
  });
  assert.equal(run.status, 0, run.stderr);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function exported(name: string, extra: string[]): { text: string; stdout: string } {
  const out = join(dir, name);
  const r = runCli(['export', snap, '--out', out, ...extra], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  return { text: readFileSync(out, 'utf8'), stdout: r.stdout };
}

describe('allocation records in the export', () => {
  test('every object tracemalloc saw has its line as location; VS Code’s parser reads it', () => {
    const { text } = exported('plain.heapsnapshot', []);
    const x = parseHeapsnapshot(text);
    const s = readSnapshotFile(snap);
    assert.equal(x.locations.length, new Set(s.allocNode).size);
    const connections = x.nodes.filter(
      (n) => n.type === 'object' && n.name.startsWith('__main__.Connection'),
    );
    assert.equal(connections.length, 8);
    const atLine = new Map(x.locations.map((l) => [l.node, l.line]));
    for (const c of connections) assert.equal(atLine.get(c.index), CONNECTION_LINE - 1);
    assert.equal(x.traceTree, null);
    assert.ok(decode_bytes(Buffer.from(text)));
  });

  test('without tracemalloc records --allocation-traces is refused in one line', () => {
    const plain = join(dir, 'untraced.heapsnap');
    const run = runCli(['snapshot', '--at', `${PROGRAM}:${LINE}`, '--out', plain, PROGRAM], {
      cwd: dir,
    });
    assert.equal(run.status, 0, run.stderr);
    const r = runCli(
      ['export', plain, '--out', join(dir, 'x.heapsnapshot'), '--allocation-traces'],
      {
        cwd: dir,
      },
    );
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr.trim(),
      /^[^\n]*has no allocation records[^\n]*PYTHONTRACEMALLOC=1[^\n]*$/,
    );
  });

  test(
    'Chrome DevTools’ model: the Allocation view lists the program’s lines; an object’s stack is its line',
    chromiumSuite,
    async () => {
      const { text, stdout } = exported('traced.heapsnapshot', ['--allocation-traces']);
      assert.match(stdout, /Allocation traces of [\d,]+ lines/);
      const x = parseHeapsnapshot(text);
      const connection = x.nodes.find(
        (n) => n.type === 'object' && n.name.startsWith('__main__.Connection'),
      );
      assert.ok(connection);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const warnings: string[] = [];
        page.on('pageerror', (e) => warnings.push(e.message));
        const worker =
          'devtools://devtools/bundled/entrypoints/heap_snapshot_worker/heap_snapshot_worker.js';
        await page.goto(worker);
        const chrome = await page.evaluate(
          async ({ text, worker, nodeIndex }) => {
            const m = await import(worker);
            const events: { eventName?: string; data?: unknown }[] = [];
            const dispatcher = new m.HeapSnapshotWorkerDispatcher.HeapSnapshotWorkerDispatcher(
              (message: { eventName?: string }) => events.push(message),
            );
            const loader = new m.HeapSnapshotLoader.HeapSnapshotLoader(dispatcher);
            for (let i = 0; i < text.length; i += 65_536) loader.write(text.slice(i, i + 65_536));
            loader.close();
            const channel = new MessageChannel();
            await dispatcher.dispatchMessage({
              data: { disposition: 'setupForSecondaryInit', objectId: 1, callId: 1 },
              ports: [channel.port2],
            });
            const snapshot = await loader.buildSnapshot(channel.port1);
            return {
              problems: events
                .filter((e) => e.eventName === 'BrokenSnapshot')
                .map((e) => String(e.data)),
              tops: snapshot.allocationTracesTops() as {
                name: string;
                scriptName: string;
                line: number;
                count: number;
                liveCount: number;
                liveSize: number;
              }[],
              stack: snapshot.allocationStack(nodeIndex * snapshot.nodeFieldCount) as
                { functionName: string; scriptName: string; line: number }[] | null,
            };
          },
          { text, worker, nodeIndex: connection.index },
        );
        assert.deepEqual(chrome.problems, []);
        assert.deepEqual(warnings, []);
        const top = chrome.tops.find((t) => t.scriptName === PROGRAM && t.line === CONNECTION_LINE);
        assert.ok(top, `the Allocation view lists ${PROGRAM}:${CONNECTION_LINE}`);
        assert.equal(top.name, `session_service.py:${CONNECTION_LINE}`);
        assert.equal(top.liveCount, top.count, 'what the snapshot holds is what is counted');
        assert.ok(top.liveCount >= 8, `${top.liveCount} objects from the line`);
        assert.deepEqual(
          chrome.stack?.map((f) => [f.functionName, f.scriptName, f.line]),
          [
            [`session_service.py:${CONNECTION_LINE}`, PROGRAM, CONNECTION_LINE],
            // V8's root of every trace, which Chrome lists last as it does for JavaScript.
            ['(root)', '', 0],
          ],
        );
      } finally {
        await browser.close();
      }
    },
  );
});
