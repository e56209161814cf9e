/**
 * The treemap of retained bytes (SVG): the dominator tree from a row down a few levels, each
 * object a rectangle whose area is what it holds, coloured by its type's category as the graph
 * colours it (red: garbage). Click a rectangle to zoom into it; the path above leads back. The
 * rectangles of the first level are buttons (Tab, Enter); every one has a tooltip.
 */
import { GARBAGE_ROW, ROOTS_ROW, type RetainedGroup } from '../../protocol/retained';
import type { TypeCategory } from '../../protocol/snapshot';
import { readPalette, type Palette } from '../graph/palette';
import { formatBytes, formatCount } from '../model/format';
import type { RetainedRows } from '../model/retainedRows';
import { formatShare, rowLabel } from '../model/retainedText';
import {
  categoryOf,
  fitLabel,
  layoutTreemap,
  TREEMAP_DEFAULTS,
  treemapTree,
  type TreemapNode,
  type TreemapRect,
} from '../model/treemapLayout';
import { h, s } from '../ui/dom';
import { actionButton } from '../ui/buttons';
import './treemap.css';

export interface TreemapActions {
  showInGraph(id: number): void;
  canShow(id: number): boolean;
  announce(text: string): void;
}

export interface Treemap {
  readonly element: HTMLElement;
  /**
   * The rows to draw, the categories of types (for colours) and the children known by type
   * (the leak suspects' content).
   */
  setRows(
    rows: RetainedRows | null,
    categories: Map<string, TypeCategory>,
    groups: Map<number, RetainedGroup[]>,
  ): void;
  zoomTo(id: number): void;
  /** Draw again (the theme or the size changed, rows came in). */
  redraw(): void;
}

/** Rows the treemap asks for at once while drawing (a panel). */
const LOADS_PER_DRAW = 12;

