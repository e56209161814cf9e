/**
 * What the canvas draws, without a browser (webview/graph/drawModel.ts), on
 * test/fixtures/heapviews/small.json (see model.test.ts for its objects): filters that hide an
 * object join the references through it, grouping by type or by cycle, cycle outlines, badges,
 * bends between two objects and loops on one, and grouping forced by size.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { HeapView, ViewNode } from '../../protocol/heapView';
import { buildDrawModel, MAX_DRAWN, type BuildOptions } from '../../webview/graph/drawModel';
import { NO_FILTERS } from '../../webview/model/filters';
import { GraphStore } from '../../webview/model/graphStore';

const small = (): HeapView =>
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'heapviews', 'small.json'), 'utf8'),
  ) as HeapView;

function model(view: HeapView, o: Partial<BuildOptions> = {}) {
  const store = new GraphStore(view);
  return buildDrawModel(store, {
    shown: store.base,
    filters: NO_FILTERS,
    groupBy: 'none',
    keep: new Set(),
    ...o,
  });
}

/** `from label→ to` for each drawn reference, by draw-node label. */
const refs = (m: ReturnType<typeof model>): string[] =>
  m.edges.map((e) => `${m.nodes[e.s].label} ${e.label}→ ${m.nodes[e.t].label}`).sort();

describe('the draw model', () => {
  test('one by one: every object and reference, the unreachable cycle outlined, __del__ badged', () => {
    const m = model(small());
    assert.equal(m.nodes.length, 8);
    assert.equal(m.edges.length, 9);
    assert.equal(m.objectCount, 8);
    assert.deepEqual(
      m.hulls.map((h) => [h.members.map((i) => m.nodes[i].id), h.unreachable, h.label]),
      [[[5, 6], true, 'unreachable cycle 1 · 2 objects']],
    );
    const conn = m.nodes[m.index.get(5)!];
    assert.deepEqual([conn.badge, conn.badgeKind, conn.unreachable], ['__del__', 'del', true]);
    // The cycle's references are "bad" (both ends are garbage); the way in is not.
    const bad = m.edges
      .filter((e) => e.bad)
      .map((e) => e.label)
      .sort();
    assert.deepEqual(bad, ["['self_reference']", '__dict__']);
  });

  test('hiding builtins joins the references through them; the selection stays', () => {
    const m = model(small(), { filters: { ...NO_FILTERS, hideBuiltins: true } });
    // Hidden: dict (11), the class, the function, the string. Never hidden: the module and frame
    // (roots), and the unreachable dict.
    assert.equal(m.hidden, 4);
    assert.deepEqual(refs(m), [
      'Connection __dict__→ dict (2)',
      "dict (2) ['self_reference']→ Connection",
    ]);
    const kept = model(small(), {
      filters: { ...NO_FILTERS, hideBuiltins: true },
      keep: new Set([1]),
    });
    assert.equal(kept.hidden, 3);
    assert.ok(refs(kept).includes('<module>() line 13 f_globals→ dict (11)'));
    assert.ok(refs(kept).includes('__main__ __dict__→ dict (11)'));
  });

  test('a hidden object between two drawn ones: one joined reference, named as Python would', () => {
    const view = small();
    // The module, its dict (hidden) and the class: `__main__ .Connection→ class Connection`.
    const m = model(view, {
      shown: [0, 1, 2],
      filters: { ...NO_FILTERS, hideBuiltins: true },
      keep: new Set([2]),
    });
    assert.deepEqual(refs(m), ['__main__ .Connection→ class Connection']);
    assert.equal(m.edges[0].bridged, true);
  });

  test('grouped by cycle: the cycle is one shape and needs no outline', () => {
    const m = model(small(), { groupBy: 'cycle' });
    assert.equal(m.nodes.length, 7);
    const g = m.nodes.find((d) => d.group)!;
    assert.ok(g.id < 0, 'a group has a negative draw id');
    assert.deepEqual(g.group!.members, [5, 6]);
    assert.equal(g.label, 'cycle: 2 objects');
    assert.equal(g.badge, '1 × __del__');
    assert.equal(m.index.get(5), m.index.get(6));
    assert.deepEqual(m.hulls, []);
    // The group's own references (Connection ⇄ dict) loop on it.
    assert.ok(m.edges.some((e) => e.s === e.t && m.nodes[e.s] === g));
  });

  test('grouped by type: same type and same fate together; an opened group is drawn one by one', () => {
    const m = model(small(), { groupBy: 'type' });
    const dicts = m.nodes.filter((d) => d.n.type === 'builtins.dict');
    // dict (11) is alive and dict (2) is garbage: two fates, so no group of two.
    assert.equal(dicts.length, 2);
    assert.ok(dicts.every((d) => d.group === null));
    const view = small();
    view.nodes.push({ ...view.nodes[7], id: 8, address: '0xabc', label: "'other'" });
    const grouped = model(view, { groupBy: 'type' });
    const strs = grouped.nodes.find((d) => d.group?.type === 'builtins.str')!;
    assert.equal(strs.label, 'str ×2');
    const opened = model(view, { groupBy: 'type', openGroups: new Set([strs.group!.key]) });
    assert.equal(opened.nodes.filter((d) => d.n.type === 'builtins.str').length, 2);
  });

  test('two references between the same objects bend apart; self references loop', () => {
    const view = small();
    view.edges.push({ from: 1, to: 3, label: "['again']", weak: false });
    view.edges.push({ from: 5, to: 5, label: '.me', weak: false });
    view.edges.push({ from: 5, to: 5, label: '.myself', weak: false });
    const m = model(view);
    const between = m.edges.filter(
      (e) =>
        (m.nodes[e.s].id === 1 && m.nodes[e.t].id === 3) ||
        (m.nodes[e.s].id === 3 && m.nodes[e.t].id === 1),
    );
    assert.deepEqual(
      between.map((e) => e.bend),
      [-1, 0, 1],
    );
    const loops = m.edges.filter((e) => e.s === e.t);
    assert.deepEqual(
      loops.map((e) => e.loop),
      [0, 1],
    );
  });

  test(`more than ${MAX_DRAWN} objects are grouped by type, and say so`, () => {
    const view = small();
    const many: ViewNode[] = [];
    for (let i = 0; i < MAX_DRAWN; i++) {
      many.push({ ...view.nodes[7], id: 100 + i, address: `0x${(0x10000 + i).toString(16)}` });
    }
    view.nodes.push(...many);
    const m = model(view);
    assert.equal(m.forcedGrouping, true);
    assert.equal(m.groupBy, 'type');
    assert.equal(m.objectCount, MAX_DRAWN + 8);
    assert.ok(m.nodes.length < 10);
  });
});
