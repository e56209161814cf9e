/**
 * The heap graph: a d3 force layout drawn in SVG. Nodes are shaped and coloured by category;
 * unreachable nodes carry a red outline and hatching; cycles are outlined as hulls; pending
 * finalizers are badges; weak references are dashed. Zoom/pan, drag, click or Enter to select.
 *
 * All styling is by CSS class (no style attributes), so the graph runs under a strict CSP.
 * All Python-derived text goes in with textContent / setAttribute.
 */
import {
  curveCatmullRomClosed,
  drag,
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  line,
  polygonHull,
  select,
  zoom,
  zoomIdentity,
  type D3DragEvent,
  type D3ZoomEvent,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
  type ZoomTransform,
} from 'd3';
import type { ViewCycle, ViewEdge, ViewNode } from '../../protocol/heapView';
import { s } from './dom';
import { displayType, plural, shortType, truncate } from './format';
import { CATEGORY_RADIUS, shapePath } from './graphShapes';
import type { HeapIndex } from './heapIndex';

interface GNode extends SimulationNodeDatum {
  n: ViewNode;
  r: number;
  label: string;
  /** Half the drawn label's width, estimated. */
  labelHalf: number;
  /** Largest distance a cycle outline keeps from it. */
  pad: number;
  /** Boxes (relative to the node) that edges end outside of: its label and badges. */
  boxes: [number, number, number, number][];
  x: number;
  y: number;
  el: SVGGElement;
}

interface GEdge extends SimulationLinkDatum<GNode> {
  e: ViewEdge;
  source: GNode;
  target: GNode;
  /** Offset of this edge among edges between the same two nodes (0 = straight). */
  bend: number;
  /** For self references: which loop around the node (0, 1…). */
  loop: number;
  el: SVGPathElement;
  labelEl: SVGGElement | null;
  /** Estimated label size. */
  labelW: number;
  /** Curve: start, control(s), end (a loop uses two controls). */
  geo: number[];
}

interface GHull {
  cycle: ViewCycle;
  index: number;
  members: GNode[];
  el: SVGPathElement;
  labelEl: SVGTextElement;
  /** Label anchors above and below the outline. */
  top: [number, number];
  bottom: [number, number];
}

export const FINALIZER_BADGE: Record<string, string> = {
  del: '__del__',
  generator: 'finally',
  native: 'finalizer',
  finalize: 'weakref.finalize',
};

export interface HeapGraphOptions {
  /** Called when the selection changes (click, Enter, or select()). */
  onSelect: (node: ViewNode | null) => void;
}

export interface HeapGraph {
  /** Resolves when the layout has settled and the graph is fitted. */
  ready: Promise<void>;
  select(id: number | null, opts?: { reveal?: boolean }): void;
  focusNode(id: number): void;
  showCycle(cycleIndex: number): void;
  fit(): void;
  zoomBy(factor: number): void;
  destroy(): void;
}

let instances = 0;

/** Approximate width of the node label font (11px system sans). */
const CHAR_W = 6.2;
/** Badges use the 10px monospace font. */
const BADGE_CHAR_W = 6.05;

export function nodeAriaLabel(index: HeapIndex, n: ViewNode): string {
  const parts = [`${displayType(n.type)} at ${n.address}`];
  if (n.label && n.label !== shortType(n.type)) parts.push(`“${n.label}”`);
  if (n.root) parts.push('root');
  parts.push(n.unreachable ? 'unreachable: the next gc.collect() frees it' : 'reachable');
  if (n.cycle !== null) {
    const c = index.view.cycles[n.cycle];
    parts.push(`in ${c?.unreachable ? 'unreachable ' : ''}cycle ${n.cycle + 1}`);
  }
  if (n.finalizer) parts.push(`${FINALIZER_BADGE[n.finalizer]} pending`);
  if (n.selfDefeating) parts.push('self-defeating weakref.finalize keeps it alive');
  return parts.join(', ');
}

