/**
 * What the engine gives the webview beyond the drawn objects: the whole-heap type table, the
 * embedded neighbourhood and root paths (offline exploration), and the answers to the panel's
 * requests (ViewSession: paths and neighbourhoods).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EdgeKind } from '../../protocol/snapshot';
import { analyze } from '../../server/engine/analysis';
import { buildHeapView } from '../../server/engine/heapView';
import { ViewSession } from '../../server/engine/neighbourhood';
import { GraphStore } from '../../webview/model/graphStore';
import { validateHeapView } from '../../webview/validation/heapViewGuard';
import { checkToWebview } from '../../webview/validation/messageGuard';
import { HeapBuilder } from '../helpers/heapBuilder';
import { smallProgram } from '../helpers/sampleHeaps';

describe('heap view for the webview', () => {
  test('the type table covers the whole heap', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    const view = buildHeapView(snap, analyze(snap));
    const rows = new Map((view.types ?? []).map((r) => [r.type, r]));
    assert.equal(
      [...rows.values()].reduce((a, r) => a + r.count, 0),
      snap.nodeCount,
    );
    const node = rows.get('__main__.Node');
    assert.deepEqual(
      node && [node.count, node.inCycles, node.unreachable, node.module, node.category],
      [2, 2, 2, '__main__', 'instance'],
    );
    assert.equal(rows.get('__main__.Res')?.finalizers, 1);
    assert.equal(view.types?.[0].unreachable, 2, 'types with garbage come first');
    assert.equal(view.pausedFrame, p.frame);
  });

  test('nodes carry their module and reference counts in the whole heap', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    const view = buildHeapView(snap, analyze(snap));
    const a = view.nodes.find((n) => n.id === p.a);
    assert.equal(a?.module, '__main__');
    // b.next and list[0] refer to a, and the weakref.finalize entry's object is not a reference.
    assert.equal(a?.referrerCount, 2);
    assert.equal(a?.referentCount, 1);
  });

  test('the embedded context answers expansions and paths offline', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    const view = buildHeapView(snap, analyze(snap));
    assert.ok(view.context);
    assert.ok(validateHeapView(JSON.parse(JSON.stringify(view))).ok);
    const store = new GraphStore(view);
    // The module and its globals are around the paused frame.
    assert.ok(store.nodes.has(p.main) && store.nodes.has(p.globals));
    const path = store.knownPath(p.x);
    assert.deepEqual(path && [path.root, path.steps.map((s) => s.node.id)], ['local x', [p.x]]);
    const cb = store.knownPath(p.cb);
    assert.deepEqual(cb && [cb.root, cb.steps.map((s) => s.label)], [
      "sys.modules['__main__']",
      ['', '__dict__', "['cb']"],
    ]);
    assert.equal(store.knownPath(p.a), null, 'garbage has no path');
    const into = store.neighbours(p.a, 'referrers');
    assert.ok(into.complete);
    assert.deepEqual(new Set(into.ids), new Set([p.b, p.list]));
    // Objects on a path only are there, without their neighbourhood.
    assert.equal(store.neighbours(p.globals, 'referents').complete, false);
    // The loop that keeps garbage alive.
    assert.deepEqual(
      store.loopThrough(p.a)?.map((e) => e.label),
      ['.next', '.next'],
    );
  });

  test('allocation sites, when the snapshot has them', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    const file = snap.strings.length;
    snap.strings.push('/app/pool.py');
    Object.assign(snap, {
      allocNode: Uint32Array.of(p.a),
      allocFile: Uint32Array.of(file),
      allocLine: Uint32Array.of(38),
    });
    const view = buildHeapView(snap, analyze(snap));
    assert.deepEqual(view.nodes.find((n) => n.id === p.a)?.allocation, {
      file: '/app/pool.py',
      line: 38,
    });
    assert.equal(view.nodes.find((n) => n.id === p.b)?.allocation, undefined);
  });

  test('context can be turned off, and is bounded', () => {
    const h = new HeapBuilder();
    const mod = h.obj('builtins.module', { name: 'big' });
    const d = h.obj('builtins.dict');
    h.module(mod, 'big').ref(mod, d, '__dict__', EdgeKind.Slot);
    const frame = h.obj('builtins.frame', { gen: 0 });
    h.pausedFrame(frame, 'f', 1).local(frame, d, 'd');
    for (let i = 0; i < 500; i++) h.ref(d, h.obj('__main__.Item'), `k${i}`, EdgeKind.StrKey);
    const snap = h.snapshot();
    assert.equal(buildHeapView(snap, analyze(snap), { context: false }).context, undefined);
    const view = buildHeapView(snap, analyze(snap), { context: { maxNodes: 50, perNode: 10 } });
    assert.ok((view.context?.nodes.length ?? 0) <= 50 + 10);
    const dict = [...view.nodes, ...(view.context?.nodes ?? [])].find((n) => n.id === d);
    assert.equal(dict?.referentCount, 500);
    assert.ok(!view.context?.completeReferents.includes(d));
  });
});

describe('ViewSession (the panel requests)', () => {
  test('paths, neighbourhoods, limits and bad ids', () => {
    const p = smallProgram();
    const snap = p.h.snapshot();
    const analysis = analyze(snap);
    const view = buildHeapView(snap, analysis);
    const session = new ViewSession(snap, analysis, view);
    const path = session.path(p.cb);
    assert.equal(path?.root, "sys.modules['__main__']");
    assert.deepEqual(
      path?.steps.map((s) => [s.node.id, s.label]),
      [
        [p.main, ''],
        [p.globals, '__dict__'],
        [p.cb, "['cb']"],
      ],
    );
    assert.equal(session.path(p.a), null);
    assert.equal(session.path(-1), null);
    const nb = session.neighbourhood(p.globals, 'referents', 2);
    assert.equal(nb.total, 4);
    assert.equal(nb.nodes.length, 2);
    const into = session.neighbourhood(p.a, 'referrers');
    assert.deepEqual(new Set(into.nodes.map((n) => n.id)), new Set([p.b, p.list]));
    assert.equal(into.nodes.find((n) => n.id === p.b)?.cycle, 0, 'cycle index of the view');
    assert.deepEqual(session.neighbourhood(10_000, 'referents').nodes, []);
    // What the extension posts passes the webview's checks.
    const msg = { type: 'path', requestId: 1, path };
    assert.ok(checkToWebview(JSON.parse(JSON.stringify(msg)), view.cycles.length).ok);
    const nmsg = { type: 'neighbourhood', requestId: 2, neighbourhood: into };
    assert.ok(checkToWebview(JSON.parse(JSON.stringify(nmsg)), view.cycles.length).ok);
  });

  test('messages that are not what they claim are refused', () => {
    const bad: unknown[] = [
      null,
      { type: 'eval', code: 'x' },
      { type: 'path', requestId: '1', path: null },
      {
        type: 'path',
        requestId: 1,
        path: { target: 1, root: 'r', steps: [{ node: {}, label: '' }] },
      },
      { type: 'neighbourhood', requestId: 1, neighbourhood: { center: 1, direction: 'up' } },
      { type: 'view', title: 't', view: { summary: {} } },
      { type: 'focus', address: 12 },
    ];
    for (const m of bad) assert.equal(checkToWebview(m, 0).ok, false, JSON.stringify(m));
  });
});
