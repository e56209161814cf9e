/**
 * What the views and the summary get from the dominator tree (server/engine/retainedQueries.ts
 * and the modules it uses), on hand-made heaps: Python paths, the top list and what it leaves
 * out, leak suspects and their accumulation point, retained bytes by type without double
 * counting, rows of the tree and their pages, retained sets, weak containers' entries, and the
 * frame-local references that close a cycle or come out of topological order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GARBAGE_ROW, ROOTS_ROW, type DominatorRow } from '../../protocol/retained';
import { EdgeKind } from '../../protocol/snapshot';
import { analyze } from '../../server/engine/analysis';
import type { HeapSnapshot } from '../../server/engine/heapSnapshot';
import { pythonStringRepr } from '../../server/engine/pythonPaths';
import { RetainedQueries } from '../../server/engine/retainedQueries';
import { HeapBuilder } from '../helpers/heapBuilder';

const queries = (s: HeapSnapshot) => new RetainedQueries(analyze(s));

/** `__main__` and its globals dict; `app` and its dict. */
function modules(h: HeapBuilder) {
  const main = h.obj('builtins.module', { name: '__main__' });
  const mainDict = h.obj('builtins.dict');
  const app = h.obj('builtins.module', { name: 'app' });
  const appDict = h.obj('builtins.dict');
  h.module(main, '__main__').module(app, 'app');
  h.ref(main, mainDict, '__dict__', EdgeKind.Slot).ref(app, appDict, '__dict__', EdgeKind.Slot);
  interface Globals {
    global(dict: number, name: string, v: number): Globals;
    ref(from: number, to: number, name?: string | number, kind?: EdgeKind): Globals;
  }
  const chain: Globals = {
    global(dict, name, v) {
      h.ref(dict, v, name, EdgeKind.StrKey);
      return chain;
    },
    ref(from, to, name, kind) {
      h.ref(from, to, name, kind);
      return chain;
    },
  };
  return { main, mainDict, app, appDict, global: chain.global };
}

describe('Python paths', () => {
  test('modules, keys, attributes, indices, locals, cells, unnamed references, C', () => {
    const h = new HeapBuilder();
    const { mainDict, appDict, global } = modules(h);
    const cache = h.obj('builtins.dict');
    const pool = h.obj('__main__.Pool');
    const poolDict = h.obj('builtins.dict');
    const conns = h.obj('builtins.list');
    const conn = h.obj('__main__.Conn');
    const quoted = h.obj('builtins.list');
    const weird = h.obj('builtins.list');
    const byInt = h.obj('builtins.list');
    const seen = h.obj('builtins.set');
    const member = h.obj('__main__.Session');
    const frame = h.obj('builtins.frame');
    const users = h.obj('builtins.list');
    const gen = h.obj('builtins.generator');
    const item = h.obj('builtins.list');
    const cell = h.obj('builtins.cell');
    const inCell = h.obj('builtins.list');
    const fromC = h.obj('builtins.list', { external: 1 });
    const inC = h.obj('builtins.dict');
    global(mainDict, 'cache', cache).global(appDict, 'pool', pool);
    h.ref(pool, poolDict, '__dict__', EdgeKind.Slot).ref(
      poolDict,
      conns,
      '_conns',
      EdgeKind.StrKey,
    );
    h.ref(conns, conn, 3).ref(cache, quoted, "it's", EdgeKind.StrKey);
    h.ref(cache, weird, 'a\nb\\', EdgeKind.StrKey).ref(cache, byInt, '7', EdgeKind.OtherKey);
    global(mainDict, 'seen', seen).ref(seen, member);
    h.pausedFrame(frame, 'main', 4).local(frame, users, 'users');
    global(mainDict, 'gen', gen).ref(gen, item, 'item', EdgeKind.Local);
    h.ref(gen, cell, 'x', EdgeKind.Closure).ref(cell, inCell, 'cell_contents', EdgeKind.Slot);
    h.ref(fromC, inC, 0);
    // A global a frame's local also holds (runpy's frame holds `__main__`'s globals this way).
    const both = h.obj('builtins.list');
    global(mainDict, 'both', both);
    h.local(frame, both, 'run_globals');
    const q = queries(h.snapshot());
    const path = (v: number) => q.paths.pathOf(v);
    assert.equal(path(cache), '__main__.cache');
    assert.equal(path(pool), "sys.modules['app'].pool");
    assert.equal(path(conn), "sys.modules['app'].pool._conns[3]");
    assert.equal(path(quoted), `__main__.cache["it's"]`);
    assert.equal(path(weird), "__main__.cache['a\\nb\\\\']");
    assert.equal(path(byInt), '__main__.cache[7]');
    assert.equal(path(member), '__main__.seen → Session');
    assert.equal(path(users), 'main.<locals>.users');
    assert.equal(path(both), '__main__.both', 'named from its module first');
    assert.equal(path(frame), '<frame main>');
    assert.equal(path(item), '__main__.gen.<locals>.item');
    assert.equal(path(inCell), '__main__.gen.<cell x>.cell_contents');
    assert.equal(path(inC), '<held from outside: builtins.list>[0]');
  });

  test("Python's repr of a str", () => {
    assert.equal(pythonStringRepr('abc'), "'abc'");
    assert.equal(pythonStringRepr("it's"), `"it's"`);
    assert.equal(pythonStringRepr(`it's "x"`), `'it\\'s "x"'`);
    assert.equal(pythonStringRepr('\x1b[31m\t'), "'\\x1b[31m\\t'");
  });
});

