/**
 * The `.heapsnapshot` export (server/engine/heapsnapshot*.ts) read back by a reader that is not
 * the writer's code (test/helpers/heapsnapshotReader.ts) and by VS Code's own parser
 * (@vscode/v8-heap-parser, the WebAssembly module its built-in viewer runs): the mapping of
 * objects and references, the synthetic roots, the unreachable objects, and retained sizes equal
 * to the engine's on random heaps with cycles, garbage, frame locals and weak references.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decode_bytes, init_panic_hook } from '@vscode/v8-heap-parser';
import { EdgeKind, TypeFlag } from '../../protocol/snapshot';
import { analyze, HeapSnapshot } from '../../server/engine/index';
import {
  writeHeapsnapshot,
  type HeapsnapshotOptions,
} from '../../server/engine/heapsnapshotWriter';
import { retainedOf } from '../../server/engine/retained';
import { HeapBuilder } from '../helpers/heapBuilder';
import {
  parseHeapsnapshot,
  retainedSizes,
  type ParsedHeapsnapshot,
  type ParsedNode,
} from '../helpers/heapsnapshotReader';
import { rng } from '../helpers/random';

init_panic_hook();

/** The export as bytes, and the chunks it was written in. */
function exportOf(
  s: HeapSnapshot,
  options: HeapsnapshotOptions = {},
): { bytes: Buffer; chunks: number[] } {
  const parts: Buffer[] = [];
  writeHeapsnapshot(s, analyze(s), (chunk) => parts.push(Buffer.from(chunk)), options);
  return { bytes: Buffer.concat(parts), chunks: parts.map((p) => p.length) };
}

function parsed(s: HeapSnapshot): ParsedHeapsnapshot {
  return parseHeapsnapshot(exportOf(s).bytes.toString('utf8'));
}

/** The id the format gives an object: derived from its address (`id()`), odd. */
const expectedId = (address: number) => (Math.floor(address / 8) % 2 ** 31) * 2 + 1;

/** Export node of each snapshot object, found by id (the reader knows nothing of the order). */
function byObject(s: HeapSnapshot, h: ParsedHeapsnapshot): ParsedNode[] {
  const byId = new Map(h.nodes.map((n) => [n.id, n]));
  return Array.from({ length: s.nodeCount }, (_, v) => {
    const node = byId.get(expectedId(s.nodeAddress[v]));
    assert.ok(node, `object ${v} is in the export with the id of its address`);
    return node;
  });
}

function edge(h: ParsedHeapsnapshot, from: ParsedNode, name: string | number) {
  const found = h.edgesOf(from.index).find((e) => e.name === name);
  assert.ok(found, `${from.name} has an edge ${String(name)}`);
  return { ...found, target: h.nodes[found.to] };
}

/** A random heap: modules, a frame with locals, objects with random references, weak ones, garbage. */
function randomHeap(seed: number, size: number): HeapSnapshot {
  const r = rng(seed);
  const h = new HeapBuilder();
  const mod = h.obj('builtins.module', { name: 'app' });
  const frame = h.obj('builtins.frame');
  h.module(mod, 'app').pausedFrame(frame, 'main', 3);
  h.type('__main__.Closer', {
    flags: TypeFlag.HasFinalizer | TypeFlag.PythonDel | TypeFlag.HeapType,
  });
  const objs: number[] = [];
  for (let i = 0; i < size; i++) {
    const external = r() < 0.05 ? 1 : 0;
    const type = r() < 0.1 ? '__main__.Closer' : r() < 0.5 ? '__main__.Node' : 'builtins.list';
    objs.push(h.obj(type, { external, size: 8 + i }));
  }
  const pick = () => objs[Math.floor(r() * size)];
  for (const v of objs) {
    const degree = Math.floor(r() * 3);
    for (let k = 0; k < degree; k++) h.ref(v, pick(), r() < 0.5 ? `a${k}` : k);
  }
  for (let k = 0; k < 3; k++) h.ref(mod, pick(), `g${k}`);
  if (r() < 0.7) h.local(frame, pick(), 'x');
  if (r() < 0.3) h.ref(pick(), frame, 'tb_frame', EdgeKind.Slot);
  if (r() < 0.5) {
    const w = h.obj('weakref.ReferenceType');
    h.ref(mod, w, 'w').weakref(w, pick());
  }
  return h.snapshot();
}

