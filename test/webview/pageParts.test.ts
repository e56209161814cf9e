/**
 * The heap view page's pure parts, without a browser (webview/report/): search matches, the
 * status line and the sentence for an object, what a VS Code panel keeps (read back with every
 * field checked), and what collapsing never takes away. On test/fixtures/heapviews/small.json
 * (see model.test.ts for its objects).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { HeapView } from '../../protocol/heapView';
import { buildDrawModel } from '../../webview/graph/drawModel';
import type { GraphView } from '../../webview/graph/graphView';
import { NO_FILTERS } from '../../webview/model/filters';
import { GraphStore } from '../../webview/model/graphStore';
import type { AppState } from '../../webview/report/appState';
import { keepSet } from '../../webview/report/expansion';
import { describeDrawn, statusText } from '../../webview/report/graphStatus';
import { panelStateOf, readPanelState } from '../../webview/report/panelState';
import { findMatches, matchCount } from '../../webview/report/search';

const small = (): HeapView =>
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'heapviews', 'small.json'), 'utf8'),
  ) as HeapView;

function drawn(view: HeapView, hideBuiltins = false) {
  const store = new GraphStore(view);
  const model = buildDrawModel(store, {
    shown: store.base,
    filters: { ...NO_FILTERS, hideBuiltins },
    groupBy: 'none',
    keep: new Set(),
  });
  return { store, model };
}

describe('search', () => {
  test('by type, label or address prefix; heavier first, then by id', () => {
    const nodes = small().nodes;
    const weight = (id: number): number => (id === 6 ? 5 : id === 1 ? 1 : -1);
    assert.deepEqual(findMatches(nodes, '  DICT ', weight), [6, 1]);
    assert.deepEqual(findMatches(nodes, 'production', weight), [7]);
    const addr = nodes[5].address;
    assert.deepEqual(
      findMatches(nodes, addr.slice(0, addr.length - 1), () => 0),
      [5],
    );
    assert.deepEqual(
      findMatches(nodes, addr.slice(2, 8), () => 0),
      [],
      'an address from its start',
    );
    assert.deepEqual(
      findMatches(nodes, '   ', () => 0),
      [],
    );
  });

  test('the count says how many are drawn', () => {
    assert.equal(matchCount(0, 0), 'no match');
    assert.equal(matchCount(4, 4), '4 drawn');
    assert.equal(matchCount(18, 4), '4 drawn of 18');
  });
});

describe('the graph in words', () => {
  test('the status line: objects, references, what the filters hide', () => {
    const view = small();
    assert.equal(statusText(drawn(view).model, view), '8 objects · 9 references');
    assert.equal(
      statusText(drawn(view, true).model, view, 0.4, false),
      '4 objects · 2 references · 4 hidden by filters · laying out… 40%',
    );
    view.truncated = { shown: 8, total: 24346 };
    assert.match(statusText(drawn(view).model, view, 1, true), /view cut to 8 of 24,346$/);
  });

  test('an object in a sentence: what, where, whether garbage, its cycle and finalizer', () => {
    const view = small();
    const { model } = drawn(view);
    const conn = view.nodes[5];
    assert.equal(
      describeDrawn(model, view, 5),
      `Connection at ${conn.address}, unreachable: the next gc.collect() frees it, in unreachable cycle 1, __del__ pending, generation 0`,
    );
    assert.match(
      describeDrawn(model, view, 0),
      /^module at 0x[0-9a-f]+, “__main__”, root, reachable, generation 2$/,
    );
    assert.equal(describeDrawn(model, view, 42), '');
  });
});

describe('what a VS Code panel keeps', () => {
  test('read back field by field: anything malformed is dropped, not trusted', () => {
    assert.equal(readPanelState(null), null);
    assert.equal(readPanelState('state'), null);
    const s = readPanelState({
      selected: 5,
      zoom: { x: 1, y: 2, k: 0 },
      filters: { hideBuiltins: true, hideStdlib: 'yes' },
      search: 42,
      expanded: [
        { node: 1, direction: 'referents' },
        { node: 'x', direction: 'referents' },
        { node: 2, direction: 'sideways' },
      ],
      positions: { '0x1': [1, 2], '0x2': [1], '0x3': [NaN, 1] },
      groupBy: 'galaxy',
      stepper: { open: true, generation: 0, phase: 4 },
    });
    assert.deepEqual(s, {
      stepper: { open: true, generation: 0, phase: 4 },
      selected: 5,
      zoom: null,
      filters: { hideBuiltins: true, hideStdlib: false, hideDebugger: false },
      search: '',
      expanded: [{ node: 1, direction: 'referents' }],
      positions: { '0x1': [1, 2] },
      groupBy: 'none',
    });
    assert.equal(
      readPanelState({ stepper: { open: true, generation: 5, phase: 1 } })?.stepper,
      undefined,
    );
  });

  test('written from the page: positions by address, expansions, search and the stepper', () => {
    const view = small();
    const { store, model } = drawn(view);
    const graph = {
      positions: () =>
        new Map<number, [number, number]>([
          [5, [1.234, -5.67]],
          [99, [0, 0]],
        ]),
      transform: () => ({ x: 10, y: 20, k: 1.5 }),
    } as unknown as GraphView;
    const st = {
      view,
      store,
      model,
      graph,
      shown: new Set(store.base),
      expansions: new Map([['1:referrers', [3, 4]]]),
      focusStack: [],
      filters: NO_FILTERS,
      groupBy: 'cycle',
      openGroups: new Set(),
      selected: -1,
      pathState: null,
      ringed: null,
    } satisfies AppState;
    assert.deepEqual(panelStateOf(st, 'dict', { open: true, generation: 2, phase: 8 }), {
      selected: null,
      zoom: { x: 10, y: 20, k: 1.5 },
      filters: NO_FILTERS,
      search: 'dict',
      expanded: [{ node: 1, direction: 'referrers' }],
      positions: { [view.nodes[5].address]: [1.2, -5.7] },
      groupBy: 'cycle',
      stepper: { open: true, generation: 2, phase: 8 },
    });
  });
});

describe('collapsing', () => {
  test('never takes away the selection or the path that explains it', () => {
    const view = small();
    const store = new GraphStore(view);
    const p = store.knownPath(2)!;
    const keep = keepSet({
      selected: 2,
      pathState: { id: 2, loading: false, answer: { path: p, known: true }, loop: null },
    });
    assert.deepEqual([...keep].sort(), [0, 1, 2]);
    assert.deepEqual([...keepSet({ selected: -3, pathState: null })], [], 'a group is not kept');
  });
});
