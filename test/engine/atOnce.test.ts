/**
 * "Freed at once" is reference counting's cascade from the object, on the snapshot's counts:
 * the object goes whatever cycle it is on; a cycle below it, or a reference from outside,
 * stops the cascade. Heaps shaped like real programs: instances refer to their class, the class
 * to its methods, each method to its module's globals, and the globals to everything.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EdgeKind } from '../../protocol/snapshot';
import { analyze } from '../../server/engine/analysis';
import type { HeapSnapshot } from '../../server/engine/heapSnapshot';
import { RetainedQueries } from '../../server/engine/retainedQueries';
import { HeapBuilder } from '../helpers/heapBuilder';

const queries = (s: HeapSnapshot) => new RetainedQueries(analyze(s));

/** A module whose class `Session` has a method whose globals are the module's dict. */
function program(h: HeapBuilder) {
  const mod = h.obj('builtins.module', { name: 'app' });
  const globals = h.obj('builtins.dict');
  const cls = h.obj('builtins.type', { name: 'Session' });
  const clsDict = h.obj('builtins.dict');
  const close = h.obj('builtins.function', { name: 'Session.close' });
  h.module(mod, 'app').ref(mod, globals, '__dict__', EdgeKind.Slot);
  h.ref(globals, cls, 'Session', EdgeKind.StrKey).ref(cls, clsDict, '__dict__', EdgeKind.Slot);
  h.ref(clsDict, close, 'close', EdgeKind.StrKey).ref(close, globals, '__globals__', EdgeKind.Slot);
  /** A `Session` instance with its `__dict__` and a history list. */
  const session = (): { session: number; parts: number[] } => {
    const s = h.obj('app.Session');
    const d = h.obj('builtins.dict');
    const history = h.obj('builtins.list');
    h.ref(s, cls, '__class__', EdgeKind.Slot).ref(s, d, '__dict__', EdgeKind.Slot);
    h.ref(d, history, 'history', EdgeKind.StrKey);
    return { session: s, parts: [s, d, history] };
  };
  return { globals, cls, session };
}

describe('freed at once', () => {
  test('an object on a cycle through its class and module is freed at once with what only it holds', () => {
    const h = new HeapBuilder();
    const { globals, session } = program(h);
    const registry = h.obj('builtins.dict');
    const users = h.obj('builtins.list');
    h.ref(globals, registry, 'registry', EdgeKind.StrKey).ref(
      registry,
      users,
      'users',
      EdgeKind.StrKey,
    );
    const all: number[] = [registry, users];
    for (let i = 0; i < 4; i++) {
      const { session: s, parts } = session();
      h.ref(users, s, i);
      all.push(...parts);
    }
    const q = queries(h.snapshot());
    const r = q.retained;
    assert.equal(
      r.graph.scc.cyclic[r.graph.scc.component[registry]],
      1,
      'the registry is on a cycle',
    );
    assert.equal(q.objectRetained(registry).atOnce.objects, all.length);
    assert.equal(q.objectRetained(users).atOnce.objects, all.length - 1);
    assert.deepEqual(new Set(r.atOnceSet(registry)), new Set(all));
    assert.equal(r.atOnceSet(registry)[0], registry, 'the object itself first');
    // A session: itself, its dict and its history; never its class.
    assert.equal(q.objectRetained(all[2]).atOnce.objects, 3);
    assert.equal(q.row(registry).atOnce.objects, all.length);
  });

  test('a cycle below the object blocks: its members keep each other’s counts above zero', () => {
    const h = new HeapBuilder();
    const { globals } = program(h);
    const holder = h.obj('builtins.dict');
    const stats = h.obj('builtins.list');
    const root = h.obj('app.Node');
    const child = h.obj('app.Node');
    const leaf = h.obj('builtins.list');
    h.ref(globals, holder, 'holder', EdgeKind.StrKey);
    h.ref(holder, stats, 'stats', EdgeKind.StrKey).ref(holder, root, 'tree', EdgeKind.StrKey);
    h.ref(root, child, 'child').ref(child, root, 'parent').ref(child, leaf, 'items');
    const q = queries(h.snapshot());
    assert.equal(q.objectRetained(holder).atOnce.objects, 2, 'the holder and its stats');
    assert.equal(q.objectRetained(holder).retained.objects, 5, 'the collector frees the tree too');
    // The tree's root itself: dropping every reference to it (its child's too) frees it all.
    assert.equal(q.objectRetained(root).atOnce.objects, 3);
    assert.equal(q.objectRetained(child).atOnce.objects, 2, 'the child and its list, not the root');
  });

  test('a reference from outside blocks, and so does one from a live object', () => {
    const h = new HeapBuilder();
    const { globals, session } = program(h);
    const users = h.obj('builtins.list');
    const handlers = h.obj('builtins.list');
    h.ref(globals, users, 'users', EdgeKind.StrKey).ref(
      globals,
      handlers,
      'handlers',
      EdgeKind.StrKey,
    );
    const a = session();
    const b = session();
    const pinned = h.obj('builtins.list', { external: 1 });
    const bound = h.obj('builtins.method');
    h.ref(users, a.session, 0).ref(users, b.session, 1).ref(users, pinned, 2);
    h.ref(handlers, bound, 0).ref(bound, b.session, '__self__', EdgeKind.Slot);
    const q = queries(h.snapshot());
    assert.equal(q.objectRetained(users).atOnce.objects, 4, 'the list and session a (3 objects)');
    assert.equal(q.objectRetained(handlers).atOnce.objects, 2, 'the list and the bound method');
    assert.equal(q.objectRetained(pinned).atOnce.objects, 1);
  });

  test('a frame’s locals go with the frame', () => {
    const h = new HeapBuilder();
    const { session } = program(h);
    const caller = h.obj('builtins.frame');
    const frame = h.obj('builtins.frame');
    h.pausedFrame(caller, 'main', 3);
    h.ref(frame, caller, 'f_back', EdgeKind.Slot);
    const held = h.obj('builtins.list');
    h.ref(caller, held, 'stack');
    h.ref(held, frame, 0);
    const { session: s } = session();
    h.local(frame, s, 'session');
    const q = queries(h.snapshot());
    assert.equal(
      q.objectRetained(frame).atOnce.objects,
      4,
      'the frame and the session’s 3 objects',
    );
  });
});

