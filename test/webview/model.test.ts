/**
 * The webview's data model without a browser (webview/model/): what the page knows of the heap
 * (GraphStore), the loop search, the filters, the verdict's loop sentence and the text helpers.
 * On test/fixtures/heapviews/small.json, whose objects are:
 *
 *   0 module __main__ (root) →__dict__ 1 dict (11) →['Connection'] 2 class, →['use_connection'] 3
 *   3 function →__globals__ 1;  4 frame <module>() (root) →f_globals 1
 *   5 Connection (unreachable, cycle 0, __del__) →__dict__ 6 dict (2) →['self_reference'] 5,
 *     6 →['name'] 7 'Production-DB';  5 →__class__ 2
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { HeapView, ViewEdge, ViewNode } from '../../protocol/heapView';
import { hiddenByFilters, moduleKind, NO_FILTERS, nodeModule } from '../../webview/model/filters';
import {
  formatBytes,
  joinAnd,
  mapStrings,
  plural,
  shortType,
  visible,
} from '../../webview/model/format';
import { GraphStore } from '../../webview/model/graphStore';
import { indexHeapView } from '../../webview/model/heapIndex';
import { shortestLoop } from '../../webview/model/shortestLoop';
import { buildVerdict, describeLoop, richText } from '../../webview/model/verdict';

const small = (): HeapView =>
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'heapviews', 'small.json'), 'utf8'),
  ) as HeapView;

const labels = (edges: ViewEdge[] | null): string[] | null => edges?.map((e) => e.label) ?? null;

describe('GraphStore', () => {
  test('references both ways, by address, and what a neighbourhood brings', () => {
    const store = new GraphStore(small());
    assert.deepEqual(store.base, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(
      store.neighbours(1, 'referrers').ids.sort(),
      [0, 3, 4],
      'the module, the function and the frame refer to the dict',
    );
    assert.equal(store.byAddress.get(store.nodes.get(5)!.address), 5);
    // The same reference twice is kept once.
    store.add([], [{ from: 5, to: 6, label: '__dict__', weak: false }]);
    assert.equal(store.out.get(5)!.filter((e) => e.to === 6).length, 1);
    const extra: ViewNode = { ...store.nodes.get(7)!, id: 8, address: '0x1', label: "'x'" };
    const brought = store.addNeighbourhood({
      center: 6,
      direction: 'referents',
      nodes: [extra],
      edges: [{ from: 6, to: 8, label: "['x']", weak: false }],
      total: 1,
    });
    assert.deepEqual(brought, [8]);
    assert.deepEqual(store.neighbours(6, 'referents').ids, [7, 5, 8]);
  });

  test('a path from a root, found breadth-first when the view embeds none', () => {
    const store = new GraphStore(small());
    const p = store.knownPath(2);
    assert.ok(p);
    assert.equal(p.root, "sys.modules['__main__']");
    assert.deepEqual(
      p.steps.map((s) => [s.node.id, s.label]),
      [
        [0, ''],
        [1, '__dict__'],
        [2, "['Connection']"],
      ],
    );
    assert.equal(store.knownPath(5), null, 'garbage: no root reaches it');
    assert.equal(store.knownPath(99), undefined, 'not known here');
  });

  test('the loop that keeps an unreachable object alive stays inside its cycle', () => {
    const store = new GraphStore(small());
    assert.deepEqual(labels(store.loopThrough(5)), ['__dict__', "['self_reference']"]);
    assert.deepEqual(labels(store.loopThrough(6)), ["['self_reference']", '__dict__']);
    // 1 → 3 → 1 loops, but 1 is in no cycle: no loop is looked for beyond the object itself.
    assert.equal(store.loopThrough(1), null);
  });
});

describe('shortestLoop', () => {
  const e = (from: number, to: number, label: string, weak = false): ViewEdge => ({
    from,
    to,
    label,
    weak,
  });
  const graph = (edges: ViewEdge[]) => (id: number) => edges.filter((x) => x.from === id);

  test('the shortest of two loops, references in order from the start back to it', () => {
    const out = graph([e(1, 2, 'a'), e(2, 3, 'b'), e(3, 1, 'c'), e(1, 4, 'd'), e(4, 1, 'e')]);
    assert.deepEqual(labels(shortestLoop(1, out, () => true)), ['d', 'e']);
    assert.deepEqual(labels(shortestLoop(2, out, () => true)), ['b', 'c', 'a']);
  });

  test('weak references and objects outside do not close a loop', () => {
    const out = graph([e(1, 2, 'a'), e(2, 1, 'w', true), e(2, 3, 'b'), e(3, 1, 'c')]);
    assert.deepEqual(labels(shortestLoop(1, out, () => true)), ['a', 'b', 'c']);
    assert.equal(
      shortestLoop(1, out, (id) => id !== 3),
      null,
    );
    assert.deepEqual(labels(shortestLoop(7, graph([e(7, 7, 'self')]), () => true)), ['self']);
  });
});

const fixture = (name: string): HeapView =>
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'heapviews', `${name}.json`), 'utf8'),
  ) as HeapView;

describe('the verdict', () => {
  test('garbage: how much, what it is, why reference counting never frees it, what to do', () => {
    const v = buildVerdict(small());
    assert.equal(v.kind, 'garbage');
    assert.match(
      richText(v.headline),
      /^2 objects \(152 B\) are unreachable .*a cycle of 1 Connection/,
    );
    const points = v.points.map((p) => `${p.tone}: ${richText(p.text)}`);
    assert.ok(
      points.includes(
        'info: Why reference counting never frees them: connection.self_reference is connection',
      ),
    );
    assert.ok(points.some((p) => p.startsWith('warn: Connection.__del__ is pending on 1 object')));
    assert.ok(points.some((p) => /next automatic collection \(generation 0/.test(p)));
    assert.ok(v.fix.some((f) => richText(f).startsWith('To free them now: gc.collect()')));
  });

  test('a weakref.finalize that keeps its own object alive makes it stuck, and says how to fix it', () => {
    const v = buildVerdict(fixture('finalizer-rich'));
    assert.equal(v.kind, 'stuck');
    assert.equal(v.points[0].tone, 'error');
    assert.match(richText(v.points[0].text), /keeps its own Workspace alive/);
    assert.match(richText(v.fix[0]), /never self or a bound method/);
  });

  test('nothing to free: said so', () => {
    const view = small();
    view.summary.unreachable = { ...view.summary.unreachable, count: 0, bytes: 0, byType: {} };
    view.summary.cycles = view.summary.cycles.map((c) => ({ ...c, unreachable: false }));
    const v = buildVerdict(view);
    assert.equal(v.kind, 'ok');
    assert.equal(
      richText(v.headline),
      'Nothing is waiting for the cycle collector: gc.collect() would free no objects right now.',
    );
  });
});

describe('the verdict’s loop sentence', () => {
  test('as Python when every step has a name', () => {
    const view = small();
    assert.equal(
      describeLoop(indexHeapView(view), [5, 6]),
      'connection.self_reference is connection',
    );
  });

  test('as arrows when a step has none, and nothing for a cycle too big to read', () => {
    const view = small();
    const e = view.edges.find((x) => x.label === "['self_reference']")!;
    e.label = '';
    assert.equal(
      describeLoop(indexHeapView(view), [5, 6]),
      'Connection —__dict__→ dict —→ Connection',
    );
    assert.equal(
      describeLoop(
        indexHeapView(view),
        Array.from({ length: 13 }, (_, i) => i),
      ),
      null,
    );
  });
});

describe('filters', () => {
  const node = (over: Partial<ViewNode>): ViewNode => ({ ...small().nodes[1], ...over });

  test('the module an object belongs to, and what kind of module that is', () => {
    assert.equal(nodeModule(node({ type: 'collections.OrderedDict' })), 'collections');
    assert.equal(nodeModule(node({ category: 'module', label: 'json.decoder' })), 'json.decoder');
    assert.equal(nodeModule(node({ module: 'pkg.mod', type: 'x.Y' })), 'pkg.mod');
    assert.deepEqual(
      ['builtins', 'json.decoder', '_pydevd_bundle.pydevd_comm', 'heap_inspector_agent', 'app'].map(
        moduleKind,
      ),
      ['builtins', 'stdlib', 'debugger', 'debugger', 'user'],
    );
  });

  test('hides what is asked, never garbage, roots or frames', () => {
    const f = { ...NO_FILTERS, hideBuiltins: true };
    assert.equal(hiddenByFilters(node({ type: 'builtins.dict' }), NO_FILTERS), false);
    assert.equal(hiddenByFilters(node({ type: 'builtins.dict' }), f), true);
    assert.equal(hiddenByFilters(node({ type: 'builtins.dict', unreachable: true }), f), false);
    assert.equal(hiddenByFilters(node({ type: 'builtins.dict', root: true }), f), false);
    assert.equal(hiddenByFilters(node({ type: 'builtins.frame', category: 'frame' }), f), false);
    assert.equal(hiddenByFilters(node({ type: 'json.JSONDecoder' }), f), false);
  });
});

describe('text', () => {
  test('counts, sizes, names and lists', () => {
    assert.equal(plural(1, 'object'), '1 object');
    assert.equal(plural(3, 'reference'), '3 references');
    assert.deepEqual(
      [formatBytes(152), formatBytes(3482), formatBytes(12 * 1024 * 1024)],
      ['152 B', '3.4 KiB', '12.0 MiB'],
    );
    assert.equal(shortType('__main__.Outer.Inner'), 'Inner');
    assert.equal(joinAnd(['a', 'b', 'c']), 'a, b and c');
  });

  test('program text shows control and bidi characters escaped, everywhere in a value', () => {
    assert.equal(visible('evil\u202e.py\n'), 'evil\\u202e.py\\n');
    const v = mapStrings({ a: ['ok', 'x\u0007'], n: 3 }, visible);
    assert.deepEqual(v, { a: ['ok', 'x\\x07'], n: 3 });
  });
});
