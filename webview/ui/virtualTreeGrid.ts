/**
 * A tree grid of any number of rows (ARIA `treegrid`): a header of sortable columns, and only
 * the rows in view in the DOM (model/virtualRows.ts says which, and where), redrawn once per
 * animation frame while scrolling. One row is in the tab order; the arrow keys, Page Up/Down,
 * Home and End move through the rows, Right and Left open and close them, Enter acts on one.
 * The rows' contents come from the caller, as DOM nodes (text only: no HTML is parsed).
 */
import { h, type Child } from './dom';
import { rowOffset, rowWindow, scrollToReveal, type RowWindow } from '../model/virtualRows';
import './virtualTreeGrid.css';

/** Pixel height of a row (the stylesheet's `--vt-row` is the same). */
export const ROW_HEIGHT = 26;

export interface GridColumn {
  label: string;
  numeric?: boolean;
  /** Header tooltip. */
  title?: string;
  sortable?: boolean;
}

export interface GridRow {
  /** Stable identity of what the row shows (a row showing another thing is rebuilt). */
  key: string;
  /** 1 for the top level. */
  level: number;
  /** null: a leaf. */
  expanded: boolean | null;
  setSize: number;
  posInSet: number;
  cells: Child[];
  className?: string;
  /** Read to screen readers instead of the cells' text. */
  label?: string;
}

export interface GridOptions {
  label: string;
  testId: string;
  columns: GridColumn[];
  sort: { column: number; descending: boolean };
  count(): number;
  row(index: number): GridRow;
  /** The row of the parent of `index` (−1: none). */
  parentIndex(index: number): number;
  toggle(index: number, open: boolean): void;
  activate(index: number): void;
  /** The current row changed (click, keys). */
  select(index: number): void;
  /** The rows `[first, last)` are drawn: load what they need. */
  drawn?(first: number, last: number): void;
  sortBy(column: number): void;
}

export interface TreeGrid {
  readonly element: HTMLElement;
  /** The rows changed: draw again (the current row stays where it is by index). */
  refresh(): void;
  /** Makes `index` the current row, scrolls it into view, and focuses it when `focus`. */
  setCurrent(index: number, focus?: boolean): void;
  current(): number;
  setSort(column: number, descending: boolean): void;
  /** Drawn frames since creation (benchmarks, tests). */
  frames(): number;
}

