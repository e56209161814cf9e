/**
 * The memory table: every type with its count, shallow and retained bytes, each opening onto its
 * largest objects and those onto what they retain (the dominator tree); or the dominator tree
 * itself from the roots. Rows come from the view (and, in a VS Code panel, pages the language
 * server answers as they scroll into view); the grid keeps only the rows in view in the DOM. A
 * line under it says what the current row is, with "Show in graph".
 */
import { GARBAGE_ROW, ROOTS_ROW, type RetainedTypeRow } from '../../protocol/retained';
import { formatBytes, formatCount } from '../model/format';
import { PAGE_ROWS, type RetainedRows } from '../model/retainedRows';
import { RetainedTree, type ChildList, type TreeItem, type TreeNode } from '../model/retainedTree';
import { nearestPath, pathFromSteps, retainedLines, stepsTo } from '../model/retainedText';
import { h } from '../ui/dom';
import { actionButton } from '../ui/buttons';
import { virtualTreeGrid, type TreeGrid } from '../ui/virtualTreeGrid';
import { MEMORY_COLUMNS, memoryRow } from './memoryCells';
import './memory.css';

export type TableMode = 'types' | 'tree';

export interface MemoryTableActions {
  /** Draw the object in the graph with its retained set ringed; false: the page cannot. */
  showInGraph(id: number): void;
  /** The object can be drawn (known to the page, or askable). */
  canShow(id: number): boolean;
  announce(text: string): void;
}

export interface MemoryTable {
  readonly element: HTMLElement;
  readonly grid: TreeGrid;
  setRows(rows: RetainedRows | null): void;
  setMode(mode: TableMode): void;
  /** Opens the dominator tree down to a row and makes it current. */
  reveal(id: number): Promise<boolean>;
}

const SORT_KEYS: ((t: RetainedTypeRow) => number | string)[] = [
  (t) => t.type,
  (t) => t.count,
  (t) => t.bytes,
  (t) => t.retainedBytes,
];