describe('the top list', () => {
  test('data only: no code, frames, namespace dicts, garbage or what only C holds', () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    h.type('__main__.Plugin', { category: 'class' });
    const klass = h.obj('__main__.Plugin', { size: 900 });
    const classDict = h.obj('builtins.dict', { size: 900 });
    const registry = h.obj('builtins.dict', { size: 300 });
    const fn = h.obj('builtins.function', { size: 900 });
    const code = h.obj('builtins.code', { size: 900 });
    const frame = h.obj('builtins.frame', { size: 900 });
    const local = h.obj('builtins.list', { size: 100 });
    const inC = h.obj('builtins.dict', { size: 5000, external: 1 });
    const garbage = h.obj('builtins.list', { size: 5000 });
    global(mainDict, 'Plugin', klass).global(mainDict, 'f', fn);
    h.ref(klass, classDict, '__dict__', EdgeKind.Slot);
    h.ref(classDict, registry, 'registry', EdgeKind.StrKey).ref(
      fn,
      code,
      '__code__',
      EdgeKind.Slot,
    );
    h.pausedFrame(frame, 'main', 3).local(frame, local, 'x');
    h.ref(garbage, garbage, 0);
    const q = queries(h.snapshot());
    const top = q.summary().top;
    assert.deepEqual(
      top.map((e) => e.path),
      ['__main__.Plugin.registry', 'main.<locals>.x'],
    );
    assert.equal(top[0].bytes, 300);
    assert.equal(q.summary().totals.garbage.bytes, 5000);
    assert.ok(!top.some((e) => e.address === q.snapshot.addressHex(inC)));
  });

  test('a long chain shows its first three levels, not fifty of its nodes; at most 50', () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    let prev = h.obj('__main__.Node');
    global(mainDict, 'head', prev);
    for (let i = 0; i < 50_000; i++) {
      const v = h.obj('__main__.Node');
      h.ref(prev, v, 'next');
      prev = v;
    }
    for (let i = 0; i < 80; i++)
      global(mainDict, `g${i}`, h.obj('builtins.list', { size: 100 + i }));
    const q = queries(h.snapshot());
    const top = q.summary().top;
    assert.equal(top.length, 50);
    assert.deepEqual(
      top.slice(0, 4).map((e) => e.path),
      ['__main__.head', '__main__.head.next', '__main__.head.next.next', '__main__.g79'],
    );
    assert.equal(top[0].objects, 50_001);
  });
});

describe('leak suspects', () => {
  test('a registry of sessions: the list where the bytes accumulate, its content by type', () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    const registry = h.obj('builtins.dict');
    const users = h.obj('builtins.list');
    global(mainDict, 'registry', registry).ref(registry, users, 'users', EdgeKind.StrKey);
    for (let i = 0; i < 200; i++) {
      const s = h.obj('app.Session', { size: 100 });
      h.ref(users, s, i).ref(s, h.obj('builtins.list', { size: 50 }), 'history');
    }
    h.ref(users, h.obj('builtins.str', { size: 40 }), 200);
    global(mainDict, 'small', h.obj('builtins.list', { size: 2000 }));
    const q = queries(h.snapshot());
    const [suspect, ...others] = q.summary().suspects;
    assert.equal(others.length, 0, 'the list inside the registry is not a second suspect');
    assert.equal(suspect.path, '__main__.registry');
    assert.equal(suspect.accumulation.path, "__main__.registry['users']");
    assert.deepEqual(suspect.content[0], {
      type: 'app.Session',
      count: 200,
      bytes: 200 * 150,
      objects: 400,
    });
    assert.equal(suspect.content[1].type, 'builtins.str');
    assert.equal(suspect.text, "__main__.registry['users'] → list → 200 × app.Session");
    assert.ok(suspect.share > 0.8 && suspect.share < 1);
  });
});

