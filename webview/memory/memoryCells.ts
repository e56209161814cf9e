/**
 * The cells of the memory table's rows (memoryTable.ts): a type, an object of the dominator tree,
 * the part of a list the report does not hold, or an entry still loading — with its numbers, and
 * its share of the live heap drawn as a bar. Text only: every value becomes a text node.
 */
import type { DominatorRow, RetainedTypeRow } from '../../protocol/retained';
import { displayType, formatBytes, formatCount, shortType } from '../model/format';
import type { TreeItem, VisibleRow } from '../model/retainedTree';
import { formatShare, rowLabel } from '../model/retainedText';
import { ownTree } from '../model/retainedRows';
import { h, type Child } from '../ui/dom';
import type { GridColumn, GridRow } from '../ui/virtualTreeGrid';

export const MEMORY_COLUMNS: GridColumn[] = [
  { label: 'Type or object', sortable: true },
  {
    label: 'Objects',
    numeric: true,
    sortable: true,
    title:
      'A type: how many objects of it there are. An object: how many objects it retains, itself included.',
  },
  {
    label: 'Shallow',
    numeric: true,
    sortable: true,
    title: 'Bytes of the objects themselves (sys.getsizeof)',
  },
  {
    label: 'Retained',
    numeric: true,
    sortable: true,
    title:
      'Bytes the next gc.collect() would free, at the latest, if every reference to it went. A type: what its objects retain, counted once.',
  },
  { label: 'Live heap', numeric: true, title: 'Retained bytes as a share of the live heap' },
];

function share(bytes: number, live: number): HTMLElement {
  const s = live > 0 ? Math.min(1, bytes / live) : 0;
  const el = h(
    'span',
    { class: 'share' },
    h('span', { class: 'share-bar', attrs: { 'aria-hidden': 'true' } }),
    formatShare(s),
  );
  el.style.setProperty('--share', String(s));
  return el;
}

function toggle(expanded: boolean | null): HTMLElement {
  return h(
    'span',
    { class: `twisty${expanded === null ? ' leaf' : ''}`, attrs: { 'aria-hidden': 'true' } },
    expanded === null ? '' : expanded ? '▾' : '▸',
  );
}

function typeCells(t: RetainedTypeRow, live: number, expanded: boolean | null): Child[] {
  const module = t.type.slice(0, Math.max(0, t.type.length - shortType(t.type).length - 1));
  return [
    h(
      'span',
      { class: 'name', attrs: { title: t.type } },
      toggle(expanded),
      h(
        'span',
        { class: 'type-name' },
        displayType(t.type) === t.type ? shortType(t.type) : displayType(t.type),
      ),
      module && displayType(t.type) === t.type ? h('span', { class: 'muted' }, ` ${module}`) : null,
    ),
    formatCount(t.count),
    formatBytes(t.bytes),
    formatBytes(t.retainedBytes),
    share(t.retainedBytes, live),
  ];
}

/**
 * The name cell of an object row: how its parent holds it when the parent is the row above
 * (`via`), else its Python path when known, else its address; then what it is.
 */
function objectName(row: DominatorRow, where: RowWhere, expanded: boolean | null): HTMLElement {
  const label = rowLabel(row);
  const type = displayType(row.type);
  const lead = where.via ? row.via : where.path;
  const within = !where.via && where.path !== null && where.within === true;
  return h(
    'span',
    {
      class: `name${row.id === -2 ? ' error-text' : ''}`,
      attrs: {
        title: row.address
          ? `${within ? 'in ' : ''}${where.path ?? row.type} — ${row.type} at ${row.address}`
          : label,
      },
    },
    toggle(expanded),
    within ? h('span', { class: 'muted' }, 'in ') : null,
    lead ? h('code', { class: 'via' }, lead) : null,
    h('span', { class: 'label' }, label),
    row.type &&
      label !== type &&
      !label.startsWith(`${shortType(row.type)} (`) &&
      label !== shortType(row.type)
      ? h('span', { class: 'muted' }, ` ${type}`)
      : null,
    row.address && (!lead || within) ? h('span', { class: 'muted addr' }, ` ${row.address}`) : null,
  );
}

/** How a row's name starts: its reference from the row above, or its path from a root. */
export interface RowWhere {
  via: boolean;
  path: string | null;
  /** `path` is an ancestor's: the object is somewhere inside it (several references lead there). */
  within?: boolean;
}

/** The grid's row for a visible tree row; `viaShown`: its parent is a row of the tree. */
export function memoryRow(
  r: VisibleRow,
  expanded: boolean | null,
  setSize: number,
  live: number,
  where: RowWhere,
): GridRow {
  const base = { level: r.depth + 1, setSize, posInSet: r.index + 1 };
  const item: TreeItem | null = r.node?.item ?? null;
  if (!item) {
    return {
      ...base,
      key: `loading:${r.index}`,
      expanded: null,
      className: 'loading',
      cells: [h('span', { class: 'name muted' }, toggle(null), 'loading…'), '', '', '', ''],
    };
  }
  switch (item.kind) {
    case 'type':
      return {
        ...base,
        key: `type:${item.type.type}`,
        expanded,
        className: 'type-row',
        cells: typeCells(item.type, live, expanded),
      };
    case 'more':
      return {
        ...base,
        key: `more:${r.index}`,
        expanded: null,
        className: 'more-row',
        label: `${formatCount(item.count)} more, retaining ${formatBytes(item.size.bytes)}: not in this report`,
        cells: [
          h(
            'span',
            { class: 'name muted', attrs: { 'data-testid': 'not-in-report' } },
            toggle(null),
            `${formatCount(item.count)} more: not in this report`,
          ),
          formatCount(item.size.objects),
          '',
          formatBytes(item.size.bytes),
          share(item.size.bytes, live),
        ],
      };
    case 'row': {
      const row = item.row;
      const own = ownTree(row);
      return {
        ...base,
        key: `row:${row.id}`,
        expanded,
        className: row.id === -2 ? 'garbage-row' : 'object-row',
        cells: [
          objectName(row, where, expanded),
          formatCount(row.retained.objects),
          row.id < 0 ? '' : formatBytes(row.size),
          formatBytes(row.retained.bytes),
          share(own.bytes, live),
        ],
      };
    }
  }
}
