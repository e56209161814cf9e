/**
 * The memory table's pure parts, without a browser: which rows to render at a scroll position
 * (virtualRows.ts, scaled beyond what a browser can make tall), and the tree of rows that expand
 * (retainedTree.ts), checked against flattening the tree the slow way after random expansions,
 * at a million rows; and the Python paths of rows (retainedText.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DominatorRow } from '../../protocol/retained';
import {
  RetainedTree,
  type ChildList,
  type TreeItem,
  type TreeNode,
} from '../../webview/model/retainedTree';
import { nearestPath, pathFromSteps, stepsTo } from '../../webview/model/retainedText';
import {
  MAX_SCROLL_PX,
  contentHeight,
  rowOffset,
  rowWindow,
  scrollToReveal,
} from '../../webview/model/virtualRows';

describe('virtual rows', () => {
  test('a short list: the rows in view and a few either side, at their own offsets', () => {
    const w = rowWindow(0, 240, 100, 24, 4);
    assert.deepEqual([w.first, w.last, w.height, w.top], [0, 14, 2400, 0]);
    const mid = rowWindow(1000, 240, 100, 24, 4);
    assert.equal(mid.first, Math.floor(1000 / 24) - 4);
    assert.equal(rowOffset(mid, 41, 24), 41 * 24, 'unscaled: a row sits at index × height');
    assert.equal(mid.last, Math.ceil(1240 / 24) + 4);
    const end = rowWindow(2400 - 240, 240, 100, 24, 4);
    assert.equal(end.last, 100, 'never past the last row');
    assert.deepEqual(rowWindow(0, 240, 0, 24), { first: 0, last: 0, height: 0, top: 0 });
  });

  test('a million rows: the content is capped, the scroll range maps onto every row', () => {
    const total = 1_000_000;
    const rh = 24;
    const vp = 600;
    assert.equal(contentHeight(total, rh), MAX_SCROLL_PX);
    const range = MAX_SCROLL_PX - vp;
    const top = rowWindow(0, vp, total, rh, 0);
    assert.equal(top.first, 0);
    const bottom = rowWindow(range, vp, total, rh, 0);
    assert.equal(bottom.last, total, 'the end of the scroll range shows the last row');
    assert.equal(
      rowOffset(bottom, total - 1, rh) + rh,
      range + vp,
      'the last row ends at the bottom of the viewport',
    );
    const half = rowWindow(range / 2, vp, total, rh, 0);
    assert.ok(Math.abs(half.first - (total - vp / rh) / 2) < 2, `half way: row ${half.first}`);
    // Rows in view are laid out at their true spacing, the first one at or above the top.
    assert.ok(rowOffset(half, half.first, rh) <= range / 2);
    assert.ok(rowOffset(half, half.first, rh) + rh > range / 2);
    assert.ok(half.last - half.first <= Math.ceil(vp / rh) + 1, 'only the rows in view');
  });

  test('revealing a row scrolls only as far as needed, scaled or not', () => {
    assert.equal(scrollToReveal(5, 0, 240, 100, 24), 0, 'in view: no scroll');
    assert.equal(scrollToReveal(50, 0, 240, 100, 24), 51 * 24 - 240, 'below: at the bottom');
    assert.equal(scrollToReveal(2, 1000, 240, 100, 24), 48, 'above: at the top');
    const total = 1_000_000;
    for (const index of [0, 1234, 500_000, total - 1]) {
      const st = scrollToReveal(index, 0, 600, total, 24);
      const w = rowWindow(st, 600, total, 24, 0);
      assert.ok(index >= w.first && index < w.last, `row ${index} in view after revealing it`);
      const y = rowOffset(w, index, 24) - st;
      assert.ok(y >= -0.5 && y + 24 <= 600.5, `row ${index} fully in the viewport (${y})`);
    }
  });
});

// --- The tree -----------------------------------------------------------------------------------

function row(id: number, childCount: number): DominatorRow {
  const size = { objects: 1, tracked: 1, bytes: 10 };
  return {
    id,
    parent: null,
    address: `0x${id.toString(16)}`,
    type: 'builtins.list',
    label: `n${id}`,
    via: '',
    size: 10,
    retained: size,
    atOnce: size,
    tracked: true,
    childCount,
  };
}

/** A random tree of rows, some children not loaded (null) like a panel's unpaged entries. */
function randomTree(seed: number, top: number): { lister: (i: TreeItem) => ChildList | null } {
  let s = seed;
  const rand = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const kids = new Map<number, (DominatorRow | null)[]>();
  let next = top;
  const childrenOf = (id: number, count: number): (DominatorRow | null)[] => {
    let list = kids.get(id);
    if (!list) {
      list = [];
      for (let i = 0; i < count; i++) {
        const n = rand() < 0.3 ? Math.floor(rand() * 6) : 0;
        list.push(rand() < 0.1 ? null : row(next++, n));
      }
      kids.set(id, list);
    }
    return list;
  };
  return {
    lister(item) {
      if (item.kind !== 'row' || item.row.childCount === 0) return null;
      const list = childrenOf(item.row.id, item.row.childCount);
      return { slots: list.length, item: (i) => (list[i] ? { kind: 'row', row: list[i] } : null) };
    },
  };
}

/** The visible rows the slow way: depth-first through expanded nodes. */
function flatten(tree: RetainedTree): string[] {
  const out: string[] = [];
  const walk = (node: TreeNode): void => {
    for (let i = 0; i < node.slots; i++) {
      const kid = tree.child(node, i);
      out.push(kid ? `${kid.depth}:${kid.item?.kind === 'row' ? kid.item.row.id : '?'}` : `-`);
      if (kid?.expanded) walk(kid);
    }
  };
  walk(tree.root);
  return out;
}