export function createHeapGraph(
  container: HTMLElement,
  index: HeapIndex,
  opts: HeapGraphOptions,
): HeapGraph {
  const view = index.view;
  const id = `hg${++instances}`;
  const count = view.nodes.length;
  const big = count > 250;
  const huge = count > 800;

  // --- SVG skeleton --------------------------------------------------------------------------
  const arrow = (name: string): SVGMarkerElement =>
    s(
      'marker',
      {
        id: `${id}-arrow-${name}`,
        viewBox: '0 0 10 10',
        refX: 10,
        refY: 5,
        markerWidth: 8,
        markerHeight: 8,
        markerUnits: 'userSpaceOnUse',
        orient: 'auto',
        class: `arrow arrow-${name}`,
      },
      s('path', { d: 'M0,1L10,5L0,9Z' }),
    );
  const defs = s(
    'defs',
    {},
    arrow('strong'),
    arrow('weak'),
    arrow('bad'),
    arrow('hl'),
    s(
      'pattern',
      {
        id: `${id}-hatch`,
        patternUnits: 'userSpaceOnUse',
        width: 5,
        height: 5,
        patternTransform: 'rotate(45)',
      },
      s('line', { x1: 0, y1: 0, x2: 0, y2: 5, class: 'hatch-line' }),
    ),
  );
  const hullLayer = s('g', { class: 'hulls' });
  const edgeLayer = s('g', { class: 'edges' });
  const edgeLabelLayer = s('g', { class: 'edge-labels' });
  const nodeLayer = s('g', { class: 'nodes' });
  const hullLabelLayer = s('g', { class: 'hull-labels' });
  const viewport = s(
    'g',
    { class: 'viewport' },
    hullLayer,
    edgeLayer,
    nodeLayer,
    edgeLabelLayer,
    hullLabelLayer,
  );
  const svg = s(
    'svg',
    {
      class: `heap-graph${big ? ' big' : ''}`,
      role: 'group',
      'aria-label': `Heap graph: ${plural(count, 'object')}, ${plural(view.edges.length, 'reference')}. Tab to move between objects, Enter to show details.`,
      'data-testid': 'graph',
    },
    defs,
    viewport,
  );
  const status = document.createElement('div');
  status.className = 'graph-status';
  status.setAttribute('role', 'status');
  container.replaceChildren(svg, status);
  container.dataset.layout = 'running';
  svg.classList.add('pending');

  // --- Nodes ---------------------------------------------------------------------------------
  const spread = 140 + Math.sqrt(count) * 14;
  const groups = { root: 0, live: 0, dead: 0 };
  // Where each object is pulled horizontally. Readable sizes: layered by reference distance
  // from the roots (roots left, what they keep alive to the right, unreachable objects last).
  // Big views: three bands (roots, live, unreachable).
  const targetX = new Map<number, number>();
  if (!big) {
    const depth = referenceDepths(index);
    const maxLive = Math.max(
      0,
      ...view.nodes.filter((n) => !n.unreachable).map((n) => depth.get(n.id) ?? 0),
    );
    const step = 135;
    for (const n of view.nodes) {
      const d = n.unreachable ? maxLive + 1.6 : (depth.get(n.id) ?? 1);
      targetX.set(n.id, (d - (maxLive + 1.6) / 2) * step);
    }
  } else {
    for (const n of view.nodes) targetX.set(n.id, n.unreachable ? spread : n.root ? -spread : 0);
  }
  const columnCount = new Map<number, number>();
  const gnodes: GNode[] = view.nodes.map((n) => {
    const r = CATEGORY_RADIUS[n.category];
    const label = truncate(n.label || shortType(n.type), big ? 20 : 28);
    const group = n.unreachable ? 'dead' : n.root ? 'root' : 'live';
    groups[group]++;
    // Start on a golden-angle spiral around the object's column.
    const cx = targetX.get(n.id) ?? 0;
    const k = columnCount.get(cx) ?? 0;
    columnCount.set(cx, k + 1);
    const a = k * 2.39996;
    const rad = 12 * Math.sqrt(k + 1);
    const g = s('g', {
      class: nodeClass(n),
      tabindex: 0,
      role: 'button',
      'aria-label': nodeAriaLabel(index, n),
      'data-testid': 'graph-node',
      'data-node-id': n.id,
      'data-address': n.address,
      'data-category': n.category,
      'data-unreachable': n.unreachable ? 'true' : 'false',
    });
    return {
      n,
      r,
      label,
      labelHalf: (Array.from(label).length * CHAR_W) / 2,
      boxes: [],
      pad: r,
      x: cx + rad * Math.cos(a),
      y: rad * Math.sin(a),
      el: g,
    };
  });
  const byId = new Map(gnodes.map((g) => [g.n.id, g]));

  for (const g of gnodes) buildNode(g);
  nodeLayer.append(...gnodes.map((g) => g.el));

  function nodeClass(n: ViewNode): string {
    const c = ['node', `cat-${n.category}`];
    if (n.unreachable) c.push('unreachable');
    if (n.root) c.push('root');
    if (n.cycle !== null) c.push('in-cycle');
    if (n.finalizer) c.push('has-finalizer');
    if (n.selfDefeating) c.push('self-defeating');
    return c.join(' ');
  }

  function buildNode(g: GNode): void {
    const { n, r, el } = g;
    if (n.root) el.append(s('path', { class: 'root-ring', d: shapePath(n.category, r + 4.5) }));
    el.append(s('path', { class: 'shape', d: shapePath(n.category, r) }));
    if (n.unreachable) {
      el.append(
        s('path', {
          class: 'hatch',
          d: shapePath(n.category, r),
          fill: `url(#${id}-hatch)`,
        }),
      );
    }
    el.append(s('path', { class: 'focus-ring', d: shapePath(n.category, r + 7) }));
    el.append(s('text', { class: 'node-label', y: r + 13 }, g.label));
    const badges: [string, string][] = [];
    if (n.selfDefeating) badges.push(['⚠ finalize keeps it alive', 'badge error']);
    else if (n.finalizer) badges.push([FINALIZER_BADGE[n.finalizer], `badge fin-${n.finalizer}`]);
    if (!big) g.boxes.push([-g.labelHalf - 2, r + 1, g.labelHalf + 2, r + 17]);
    let y = -r - 5;
    for (const [text, cls] of badges) {
      const w = Array.from(text).length * BADGE_CHAR_W + 10;
      el.append(
        s(
          'g',
          { class: cls, transform: `translate(0,${y - 8})` },
          s('rect', { x: -w / 2, y: -8, width: w, height: 16, rx: 8 }),
          s('text', { y: 3 }, text),
        ),
      );
      g.boxes.push([-w / 2, y - 16, w / 2, y]);
      y -= 18;
    }
    el.append(s('title', {}, tooltip(n)));
  }

  function tooltip(n: ViewNode): string {
    const lines = [`${n.type}  ${n.address}`, n.label];
    lines.push(n.unreachable ? 'UNREACHABLE: the next gc.collect() frees it' : 'reachable');
    if (n.finalizer) lines.push(`${FINALIZER_BADGE[n.finalizer]} pending`);
    if (n.selfDefeating) lines.push('a weakref.finalize callback keeps it alive');
    return lines.join('\n');
  }

  // --- Edges ---------------------------------------------------------------------------------
  const pairCount = new Map<string, number>();
  const pairSeen = new Map<string, number>();
  const loopsSeen = new Map<number, number>();
  for (const e of view.edges) {
    if (e.from === e.to) continue;
    const key = e.from < e.to ? `${e.from}:${e.to}` : `${e.to}:${e.from}`;
    pairCount.set(key, (pairCount.get(key) ?? 0) + 1);
  }
  const showEdgeLabelsAlways = view.edges.length <= 150;
  const gedges: GEdge[] = view.edges.map((e) => {
    const source = byId.get(e.from) as GNode;
    const target = byId.get(e.to) as GNode;
    let bend = 0;
    let loop = 0;
    if (e.from === e.to) {
      loop = loopsSeen.get(e.from) ?? 0;
      loopsSeen.set(e.from, loop + 1);
    } else {
      const key = e.from < e.to ? `${e.from}:${e.to}` : `${e.to}:${e.from}`;
      const m = pairCount.get(key) ?? 1;
      const i = pairSeen.get(key) ?? 0;
      pairSeen.set(key, i + 1);
      bend = i - (m - 1) / 2;
    }
    const bad = source.n.unreachable && target.n.unreachable;
    const cls = ['edge', e.weak ? 'weak' : 'strong'];
    if (bad) cls.push('bad');
    const el = s('path', {
      class: cls.join(' '),
      'marker-end': `url(#${id}-arrow-${e.weak ? 'weak' : bad ? 'bad' : 'strong'})`,
      'data-from': e.from,
      'data-to': e.to,
    });
    el.append(
      s(
        'title',
        {},
        `${source.label} ${e.label || '→'} ${target.label}${e.weak ? ' (weak: does not keep it alive)' : ''}`,
      ),
    );
    let labelEl: SVGGElement | null = null;
    let labelW = 0;
    if (e.label) {
      const text = truncate(e.label, 24);
      labelW = Array.from(text).length * BADGE_CHAR_W + 6;
      labelEl = s(
        'g',
        { class: `edge-label${e.weak ? ' weak' : ''}${bad ? ' bad' : ''}` },
        s('rect', { x: -labelW / 2, y: -8, width: labelW, height: 15, rx: 3 }),
        s('text', { y: 3 }, text),
      );
    }
    return { e, source, target, bend, loop, el, labelEl, labelW, geo: [] };
  });
  edgeLayer.append(...gedges.map((g) => g.el));
  edgeLabelLayer.append(...gedges.flatMap((g) => (g.labelEl ? [g.labelEl] : [])));

  // --- Cycle hulls ---------------------------------------------------------------------------
  const hulls: GHull[] = view.cycles
    .map((cycle, i) => {
      const members = cycle.members.map((m) => byId.get(m)).filter((g) => g !== undefined);
      const el = s('path', {
        class: `hull${cycle.unreachable ? ' unreachable' : ''}`,
        'data-cycle': i,
      });
      const text = `${cycle.unreachable ? 'unreachable cycle' : 'cycle'} ${i + 1} · ${plural(cycle.size, 'object')}`;
      const labelEl = s(
        'text',
        { class: `hull-label${cycle.unreachable ? ' unreachable' : ''}` },
        text,
      );
      return { cycle, index: i, members, el, labelEl, top: [0, 0], bottom: [0, 0] } as GHull;
    })
    .filter((h) => h.members.length > 0);
  hullLayer.append(...hulls.map((h) => h.el));
  hullLabelLayer.append(...hulls.map((h) => h.labelEl));
  const hullsOf = new Map<GNode, GHull[]>();
  for (const h of hulls) {
    for (const m of h.members) hullsOf.set(m, [...(hullsOf.get(m) ?? []), h]);
  }

  /** How far a cycle's outline stays from a member: room for its badges, label and loops. */
  function hullPad(m: GNode): { top: number; bottom: number; side: number } {
    const loops = loopsSeen.get(m.n.id) ?? 0;
    return {
      top: m.r + (m.n.finalizer || m.n.selfDefeating ? 30 : 12) + (loops > 0 ? 30 + loops * 14 : 0),
      bottom: m.r + (big ? 12 : 26),
      side: Math.max(m.r + 12, big ? 0 : Math.min(m.labelHalf + 10, 80)),
    };
  }
  for (const g of gnodes) {
    const p = hullPad(g);
    g.pad = Math.max(p.top, p.bottom, p.side);
  }

  // --- Geometry ------------------------------------------------------------------------------
  function placeNode(g: GNode): void {
    g.el.setAttribute('transform', `translate(${r1(g.x)},${r1(g.y)})`);
  }

  function placeEdge(g: GEdge): void {
    const { source: a, target: b } = g;
    let d: string;
    if (a === b) {
      const size = 26 + g.loop * 14;
      const a0 = -Math.PI / 2 + 0.35;
      const a1 = -Math.PI / 2 + 1.35;
      const sx = a.x + a.r * Math.cos(a0);
      const sy = a.y + a.r * Math.sin(a0);
      const ex = a.x + (a.r + 1) * Math.cos(a1);
      const ey = a.y + (a.r + 1) * Math.sin(a1);
      const c1x = a.x + (a.r + size * 1.6) * Math.cos(a0 - 0.25);
      const c1y = a.y + (a.r + size * 1.6) * Math.sin(a0 - 0.25);
      const c2x = a.x + (a.r + size * 1.6) * Math.cos(a1 + 0.25);
      const c2y = a.y + (a.r + size * 1.6) * Math.sin(a1 + 0.25);
      g.geo = [sx, sy, c1x, c1y, c2x, c2y, ex, ey];
      d = `M${r1(sx)},${r1(sy)}C${r1(c1x)},${r1(c1y)} ${r1(c2x)},${r1(c2y)} ${r1(ex)},${r1(ey)}`;
    } else {
      const lo = a.n.id < b.n.id ? a : b;
      const hi = lo === a ? b : a;
      const dx = hi.x - lo.x;
      const dy = hi.y - lo.y;
      const len = Math.hypot(dx, dy) || 1;
      const off = g.bend * 64;
      const cx = (a.x + b.x) / 2 + (-dy / len) * off;
      const cy = (a.y + b.y) / 2 + (dx / len) * off;
      const toward = (p: GNode, tx: number, ty: number, extra: number): [number, number] => {
        const l = Math.hypot(tx - p.x, ty - p.y) || 1;
        const ux = (tx - p.x) / l;
        const uy = (ty - p.y) / l;
        const dist = exitDistance(p, ux, uy) + extra;
        return [p.x + ux * dist, p.y + uy * dist];
      };
      const [sx, sy] = toward(a, cx, cy, 1);
      const [ex, ey] = toward(b, cx, cy, 2);
      g.geo = [sx, sy, cx, cy, ex, ey];
      d =
        g.bend === 0
          ? `M${r1(sx)},${r1(sy)}L${r1(ex)},${r1(ey)}`
          : `M${r1(sx)},${r1(sy)}Q${r1(cx)},${r1(cy)} ${r1(ex)},${r1(ey)}`;
    }
    g.el.setAttribute('d', d);
    if (g.labelEl) {
      const [x, y] = pointOn(g, g.source === g.target ? 0.5 : 0.5);
      g.labelEl.setAttribute('transform', `translate(${r1(x)},${r1(y)})`);
    }
  }

  /**
   * How far from a node's centre a line in direction (ux, uy) leaves the node and the label and
   * badges attached to it, so arrowheads are never hidden under text.
   */
  function exitDistance(g: GNode, ux: number, uy: number): number {
    let d = g.r;
    for (const [x0, y0, x1, y1] of g.boxes) {
      let t0 = 0;
      let t1 = Infinity;
      if (Math.abs(ux) < 1e-9) {
        if (x0 > 0 || x1 < 0) continue;
      } else {
        const a = x0 / ux;
        const b = x1 / ux;
        t0 = Math.max(t0, Math.min(a, b));
        t1 = Math.min(t1, Math.max(a, b));
      }
      if (Math.abs(uy) < 1e-9) {
        if (y0 > 0 || y1 < 0) continue;
      } else {
        const a = y0 / uy;
        const b = y1 / uy;
        t0 = Math.max(t0, Math.min(a, b));
        t1 = Math.min(t1, Math.max(a, b));
      }
      if (t0 <= t1 && t1 > d && t0 <= d + 6) d = t1;
    }
    return d;
  }

  /** Point at parameter t of an edge's curve. */
  function pointOn(g: GEdge, t: number): [number, number] {
    const p = g.geo;
    const u = 1 - t;
    if (p.length === 8) {
      return [
        u * u * u * p[0] + 3 * u * u * t * p[2] + 3 * u * t * t * p[4] + t * t * t * p[6],
        u * u * u * p[1] + 3 * u * u * t * p[3] + 3 * u * t * t * p[5] + t * t * t * p[7],
      ];
    }
    return [
      u * u * p[0] + 2 * u * t * p[2] + t * t * p[4],
      u * u * p[1] + 2 * u * t * p[3] + t * t * p[5],
    ];
  }

  /**
   * Moves each edge label along its edge to where it overlaps the fewest nodes, node labels and
   * other edge labels (greedy; cheap for the few hundred labels a readable graph has).
   */
  function placeEdgeLabels(): void {
    const labelled = gedges.filter((g) => g.labelEl);
    if (labelled.length === 0 || labelled.length > 600) return;
    type Box = [number, number, number, number];
    const obstacles: Box[] = [];
    for (const g of gnodes) {
      obstacles.push([g.x - g.r - 3, g.y - g.r - 3, g.x + g.r + 3, g.y + g.r + 3]);
      for (const [x0, y0, x1, y1] of g.boxes)
        obstacles.push([g.x + x0, g.y + y0, g.x + x1, g.y + y1]);
    }
    const overlap = (a: Box, b: Box): number => {
      const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
      const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      return w > 0 && h > 0 ? w * h : 0;
    };
    const placed: Box[] = [...hullLabelBoxes];
    const ts = [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78];
    for (const g of labelled) {
      let best: [number, number] = pointOn(g, 0.5);
      let bestScore = Infinity;
      let bestBox: Box = [0, 0, 0, 0];
      for (const t of ts) {
        const [x, y] = pointOn(g, t);
        const box: Box = [x - g.labelW / 2 - 2, y - 8, x + g.labelW / 2 + 2, y + 7];
        let score = Math.abs(t - 0.5) * 20;
        for (const o of obstacles) score += overlap(box, o);
        for (const o of placed) score += overlap(box, o) * 2;
        if (score < bestScore) {
          bestScore = score;
          best = [x, y];
          bestBox = box;
        }
        if (score === 0) break;
      }
      placed.push(bestBox);
      g.labelEl?.setAttribute('transform', `translate(${r1(best[0])},${r1(best[1])})`);
    }
  }

  const hullLine = line().curve(curveCatmullRomClosed.alpha(0.5));

  function placeHull(h: GHull): void {
    const pts: [number, number][] = [];
    for (const m of h.members) {
      const { top, bottom, side } = hullPad(m);
      for (let i = 0; i < 16; i++) {
        const a = (i * Math.PI) / 8;
        const c = Math.cos(a);
        const sn = Math.sin(a);
        pts.push([m.x + c * side, m.y + sn * (sn < 0 ? top : bottom)]);
      }
    }
    const hull = polygonHull(pts) ?? pts;
    h.el.setAttribute('d', hullLine(hull) ?? '');
    let minY = Infinity;
    let maxY = -Infinity;
    let sumX = 0;
    for (const [x, y] of hull) {
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
      sumX += x;
    }
    h.top = [sumX / hull.length, minY - 6];
    h.bottom = [sumX / hull.length, maxY + 15];
    h.labelEl.setAttribute('x', r1(h.top[0]));
    h.labelEl.setAttribute('y', r1(h.top[1]));
  }

  /** Where the hull labels went (edge labels avoid them). */
  let hullLabelBoxes: [number, number, number, number][] = [];

  /** Hull labels go above their cycle, or below it when that would cover another label. */
  function placeHullLabels(): void {
    if (hulls.length > 300) return;
    type Box = [number, number, number, number];
    const placed: Box[] = [];
    hullLabelBoxes = placed;
    const nodeBoxes: Box[] = [];
    if (!big) {
      for (const g of gnodes) {
        nodeBoxes.push([g.x - g.r, g.y - g.r, g.x + g.r, g.y + g.r]);
        for (const [x0, y0, x1, y1] of g.boxes)
          nodeBoxes.push([g.x + x0, g.y + y0, g.x + x1, g.y + y1]);
      }
    }
    const overlap = (a: Box, b: Box): number => {
      const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
      const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      return w > 0 && h > 0 ? w * h : 0;
    };
    for (const h of hulls) {
      const half = (Array.from(h.labelEl.textContent ?? '').length * 6.6) / 2;
      const box = (p: [number, number]): Box => [p[0] - half, p[1] - 12, p[0] + half, p[1] + 3];
      const candidates: [number, number][] = [
        h.top,
        h.bottom,
        [h.top[0] - half / 2, h.top[1]],
        [h.top[0] + half / 2, h.top[1]],
        [h.top[0], h.top[1] - 14],
      ];
      let pos = h.top;
      let best = Infinity;
      candidates.forEach((c, i) => {
        const b = box(c);
        let score = i * 4;
        for (const o of placed) score += overlap(b, o) * 2;
        for (const o of nodeBoxes) score += overlap(b, o);
        if (score < best) {
          best = score;
          pos = c;
        }
      });
      placed.push(box(pos));
      h.labelEl.setAttribute('x', r1(pos[0]));
      h.labelEl.setAttribute('y', r1(pos[1]));
    }
  }

  function placeAll(): void {
    for (const g of gnodes) placeNode(g);
    for (const g of gedges) placeEdge(g);
    for (const h of hulls) placeHull(h);
    placeHullLabels();
    placeEdgeLabels();
  }

  // --- Layout --------------------------------------------------------------------------------
  const links = gedges.filter((g) => g.source !== g.target);
  const labelRoom = !big;
  const degrees = new Map<GNode, number>();
  for (const l of links) {
    degrees.set(l.source, (degrees.get(l.source) ?? 0) + 1);
    degrees.set(l.target, (degrees.get(l.target) ?? 0) + 1);
  }
  function degree(g: GNode): number {
    return degrees.get(g) ?? 1;
  }
  const sim = forceSimulation<GNode>(gnodes)
    .stop()
    .alphaDecay(huge ? 0.045 : big ? 0.03 : 0.0228)
    .force(
      'link',
      forceLink<GNode, GEdge>(links)
        .distance((l) => {
          const base = huge ? 34 : big ? 46 : 80;
          const text = showEdgeLabelsAlways && l.e.label ? Math.min(l.e.label.length * 4, 70) : 0;
          return base + l.source.r + l.target.r + text;
        })
        .strength((l) => {
          const k = 1 / Math.min(degree(l.source), degree(l.target));
          return l.e.weak ? k * 0.3 : k;
        }),
    )
    .force(
      'charge',
      forceManyBody<GNode>()
        .strength(huge ? -45 : big ? -110 : -380)
        .distanceMax(huge ? 250 : 600),
    )
    .force(
      'collide',
      forceCollide<GNode>((g) => (labelRoom ? Math.max(g.r + 14, g.labelHalf + 8) : g.r + 4))
        .strength(0.9)
        .iterations(2),
    )
    .force('x', forceX<GNode>((g) => targetX.get(g.n.id) ?? 0).strength(big ? 0.04 : 0.09))
    .force('y', forceY<GNode>(0).strength(big ? 0.05 : 0.035))
    .force(
      'cycles',
      cycleForce(
        hulls.map((h) => h.members),
        big ? 0.15 : 0.12,
      ),
    )
    .force(
      'hulls',
      big
        ? null
        : hullForce(
            hulls.map((h) => h.members),
            gnodes,
            true,
          ),
    );

  let destroyed = false;
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((res) => (resolveReady = res));
  const maxTicks = huge ? 260 : 400;
  let ticks = 0;
  status.textContent = `Laying out ${plural(count, 'object')}…`;

  function step(): void {
    if (destroyed) return;
    const t0 = performance.now();
    while (sim.alpha() > sim.alphaMin() && ticks < maxTicks) {
      sim.tick();
      ticks++;
      if (performance.now() - t0 > 30) break;
    }
    if (sim.alpha() > sim.alphaMin() && ticks < maxTicks) {
      status.textContent = `Laying out ${plural(count, 'object')}… ${Math.round((100 * ticks) / maxTicks)}%`;
      setTimeout(step, 0);
      return;
    }
    placeAll();
    svg.classList.remove('pending');
    status.textContent = '';
    fit(false);
    container.dataset.layout = 'done';
    resolveReady();
  }
  setTimeout(step, 0);

  // --- Zoom, pan, drag -----------------------------------------------------------------------
  let transform: ZoomTransform = zoomIdentity;
  const zoomer = zoom<SVGSVGElement, unknown>()
    .scaleExtent([0.02, 8])
    .on('zoom', (ev: D3ZoomEvent<SVGSVGElement, unknown>) => {
      transform = ev.transform;
      viewport.setAttribute('transform', transform.toString());
      updateDetail();
    });
  const svgSel = select(svg);
  svgSel.call(zoomer).on('dblclick.zoom', null);

  function updateDetail(): void {
    const k = transform.k;
    svg.classList.toggle('hide-node-labels', big ? k < 1.1 : k < 0.4);
    svg.classList.toggle('hide-badges', big ? k < 0.7 : k < 0.3);
    svg.classList.toggle('hide-edge-labels', showEdgeLabelsAlways ? k < 0.55 : k < 1.8);
  }
  updateDetail();

  const dragger = drag<SVGGElement, unknown>()
    .on('start', (ev: D3DragEvent<SVGGElement, unknown, unknown>) => {
      (ev.sourceEvent as Event | null)?.stopPropagation?.();
    })
    .on('drag', function (this: SVGGElement, ev: D3DragEvent<SVGGElement, unknown, unknown>) {
      const g = byId.get(Number(this.dataset.nodeId));
      if (!g) return;
      g.x = ev.x;
      g.y = ev.y;
      placeNode(g);
      for (const e of gedges) if (e.source === g || e.target === g) placeEdge(e);
      for (const h of hullsOf.get(g) ?? []) placeHull(h);
    })
    .on('end', () => {
      placeHullLabels();
      placeEdgeLabels();
    });
  select(nodeLayer).selectAll<SVGGElement, unknown>('g.node').call(dragger);

  function size(): { w: number; h: number } {
    const r = svg.getBoundingClientRect();
    return { w: r.width || 800, h: r.height || 500 };
  }

  function bounds(nodes: GNode[]): [number, number, number, number] {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const g of nodes) {
      const half = Math.max(g.r + 14, big ? g.r : g.labelHalf);
      x0 = Math.min(x0, g.x - half);
      x1 = Math.max(x1, g.x + half);
      y0 = Math.min(y0, g.y - g.r - 40);
      y1 = Math.max(y1, g.y + g.r + 26);
    }
    return [x0, y0, x1, y1];
  }

  function zoomTo(nodes: GNode[] | 'all', animate: boolean, maxScale: number): void {
    let x0: number, y0: number, x1: number, y1: number;
    if (nodes === 'all') {
      if (gnodes.length === 0) return;
      const b = viewport.getBBox();
      [x0, y0, x1, y1] = [b.x - 8, b.y - 8, b.x + b.width + 8, b.y + b.height + 8];
    } else {
      if (nodes.length === 0) return;
      [x0, y0, x1, y1] = bounds(nodes);
    }
    const { w, h } = size();
    const k = Math.max(0.03, Math.min(maxScale, (0.92 * w) / (x1 - x0), (0.9 * h) / (y1 - y0)));
    const t = zoomIdentity
      .translate(w / 2, h / 2)
      .scale(k)
      .translate(-(x0 + x1) / 2, -(y0 + y1) / 2);
    const sel = animate && !reducedMotion() ? svgSel.transition().duration(350) : svgSel;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- transition and selection share .call(zoom.transform)
    (sel as any).call(zoomer.transform, t);
  }

  function fit(animate = true): void {
    zoomTo('all', animate, 1.6);
  }

  function reveal(g: GNode): void {
    const { w, h } = size();
    const [sx, sy] = transform.apply([g.x, g.y]);
    if (sx > 40 && sx < w - 40 && sy > 40 && sy < h - 40) return;
    const k = Math.max(transform.k, big ? 1.2 : 0.8);
    const t = zoomIdentity
      .translate(w / 2, h / 2)
      .scale(k)
      .translate(-g.x, -g.y);
    svgSel.call(zoomer.transform, t);
  }

  // --- Selection -----------------------------------------------------------------------------
  let selected: GNode | null = null;

  function applySelection(g: GNode | null): void {
    svg.classList.toggle('has-selection', g !== null);
    for (const x of nodeLayer.querySelectorAll('.selected, .related')) {
      x.classList.remove('selected', 'related');
    }
    for (const e of gedges) {
      const hl = g !== null && (e.source === g || e.target === g);
      e.el.classList.toggle('hl', hl);
      e.labelEl?.classList.toggle('hl', hl);
      e.el.setAttribute(
        'marker-end',
        `url(#${id}-arrow-${hl ? 'hl' : e.e.weak ? 'weak' : e.el.classList.contains('bad') ? 'bad' : 'strong'})`,
      );
      if (hl) {
        e.source.el.classList.add('related');
        e.target.el.classList.add('related');
      }
    }
    if (g) {
      g.el.classList.add('selected');
      g.el.setAttribute('aria-pressed', 'true');
    }
  }

  function doSelect(idOrNull: number | null, o: { reveal?: boolean } = {}): void {
    const g = idOrNull === null ? null : (byId.get(idOrNull) ?? null);
    if (selected) selected.el.removeAttribute('aria-pressed');
    selected = g;
    applySelection(g);
    if (g && o.reveal) reveal(g);
    opts.onSelect(g ? g.n : null);
  }

  function nodeFromEvent(ev: Event): GNode | undefined {
    const el = (ev.target as Element | null)?.closest?.('g.node') as SVGGElement | null;
    return el ? byId.get(Number(el.dataset.nodeId)) : undefined;
  }

  nodeLayer.addEventListener('click', (ev) => {
    const g = nodeFromEvent(ev);
    if (g) {
      ev.stopPropagation();
      doSelect(g.n.id);
    }
  });
  nodeLayer.addEventListener('keydown', (ev) => {
    const g = nodeFromEvent(ev);
    if (!g) return;
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      doSelect(g.n.id);
    }
  });
  nodeLayer.addEventListener('focusin', (ev) => {
    const g = nodeFromEvent(ev);
    if (g && container.dataset.layout === 'done') reveal(g);
  });
  svg.addEventListener('click', (ev) => {
    if (ev.target === svg) doSelect(null);
  });
  svg.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') doSelect(null);
  });

  const onResize = (): void => {
    if (container.dataset.layout === 'done') updateDetail();
  };
  window.addEventListener('resize', onResize);

  return {
    ready,
    select: doSelect,
    focusNode(nid: number): void {
      const g = byId.get(nid);
      if (!g) return;
      reveal(g);
      g.el.focus({ preventScroll: true });
    },
    showCycle(ci: number): void {
      const h = hulls.find((x) => x.index === ci);
      if (h) zoomTo(h.members, true, 2);
    },
    fit: () => fit(true),
    zoomBy(factor: number): void {
      svgSel.call(zoomer.scaleBy, factor);
    },
    destroy(): void {
      destroyed = true;
      sim.stop();
      window.removeEventListener('resize', onResize);
      container.replaceChildren();
    },
  };
}