export function createTreemap(a: TreemapActions): Treemap {
  let rows: RetainedRows | null = null;
  let categories = new Map<string, TypeCategory>();
  let groups = new Map<number, RetainedGroup[]>();
  let rootId = ROOTS_ROW;
  let chosen: TreemapNode | null = null;
  let drawing = 0;

  const crumbs = h('nav', {
    class: 'treemap-crumbs',
    attrs: { 'aria-label': 'Where the treemap is', 'data-testid': 'treemap-crumbs' },
  });
  const svg = s('svg', {
    class: 'treemap-svg',
    role: 'group',
    'aria-label': 'Treemap of retained bytes',
    'data-testid': 'treemap',
  });
  const box = h('div', { class: 'treemap-box' }, svg);
  const status = h('div', {
    class: 'memory-status treemap-status',
    attrs: { 'data-testid': 'treemap-status', 'aria-live': 'polite' },
  });
  const element = h(
    'div',
    { class: 'treemap-view', attrs: { 'data-testid': 'treemap-panel' } },
    crumbs,
    box,
    status,
  );

  function colour(p: Palette, node: TreemapNode, garbage: boolean): string {
    if (garbage || node.id === GARBAGE_ROW) return p.bad;
    const c = categoryOf(node.type, categories);
    return c === 'group' || c === 'garbage' ? p.muted : p.category[c];
  }

  function describe(node: TreemapNode): string {
    const live = rows?.liveBytes ?? 0;
    const row = node.kind === 'row' ? rows?.row(node.id) : undefined;
    const what =
      node.kind === 'self'
        ? `${node.label} itself`
        : node.kind === 'more'
          ? `${node.name} (${node.label})`
          : [node.name, row ? rowLabel(row) : node.label].filter(Boolean).join(' ');
    const share = formatShare(live > 0 ? node.value / live : 0);
    return `${what}: ${formatBytes(node.value)} (${share} of the live heap), ${formatCount(node.objects)} objects`;
  }

  /** What the line under the treemap says until a rectangle is chosen. */
  function hint(): void {
    status.replaceChildren(
      h(
        'span',
        { class: 'muted' },
        'Each rectangle is an object, its area what it retains. Click one to zoom into it; the path above (or Backspace) leads back.',
      ),
    );
  }

  function choose(node: TreemapNode): void {
    chosen = node;
    const row = node.kind === 'row' ? rows?.row(node.id) : undefined;
    const can = !!row && row.id >= 0 && a.canShow(row.id);
    status.replaceChildren(
      h('div', null, describe(node)),
      row?.address ? h('div', { class: 'muted' }, `${row.type} at ${row.address}`) : '',
      ...(row && row.id >= 0
        ? [
            actionButton('target', 'Show in graph', () => a.showInGraph(row.id), {
              testId: 'treemap-show-in-graph',
              disabled: !can,
              title: can
                ? 'Draw it with what it retains ringed'
                : 'This report holds no graph data for this object',
            }),
          ]
        : []),
    );
  }

  function open(node: TreemapNode): void {
    if (node.kind === 'row' && node.childCount > 0) {
      zoomTo(node.id);
      a.announce(`Treemap: ${describe(node)}`);
    } else {
      choose(node);
    }
  }

  function renderCrumbs(): void {
    const chain: number[] = [];
    for (
      let r = rows?.row(rootId);
      r && chain.length < 100;
      r = r.parent === null ? undefined : rows?.row(r.parent)
    ) {
      chain.push(r.id);
    }
    chain.reverse();
    crumbs.replaceChildren(
      ...chain.flatMap((id, i) => {
        const row = rows?.row(id);
        const text = id === ROOTS_ROW ? 'All live objects' : row?.via || row?.label || String(id);
        const last = i === chain.length - 1;
        return [
          i > 0 ? h('span', { class: 'sep', attrs: { 'aria-hidden': 'true' } }, '›') : null,
          last
            ? h('span', { class: 'crumb current', attrs: { 'aria-current': 'page' } }, text)
            : h(
                'button',
                { class: 'crumb link', attrs: { type: 'button' }, on: { click: () => zoomTo(id) } },
                text,
              ),
        ].filter((x): x is HTMLElement => x !== null);
      }),
    );
  }

  function drawRect(p: Palette, r: TreemapRect, garbage: boolean): SVGGElement {
    const w = r.x1 - r.x0;
    const hgt = r.y1 - r.y0;
    const fill = colour(p, r.node, garbage);
    const focusable = r.depth === 1;
    const g = s(
      'g',
      {
        class: `tm-node tm-${r.node.kind}${r.parent ? ' tm-parent' : ''}`,
        'data-id': r.node.id,
        'data-kind': r.node.kind,
        'data-depth': r.depth,
        'data-children': r.node.kind === 'row' ? r.node.childCount : 0,
        tabindex: focusable ? 0 : undefined,
        role: focusable ? 'button' : undefined,
        'aria-label': focusable ? describe(r.node) : undefined,
      },
      s('title', {}, describe(r.node)),
      s('rect', {
        x: r.x0,
        y: r.y0,
        width: w,
        height: hgt,
        fill,
        'fill-opacity': r.parent ? 0.1 : r.node.kind === 'row' ? 0.34 : 0.16,
        stroke: fill,
        'stroke-width': p.line,
        rx: 2,
      }),
    );
    const name = r.node.kind === 'row' ? r.node.name || r.node.label : r.node.name;
    const first = fitLabel(r.parent ? `${name} · ${formatBytes(r.node.value)}` : name, w);
    if (first && hgt >= 16) {
      g.append(s('text', { x: r.x0 + 4, y: r.y0 + 13, class: 'tm-label' }, first));
      if (!r.parent && hgt >= 32) {
        const second = fitLabel(
          `${r.node.kind === 'row' && r.node.name ? `${r.node.label} · ` : ''}${formatBytes(r.node.value)}`,
          w,
        );
        if (second) g.append(s('text', { x: r.x0 + 4, y: r.y0 + 27, class: 'tm-sub' }, second));
      }
    }
    return g;
  }

  function draw(): void {
    drawing = 0;
    const r = rows;
    if (!r) {
      svg.replaceChildren();
      return;
    }
    const width = box.clientWidth;
    const height = box.clientHeight;
    svg.setAttribute('viewBox', `0 0 ${Math.max(1, width)} ${Math.max(1, height)}`);
    const tree = treemapTree(r, rootId, { ...TREEMAP_DEFAULTS, groups });
    if (!tree) return;
    const rects = layoutTreemap(tree, width, height);
    const p = readPalette(element);
    const garbage = rootId === GARBAGE_ROW || isUnder(rootId, GARBAGE_ROW);
    svg.replaceChildren(...rects.map((x) => drawRect(p, x, garbage || x.node.id === GARBAGE_ROW)));
    svg.dataset.rects = String(rects.length);
    svg.dataset.labels = String(svg.querySelectorAll('text').length);
    svg.dataset.root = String(rootId);
    // A panel pages the rows in: ask for the children of what is drawn without its own.
    if (r.paged) {
      let asked = 0;
      for (const x of rects) {
        if (asked >= LOADS_PER_DRAW) break;
        const n = x.node;
        if (n.kind !== 'row' || n.childCount === 0 || x.parent || x.depth >= 3) continue;
        const known = r.childrenOf(n.id);
        if (known && known.rows[0] === undefined && known.total > 0) {
          asked++;
          void r.load(n.id, 0).then(redraw);
        }
      }
    }
  }

  function isUnder(id: number, ancestor: number): boolean {
    for (let x = rows?.row(id); x && x.parent !== null; x = rows?.row(x.parent)) {
      if (x.parent === ancestor) return true;
    }
    return false;
  }

  function redraw(): void {
    if (drawing === 0) drawing = requestAnimationFrame(draw);
  }

  function zoomTo(id: number): void {
    if (!rows?.row(id)) return;
    rootId = id;
    chosen = null;
    hint();
    renderCrumbs();
    const rootRow = rows.row(id);
    if (rootRow && rows.paged) void rows.load(id, 0).then(redraw);
    redraw();
  }

  const nodeOf = (target: EventTarget | null): TreemapNode | null => {
    const g = (target as Element | null)?.closest?.('.tm-node') as SVGGElement | null;
    if (!g) return null;
    const id = Number(g.dataset.id);
    const kind = g.dataset.kind;
    const tree = rows ? treemapTree(rows, rootId, { ...TREEMAP_DEFAULTS, groups }) : null;
    let found: TreemapNode | null = null;
    const walk = (n: TreemapNode): void => {
      if (found) return;
      if (n.id === id && n.kind === kind) found = n;
      n.children?.forEach(walk);
    };
    if (tree) tree.children?.forEach(walk);
    return found;
  };
  svg.addEventListener('click', (e) => {
    const n = nodeOf(e.target);
    if (n) open(n);
  });
  svg.addEventListener('keydown', (e) => {
    const n = nodeOf(e.target);
    if (e.key === 'Enter' && n) {
      e.preventDefault();
      open(n);
    } else if ((e.key === 'Backspace' || e.key === 'Escape') && rootId !== ROOTS_ROW) {
      e.preventDefault();
      const parent = rows?.row(rootId)?.parent;
      if (parent !== undefined && parent !== null) zoomTo(parent);
    }
  });
  svg.addEventListener('focusin', (e) => {
    const n = nodeOf(e.target);
    if (n && n !== chosen) choose(n);
  });
  new ResizeObserver(redraw).observe(box);

  return {
    element,
    setRows(next, cats, known) {
      rows = next;
      categories = cats;
      groups = known;
      rootId = ROOTS_ROW;
      renderCrumbs();
      hint();
      redraw();
    },
    zoomTo,
    redraw,
  };
}