describe('by type, rows, sets', () => {
  test('a linked list retains its bytes once, through its head; tops of a type', () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    let prev = h.obj('__main__.Node', { size: 10 });
    global(mainDict, 'head', prev);
    for (let i = 0; i < 99; i++) {
      const v = h.obj('__main__.Node', { size: 10 });
      h.ref(prev, v, 'next');
      prev = v;
    }
    global(mainDict, 'other', h.obj('__main__.Node', { size: 10 }));
    const q = queries(h.snapshot());
    const row = q.typeRows().find((r) => r.type === '__main__.Node');
    assert.deepEqual(row, {
      type: '__main__.Node',
      count: 101,
      bytes: 1010,
      retainedBytes: 1010,
      retainedObjects: 101,
      tops: 2,
    });
    const tops = q.typeTops('__main__.Node');
    assert.equal(tops.total, 2);
    assert.equal(tops.rows[0].retained.objects, 100);
    assert.equal(tops.rows[0].via, "['head']");
  });

  test('rows: children most retained first, pages and the rest; retained sets', () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    const list = h.obj('builtins.list');
    global(mainDict, 'items', list);
    for (let i = 0; i < 10; i++) h.ref(list, h.obj('builtins.list', { size: 10 * (i + 1) }), i);
    const a = h.obj('__main__.Node', { gen: 0 });
    const b = h.obj('__main__.Node', { gen: 0 });
    h.ref(a, b, 'next').ref(b, a, 'prev');
    const s = h.snapshot();
    const q = queries(s);
    const page = q.children(list, 2, 3);
    assert.ok(page);
    assert.equal(page.total, 10);
    assert.deepEqual(
      page.rows.map((r) => [r.size, r.via]),
      [
        [80, '[7]'],
        [70, '[6]'],
        [60, '[5]'],
      ],
    );
    assert.deepEqual(page.rest, { objects: 5, tracked: 5, bytes: 150 });
    assert.equal(page.parent.childCount, 10);
    const roots = q.children(ROOTS_ROW);
    assert.ok(roots?.rows.some((r) => r.id === GARBAGE_ROW && r.label === 'unreachable'));
    const garbage = q.children(GARBAGE_ROW);
    assert.deepEqual(garbage?.rows.map((r) => r.id).sort(), [a, b].sort());
    assert.equal(q.children(10 ** 6), null);
    const set = q.retainedSet(list, 'nextCollection', 4);
    assert.equal(set?.size.objects, 11);
    assert.equal(set?.nodes.length, 4);
    assert.equal(set?.nodes[0], list);
    assert.equal(set?.complete, false);
    assert.deepEqual(q.retainedSet(a, 'atOnce')?.size, { objects: 0, tracked: 0, bytes: 0 });
  });

  test('the embedded part of the tree: roots first, parents before children, rest summed', () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    const list = h.obj('builtins.list');
    global(mainDict, 'items', list);
    for (let i = 0; i < 30; i++) h.ref(list, h.obj('builtins.list', { size: 10 + i }), i);
    const q = queries(h.snapshot());
    const full = q.view(10_000);
    assert.equal(full.complete, true);
    assert.equal(full.tree[0].id, ROOTS_ROW);
    const cut = q.view(8);
    assert.equal(cut.complete, false);
    const at = new Map(cut.tree.map((r, i) => [r.id, i]));
    for (const row of cut.tree) {
      if (row.parent !== null && at.has(row.parent))
        assert.ok(at.get(row.parent)! < at.get(row.id)!);
      const tree = (r: DominatorRow) => r.retained.bytes - (r.entries?.bytes ?? 0);
      const kids = (row.children ?? []).map((c) => tree(cut.tree[at.get(c)!]));
      const sum = kids.reduce((x, y) => x + y, 0) + (row.rest?.bytes ?? 0) + row.size;
      assert.equal(sum, tree(row), `row ${row.id}`);
    }
    assert.ok(cut.typeTops['builtins.list'].length > 0);
  });

  test("a type's largest tops come with the rows above them and their largest children", () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    const big = h.obj('builtins.list', { size: 5000 });
    global(mainDict, 'big', big);
    const holder = h.obj('__main__.Holder');
    const inner = h.obj('builtins.dict');
    global(mainDict, 'holder', holder);
    h.ref(holder, inner, '__dict__');
    const session = h.obj('__main__.Session');
    h.ref(inner, session, 'session');
    const parts = [];
    for (let i = 0; i < 12; i++) {
      parts.push(h.obj('builtins.str', { size: 50 + i }));
      h.ref(session, parts[i], `a${i}`);
    }
    // Two rows only: the roots and the big list; the session is far from them.
    const cut = queries(h.snapshot()).view(2);
    const at = new Map(cut.tree.map((r, i) => [r.id, i]));
    assert.deepEqual(cut.typeTops['__main__.Session'], [session]);
    for (const id of [holder, inner, session]) assert.ok(at.has(id), `row ${id} embedded`);
    assert.ok(at.get(holder)! < at.get(inner)! && at.get(inner)! < at.get(session)!);
    const kids = cut.tree[at.get(session)!].children ?? [];
    // Its 8 largest children at least (the strings are also tops of their own type).
    assert.deepEqual(kids.slice(0, 8), parts.slice(4).reverse(), 'largest first');
  });
});