describe('.heapsnapshot export', () => {
  test('maps objects, references, roots and the unreachable to the format', () => {
    const h = new HeapBuilder();
    h.type('__main__.Connection', {
      flags: TypeFlag.HasFinalizer | TypeFlag.PythonDel | TypeFlag.HeapType,
    });
    const mod = h.obj('builtins.module', { name: '__main__' });
    const globals = h.obj('builtins.dict');
    const cache = h.obj('builtins.dict');
    const hello = h.obj('builtins.str', { name: 'hello', size: 54 });
    const items = h.obj('builtins.list');
    const answer = h.obj('builtins.int', { name: '42', size: 28 });
    const pairKey = h.obj('builtins.tuple');
    const pairValue = h.obj('__main__.Node');
    const session = h.obj('__main__.Session', { size: 48 });
    const user = h.obj('__main__.User');
    const cls = h.obj('builtins.type', { name: '__main__.Session' });
    const fn = h.obj('builtins.function', { name: 'main' });
    const code = h.obj('builtins.code', { name: 'main' });
    const frame = h.obj('builtins.frame', { name: 'main' });
    const ref = h.obj('weakref.ReferenceType');
    const pool = h.obj('builtins.list');
    const conn = h.obj('__main__.Connection');
    const request = h.obj('__main__.Request');
    h.obj('builtins.dict', { external: 1 }); // held from C
    h.module(mod, '__main__').pausedFrame(frame, 'main', 42);
    h.ref(mod, globals, '__dict__', EdgeKind.Slot)
      .ref(globals, cache, 'cache', EdgeKind.StrKey)
      .ref(globals, fn, 'main', EdgeKind.StrKey)
      .ref(globals, pool, 'pool', EdgeKind.StrKey)
      .ref(globals, ref, 'ref', EdgeKind.StrKey)
      .ref(cache, hello, 'greeting', EdgeKind.StrKey)
      .ref(cache, items, '3', EdgeKind.OtherKey)
      .ref(cache, pairValue, '(1, 2)', EdgeKind.OtherKey)
      .ref(cache, pairKey, '(1, 2)', EdgeKind.KeyObject)
      .ref(items, answer, 0)
      .ref(session, user, 'user')
      .ref(session, cls, '__class__', EdgeKind.Slot)
      .ref(fn, code, '__code__', EdgeKind.Slot)
      .ref(frame, code, 'f_code', EdgeKind.Slot)
      .ref(conn, request, 'request')
      .ref(request, conn, 'conn')
      .ref(conn, pool, 'pool');
    h.local(frame, session, 'session').weakref(ref, session);
    const s = h.snapshot();
    const x = parsed(s);
    const node = byObject(s, x);

    // Node types and names: classes as Python's repr writes them, values as their text.
    const kinds = (v: number) => [node[v].type, node[v].name];
    assert.deepEqual(kinds(mod), ['object', 'module']);
    assert.deepEqual(kinds(cache), ['object', 'dict']);
    assert.deepEqual(kinds(hello), ['string', 'hello']);
    assert.deepEqual(kinds(answer), ['number', '42']);
    assert.deepEqual(kinds(session), ['object', '__main__.Session']);
    assert.deepEqual(kinds(cls), ['closure', '__main__.Session']);
    assert.deepEqual(kinds(fn), ['closure', 'main']);
    assert.deepEqual(kinds(code), ['code', 'main']);
    assert.deepEqual(kinds(frame), ['code', 'frame main:42']);
    assert.deepEqual(kinds(ref), ['object', 'weakref.ReferenceType']);
    assert.deepEqual(kinds(conn), ['object', '__main__.Connection (unreachable, __del__ pending)']);
    assert.deepEqual(kinds(request), ['object', '__main__.Request (unreachable)']);
    assert.equal(node[session].selfSize, 48, 'self size is node.size (sys.getsizeof)');
    assert.deepEqual(
      s.nodeAddress.map((_, v) => node[v].detachedness),
      Float64Array.from(s.nodeAddress, (_, v) => (v === conn || v === request ? 2 : 0)),
      'unreachable objects are detached, the others not',
    );

    // References.
    const via = (from: number, name: string | number) => {
      const e = edge(x, node[from], name);
      return [e.type, e.target.index];
    };
    assert.deepEqual(via(cache, 'greeting'), ['property', node[hello].index]);
    assert.deepEqual(via(cache, 3), ['element', node[items].index], 'an int key is an element');
    assert.deepEqual(via(cache, '[(1, 2)]'), ['internal', node[pairValue].index]);
    assert.deepEqual(via(cache, 'key (1, 2)'), ['internal', node[pairKey].index]);
    assert.deepEqual(via(items, 0), ['element', node[answer].index]);
    assert.deepEqual(via(session, 'user'), ['property', node[user].index]);
    assert.deepEqual(via(session, '__class__'), ['internal', node[cls].index]);
    assert.deepEqual(via(frame, 'session'), ['context', node[session].index], 'a local');
    assert.deepEqual(via(ref, 'referent'), ['weak', node[session].index]);
    assert.deepEqual(via(conn, 'request'), ['property', node[request].index]);
    assert.deepEqual(
      via(conn, 'pool'),
      ['shortcut', node[pool].index],
      'garbage holds nothing live: its references to live objects do not retain',
    );

    // The synthetic roots.
    const root = x.nodes[x.rootIndex];
    assert.equal(root.type, 'synthetic');
    const childNames = (n: ParsedNode) => x.edgesOf(n.index).map((e) => x.nodes[e.to].name);
    assert.deepEqual(childNames(root), [
      '(GC roots)',
      '(Unreachable: freed by the next gc.collect())',
    ]);
    const gcRoots = x.nodes[x.edgesOf(root.index)[0].to];
    assert.deepEqual(childNames(gcRoots), [
      '(Modules)',
      '(Frames)',
      '(Held from outside the graph)',
    ]);
    const group = (name: string) =>
      x.nodes[x.edgesOf(gcRoots.index).find((e) => x.nodes[e.to].name === name)!.to];
    assert.deepEqual(via(mod, '__dict__'), ['internal', node[globals].index]);
    assert.deepEqual(
      x.edgesOf(group('(Modules)').index).map((e) => [e.type, e.name, e.to]),
      [['property', '__main__', node[mod].index]],
    );
    assert.deepEqual(childNames(group('(Frames)')), ['frame main:42']);
    assert.deepEqual(childNames(group('(Held from outside the graph)')), ['dict']);
    const garbage = x.nodes[x.edgesOf(root.index)[1].to];
    assert.deepEqual(new Set(childNames(garbage)), new Set([node[conn].name, node[request].name]));

    // Counts: every object, and the synthetic nodes; every reference plus the added ones.
    const synthetic = x.nodes.filter((n) => n.type === 'synthetic').length;
    assert.equal(x.nodes.length, s.nodeCount + synthetic);
    const syntheticEdges = x.edges.filter((e) => x.nodes[e.from].type === 'synthetic').length;
    assert.equal(
      x.edges.length,
      s.edgeCount + syntheticEdges + 2,
      '+ the local and the weak referent',
    );
  });

  test('retained sizes equal the engine’s on random heaps (an independent dominator computation)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const s = randomHeap(seed, 5 + (seed % 40));
      const x = parsed(s);
      const node = byObject(s, x);
      const sizes = retainedSizes(x);
      const retained = retainedOf(analyze(s));
      for (let v = 0; v < s.nodeCount; v++) {
        const engine = retained.nextCollection.bytes[v] - (retained.entries.get(v)?.bytes ?? 0);
        assert.equal(sizes[node[v].index], engine, `seed ${seed}: object ${v}`);
      }
      const live = Array.from(s.nodeAddress.keys()).filter((v) => retained.live(v));
      const liveBytes = live.reduce((sum, v) => sum + s.nodeSize[v], 0);
      const gcRoots = x.edgesOf(x.rootIndex)[0].to;
      assert.equal(sizes[gcRoots], liveBytes, `seed ${seed}: (GC roots) retains the live heap`);
      const total = Array.from(s.nodeSize).reduce((a, b) => a + b, 0);
      assert.equal(sizes[x.rootIndex], total, `seed ${seed}: the root retains every object`);
    }
  });

  test('VS Code’s parser reads it: class groups, their objects, retained sizes', () => {
    for (const seed of [3, 7, 11]) {
      const s = randomHeap(seed, 60);
      const bytes = exportOf(s).bytes;
      const x = parseHeapsnapshot(bytes.toString('utf8'));
      const sizes = retainedSizes(x);
      const graph = decode_bytes(bytes);
      const groups = graph.get_class_groups(0, 1000, false);
      const expected = new Map<string, { count: number; self: number }>();
      for (const n of x.nodes) {
        const name = n.type === 'object' ? n.name : n.type === 'synthetic' ? '(synthetic)' : null;
        if (name === null) continue;
        const g = expected.get(name) ?? { count: 0, self: 0 };
        g.count++;
        g.self += n.selfSize;
        expected.set(name, g);
      }
      for (const [name, want] of expected) {
        const i = groups.findIndex((g) => g.name() === name);
        assert.ok(i >= 0, `seed ${seed}: a class group ${name}`);
        const group = groups[i];
        assert.deepEqual(
          { count: group.children_len, self: Number(group.self_size) },
          want,
          `seed ${seed}: ${name}`,
        );
        for (const member of graph.class_children(i, 0, want.count, 1)) {
          assert.equal(
            Number(member.retained_size),
            sizes[member.index],
            `seed ${seed}: ${name} @${member.id}`,
          );
        }
      }
    }
  });

  test('strings with lone surrogates, quotes and controls stay valid JSON for every parser', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'app' });
    const names = [
      'caf\udce9.txt',
      '"quoted"\n\t\\',
      '\ud83d\ude00 ok',
      '\u0000\u001b[31m',
      '\ud800',
    ];
    for (const name of names) h.ref(mod, h.obj('builtins.str', { name }), name, EdgeKind.StrKey);
    h.module(mod, 'app');
    const bytes = exportOf(h.snapshot()).bytes;
    const x = parseHeapsnapshot(bytes.toString('utf8'));
    const texts = x.nodes.filter((n) => n.type === 'string').map((n) => n.name);
    assert.deepEqual(texts, [
      'caf\ufffd.txt',
      '"quoted"\n\t\\',
      '\ud83d\ude00 ok',
      '\u0000\u001b[31m',
      '\ufffd',
    ]);
    const graph = decode_bytes(bytes);
    assert.ok(graph.get_class_groups(0, 100, false).some((g) => g.name() === '(string)'));
  });

  test('ids follow addresses; addresses 16 GiB apart still get distinct ids', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'app', address: 0x7f0000000010 });
    const a = h.obj('builtins.list', { address: 0x7f0000001000 });
    const b = h.obj('builtins.list', { address: 0x7f0000001000 + 8 * 2 ** 31 });
    const c = h.obj('builtins.list', { address: 0x55d000002000 });
    h.module(mod, 'app').ref(mod, a, 'a').ref(mod, b, 'b').ref(mod, c, 'c');
    const s = h.snapshot();
    const x = parsed(s);
    const objects = x.nodes.filter((n) => n.type !== 'synthetic');
    const ids = objects.map((n) => n.id);
    assert.equal(new Set(x.nodes.map((n) => n.id)).size, x.nodes.length, 'ids are unique');
    assert.ok(
      ids.every((id) => id % 2 === 1),
      'objects have odd ids (as V8’s own objects)',
    );
    assert.equal(ids[0], expectedId(0x7f0000000010));
    assert.equal(ids[1], expectedId(0x7f0000001000));
    assert.notEqual(ids[2], ids[1], 'the colliding address got another id');
    assert.equal(ids[3], expectedId(0x55d000002000));
  });

  test('streams: chunks of at most 1 MiB, the JSON never held whole', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'app' });
    const list = h.obj('builtins.list');
    h.module(mod, 'app').ref(mod, list, 'items');
    for (let i = 0; i < 60_000; i++) h.ref(list, h.obj('__main__.Item', { size: 48 }), i);
    const { bytes, chunks } = exportOf(h.snapshot());
    assert.ok(chunks.length > 2, `${chunks.length} chunks for ${bytes.length} bytes`);
    assert.ok(
      chunks.every((c) => c <= 1 << 20),
      'no chunk above 1 MiB',
    );
    const x = parseHeapsnapshot(bytes.toString('utf8'));
    assert.equal(x.nodes.filter((n) => n.name === '__main__.Item').length, 60_000);
  });

  /** Two items allocated at two lines of one file, a third object without a record. */
  function allocatedHeap(): { s: HeapSnapshot; a: number; b: number; c: number } {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'app' });
    const a = h.obj('__main__.Item', { size: 48 });
    const b = h.obj('__main__.Item', { size: 56 });
    const c = h.obj('__main__.Item', { size: 64 });
    h.module(mod, 'app').ref(mod, a, 'a').ref(mod, b, 'b').ref(mod, c, 'c');
    const data = h.data();
    data.allocNode = Uint32Array.from([a, b]);
    const file = data.strings.length;
    data.strings.push('/srv/app.py');
    data.allocFile = Uint32Array.from([file, file]);
    data.allocLine = Uint32Array.from([12, 30]);
    return { s: new HeapSnapshot(data), a, b, c };
  }

  test('tracemalloc’s records become allocation sites, weakly referenced', () => {
    const { s, a, b } = allocatedHeap();
    const x = parsed(s);
    const node = byObject(s, x);
    assert.deepEqual(
      [a, b].map((v) => {
        const e = edge(x, node[v], 'allocated at');
        return [e.type, e.target.type, e.target.name];
      }),
      [
        ['weak', 'synthetic', '/srv/app.py:12'],
        ['weak', 'synthetic', '/srv/app.py:30'],
      ],
    );
    const sizes = retainedSizes(x);
    assert.equal(sizes[node[a].index], node[a].selfSize, 'an allocation site retains nothing');
  });

  test('each allocated object’s line is its location (0-based, as V8 writes them); no traces unless asked', () => {
    const { s, a, b, c } = allocatedHeap();
    const { bytes } = exportOf(s);
    const x = parseHeapsnapshot(bytes.toString('utf8'));
    const node = byObject(s, x);
    assert.deepEqual(x.locations, [
      { node: node[a].index, scriptId: 1, line: 11, column: 0 },
      { node: node[b].index, scriptId: 1, line: 29, column: 0 },
    ]);
    assert.ok(!x.locations.some((l) => l.node === node[c].index), 'no record, no location');
    assert.equal(x.traceTree, null);
    assert.deepEqual(x.traceFunctions, []);
    assert.ok(x.nodes.every((n) => n.traceNodeId === 0));
    assert.ok(decode_bytes(bytes), 'VS Code’s parser reads it');
  });

  test('allocation traces when asked: V8’s (root) and one function per line, nodes pointing at theirs', () => {
    const { s, a, b, c } = allocatedHeap();
    const { bytes } = exportOf(s, { allocationTraces: true });
    const x = parseHeapsnapshot(bytes.toString('utf8'));
    const node = byObject(s, x);
    assert.deepEqual(x.traceFunctions, [
      { name: '(root)', scriptName: '', scriptId: 0, line: 0, column: 0 },
      { name: 'app.py:12', scriptName: '/srv/app.py', scriptId: 1, line: 12, column: 0 },
      { name: 'app.py:30', scriptName: '/srv/app.py', scriptId: 1, line: 30, column: 0 },
    ]);
    const tree = x.traceTree;
    assert.ok(tree);
    assert.deepEqual(
      { id: tree.id, functionIndex: tree.functionIndex, count: tree.count, size: tree.size },
      { id: 1, functionIndex: 0, count: 0, size: 0 },
    );
    assert.deepEqual(
      tree.children.map((t) => [t.functionIndex, t.count, t.size, t.children.length]),
      [
        [1, 1, 48, 0],
        [2, 1, 56, 0],
      ],
    );
    assert.deepEqual(
      [a, b, c].map((v) => node[v].traceNodeId),
      [tree.children[0].id, tree.children[1].id, 0],
    );
    assert.equal(x.locations.length, 2);
    // V8 nests the trace tree; VS Code's parser reads it as a flat list and gives up. Why the
    // traces are only written when asked for.
    assert.throws(() => decode_bytes(bytes), /invalid profile JSON/);
  });
});