/**
 * Distance (in references) of each reachable object from the roots; objects not reached from a
 * root in this view start a new search at distance 1. Unreachable objects get no depth.
 */
function referenceDepths(index: HeapIndex): Map<number, number> {
  const depth = new Map<number, number>();
  const live = index.view.nodes.filter((n) => !n.unreachable);
  const bfs = (start: number[], d0: number): void => {
    let frontier = start;
    let d = d0;
    for (const id of frontier) depth.set(id, d);
    while (frontier.length > 0) {
      const next: number[] = [];
      d++;
      for (const id of frontier) {
        for (const e of index.out.get(id) ?? []) {
          const to = index.byId.get(e.to);
          if (!to || to.unreachable || depth.has(e.to)) continue;
          depth.set(e.to, d);
          next.push(e.to);
        }
      }
      frontier = next;
    }
  };
  bfs(
    live.filter((n) => n.root).map((n) => n.id),
    0,
  );
  for (const n of live) if (!depth.has(n.id)) bfs([n.id], 1);
  return depth;
}

function r1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

function reducedMotion(): boolean {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}

/** Pulls the members of each cycle towards their centre, so each cycle reads as one group. */
function cycleForce(groups: GNode[][], strength: number): (alpha: number) => void {
  return (alpha: number) => {
    for (const g of groups) {
      if (g.length < 3) continue;
      let cx = 0;
      let cy = 0;
      for (const n of g) {
        cx += n.x;
        cy += n.y;
      }
      cx /= g.length;
      cy /= g.length;
      for (const n of g) {
        n.vx = (n.vx ?? 0) + (cx - n.x) * strength * alpha;
        n.vy = (n.vy ?? 0) + (cy - n.y) * strength * alpha;
      }
    }
  };
}