describe('freed at once, learnt from an enclosing object', () => {
  test('every node of a linked list on a cycle through its class, from one cascade', () => {
    const h = new HeapBuilder();
    const { globals, cls } = program(h);
    const nodes: number[] = [];
    let prev = globals;
    for (let i = 0; i < 50; i++) {
      const v = h.obj('app.Session');
      h.ref(v, cls, '__class__', EdgeKind.Slot);
      if (i === 0) h.ref(globals, v, 'head', EdgeKind.StrKey);
      else h.ref(prev, v, 'next');
      nodes.push(v);
      prev = v;
    }
    const r = queries(h.snapshot()).retained;
    assert.equal(r.atOnceSize(nodes[0]).objects, 50);
    nodes.forEach((v, i) => assert.equal(r.atOnceSize(v).objects, 50 - i, `node ${i}`));
  });

  test('an object whose records a weak index lists frees the entries, though its owner frees the index', () => {
    const h = new HeapBuilder();
    const { globals } = program(h);
    const owner = h.obj('builtins.dict');
    const records = h.obj('builtins.list');
    const index = h.obj('weakref.WeakValueDictionary');
    const data = h.obj('builtins.dict');
    const remove = h.obj('builtins.function', {
      name: 'WeakValueDictionary.__init__.<locals>.remove',
    });
    h.ref(globals, owner, 'owner', EdgeKind.StrKey);
    h.ref(owner, records, 'records', EdgeKind.StrKey).ref(owner, index, 'index', EdgeKind.StrKey);
    h.ref(index, data, 'data').ref(index, remove, '_remove');
    for (let i = 0; i < 5; i++) {
      const record = h.obj('app.Record');
      const ref = h.obj('weakref.KeyedRef');
      h.ref(records, record, i).ref(data, ref, String(i), EdgeKind.OtherKey);
      h.weakref(ref, record, remove);
    }
    const r = queries(h.snapshot()).retained;
    assert.equal(r.atOnceSize(owner).objects, 15, 'the owner, both halves, the 5 records and refs');
    // Alone, the records list takes the index's entries with its records: 1 + 5 + 5.
    assert.equal(r.atOnceSize(records).objects, 11);
    assert.equal(r.atOnceSet(records).length, 11);
  });
});