export function createMemoryTable(a: MemoryTableActions): MemoryTable {
  let rows: RetainedRows | null = null;
  let tree: RetainedTree | null = null;
  let mode: TableMode = 'types';
  let sort = { column: 3, descending: true };
  let filter = '';

  const lister = (item: TreeItem): ChildList | null => {
    const r = rows;
    if (!r) return null;
    const list =
      item.kind === 'type'
        ? r.topsOf(item.type.type)
        : item.kind === 'row'
          ? r.childrenOf(item.row.id)
          : null;
    if (!list) return null;
    const more = list.notInReport;
    return {
      slots: list.total + (more ? 1 : 0),
      item: (i) => {
        if (i < list.total) {
          const row = list.rows[i];
          return row ? { kind: 'row', row } : null;
        }
        return more ? { kind: 'more', count: more.count, size: more.size } : null;
      },
    };
  };

  const status = h('div', {
    class: 'memory-status',
    attrs: { 'data-testid': 'memory-status', 'aria-live': 'polite' },
  });
  const grid = virtualTreeGrid({
    label: 'What holds the memory, by type and by object',
    testId: 'memory-table',
    columns: MEMORY_COLUMNS,
    sort,
    count: () => tree?.count ?? 0,
    row(index) {
      const r = tree?.rowAt(index);
      if (!tree || !r)
        return { key: 'none', level: 1, expanded: null, setSize: 1, posInSet: 1, cells: [] };
      const expanded = r.node && tree.expandable(r.node) ? r.node.expanded : null;
      const via = mode === 'tree' || r.depth >= 2;
      const item = r.node?.item;
      const where =
        !via && item?.kind === 'row' ? nearestPath(item.row, (id) => rows?.row(id)) : null;
      return memoryRow(r, expanded, r.parent.slots, rows?.liveBytes ?? 0, {
        via,
        path: where?.path ?? null,
        within: where ? !where.exact : false,
      });
    },
    parentIndex(index) {
      const r = tree?.rowAt(index);
      return r && tree ? tree.indexOf(r.parent) : -1;
    },
    toggle(index, open) {
      const node = tree?.rowAt(index)?.node;
      if (!tree || !node) return;
      if (open ? tree.expand(node) : tree.collapse(node)) grid.refresh();
    },
    activate(index) {
      const node = tree?.rowAt(index)?.node;
      const item = node?.item;
      if (!tree || !node || !item) return;
      if (item.kind === 'row' && item.row.id >= 0) a.showInGraph(item.row.id);
      else if (tree.expandable(node)) {
        if (node.expanded) tree.collapse(node);
        else tree.expand(node);
        grid.refresh();
      }
    },
    select: (index) => describe(index),
    drawn: (first, last) => loadVisible(first, last),
    sortBy(column) {
      if (mode !== 'types' || column >= SORT_KEYS.length) return;
      sort = { column, descending: sort.column === column ? !sort.descending : column > 0 };
      grid.setSort(sort.column, sort.descending);
      setTop();
    },
  });
  grid.element.addEventListener('click', (e) => {
    const twisty = (e.target as Element).closest('.twisty');
    const rowEl = twisty?.closest('[data-index]') as HTMLElement | null;
    if (!rowEl || !tree) return;
    const node = tree.rowAt(Number(rowEl.dataset.index))?.node;
    if (!node) return;
    if (node.expanded ? tree.collapse(node) : tree.expand(node)) grid.refresh();
  });

  /** Asks for the pages of the loading rows in view (a panel); draws again as they come. */
  function loadVisible(first: number, last: number): void {
    const r = rows;
    if (!r?.paged || !tree) return;
    const asked = new Set<string>();
    for (let i = first; i < last; i++) {
      const v = tree.rowAt(i);
      if (!v || v.node) continue;
      const of = v.parent.item;
      const key = of?.kind === 'type' ? of.type.type : of?.kind === 'row' ? of.row.id : null;
      const page = Math.floor(v.index / PAGE_ROWS) * PAGE_ROWS;
      if (key === null || asked.has(`${key}:${page}`)) continue;
      asked.add(`${key}:${page}`);
      void r.load(key, page, PAGE_ROWS).then(() => {
        tree?.refresh();
        grid.refresh();
      });
    }
  }

  function setTop(): void {
    if (!rows || !tree) return;
    if (mode === 'types') {
      const q = filter.trim().toLowerCase();
      const key = SORT_KEYS[sort.column] ?? SORT_KEYS[3];
      const types = rows.view.types
        .filter((t) => !q || t.type.toLowerCase().includes(q))
        .sort((x, y) => {
          const p = key(x);
          const q2 = key(y);
          const c =
            typeof p === 'number' && typeof q2 === 'number'
              ? p - q2
              : String(p).localeCompare(String(q2));
          return sort.descending ? -c : c;
        });
      tree.setTop(types.map((type) => ({ kind: 'type', type })));
    } else {
      const roots = rows.row(ROOTS_ROW);
      tree.setTop(roots ? [{ kind: 'row', row: roots }] : []);
      const top = tree.root.kids[0] ?? tree.child(tree.root, 0);
      if (top) tree.expand(top);
    }
    grid.refresh();
  }

  function describe(index: number): void {
    const node = tree?.rowAt(index)?.node;
    const item = node?.item;
    if (!item || !rows) {
      status.replaceChildren();
      return;
    }
    if (item.kind === 'type') {
      const t = item.type;
      status.replaceChildren(
        h('strong', null, t.type),
        ` — ${formatCount(t.count)} objects, ${formatBytes(t.bytes)}; ${formatCount(t.tops)} of them not inside another ${t.type.split('.').pop()} retain ${formatBytes(t.retainedBytes)} (${formatCount(t.retainedObjects)} objects).`,
      );
      return;
    }
    if (item.kind === 'more') {
      status.replaceChildren(
        `${formatCount(item.count)} more objects retaining ${formatBytes(item.size.bytes)}: this report holds the largest rows of the tree only. Open the snapshot in VS Code (Heap Inspector: Open Heap Snapshot…) to see every one.`,
      );
      return;
    }
    const row = item.row;
    const path = pathFromSteps(stepsTo(row, (id) => rows?.row(id)));
    const near = path ? null : nearestPath(row, (id) => rows?.row(id));
    const within = near && !near.exact ? near : null;
    const lines =
      row.id >= 0
        ? retainedLines(
            {
              retained: row.retained,
              atOnce: row.atOnce,
              interval: [0, 0],
              dominator: row.parent ?? ROOTS_ROW,
            },
            underGarbage(node),
          )
        : [];
    const canShow = row.id >= 0 && a.canShow(row.id);
    status.replaceChildren(
      h(
        'div',
        null,
        path
          ? h('code', { attrs: { 'data-testid': 'memory-path' } }, path)
          : h('strong', null, row.label),
        row.address ? h('span', { class: 'muted' }, ` ${row.type} at ${row.address}`) : null,
      ),
      within
        ? h(
            'div',
            { class: 'muted' },
            'Retained by ',
            h('code', { attrs: { 'data-testid': 'memory-within' } }, within.path),
            ' as a whole: more than one of the objects inside it refer to it',
          )
        : '',
      ...lines.map((l) => h('div', { class: 'muted' }, l)),
      ...(row.id < 0
        ? []
        : [
            actionButton('target', 'Show in graph', () => a.showInGraph(row.id), {
              testId: 'memory-show-in-graph',
              disabled: !canShow,
              title: canShow
                ? 'Draw it and its neighbours, with what it retains ringed (Enter)'
                : 'This report holds no graph data for this object: open the snapshot in VS Code to draw it',
            }),
          ]),
    );
  }

  function underGarbage(node: TreeNode): boolean {
    for (let n: TreeNode | null = node; n; n = n.parent) {
      if (n.item?.kind === 'row' && n.item.row.id === GARBAGE_ROW) return true;
    }
    return false;
  }

  const filterInput = h('input', {
    class: 'text-input',
    attrs: {
      type: 'search',
      placeholder: 'Filter types',
      'aria-label': 'Filter types',
      'data-testid': 'memory-filter',
      spellcheck: 'false',
    },
  });
  filterInput.addEventListener('input', () => {
    filter = filterInput.value;
    if (mode === 'types') setTop();
  });
  const modeSelect = h(
    'select',
    { class: 'select', attrs: { 'aria-label': 'Rows', 'data-testid': 'memory-mode' } },
    h('option', { attrs: { value: 'types' } }, 'By type'),
    h('option', { attrs: { value: 'tree' } }, 'Dominator tree'),
  );
  modeSelect.addEventListener('change', () => setMode(modeSelect.value as TableMode));

  function setMode(next: TableMode): void {
    mode = next;
    modeSelect.value = next;
    filterInput.hidden = next !== 'types';
    if (next === 'tree') grid.setSort(3, true);
    else grid.setSort(sort.column, sort.descending);
    tree = rows ? new RetainedTree(lister) : null;
    setTop();
  }

  async function reveal(id: number): Promise<boolean> {
    const r = rows;
    if (!r) return false;
    const chain: number[] = [];
    for (
      let row = r.row(id);
      row && chain.length < 200;
      row = row.parent === null ? undefined : r.row(row.parent)
    ) {
      chain.push(row.id);
      if (row.id === ROOTS_ROW) break;
    }
    if (chain[chain.length - 1] !== ROOTS_ROW) return false;
    if (mode !== 'tree') setMode('tree');
    chain.reverse();
    let node: TreeNode | null = tree?.root ?? null;
    for (const step of chain) {
      if (!tree || !node) return false;
      if (node !== tree.root) tree.expand(node);
      let found = tree.findChild(node, (it) => it.kind === 'row' && it.row.id === step);
      const parentItem = node.item;
      for (let page = 0; !found && r.paged && parentItem?.kind === 'row' && page < 10; page++) {
        await r.load(parentItem.row.id, page * PAGE_ROWS, PAGE_ROWS);
        tree.refresh();
        found = tree.findChild(node, (it) => it.kind === 'row' && it.row.id === step);
      }
      node = found;
    }
    if (!tree || !node) return false;
    grid.refresh();
    grid.setCurrent(tree.indexOf(node), true);
    return true;
  }

  const element = h(
    'div',
    { class: 'memory-table', attrs: { 'data-testid': 'memory-panel' } },
    h('div', { class: 'memory-tools' }, modeSelect, filterInput),
    grid.element,
    status,
  );
  return {
    element,
    grid,
    setRows(next) {
      rows = next;
      setMode(mode);
    },
    setMode,
    reveal,
  };
}
