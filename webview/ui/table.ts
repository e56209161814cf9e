/**
 * A small sortable table: click a column header (a button) to sort by it, again to reverse.
 * Cells are built with the DOM helpers, so every value is inserted as text.
 */
import { h, type Child } from './dom';
import './table.css';

export interface Column<R> {
  label: string;
  /** Sort key; columns without one are not sortable. */
  key?: (row: R) => number | string;
  cell: (row: R) => Child;
  numeric?: boolean;
  /** Optional explanation shown as the header's tooltip. */
  title?: string;
}

export interface TableOptions<R> {
  caption: string;
  columns: Column<R>[];
  rows: R[];
  testId: string;
  /** Index of the initial sort column, and its direction. */
  sort?: { column: number; descending: boolean };
  empty: string;
  rowClass?: (row: R) => string;
  /** Rows shown before a "Show all" button (default 40). */
  limit?: number;
}

export function sortableTable<R>(o: TableOptions<R>): HTMLElement {
  if (o.rows.length === 0) {
    return h('p', { class: 'empty-table', attrs: { 'data-testid': o.testId } }, o.empty);
  }
  let sortCol = o.sort?.column ?? -1;
  let desc = o.sort?.descending ?? false;
  const limit = o.limit ?? 40;
  let expanded = o.rows.length <= limit;
  const tbody = h('tbody');
  const tfoot = h('tfoot');
  const ths = o.columns.map((c, i) => {
    const th = h('th', { attrs: { scope: 'col', title: c.title }, class: c.numeric ? 'num' : '' });
    if (c.key) {
      th.append(
        h(
          'button',
          {
            class: 'sort',
            attrs: { type: 'button' },
            on: {
              click: () => {
                desc = sortCol === i ? !desc : Boolean(c.numeric);
                sortCol = i;
                render();
              },
            },
          },
          c.label,
          h('span', { class: 'sort-mark', attrs: { 'aria-hidden': 'true' } }),
        ),
      );
    } else {
      th.append(c.label);
    }
    return th;
  });

  function render(): void {
    const rows = [...o.rows];
    const key = o.columns[sortCol]?.key;
    if (key) {
      rows.sort((a, b) => {
        const x = key(a);
        const y = key(b);
        const r =
          typeof x === 'number' && typeof y === 'number'
            ? x - y
            : String(x).localeCompare(String(y));
        return desc ? -r : r;
      });
    }
    ths.forEach((th, i) => {
      if (i === sortCol) th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
      const mark = th.querySelector('.sort-mark');
      if (mark) mark.textContent = i === sortCol ? (desc ? ' ▼' : ' ▲') : '';
    });
    tbody.replaceChildren(
      ...(expanded ? rows : rows.slice(0, limit)).map((r) =>
        h(
          'tr',
          { class: o.rowClass?.(r) ?? '' },
          ...o.columns.map((c) => h('td', { class: c.numeric ? 'num' : '' }, c.cell(r))),
        ),
      ),
    );
    tfoot.replaceChildren(
      expanded
        ? ''
        : h(
            'tr',
            null,
            h(
              'td',
              { attrs: { colspan: o.columns.length } },
              h(
                'button',
                {
                  class: 'link',
                  attrs: { type: 'button' },
                  on: {
                    click: () => {
                      expanded = true;
                      render();
                    },
                  },
                },
                `Show all ${o.rows.length} rows`,
              ),
              h('span', { class: 'muted' }, ` (${limit} shown)`),
            ),
          ),
    );
  }
  render();
  return h(
    'table',
    { class: 'data-table', attrs: { 'data-testid': o.testId } },
    h('caption', null, o.caption),
    h('thead', null, h('tr', null, ...ths)),
    tbody,
    tfoot,
  );
}