export function virtualTreeGrid(o: GridOptions): TreeGrid {
  let current = -1;
  let frames = 0;
  let scheduled = 0;
  let version = 0;
  let sort = { ...o.sort };
  const drawnRows = new Map<number, { el: HTMLElement; key: string; version: number }>();
  const headers = o.columns.map((c, i) =>
    h(
      'div',
      {
        class: `vt-cell vt-head-cell${c.numeric ? ' num' : ''}`,
        attrs: { role: 'columnheader', title: c.title, 'aria-colindex': i + 1 },
      },
      c.sortable
        ? h(
            'button',
            {
              class: 'sort',
              attrs: { type: 'button', 'data-testid': `${o.testId}-sort-${i}` },
              on: { click: () => o.sortBy(i) },
            },
            c.label,
            h('span', { class: 'sort-mark', attrs: { 'aria-hidden': 'true' } }),
          )
        : c.label,
    ),
  );
  const head = h(
    'div',
    { class: 'vt-head', attrs: { role: 'rowgroup' } },
    h(
      'div',
      { class: 'vt-row vt-header-row', attrs: { role: 'row', 'aria-rowindex': 1 } },
      ...headers,
    ),
  );
  const content = h('div', { class: 'vt-content', attrs: { role: 'rowgroup' } });
  const scroller = h('div', { class: 'vt-scroll', attrs: { role: 'presentation' } }, content);
  const element = h(
    'div',
    {
      class: 'vt-grid',
      attrs: {
        role: 'treegrid',
        'aria-label': o.label,
        'aria-colcount': o.columns.length,
        'data-testid': o.testId,
      },
    },
    head,
    scroller,
  );

  function showSort(): void {
    headers.forEach((th, i) => {
      if (i === sort.column)
        th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
      const mark = th.querySelector('.sort-mark');
      if (mark) mark.textContent = i === sort.column ? (sort.descending ? ' ▼' : ' ▲') : '';
    });
  }

  function windowNow(): RowWindow {
    return rowWindow(scroller.scrollTop, scroller.clientHeight, o.count(), ROW_HEIGHT);
  }

  function build(index: number, r: GridRow): HTMLElement {
    const el = h(
      'div',
      {
        class: `vt-row${r.className ? ` ${r.className}` : ''}`,
        attrs: {
          role: 'row',
          'aria-rowindex': index + 2,
          'aria-level': r.level,
          'aria-setsize': r.setSize,
          'aria-posinset': r.posInSet,
          'aria-expanded': r.expanded === null ? undefined : String(r.expanded),
          'aria-label': r.label,
          'data-index': index,
          tabindex: -1,
        },
        on: {
          click: () => setCurrent(index, true),
          dblclick: () => o.activate(index),
        },
      },
      ...r.cells.map((c, i) =>
        h(
          'div',
          {
            class: `vt-cell${o.columns[i]?.numeric ? ' num' : ''}`,
            attrs: { role: 'gridcell', 'aria-colindex': i + 1 },
          },
          c,
        ),
      ),
    );
    el.style.setProperty('--vt-level', String(r.level - 1));
    return el;
  }

  function draw(): void {
    scheduled = 0;
    frames++;
    // A row rebuilt under the keyboard's focus gets it back.
    const hadFocus =
      element.contains(document.activeElement) && document.activeElement !== scroller;
    const total = o.count();
    const w = windowNow();
    element.setAttribute('aria-rowcount', String(total + 1));
    content.style.setProperty('--vt-height', `${w.height}px`);
    element.dataset.rows = String(total);
    element.dataset.first = String(w.first);
    element.dataset.last = String(w.last);
    for (const [i, d] of drawnRows) {
      if (i < w.first || i >= w.last) {
        d.el.remove();
        drawnRows.delete(i);
      }
    }
    for (let i = w.first; i < w.last; i++) {
      let d = drawnRows.get(i);
      if (!d || d.version !== version) {
        const r = o.row(i);
        const el = build(i, r);
        if (d) d.el.replaceWith(el);
        else content.append(el);
        d = { el, key: r.key, version };
        drawnRows.set(i, d);
      }
      d.el.style.setProperty('--vt-y', `${rowOffset(w, i, ROW_HEIGHT)}px`);
      const isCurrent = i === current;
      d.el.tabIndex = isCurrent || (current < 0 && i === w.first) ? 0 : -1;
      d.el.classList.toggle('current', isCurrent);
      d.el.setAttribute('aria-selected', String(isCurrent));
    }
    element.dataset.frames = String(frames);
    const focused = drawnRows.get(current)?.el;
    if (hadFocus && focused && document.activeElement !== focused)
      focused.focus({ preventScroll: true });
    o.drawn?.(w.first, w.last);
  }

  function schedule(): void {
    if (scheduled === 0) scheduled = requestAnimationFrame(draw);
  }

  function setCurrent(index: number, focus = false): void {
    const total = o.count();
    if (total === 0) return;
    const i = Math.max(0, Math.min(total - 1, index));
    const changed = i !== current;
    current = i;
    const st = scrollToReveal(i, scroller.scrollTop, scroller.clientHeight, total, ROW_HEIGHT);
    if (st !== scroller.scrollTop) scroller.scrollTop = st;
    draw();
    if (focus) drawnRows.get(i)?.el.focus({ preventScroll: true });
    if (changed) o.select(i);
  }

  scroller.addEventListener('scroll', schedule, { passive: true });
  new ResizeObserver(schedule).observe(scroller);

  element.addEventListener('keydown', (e) => {
    const total = o.count();
    if (total === 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const page = Math.max(1, Math.floor(scroller.clientHeight / ROW_HEIGHT) - 1);
    const at = current < 0 ? 0 : current;
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        setCurrent(at + 1, true);
        break;
      case 'ArrowUp':
        setCurrent(at - 1, true);
        break;
      case 'PageDown':
        setCurrent(at + page, true);
        break;
      case 'PageUp':
        setCurrent(at - page, true);
        break;
      case 'Home':
        setCurrent(0, true);
        break;
      case 'End':
        setCurrent(total - 1, true);
        break;
      case 'ArrowRight': {
        const r = o.row(at);
        if (r.expanded === false) o.toggle(at, true);
        else if (r.expanded === true) setCurrent(at + 1, true);
        break;
      }
      case 'ArrowLeft': {
        const r = o.row(at);
        if (r.expanded === true) o.toggle(at, false);
        else {
          const p = o.parentIndex(at);
          if (p >= 0) setCurrent(p, true);
        }
        break;
      }
      case 'Enter':
        o.activate(at);
        break;
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  });

  showSort();
  return {
    element,
    refresh(): void {
      version++;
      const total = o.count();
      if (current >= total) current = total - 1;
      draw();
    },
    setCurrent,
    current: () => current,
    setSort(column, descending) {
      sort = { column, descending };
      showSort();
    },
    frames: () => frames,
  };
}