describe('weak containers and frame locals', () => {
  test("a weak container's entry goes with its referent; the container still retains it", () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    const records = h.obj('builtins.list');
    const index = h.obj('weakref.WeakValueDictionary');
    const data = h.obj('builtins.dict');
    const remove = h.obj('builtins.function', {
      name: 'WeakValueDictionary.__init__.<locals>.remove',
    });
    global(mainDict, 'records', records).global(mainDict, 'index', index);
    h.ref(index, data, 'data').ref(index, remove, '_remove');
    const refs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const record = h.obj('__main__.Record');
      const ref = h.obj('weakref.KeyedRef', { size: 80 });
      h.ref(records, record, i).ref(data, ref, String(i), EdgeKind.OtherKey);
      h.weakref(ref, record, remove);
      refs.push(ref);
    }
    const s = h.snapshot();
    const q = queries(s);
    const r = q.retained;
    // The records list: its 5 records and, through their deaths, the 5 entries.
    assert.equal(r.nextCollection.objects[records], 11);
    assert.equal(r.nextCollection.bytes[records], 56 * 6 + 80 * 5);
    assert.equal(r.nextCollection.objects[index], 8, 'the container, its dict, remove, 5 entries');
    assert.deepEqual(new Set(r.retainedSet(records)).has(refs[0]), true);
    assert.equal(q.retainedSet(records)?.size.objects, 11);
    assert.equal(r.atOnce.objects[records], 11, 'reference counting runs the callbacks too');
    // Rows say which part is entries held elsewhere in the tree; the children add up to the rest.
    const row = q.row(records);
    assert.deepEqual(row.entries, { objects: 5, tracked: 5, bytes: 400 });
    const kids = q.children(records, 0, 100);
    const below = kids!.rows.reduce((a, k) => a + k.retained.bytes - (k.entries?.bytes ?? 0), 0);
    assert.equal(below + row.size, row.retained.bytes - row.entries!.bytes);
    assert.equal(q.row(index).entries, undefined);
  });

  test("a frame's local that closes a cycle through the frame, and one out of topological order", () => {
    const h = new HeapBuilder();
    const frame = h.obj('builtins.frame');
    const tb = h.obj('builtins.traceback');
    const exc = h.obj('builtins.ValueError');
    // The traceback refers to the frame, the frame's local to the exception: a cycle only
    // through the local, which only the collector can free.
    h.pausedFrame(frame, 'handler', 9).local(frame, exc, 'error');
    h.ref(exc, tb, '__traceback__', EdgeKind.Slot).ref(tb, frame, 'tb_frame', EdgeKind.Slot);
    const holder = h.obj('builtins.list');
    const inner = h.obj('builtins.list');
    h.local(frame, holder, 'later').ref(holder, inner, 0);
    const s = h.snapshot();
    const r = queries(s).retained;
    assert.equal(r.graph.scc.cyclic[r.graph.scc.component[exc]], 1, 'the local closes a cycle');
    assert.equal(r.atOnce.objects[exc], 0);
    assert.equal(r.idom[holder], frame);
    assert.equal(r.atOnce.objects[holder], 2);
    assert.equal(r.nextCollection.objects[frame], 5);
  });

  test('held from outside, immortal and frozen objects are roots', () => {
    const h = new HeapBuilder();
    const { mainDict, global } = modules(h);
    const list = h.obj('builtins.list');
    const immortal = h.obj('builtins.tuple', { immortal: true });
    const frozen = h.obj('builtins.dict', { gen: 3 });
    global(mainDict, 'x', list).ref(list, immortal, 0).ref(list, frozen, 1);
    const r = queries(h.snapshot()).retained;
    assert.equal(r.idom[immortal], r.superRoot);
    assert.equal(r.idom[frozen], r.superRoot);
    assert.equal(r.nextCollection.objects[list], 1);
  });
});