/**
 * Keeps cycles apart from each other, and (for readable sizes) other objects out of a cycle's
 * outline, so a hull never seems to contain an object that is not in the cycle.
 */
function hullForce(
  groups: GNode[][],
  all: GNode[],
  pushOutsiders: boolean,
): (alpha: number) => void {
  const member = new Map<GNode, number>();
  groups.forEach((g, i) => g.forEach((n) => member.set(n, i)));
  return (alpha: number) => {
    const circles = groups.map((g) => {
      let cx = 0;
      let cy = 0;
      for (const n of g) {
        cx += n.x;
        cy += n.y;
      }
      cx /= g.length;
      cy /= g.length;
      let r = 0;
      for (const n of g) r = Math.max(r, Math.hypot(n.x - cx, n.y - cy) + n.pad);
      return { cx, cy, r: r + 6 };
    });
    const k = alpha * 0.6;
    for (let i = 0; i < circles.length; i++) {
      const a = circles[i];
      for (let j = i + 1; j < circles.length; j++) {
        const b = circles[j];
        const dx = b.cx - a.cx;
        const dy = b.cy - a.cy;
        const d = Math.hypot(dx, dy) || 1;
        const min = a.r + b.r + 8;
        if (d >= min) continue;
        const push = (Math.min(min - d, 40) / d) * k * 0.5;
        for (const n of groups[i]) {
          n.vx = (n.vx ?? 0) - dx * push;
          n.vy = (n.vy ?? 0) - dy * push;
        }
        for (const n of groups[j]) {
          n.vx = (n.vx ?? 0) + dx * push;
          n.vy = (n.vy ?? 0) + dy * push;
        }
      }
      if (!pushOutsiders) continue;
      for (const n of all) {
        if (member.get(n) === i) continue;
        const dx = n.x - a.cx;
        const dy = n.y - a.cy;
        const d = Math.hypot(dx, dy) || 1;
        const min = a.r + n.r + 6;
        if (d >= min) continue;
        const push = ((min - d) / d) * k;
        n.vx = (n.vx ?? 0) + dx * push;
        n.vy = (n.vy ?? 0) + dy * push;
      }
    }
  };
}
