/**
 * The graph component's pure parts, without a browser (webview/graph/): the highlight by draw
 * index with an overlay, where the layout starts, the keyboard's next object, the text layer's
 * occupancy grid, and the geometry of references. On the draw model of
 * test/fixtures/heapviews/small.json (see model.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { HeapView } from '../../protocol/heapView';
import { buildDrawModel, type DrawModel } from '../../webview/graph/drawModel';
import {
  edgeCurves,
  edgeStroke,
  edgeStyle,
  OVERLAY_EDGE,
  pointOn,
} from '../../webview/graph/geometry';
import {
  computeHighlight,
  emphasised,
  emptyHighlight,
  highlightActive,
  type Overlay,
} from '../../webview/graph/highlight';
import { mostImportant, nextInDirection } from '../../webview/graph/keyboard';
import { placeKey, planLayout } from '../../webview/graph/layoutPlan';
import type { Palette } from '../../webview/graph/palette';
import { OccupancyGrid } from '../../webview/graph/textLayer';
import { NO_FILTERS } from '../../webview/model/filters';
import { GraphStore } from '../../webview/model/graphStore';

function smallModel(groupBy: 'none' | 'cycle' = 'none'): DrawModel {
  const view = JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'heapviews', 'small.json'), 'utf8'),
  ) as HeapView;
  const store = new GraphStore(view);
  return buildDrawModel(store, {
    shown: store.base,
    filters: NO_FILTERS,
    groupBy,
    keep: new Set(),
  });
}

const at = (m: DrawModel, id: number): number => m.index.get(id)!;
const noColour = (v: string): string => `colour of ${v}`;

describe('the highlight', () => {
  test('the selection, its neighbours and references, a path, search hits', () => {
    const m = smallModel();
    const h = computeHighlight(
      m,
      { selected: 1, path: [0, 1, 2], loop: null, search: new Set([7, 99]) },
      -1,
      1,
      noColour,
    );
    assert.equal(h.selected, at(m, 1));
    assert.deepEqual([...h.related].sort(), [0, 2, 3, 4].map((id) => at(m, id)).sort());
    assert.equal(h.relatedEdges.size, 5, '0→1, 1→2, 1→3, 3→1, 4→1');
    assert.deepEqual(
      [...h.pathNodes],
      [0, 1, 2].map((id) => at(m, id)),
    );
    assert.equal(h.pathEdges.size, 2);
    assert.deepEqual([...h.search], [at(m, 7)], 'an object not drawn is not a hit');
    assert.equal(h.rings, null);
    assert.equal(highlightActive(h), true);
    assert.equal(emphasised(h, at(m, 3)), true);
    assert.equal(emphasised(h, at(m, 5)), false);
  });

  test('an overlay: rings on objects (never on groups), tags on ringed ones, styled references', () => {
    const overlay: Overlay<'hot' | 'cold'> = {
      rings: new Map([
        [5, 'hot'],
        [6, 'hot'],
        [0, 'cold'],
      ]),
      tags: new Map([
        [5, 'gc_refs 0'],
        [1, 'not ringed'],
      ]),
      edges: new Map([['5>6', 'hot']]),
      styles: {
        hot: { colorVar: '--hot', ringWidth: 4.5, dashed: true },
        cold: { colorVar: '--cold', fades: true },
      },
    };
    const input = { selected: null, path: null, loop: null, search: new Set<number>(), overlay };
    const m = smallModel();
    const h = computeHighlight(m, input, 2, 0.5, noColour);
    assert.deepEqual(
      [...h.rings!].sort((a, b) => a[0] - b[0]),
      [
        [at(m, 0), 'cold'],
        [at(m, 5), 'hot'],
        [at(m, 6), 'hot'],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    assert.deepEqual([...h.tags], [[at(m, 5), 'gc_refs 0']]);
    assert.equal(h.overlayEdges.size, 1);
    assert.deepEqual(h.overlayStyles.hot, {
      color: 'colour of --hot',
      ringWidth: 4.5,
      dashed: true,
      fades: false,
    });
    assert.deepEqual(h.overlayStyles.cold, {
      color: 'colour of --cold',
      ringWidth: 3,
      dashed: false,
      fades: true,
    });
    assert.deepEqual([h.cursor, h.fadeAlpha], [2, 0.5]);
    assert.equal(highlightActive(h), true, 'an overlay dims what it does not mark');
    // The cycle grouped: its members are one group, which is not ringed.
    const grouped = smallModel('cycle');
    assert.deepEqual(
      [...computeHighlight(grouped, input, -1, 1, noColour).rings!.values()],
      ['cold'],
    );
  });

  test('nothing asked: nothing active', () => {
    const h = computeHighlight(
      smallModel(),
      { selected: null, path: null, loop: null, search: new Set() },
      -1,
      1,
      noColour,
    );
    assert.equal(highlightActive(h), false);
  });
});

describe('the geometry of references', () => {
  test('a straight reference leaves and reaches each object at its edge; a loop bulges out right', () => {
    const m = smallModel();
    const x = new Float64Array(m.nodes.length).fill(0);
    const y = new Float64Array(m.nodes.length).fill(0);
    m.nodes.forEach((_, i) => (x[i] = i * 100));
    const curves = edgeCurves(m, x, y);
    const i = m.edges.findIndex((e) => m.nodes[e.s].id === 0 && m.nodes[e.t].id === 1);
    const c = curves[i];
    assert.equal(c.length, 6);
    assert.ok(
      c[0] > x[m.edges[i].s] && c[4] < x[m.edges[i].t],
      'starts and ends outside the shapes',
    );
    assert.deepEqual(pointOn(c, false, 0.5), [(c[0] + c[4]) / 2, 0]);
    m.edges.push({ ...m.edges[i], t: m.edges[i].s, label: '.me', loop: 0 });
    const loop = edgeCurves(m, x, y).at(-1)!;
    assert.equal(loop.length, 8, 'a self reference is a cubic curve');
    assert.ok(pointOn(loop, false, 0.5)[0] > x[m.edges[i].s] + 20);
  });

  test('each reference gets the style of what it is part of, first what matters most', () => {
    const m = smallModel();
    const e = m.edges[0];
    const hl = emptyHighlight();
    assert.equal(edgeStyle(e, 0, hl, false), e.bad ? 'bad' : 'strong');
    assert.equal(edgeStyle(e, 0, hl, true), e.bad ? 'dim-bad' : 'dim-strong');
    hl.overlayEdges.set(0, 'hot');
    assert.equal(edgeStyle(e, 0, hl, true), `${OVERLAY_EDGE}hot`);
    hl.relatedEdges.add(0);
    assert.equal(edgeStyle(e, 0, hl, true), 'hl');
    hl.pathEdges.add(0);
    assert.equal(edgeStyle(e, 0, hl, true), 'path');
    hl.fading.add(e.s);
    assert.equal(edgeStyle(e, 0, hl, true), 'fade');
  });

  test('an overlay reference is stroked in its style’s colour, dashed when asked, at any zoom', () => {
    const p = { edge: '#888', line: 1 } as Palette;
    const hl = emptyHighlight();
    hl.overlayStyles.older = { color: '#a0f', ringWidth: 3, dashed: true, fades: false };
    assert.deepEqual(edgeStroke(`${OVERLAY_EDGE}older`, 2, p, hl), {
      color: '#a0f',
      width: 1.3,
      dash: [3.5, 2],
      alpha: 1,
    });
    assert.equal(edgeStroke('dim-strong', 1, p, hl).alpha, 0.7 * 0.18);
  });
});

describe('where the layout starts', () => {
  test('a fresh model: nobody placed, the whole layout runs', () => {
    const m = smallModel();
    const plan = planLayout(m, { placed: new Map(), drawn: new Map() });
    assert.equal(plan.fresh, true);
    assert.equal(plan.init.alpha, 1);
    assert.ok(plan.init.x.every(Number.isNaN));
    assert.deepEqual(
      [...plan.init.band].map((b, i) => [m.nodes[i].id, b]).filter(([, b]) => b !== 0),
      [
        [0, -1],
        [4, -1],
        [5, 1],
        [6, 1],
      ],
    );
    const cycles = [...plan.init.cycle].filter((c) => c >= 0);
    assert.deepEqual(cycles, [0, 0], 'the two cycle members share cohesion group 0');
  });

  test('a grown model: what was placed stays (held), a new object starts where its neighbour was drawn', () => {
    const m = smallModel();
    const placed = new Map<number | string, [number, number]>();
    const drawn = new Map<number | string, [number, number]>();
    m.nodes.forEach((_, i) => {
      if (m.nodes[i].id === 7) return; // the string is new
      placed.set(placeKey(m, i), [i * 10, 0]);
      drawn.set(placeKey(m, i), [i * 10 + 1, 5]);
    });
    const plan = planLayout(m, { placed, drawn, stable: true });
    const s = at(m, 7);
    const dict = at(m, 6);
    assert.equal(plan.fresh, false);
    assert.equal(plan.init.alpha, 0.45, 'some new: a middle restart');
    assert.ok(Number.isNaN(plan.init.x[s]));
    assert.equal(plan.init.anchor[dict], Math.fround(0.35));
    assert.deepEqual([plan.drawnX[s], plan.drawnY[s]], [dict * 10 + 1, 5], 'grows out of dict (2)');
    const seeded = planLayout(m, {
      placed: new Map(),
      drawn: new Map(),
      seed: new Map([[7, [3, 4]]]),
    });
    assert.deepEqual(
      [seeded.init.x[s], seeded.init.y[s], seeded.init.anchor[s]],
      [3, 4, Math.fround(0.2)],
    );
  });
});

describe('the keyboard', () => {
  test('starts on the most important object and moves to the nearest one ahead', () => {
    const m = smallModel();
    assert.equal(m.nodes[mostImportant(m)].id, 5, 'the unreachable Connection with __del__');
    assert.equal(mostImportant(null), -1);
    // 0 at the origin; 1 right and a little up; 2 far right on the line; 3 straight up.
    const x = [0, 100, 300, 0];
    const y = [0, -10, 0, -100];
    assert.equal(nextInDirection(x, y, 4, 0, 1, 0), 1, 'near and almost on the line');
    assert.equal(nextInDirection(x, y, 4, 0, 0, -1), 3);
    assert.equal(nextInDirection(x, y, 4, 0, -1, 0), -1, 'nothing to the left');
  });
});

describe('the text layer’s occupancy grid', () => {
  test('a box is free until something overlaps it, with 2 px of slack, in 6 px cells', () => {
    const g = new OccupancyGrid(200, 100);
    assert.equal(g.free(12, 12, 59, 29), true);
    g.mark(12, 12, 59, 29);
    assert.equal(g.free(40, 20, 90, 40), false, 'overlaps');
    assert.equal(g.free(58, 12, 100, 29), true, 'one pixel into it: within the slack');
    assert.equal(g.free(50, 12, 100, 29), false, 'nine pixels into it');
    assert.equal(g.free(12, 36, 59, 50), true, 'below it');
    assert.equal(g.free(-50, -50, 5, 5), true, 'outside the canvas is clipped');
  });
});