function shown(tree: RetainedTree): string[] {
  const out: string[] = [];
  for (let i = 0; i < tree.count; i++) {
    const r = tree.rowAt(i);
    assert.ok(r, `row ${i}`);
    out.push(r.node ? `${r.depth}:${r.node.item?.kind === 'row' ? r.node.item.row.id : '?'}` : '-');
    if (r.node) assert.equal(tree.indexOf(r.node), i, `indexOf row ${i}`);
  }
  return out;
}

describe('the tree of rows', () => {
  test('random expansions and collapses: every row where flattening puts it', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const { lister } = randomTree(seed, 40);
      const tree = new RetainedTree(lister);
      const tops: TreeItem[] = Array.from({ length: 40 }, (_, i) => ({
        kind: 'row',
        row: row(i, i % 3 === 0 ? 7 : 0),
      }));
      tree.setTop(tops);
      let s = seed;
      const rand = (n: number): number => (s = (s * 48271) % 2147483647) % n;
      for (let step = 0; step < 60; step++) {
        const r = tree.rowAt(rand(tree.count));
        if (!r?.node) continue;
        if (r.node.expanded && rand(3) === 0) tree.collapse(r.node);
        else tree.expand(r.node);
        assert.deepEqual(shown(tree), flatten(tree), `seed ${seed}, step ${step}`);
      }
      // Re-sorting the top level keeps what was open.
      const open = tree.root.expandedKids.map((k) => tree.root.kids[k]?.item);
      tree.setTop([...tops].reverse());
      assert.deepEqual(shown(tree), flatten(tree), `seed ${seed}, reversed`);
      assert.deepEqual(
        new Set(tree.root.expandedKids.map((k) => tree.root.kids[k]?.item)),
        new Set(open),
      );
    }
  });

  test('a million children: found by index at once, a nested expansion shifts the rest', () => {
    const big = row(1, 1_000_000);
    const lister = (item: TreeItem): ChildList | null => {
      if (item.kind !== 'row' || item.row.childCount === 0) return null;
      if (item.row.id === 1)
        return {
          slots: 1_000_000,
          // Every 1000th child is loaded; the rest are still to page in.
          item: (i) =>
            i % 1000 === 0 ? { kind: 'row', row: row(10 + i, i === 5000 ? 3 : 0) } : null,
        };
      return { slots: 3, item: (i) => ({ kind: 'row', row: row(-100 - i, 0) }) };
    };
    const tree = new RetainedTree(lister);
    tree.setTop([
      { kind: 'row', row: big },
      { kind: 'row', row: row(2, 0) },
    ]);
    tree.expand(tree.rowAt(0)?.node as TreeNode);
    assert.equal(tree.count, 1_000_002);
    const r = tree.rowAt(5001);
    assert.equal(r?.node?.item?.kind === 'row' && r.node.item.row.id, 5010);
    assert.equal(tree.rowAt(5002)?.node, null, 'not loaded yet: a placeholder');
    assert.equal(tree.rowAt(5002)?.index, 5001);
    tree.expand(r?.node as TreeNode);
    assert.equal(tree.count, 1_000_005);
    assert.equal(tree.rowAt(5004)?.depth, 2);
    assert.equal(tree.rowAt(5005)?.index, 5001, 'the next child after the nested rows');
    const last = tree.rowAt(tree.count - 1);
    assert.equal(last?.node?.item?.kind === 'row' && last.node.item.row.id, 2);
    assert.equal(tree.indexOf(last?.node as TreeNode), tree.count - 1);
    tree.collapse(tree.rowAt(0)?.node as TreeNode);
    assert.equal(tree.count, 2);
  });
});

// --- Rows' Python paths -------------------------------------------------------------------------

describe("rows' Python paths", () => {
  const rows = new Map<number, DominatorRow>();
  const add = (id: number, parent: number | null, via: string): void => {
    rows.set(id, { ...row(id, 0), parent, via });
  };
  add(-1, null, '');
  add(1, -1, '__main__.__dict__');
  add(2, 1, "['registry']");
  add(3, 2, "['users']");
  add(4, 3, '[7]');
  // Both of the registry's lists hold it: no single reference names it.
  add(5, 2, '');
  add(6, 5, '.settings');
  add(7, 99, '[0]');
  const byId = (id: number): DominatorRow | undefined => rows.get(id);

  test('every reference named: the path as Python writes it', () => {
    assert.equal(
      pathFromSteps(stepsTo(byId(4) as DominatorRow, byId)),
      "__main__.registry['users'][7]",
    );
    assert.deepEqual(nearestPath(byId(4) as DominatorRow, byId), {
      path: "__main__.registry['users'][7]",
      exact: true,
    });
  });

  test('an unnamed reference on the way: inside the nearest object that has a path', () => {
    assert.equal(pathFromSteps(stepsTo(byId(6) as DominatorRow, byId)), null);
    assert.deepEqual(nearestPath(byId(5) as DominatorRow, byId), {
      path: '__main__.registry',
      exact: false,
    });
    assert.deepEqual(nearestPath(byId(6) as DominatorRow, byId), {
      path: '__main__.registry',
      exact: false,
    });
  });

  test('ancestors the page does not know: no path', () => {
    assert.equal(nearestPath(byId(7) as DominatorRow, byId), null);
  });
});
