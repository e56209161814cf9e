/**
 * Draws a DrawModel on a 2D canvas. World-space geometry (nodes, references, cycle outlines) is
 * batched into one Path2D per style and cached until positions or highlights change, so panning
 * and zooming only re-fills cached paths; text (labels, badges, reference names) is drawn in
 * screen space at a constant size, culled to the viewport and to a budget per frame.
 */
import { curveCatmullRomClosed, line, polygonHull } from 'd3';
import { shapeExtent, traceShape } from './shapes';
import type { DrawEdge, DrawModel } from './drawModel';
import type { Palette, PhaseTone } from './palette';

/** How the stepper draws a reference: between examined objects (subtracted), from an older
 * generation (counted as outside), one that rescues its target. */
export type PhaseEdgeTone = 'internal' | 'older' | 'rescue';

export interface Transform {
  x: number;
  y: number;
  k: number;
}

export interface Highlight {
  selected: number;
  /** Nodes next to the selection, and its edges. */
  related: Set<number>;
  relatedEdges: Set<number>;
  /** "Why is this alive?": the path's nodes and edges. */
  pathNodes: Set<number>;
  pathEdges: Set<number>;
  /** The loop that keeps an unreachable selection's reference count up. */
  loopEdges: Set<number>;
  search: Set<number>;
  /** Keyboard cursor (may differ from the selection), or −1. */
  cursor: number;
  /**
   * The collector stepper: what the current phase does to each object it touches (by draw
   * index; null when the stepper is off), the short numbers shown beside them, and the
   * references the phase is about. Objects not in `phase` are dimmed.
   */
  phase: Map<number, PhaseTone> | null;
  phaseTags: Map<number, string>;
  phaseEdges: Map<number, PhaseEdgeTone>;
  /** Objects fading out (a real collection freed them), drawn with `fadeAlpha`. */
  fading: Set<number>;
  fadeAlpha: number;
}

export function emptyHighlight(): Highlight {
  return {
    selected: -1,
    related: new Set(),
    relatedEdges: new Set(),
    pathNodes: new Set(),
    pathEdges: new Set(),
    loopEdges: new Set(),
    search: new Set(),
    cursor: -1,
    phase: null,
    phaseTags: new Map(),
    phaseEdges: new Map(),
    fading: new Set(),
    fadeAlpha: 1,
  };
}

/** The stepper or a search or a selection is on: what it does not touch is dimmed. */
function highlightActive(hl: Highlight): boolean {
  return hl.selected >= 0 || hl.pathNodes.size > 0 || hl.search.size > 0 || hl.phase !== null;
}

export interface DrawStats {
  nodes: number;
  edges: number;
  hulls: number;
  labels: number;
  badges: number;
  edgeLabels: number;
  hullLabels: number;
  ms: number;
}

/** `full`: outlines, hatching, rings, dashes, arrows; `simple`: fills and hairlines (far or crowded). */
type Lod = 'full' | 'simple';

interface Geometry {
  key: string;
  lod: Lod;
  /** The world rectangle this geometry covers (null: everything), and the zoom it was made at. */
  cull: [number, number, number, number] | null;
  k0: number;
  /** Edge curve control points: [sx, sy, cx, cy, ex, ey] or a loop's [sx, sy, c1x, c1y, c2x, c2y, ex, ey]. */
  curves: Float64Array[];
  hullPaths: Path2D[];
  hullTop: [number, number][];
  hullBottom: [number, number][];
  nodeFill: Map<string, Path2D>;
  dimNodeFill: Map<string, Path2D>;
  unreachable: Path2D;
  dimUnreachable: Path2D;
  roots: Path2D;
  weakrefs: Path2D;
  dimWeakrefs: Path2D;
  finalizerDots: Path2D;
  errorDots: Path2D;
  edgePaths: Map<string, Path2D>;
  focusRings: Path2D;
  searchRings: Path2D;
  pathRings: Path2D;
  cursorRing: Path2D;
  phaseRings: Map<PhaseTone, Path2D>;
  fadeFill: Map<string, Path2D>;
  fadeUnreachable: Path2D;
  fadeWeakrefs: Path2D;
}

const LABEL_FONT_PX = 11;
const BADGE_FONT_PX = 10;

export class Renderer {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  model: DrawModel | null = null;
  /** Displayed positions (world), per draw node. */
  x: Float64Array = new Float64Array(0);
  y: Float64Array = new Float64Array(0);
  palette: Palette;
  private geom: Geometry | null = null;
  private hatch: CanvasPattern | null = null;
  private width = 0;
  private height = 0;
  private dpr = 1;
  private arrowCache: { key: string; paths: Map<string, Path2D> } | null = null;
  private lastViewport: [number, number, number, number] | null = null;
  private curveCache: Float64Array[] | null = null;
  private fadeAlpha = 1;
  /** The last still frame of a big graph with a margin of half a view around it (see drawFast). */
  private still: { canvas: HTMLCanvasElement; t: Transform; w: number; h: number } | null = null;

  /**
   * Renders the view with a margin into an offscreen canvas, for drawFast. Called for big graphs
   * once the view is still.
   */
  renderStill(t: Transform, hl: Highlight): void {
    const w = this.width;
    const h = this.height;
    const c = this.still?.canvas ?? document.createElement('canvas');
    c.width = Math.max(1, Math.round(w * 2 * this.dpr));
    c.height = Math.max(1, Math.round(h * 2 * this.dpr));
    const ctx = c.getContext('2d', { alpha: false });
    if (!ctx) return;
    const saved = { ctx: this.ctx, width: this.width, height: this.height };
    this.ctx = ctx;
    this.width = w * 2;
    this.height = h * 2;
    try {
      this.draw({ x: t.x + w / 2, y: t.y + h / 2, k: t.k }, hl);
    } finally {
      this.ctx = saved.ctx;
      this.width = saved.width;
      this.height = saved.height;
    }
    this.still = { canvas: c, t: { ...t }, w, h };
  }

  /**
   * While the user pans and zooms a big graph: the still frame, moved and scaled (cheap), instead
   * of a full drawing; false when there is none that fits.
   */
  drawFast(t: Transform): boolean {
    const st = this.still;
    if (!st || st.w !== this.width || st.h !== this.height) return false;
    const s = t.k / st.t.k;
    if (s < 0.3 || s > 3) return false;
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = this.palette.bg;
    ctx.fillRect(0, 0, this.width, this.height);
    const ox = t.x - s * (st.t.x + st.w / 2);
    const oy = t.y - s * (st.t.y + st.h / 2);
    ctx.setTransform(this.dpr * s, 0, 0, this.dpr * s, this.dpr * ox, this.dpr * oy);
    ctx.drawImage(st.canvas, 0, 0, st.w * 2, st.h * 2);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    return true;
  }

  constructor(canvas: HTMLCanvasElement, palette: Palette) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('this browser cannot draw on a canvas');
    this.ctx = ctx;
    this.palette = palette;
  }

  setPalette(p: Palette): void {
    this.still = null;
    this.palette = p;
    this.hatch = null;
    this.invalidate();
  }

  setModel(model: DrawModel, x: Float64Array, y: Float64Array): void {
    this.model = model;
    this.x = x;
    this.y = y;
    this.invalidate();
  }

  /** Positions changed: rebuild the cached curves and paths on the next draw. */
  invalidate(): void {
    this.still = null;
    this.geom = null;
    this.arrowCache = null;
    this.curveCache = null;
  }

  /** Only colours or opacity changed: the cached paths stay, the still frame goes. */
  invalidateStill(): void {
    this.still = null;
  }

  /** Highlights changed: rebuild the cached paths (positions are the same). */
  invalidateHighlight(): void {
    this.still = null;
    this.geom = null;
    this.arrowCache = null;
  }

  resize(width: number, height: number, dpr: number): void {
    this.still = null;
    this.width = width;
    this.height = height;
    this.dpr = dpr;
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
  }

  get size(): { width: number; height: number } {
    return { width: this.width, height: this.height };
  }

  private hatchPattern(): CanvasPattern | null {
    if (this.hatch) return this.hatch;
    const c = document.createElement('canvas');
    c.width = 7;
    c.height = 7;
    const g = c.getContext('2d');
    if (!g) return null;
    g.strokeStyle = this.palette.bad;
    g.lineWidth = 1.6;
    g.globalAlpha = 0.9;
    g.beginPath();
    g.moveTo(-1, 8);
    g.lineTo(8, -1);
    g.moveTo(-1, 1);
    g.lineTo(1, -1);
    g.moveTo(6, 8);
    g.lineTo(8, 6);
    g.stroke();
    this.hatch = this.ctx.createPattern(c, 'repeat');
    return this.hatch;
  }

  /** Start and end of each edge outside its nodes, with its curve control points. */
  private curves(m: DrawModel): Float64Array[] {
    const { x, y } = this;
    return m.edges.map((d) => {
      const a = m.nodes[d.s];
      const b = m.nodes[d.t];
      const ra = shapeExtent(a.cat, a.r);
      if (d.s === d.t) {
        const size = 22 + d.loop * 12;
        // Self references loop out to the right (the badge is above, the label below).
        const a0 = -0.62 + d.loop * 0.1;
        const a1 = 0.62 - d.loop * 0.1;
        const sx = x[d.s] + ra * Math.cos(a0);
        const sy = y[d.s] + ra * Math.sin(a0);
        const ex = x[d.s] + (ra + 1) * Math.cos(a1);
        const ey = y[d.s] + (ra + 1) * Math.sin(a1);
        const far = ra + size * 1.6;
        return Float64Array.of(
          sx,
          sy,
          x[d.s] + far * Math.cos(a0 - 0.3),
          y[d.s] + far * Math.sin(a0 - 0.3),
          x[d.s] + far * Math.cos(a1 + 0.3),
          y[d.s] + far * Math.sin(a1 + 0.3),
          ex,
          ey,
        );
      }
      const rb = shapeExtent(b.cat, b.r);
      const dx = x[d.t] - x[d.s];
      const dy = y[d.t] - y[d.s];
      const len = Math.hypot(dx, dy) || 1;
      // Bends are measured from the lower id so a pair's two directions curve apart.
      const flip = d.s < d.t ? 1 : -1;
      const off = d.bend * 36 * flip;
      const cx = (x[d.s] + x[d.t]) / 2 + (-dy / len) * off;
      const cy = (y[d.s] + y[d.t]) / 2 + (dx / len) * off;
      const toward = (px: number, py: number, r: number): [number, number] => {
        const l = Math.hypot(cx - px, cy - py) || 1;
        return [px + ((cx - px) / l) * r, py + ((cy - py) / l) * r];
      };
      const [sx, sy] =
        d.bend === 0
          ? [x[d.s] + (dx / len) * ra, y[d.s] + (dy / len) * ra]
          : toward(x[d.s], y[d.s], ra);
      const [ex, ey] =
        d.bend === 0
          ? [x[d.t] - (dx / len) * (rb + 1), y[d.t] - (dy / len) * (rb + 1)]
          : toward(x[d.t], y[d.t], rb + 1);
      return Float64Array.of(sx, sy, cx, cy, ex, ey);
    });
  }

  private traceCurve(p: CanvasPath, c: Float64Array, bent: boolean): void {
    p.moveTo(c[0], c[1]);
    if (c.length === 8) p.bezierCurveTo(c[2], c[3], c[4], c[5], c[6], c[7]);
    else if (bent) p.quadraticCurveTo(c[2], c[3], c[4], c[5]);
    else p.lineTo(c[4], c[5]);
  }

  private build(
    hl: Highlight,
    lod: Lod = 'full',
    cull: [number, number, number, number] | null = null,
    key = 'full|all',
  ): Geometry {
    const m = this.model as DrawModel;
    const { x, y } = this;
    const simple = lod === 'simple';
    const inView = (i: number, pad: number): boolean =>
      !cull ||
      (x[i] >= cull[0] - pad &&
        x[i] <= cull[2] + pad &&
        y[i] >= cull[1] - pad &&
        y[i] <= cull[3] + pad);
    const active = highlightActive(hl);
    const focus = (i: number): boolean =>
      !active ||
      i === hl.selected ||
      hl.related.has(i) ||
      hl.pathNodes.has(i) ||
      hl.search.has(i) ||
      i === hl.cursor ||
      (hl.phase?.has(i) ?? false);

    const nodeFill = new Map<string, Path2D>();
    const dimNodeFill = new Map<string, Path2D>();
    const unreachable = new Path2D();
    const dimUnreachable = new Path2D();
    const roots = new Path2D();
    const weakrefs = new Path2D();
    const dimWeakrefs = new Path2D();
    const finalizerDots = new Path2D();
    const errorDots = new Path2D();
    const focusRings = new Path2D();
    const searchRings = new Path2D();
    const pathRings = new Path2D();
    const cursorRing = new Path2D();
    const phaseRings = new Map<PhaseTone, Path2D>();
    const fadeFill = new Map<string, Path2D>();
    const fadeUnreachable = new Path2D();
    const fadeWeakrefs = new Path2D();
    m.nodes.forEach((d, i) => {
      if (!inView(i, 40)) return;
      const fading = hl.fading.has(i);
      const f = focus(i);
      const px = x[i];
      const py = y[i];
      const tone = hl.phase?.get(i);
      if (tone) {
        let ring = phaseRings.get(tone);
        if (!ring) phaseRings.set(tone, (ring = new Path2D()));
        traceShape(ring, d.cat, px, py, d.r + (simple ? 4 : 5));
      }
      if (simple) {
        // Far away or crowded: one filled shape per object, garbage in solid red.
        const map = fading ? fadeFill : f ? nodeFill : dimNodeFill;
        const cat = d.unreachable ? 'bad' : d.cat;
        let p = map.get(cat);
        if (!p) map.set(cat, (p = new Path2D()));
        p.rect(px - d.r, py - d.r, d.r * 2, d.r * 2);
        if (i === hl.selected) traceShape(focusRings, d.cat, px, py, d.r + 7);
        if (hl.search.has(i)) traceShape(searchRings, d.cat, px, py, d.r + 5);
        if (hl.pathNodes.has(i)) traceShape(pathRings, d.cat, px, py, d.r + 5.5);
        if (i === hl.cursor && i !== hl.selected) traceShape(cursorRing, d.cat, px, py, d.r + 7);
        return;
      }
      if (d.cat === 'weakref') {
        traceShape(fading ? fadeWeakrefs : f ? weakrefs : dimWeakrefs, d.cat, px, py, d.r);
      } else {
        const map = fading ? fadeFill : f ? nodeFill : dimNodeFill;
        let p = map.get(d.cat);
        if (!p) map.set(d.cat, (p = new Path2D()));
        traceShape(p, d.cat, px, py, d.r);
      }
      if (d.unreachable)
        traceShape(fading ? fadeUnreachable : f ? unreachable : dimUnreachable, d.cat, px, py, d.r);
      if (d.root) traceShape(roots, d.cat, px, py, d.r + 4.5);
      if (d.badgeKind) {
        const dots = d.badgeKind === 'error' ? errorDots : finalizerDots;
        const e = shapeExtent(d.cat, d.r);
        dots.moveTo(px + e * 0.8 + 3.5, py - e * 0.8);
        dots.arc(px + e * 0.8, py - e * 0.8, 3.5, 0, Math.PI * 2);
      }
      if (i === hl.selected) traceShape(focusRings, d.cat, px, py, d.r + 7);
      if (hl.search.has(i)) traceShape(searchRings, d.cat, px, py, d.r + 5);
      if (hl.pathNodes.has(i)) traceShape(pathRings, d.cat, px, py, d.r + 5.5);
      if (i === hl.cursor && i !== hl.selected) traceShape(cursorRing, d.cat, px, py, d.r + 7);
    });

    const curves = (this.curveCache ??= this.curves(m));
    const edgePaths = new Map<string, Path2D>();
    m.edges.forEach((d, i) => {
      if (cull && !inView(d.s, 200) && !inView(d.t, 200)) return;
      let style = this.edgeStyle(d, i, hl, active);
      if (simple) style = style.replace('bad-weak', 'bad').replace(/(^|-)weak$/, '$1strong');
      let p = edgePaths.get(style);
      if (!p) edgePaths.set(style, (p = new Path2D()));
      this.traceCurve(p, curves[i], d.bend !== 0);
    });

    const hullPaths: Path2D[] = [];
    const hullTop: [number, number][] = [];
    const hullBottom: [number, number][] = [];
    const big = m.nodes.length > 3000;
    const curve = line().curve(curveCatmullRomClosed.alpha(0.5));
    for (const h of m.hulls) {
      const p = new Path2D();
      if (cull && !h.members.some((i) => inView(i, 300))) {
        hullPaths.push(p);
        hullTop.push([NaN, NaN]);
        hullBottom.push([NaN, NaN]);
        continue;
      }
      if (big || h.members.length > 200) {
        let cx = 0;
        let cy = 0;
        for (const i of h.members) {
          cx += x[i];
          cy += y[i];
        }
        cx /= h.members.length;
        cy /= h.members.length;
        let rad = 0;
        for (const i of h.members) {
          rad = Math.max(rad, Math.hypot(x[i] - cx, y[i] - cy) + m.nodes[i].r + 10);
        }
        // A cycle spread over the crowd is shown by its red references, not by a huge circle.
        if (rad <= 160 || h.members.length > 200) {
          p.moveTo(cx + rad, cy);
          p.arc(cx, cy, rad, 0, Math.PI * 2);
        }
        hullPaths.push(p);
        hullTop.push([cx, cy - rad]);
        hullBottom.push([cx, cy + rad]);
        continue;
      }
      const pts: [number, number][] = [];
      for (const i of h.members) {
        const d = m.nodes[i];
        const e = shapeExtent(d.cat, d.r);
        const top = e + (d.badge ? 30 : 12);
        const bottom = e + 22;
        const side = e + 14;
        const right = side + (this.loopCount(i) > 0 ? 36 + 12 * this.loopCount(i) : 0);
        for (let k = 0; k < 12; k++) {
          const a = (k * Math.PI) / 6;
          const s = Math.sin(a);
          const c = Math.cos(a);
          pts.push([x[i] + c * (c > 0 ? right : side), y[i] + s * (s < 0 ? top : bottom)]);
        }
      }
      const hull = polygonHull(pts) ?? pts;
      // d3-shape draws on anything with the CanvasPath methods.
      curve.context(p as unknown as CanvasRenderingContext2D)(hull);
      let minY = Infinity;
      let maxY = -Infinity;
      let sx = 0;
      for (const [hx, hy] of hull) {
        minY = Math.min(minY, hy);
        maxY = Math.max(maxY, hy);
        sx += hx;
      }
      hullPaths.push(p);
      hullTop.push([sx / hull.length, minY]);
      hullBottom.push([sx / hull.length, maxY]);
    }

    return {
      key,
      lod,
      cull,
      k0: 1,
      curves,
      hullPaths,
      hullTop,
      hullBottom,
      nodeFill,
      dimNodeFill,
      unreachable,
      dimUnreachable,
      roots,
      weakrefs,
      dimWeakrefs,
      finalizerDots,
      errorDots,
      edgePaths,
      focusRings,
      searchRings,
      pathRings,
      cursorRing,
      phaseRings,
      fadeFill,
      fadeUnreachable,
      fadeWeakrefs,
    };
  }

  private loops: Map<number, number> | null = null;

  private loopCount(i: number): number {
    if (!this.loops) {
      this.loops = new Map();
      for (const d of this.model?.edges ?? []) {
        if (d.s === d.t) this.loops.set(d.s, (this.loops.get(d.s) ?? 0) + 1);
      }
    }
    return this.loops.get(i) ?? 0;
  }

  private edgeStyle(d: DrawEdge, i: number, hl: Highlight, active: boolean): string {
    if (hl.fading.size > 0 && (hl.fading.has(d.s) || hl.fading.has(d.t))) return 'fade';
    if (hl.pathEdges.has(i)) return 'path';
    if (hl.loopEdges.has(i)) return 'loop';
    if (hl.relatedEdges.has(i)) return d.weak ? 'hl-weak' : 'hl';
    const tone = hl.phaseEdges.get(i);
    if (tone) return `hl-phase-${tone}`;
    const base = d.bad ? (d.weak ? 'bad-weak' : 'bad') : d.weak ? 'weak' : 'strong';
    return active ? `dim-${base}` : base;
  }

  private strokeFor(
    key: string,
    k: number,
  ): { color: string; width: number; dash: number[]; alpha: number } {
    const p = this.palette;
    const lw = p.line / k;
    const dim = key.startsWith('dim-');
    const base = dim ? key.slice(4) : key;
    const alpha = dim ? 0.18 : 1;
    switch (base) {
      case 'fade':
        return { color: p.bad, width: 1.4 * lw, dash: [], alpha: 0.8 * this.fadeAlpha };
      case 'hl-phase-internal':
        return { color: p.step.internal, width: 2.6 * lw, dash: [], alpha: 1 };
      case 'hl-phase-older':
        return { color: p.step.older, width: 2.6 * lw, dash: [7 / k, 4 / k], alpha: 1 };
      case 'hl-phase-rescue':
        return { color: p.step.rescued, width: 2.6 * lw, dash: [], alpha: 1 };
      case 'path':
        return { color: p.path, width: 3.2 * lw, dash: [], alpha: 1 };
      case 'loop':
        return { color: p.bad, width: 3 * lw, dash: [], alpha: 1 };
      case 'hl':
        return { color: p.focus, width: 2.2 * lw, dash: [], alpha: 1 };
      case 'hl-weak':
        return { color: p.focus, width: 2 * lw, dash: [6 / k, 4 / k], alpha: 1 };
      case 'bad':
        return { color: p.bad, width: 1.6 * lw, dash: [], alpha: 0.85 * alpha };
      case 'bad-weak':
        return { color: p.bad, width: 1.4 * lw, dash: [6 / k, 4 / k], alpha: 0.85 * alpha };
      case 'weak':
        return { color: p.edge, width: 1.3 * lw, dash: [6 / k, 4 / k], alpha: 0.9 * alpha };
      default:
        return { color: p.edge, width: 1.2 * lw, dash: [], alpha: 0.7 * alpha };
    }
  }

  private arrows(g: Geometry, k: number, hl: Highlight): Map<string, Path2D> {
    const m = this.model as DrawModel;
    const size = Math.min(12 / k, Math.max(3 / k, 7));
    const key = `${size.toFixed(2)}|${g.key}`;
    if (this.arrowCache && this.arrowCache.key === key) return this.arrowCache.paths;
    const paths = new Map<string, Path2D>();
    const active = highlightActive(hl);
    const vp = this.lastViewport;
    m.edges.forEach((d, i) => {
      const c = g.curves[i];
      const n = c.length;
      if (vp && (c[n - 2] < vp[0] || c[n - 2] > vp[2] || c[n - 1] < vp[1] || c[n - 1] > vp[3]))
        return;
      const ex = c[n - 2];
      const ey = c[n - 1];
      const px = c[n - 4];
      const py = c[n - 3];
      const l = Math.hypot(ex - px, ey - py) || 1;
      const ux = (ex - px) / l;
      const uy = (ey - py) / l;
      const style = this.edgeStyle(d, i, hl, active);
      let p = paths.get(style);
      if (!p) paths.set(style, (p = new Path2D()));
      const w = size * 0.45;
      p.moveTo(ex, ey);
      p.lineTo(ex - ux * size - uy * w, ey - uy * size + ux * w);
      p.lineTo(ex - ux * size + uy * w, ey - uy * size - ux * w);
      p.closePath();
    });
    this.arrowCache = { key, paths };
    return paths;
  }

  /** World rectangle visible in the canvas. */
  viewport(t: Transform, margin = 0): [number, number, number, number] {
    return [
      (-t.x - margin) / t.k,
      (-t.y - margin) / t.k,
      (this.width - t.x + margin) / t.k,
      (this.height - t.y + margin) / t.k,
    ];
  }

  draw(t: Transform, hl: Highlight): DrawStats {
    const t0 = performance.now();
    this.fadeAlpha = hl.fadeAlpha;
    const ctx = this.ctx;
    const p = this.palette;
    const stats: DrawStats = {
      nodes: 0,
      edges: 0,
      hulls: 0,
      labels: 0,
      badges: 0,
      edgeLabels: 0,
      hullLabels: 0,
      ms: 0,
    };
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = p.bg;
    ctx.fillRect(0, 0, this.width, this.height);
    const m = this.model;
    if (!m || m.nodes.length === 0) {
      stats.ms = performance.now() - t0;
      return stats;
    }
    this.loops = null;
    const k = t.k;
    const vp = this.viewport(t, 60);
    this.lastViewport = null;
    let visible = 0;
    for (let i = 0; i < m.nodes.length; i++) {
      if (this.x[i] >= vp[0] && this.x[i] <= vp[2] && this.y[i] >= vp[1] && this.y[i] <= vp[3])
        visible++;
    }
    const lod: Lod = visible > 2500 || k * 12 < 3.5 ? 'simple' : 'full';
    // Small graphs are cached whole. Big ones keep what is in view and as much again around it,
    // reused while panning and zooming stay inside that margin (rebuilt only when leaving it).
    const cached = this.geom;
    const inside =
      cached !== null &&
      cached.lod === lod &&
      cached.cull !== null &&
      cached.k0 / k < 1.6 &&
      k / cached.k0 < 1.6 &&
      vp[0] >= cached.cull[0] &&
      vp[1] >= cached.cull[1] &&
      vp[2] <= cached.cull[2] &&
      vp[3] <= cached.cull[3];
    if (!inside) {
      let cull: [number, number, number, number] | null = null;
      if (m.nodes.length > 2500 && visible < m.nodes.length) {
        const w = vp[2] - vp[0];
        const h = vp[3] - vp[1];
        cull = [vp[0] - w / 2, vp[1] - h / 2, vp[2] + w / 2, vp[3] + h / 2];
      }
      const key = `${lod}|${cull ? cull.join(',') : 'all'}`;
      if (!cached || cached.key !== key) {
        this.geom = this.build(hl, lod, cull, key);
        this.geom.cull = cull;
        this.geom.k0 = k;
        this.arrowCache = null;
      }
    }
    const g = this.geom as Geometry;
    this.lastViewport = g.cull;
    const simple = g.lod === 'simple';
    ctx.setTransform(this.dpr * k, 0, 0, this.dpr * k, this.dpr * t.x, this.dpr * t.y);
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';

    // Cycle outlines. While the stepper shows a phase, the full collection's red steps back:
    // the phase's own colours say what this collection does.
    const stepping = hl.phase !== null;
    m.hulls.forEach((h, i) => {
      const path = g.hullPaths[i];
      if (!simple) {
        ctx.fillStyle = h.unreachable ? p.bad : p.fg;
        ctx.globalAlpha = h.unreachable ? (stepping ? 0.04 : 0.1) : 0.045;
        ctx.fill(path);
      }
      ctx.globalAlpha = h.unreachable ? (stepping ? 0.35 : 0.95) : 0.6;
      ctx.strokeStyle = h.unreachable ? p.bad : p.muted;
      ctx.lineWidth = ((simple ? 1 : h.unreachable ? 2 : 1.2) * p.line) / k;
      ctx.setLineDash(h.unreachable || simple ? [] : [6 / k, 4 / k]);
      ctx.stroke(path);
      stats.hulls++;
    });
    ctx.setLineDash([]);

    // References, dimmed first, highlighted last.
    const order = (key: string): number =>
      key.startsWith('dim-') ? 0 : key === 'path' || key === 'loop' || key.startsWith('hl') ? 2 : 1;
    const keys = [...g.edgePaths.keys()].sort((a, b) => order(a) - order(b));
    const arrows = k >= 0.25 && !simple ? this.arrows(g, k, hl) : null;
    for (const key of keys) {
      const s = this.strokeFor(key, k);
      if (simple && !key.startsWith('hl') && key !== 'path' && key !== 'loop') s.width = p.line / k;
      ctx.globalAlpha = s.alpha;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = s.width;
      ctx.setLineDash(s.dash);
      ctx.stroke(g.edgePaths.get(key) as Path2D);
      const a = arrows?.get(key);
      if (a) {
        ctx.setLineDash([]);
        ctx.fillStyle = s.color;
        ctx.fill(a);
      }
    }
    ctx.setLineDash([]);
    stats.edges = m.edges.length;

    // Objects: dimmed, then the rest.
    const lw = p.line / k;
    const drawNodes = (
      fill: Map<string, Path2D>,
      unreach: Path2D,
      weak: Path2D,
      alpha: number,
    ): void => {
      for (const [cat, path] of fill) {
        ctx.globalAlpha = alpha;
        ctx.fillStyle = cat === 'bad' ? p.bad : p.category[cat as keyof Palette['category']];
        ctx.fill(path);
        if (simple) continue;
        ctx.strokeStyle = p.bg;
        ctx.lineWidth = 1.5 * lw;
        ctx.stroke(path);
      }
      if (simple) return;
      ctx.globalAlpha = alpha;
      ctx.fillStyle = p.bg;
      ctx.fill(weak);
      ctx.strokeStyle = p.category.weakref;
      ctx.lineWidth = 2.2 * lw;
      ctx.setLineDash([3 / k, 2 / k]);
      ctx.stroke(weak);
      ctx.setLineDash([]);
      const hatch = this.hatchPattern();
      if (hatch) {
        hatch.setTransform(new DOMMatrix().scale(1 / k));
        ctx.fillStyle = hatch;
        ctx.fill(unreach);
      }
      ctx.strokeStyle = p.bad;
      ctx.lineWidth = 3.2 * lw;
      if (stepping) ctx.globalAlpha = alpha * 0.4;
      ctx.stroke(unreach);
    };
    drawNodes(g.dimNodeFill, g.dimUnreachable, g.dimWeakrefs, p.line > 1 ? 0.5 : 0.25);
    drawNodes(g.nodeFill, g.unreachable, g.weakrefs, 1);
    if (g.fadeFill.size > 0 && hl.fadeAlpha > 0.01) {
      drawNodes(g.fadeFill, g.fadeUnreachable, g.fadeWeakrefs, hl.fadeAlpha);
    }
    // The stepper's rings: what the current phase does to each object it touches.
    for (const [tone, ring] of g.phaseRings) {
      ctx.globalAlpha =
        hl.fading.size > 0 && (tone === 'freed' || tone === 'unreachable') ? hl.fadeAlpha : 1;
      ctx.strokeStyle = p.step[tone];
      ctx.lineWidth = (tone === 'mismatch' ? 4.5 : 3) * lw;
      ctx.setLineDash(tone === 'older' || tone === 'mismatch' ? [5 / k, 3 / k] : []);
      ctx.stroke(ring);
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    ctx.globalAlpha = 0.8;
    ctx.strokeStyle = p.fg;
    ctx.lineWidth = 1.5 * lw;
    ctx.stroke(g.roots);
    ctx.globalAlpha = 1;
    ctx.fillStyle = p.warn;
    ctx.fill(g.finalizerDots);
    ctx.fillStyle = p.error;
    ctx.fill(g.errorDots);
    ctx.strokeStyle = p.search;
    ctx.lineWidth = 2.5 * lw;
    ctx.stroke(g.searchRings);
    ctx.strokeStyle = p.path;
    ctx.lineWidth = 2.5 * lw;
    ctx.stroke(g.pathRings);
    ctx.strokeStyle = p.focus;
    ctx.lineWidth = 3 * lw;
    ctx.stroke(g.focusRings);
    ctx.setLineDash([4 / k, 3 / k]);
    ctx.lineWidth = 2 * lw;
    ctx.stroke(g.cursorRing);
    ctx.setLineDash([]);
    stats.nodes = m.nodes.length;

    // Text, in screen space.
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.globalAlpha = 1;
    this.drawText(t, hl, g, stats);
    stats.ms = performance.now() - t0;
    return stats;
  }

  private drawText(t: Transform, hl: Highlight, g: Geometry, stats: DrawStats): void {
    const m = this.model as DrawModel;
    const ctx = this.ctx;
    const p = this.palette;
    const k = t.k;
    const W = this.width;
    const H = this.height;
    const small = m.nodes.length <= 300;
    const active = highlightActive(hl);
    const important = (i: number): boolean =>
      i === hl.selected ||
      hl.related.has(i) ||
      hl.pathNodes.has(i) ||
      hl.search.has(i) ||
      i === hl.cursor ||
      (hl.phase?.has(i) ?? false);

    // Occupancy grid so labels do not overprint each other.
    const cell = 6;
    const cols = Math.ceil(W / cell) + 1;
    const rows = Math.ceil(H / cell) + 1;
    const grid = new Uint8Array(cols * rows);
    const free = (x0: number, y0: number, x1: number, y1: number): boolean => {
      // Checked 2 px inside the box: neighbours may touch, not overlap.
      const a = Math.max(0, Math.floor((x0 + 2) / cell));
      const b = Math.min(cols - 1, Math.floor((x1 - 2) / cell));
      const c = Math.max(0, Math.floor((y0 + 2) / cell));
      const d = Math.min(rows - 1, Math.floor((y1 - 2) / cell));
      for (let yy = c; yy <= d; yy++)
        for (let xx = a; xx <= b; xx++) if (grid[yy * cols + xx]) return false;
      return true;
    };
    const mark = (x0: number, y0: number, x1: number, y1: number): void => {
      const a = Math.max(0, Math.floor(x0 / cell));
      const b = Math.min(cols - 1, Math.floor(x1 / cell));
      const c = Math.max(0, Math.floor(y0 / cell));
      const d = Math.min(rows - 1, Math.floor(y1 / cell));
      for (let yy = c; yy <= d; yy++) for (let xx = a; xx <= b; xx++) grid[yy * cols + xx] = 1;
    };

    // Candidates on screen, most important first.
    const onScreen: number[] = [];
    const candidates: number[] = [];
    for (let i = 0; i < m.nodes.length; i++) {
      const sx = this.x[i] * k + t.x;
      const sy = this.y[i] * k + t.y;
      if (sx < -60 || sy < -40 || sx > W + 60 || sy > H + 40) continue;
      onScreen.push(i);
      const d = m.nodes[i];
      const kr = k * d.r;
      if (
        small ||
        kr >= 7 ||
        (d.weight >= 8 && kr >= 3) ||
        (d.badge && k >= 0.45) ||
        important(i)
      ) {
        candidates.push(i);
      }
    }
    // Only what can carry text is sorted, most important first.
    const prio = new Float64Array(m.nodes.length);
    for (const i of candidates) prio[i] = (important(i) ? 100 : 0) + m.nodes[i].weight;
    candidates.sort((a, b) => prio[b] - prio[a] || a - b);
    // Mark the nodes themselves (labels avoid covering objects).
    for (const i of onScreen) {
      const d = m.nodes[i];
      const e = shapeExtent(d.cat, d.r) * k;
      const sx = this.x[i] * k + t.x;
      const sy = this.y[i] * k + t.y;
      if (e > 2) mark(sx - e * 0.9, sy - e * 0.9, sx + e * 0.9, sy + e * 0.9);
    }

    // Badges. (The canvas's text state is reset whenever it is resized: set it every frame.)
    ctx.textAlign = 'center';
    // Text sits on whole pixels: a 1 px underscore at a half-pixel offset is not drawn at all
    // (`__del__` would read `del`).
    ctx.font = `${BADGE_FONT_PX}px ${p.mono}`;
    ctx.textBaseline = 'alphabetic';
    const badgeBudget = 400;
    for (const i of candidates) {
      const d = m.nodes[i];
      if (!d.badge || stats.badges >= badgeBudget) continue;
      if (!(small || k >= 0.45 || important(i))) continue;
      if (active && !important(i) && !small) continue;
      const sx = Math.round(this.x[i] * k + t.x);
      const sy = Math.round(this.y[i] * k + t.y - shapeExtent(d.cat, d.r) * k - 13);
      const w = Math.ceil(ctx.measureText(d.badge).width) + 10;
      const x0 = Math.round(sx - w / 2);
      if (!important(i) && !free(x0, sy - 9, x0 + w, sy + 9)) continue;
      mark(x0, sy - 9, x0 + w, sy + 9);
      const err = d.badgeKind === 'error';
      const color = err ? p.error : d.badgeKind === 'finalize' ? p.finalize : p.warn;
      ctx.globalAlpha = active && !important(i) ? 0.35 : 1;
      ctx.beginPath();
      ctx.roundRect(x0 + 0.5, sy - 8.5, w, 18, 9);
      ctx.fillStyle = err ? p.error : p.bg;
      ctx.fill();
      ctx.lineWidth = 1.2 * p.line;
      ctx.strokeStyle = color;
      ctx.stroke();
      ctx.fillStyle = err ? p.bg : color;
      ctx.font = `${err ? '700 ' : ''}${BADGE_FONT_PX}px ${p.mono}`;
      // Baseline 2 px below the middle: the underscores of `__del__` stay clear of the border.
      ctx.fillText(d.badge, sx, sy + 2);
      ctx.font = `${BADGE_FONT_PX}px ${p.mono}`;
      stats.badges++;
    }
    ctx.globalAlpha = 1;

    // The stepper's numbers beside the objects of the phase (gc_refs, "rescued"…).
    if (hl.phaseTags.size > 0) {
      ctx.font = `600 ${BADGE_FONT_PX}px ${p.mono}`;
      ctx.textBaseline = 'alphabetic';
      ctx.textAlign = 'left';
      let tags = 0;
      const tagged = [...hl.phaseTags.keys()].sort((a, b) => prio[b] - prio[a] || a - b);
      // Where the objects' names will go (drawn after): the numbers keep clear of them.
      const names: [number, number, number, number][] = [];
      ctx.font = `600 ${LABEL_FONT_PX}px ${p.font}`;
      for (const i of candidates) {
        if (!(small || important(i))) continue;
        const d = m.nodes[i];
        const lx = this.x[i] * k + t.x;
        const ly = this.y[i] * k + t.y + shapeExtent(d.cat, d.r) * k + 3;
        const lw = ctx.measureText(d.label).width / 2;
        names.push([lx - lw, ly, lx + lw, ly + 13]);
      }
      ctx.font = `600 ${BADGE_FONT_PX}px ${p.mono}`;
      const clearOfNames = (x0: number, y0: number, x1: number, y1: number): boolean =>
        !names.some(([a, b, c, e]) => x0 < c && a < x1 && y0 < e && b < y1);
      for (const i of tagged) {
        if (tags >= 300) break;
        const text = hl.phaseTags.get(i) as string;
        const d = m.nodes[i];
        const cx = this.x[i] * k + t.x;
        const cy = this.y[i] * k + t.y;
        if (cx < -80 || cy < -30 || cx > W + 80 || cy > H + 30) continue;
        const e = shapeExtent(d.cat, d.r) * k;
        const w = Math.ceil(ctx.measureText(text).width) + 10;
        // Right of the object, else left of it, else under its label.
        const spots: [number, number][] = [
          [Math.round(cx + e + 6), Math.round(cy - 9)],
          [Math.round(cx - e - 6 - w), Math.round(cy - 9)],
          [Math.round(cx - w / 2), Math.round(cy + e + 17)],
        ];
        const inside = spots.filter(([x0]) => x0 >= 2 && x0 + w <= W - 2);
        const at =
          inside.find(
            ([x0, y0]) => free(x0, y0, x0 + w, y0 + 18) && clearOfNames(x0, y0, x0 + w, y0 + 18),
          ) ??
          inside.find(([x0, y0]) => free(x0, y0, x0 + w, y0 + 18)) ??
          inside[0] ??
          spots[0];
        mark(at[0], at[1], at[0] + w, at[1] + 18);
        const tone = hl.phase?.get(i) ?? 'examined';
        ctx.globalAlpha = hl.fading.has(i) ? hl.fadeAlpha : 1;
        ctx.beginPath();
        ctx.roundRect(at[0] + 0.5, at[1] + 0.5, w, 17, 3);
        ctx.fillStyle = p.bg;
        ctx.fill();
        ctx.lineWidth = 1.4 * p.line;
        ctx.strokeStyle = p.step[tone];
        ctx.stroke();
        ctx.fillStyle = p.fg;
        ctx.fillText(text, at[0] + 5, at[1] + 13);
        tags++;
      }
      ctx.globalAlpha = 1;
      ctx.textAlign = 'center';
    }

    // Node labels (and generations when close).
    ctx.textBaseline = 'alphabetic';
    const labelBudget = 500;
    for (const i of candidates) {
      if (stats.labels >= labelBudget) break;
      const d = m.nodes[i];
      const imp = important(i);
      if (!(small || k * d.r >= 7 || imp || (d.weight >= 8 && k * d.r >= 3))) continue;
      if (active && !imp && !small && k * d.r < 9) continue;
      const sx = Math.round(this.x[i] * k + t.x);
      const sy = Math.round(this.y[i] * k + t.y + shapeExtent(d.cat, d.r) * k + 3);
      ctx.font = `${d.unreachable || imp ? '600 ' : ''}${LABEL_FONT_PX}px ${p.font}`;
      const w = ctx.measureText(d.label).width;
      if (!free(sx - w / 2, sy, sx + w / 2, sy + 13)) {
        if (!imp) continue;
      }
      mark(sx - w / 2, sy, sx + w / 2, sy + 13);
      ctx.globalAlpha = active && !imp ? 0.45 : 1;
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = p.bg;
      ctx.strokeText(d.label, sx, sy + 10);
      ctx.fillStyle = d.unreachable ? p.bad : p.fg;
      ctx.fillText(d.label, sx, sy + 10);
      stats.labels++;
      if (k >= 1.1 && d.n.generation !== null && !d.group) {
        ctx.font = `9px ${p.mono}`;
        ctx.fillStyle = p.muted;
        ctx.textAlign = 'right';
        const e = shapeExtent(d.cat, d.r) * k;
        ctx.fillText(
          `g${d.n.generation}`,
          Math.round(this.x[i] * k + t.x - e - 2),
          Math.round(this.y[i] * k + t.y + e * 0.7),
        );
        ctx.textAlign = 'center';
      }
    }
    ctx.globalAlpha = 1;

    // Hull labels.
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    ctx.font = `600 ${LABEL_FONT_PX}px ${p.font}`;
    m.hulls.forEach((h, i) => {
      if (!small && k < 0.5 && m.hulls.length > 40) return;
      const [hx, hy] = g.hullTop[i];
      const sx = Math.round(hx * k + t.x);
      const sy = Math.round(hy * k + t.y - 5);
      if (sx < -100 || sx > W + 100 || sy < -10 || sy > H + 20) return;
      const w = ctx.measureText(h.label).width;
      // Above the outline, else below it, else a little higher.
      const bottomY = Math.round(g.hullBottom[i][1] * k + t.y + 14);
      const spots = [sy, bottomY, sy - 14];
      const at = spots.find((yy) => free(sx - w / 2, yy - 11, sx + w / 2, yy + 2));
      if (at === undefined) return;
      mark(sx - w / 2, at - 11, sx + w / 2, at + 2);
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = p.bg;
      ctx.strokeText(h.label, sx, at);
      ctx.fillStyle = h.unreachable && hl.phase === null ? p.bad : p.muted;
      ctx.fillText(h.label, sx, at);
      stats.hullLabels++;
    });

    // Reference labels.
    ctx.font = `${BADGE_FONT_PX}px ${p.mono}`;
    ctx.textBaseline = 'alphabetic';
    const edgeBudget = 300;
    const showAll = k >= 0.7 || (small && k >= 0.45);
    const order: number[] = [];
    m.edges.forEach((d, i) => {
      if (!d.label) return;
      const hot = hl.pathEdges.has(i) || hl.loopEdges.has(i) || hl.relatedEdges.has(i);
      if (hot || ((showAll || (d.bad && k >= 0.35)) && !active)) order.push(i);
    });
    // Highlighted references first, then those among unreachable objects (the loops).
    const rank = (i: number): number => (this.hot(i, hl) ? 2 : m.edges[i].bad ? 1 : 0);
    order.sort((a, b) => rank(b) - rank(a));
    for (const i of order) {
      if (stats.edgeLabels >= edgeBudget) break;
      const d = m.edges[i];
      const c = g.curves[i];
      const [wx, wy] = pointOn(c, d.bend !== 0, 0.5);
      const text = d.label.length > 28 ? `${d.label.slice(0, 27)}…` : d.label;
      const w = Math.ceil(ctx.measureText(text).width) + 8;
      // A loop's label starts at the loop's far end, away from its object.
      const sx = Math.round(wx * k + t.x + (c.length === 8 ? w / 2 - 2 : 0));
      const sy = Math.round(wy * k + t.y);
      if (sx < -50 || sy < -20 || sx > W + 50 || sy > H + 20) continue;
      const hot = this.hot(i, hl);
      if (!hot) {
        const n = c.length;
        const len = Math.hypot(c[n - 2] - c[0], c[n - 1] - c[1]) * k;
        if (c.length !== 8 && len < w * 0.8) continue;
        if (!free(sx - w / 2, sy - 7, sx + w / 2, sy + 7)) continue;
      }
      mark(sx - w / 2, sy - 7, sx + w / 2, sy + 7);
      ctx.beginPath();
      ctx.roundRect(Math.round(sx - w / 2) + 0.5, sy - 8.5, w, 17, 3);
      ctx.globalAlpha = 0.92;
      ctx.fillStyle = p.bg;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.lineWidth = hot ? 1.4 : 0.8;
      ctx.strokeStyle = hl.pathEdges.has(i)
        ? p.path
        : d.bad || hl.loopEdges.has(i)
          ? p.bad
          : hot
            ? p.focus
            : p.edge;
      ctx.stroke();
      ctx.fillStyle = p.fg;
      ctx.font = `${hot ? '700 ' : ''}${BADGE_FONT_PX}px ${p.mono}`;
      ctx.fillText(text, sx, sy + 2);
      ctx.font = `${BADGE_FONT_PX}px ${p.mono}`;
      stats.edgeLabels++;
    }
  }

  private hot(i: number, hl: Highlight): boolean {
    return hl.pathEdges.has(i) || hl.loopEdges.has(i) || hl.relatedEdges.has(i);
  }

  /** World-space bounding box of the drawn objects (with room for their labels). */
  bounds(only?: number[]): [number, number, number, number] | null {
    const m = this.model;
    if (!m || m.nodes.length === 0) return null;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    const visit = (i: number): void => {
      const e = shapeExtent(m.nodes[i].cat, m.nodes[i].r);
      x0 = Math.min(x0, this.x[i] - e - 30);
      x1 = Math.max(x1, this.x[i] + e + 30);
      y0 = Math.min(y0, this.y[i] - e - 34);
      y1 = Math.max(y1, this.y[i] + e + 22);
    };
    if (only) only.forEach(visit);
    else for (let i = 0; i < m.nodes.length; i++) visit(i);
    return Number.isFinite(x0) ? [x0, y0, x1, y1] : null;
  }

  /** Curves, for the SVG export. */
  geometry(hl: Highlight): { curves: Float64Array[]; hullTop: [number, number][] } {
    const g = this.geom && this.geom.key === 'full|all' ? this.geom : this.build(hl);
    return { curves: g.curves, hullTop: g.hullTop };
  }
}

/** Point at parameter u of an edge curve. */
export function pointOn(c: Float64Array, bent: boolean, u: number): [number, number] {
  const v = 1 - u;
  if (c.length === 8) {
    return [
      v * v * v * c[0] + 3 * v * v * u * c[2] + 3 * v * u * u * c[4] + u * u * u * c[6],
      v * v * v * c[1] + 3 * v * v * u * c[3] + 3 * v * u * u * c[5] + u * u * u * c[7],
    ];
  }
  if (!bent) return [c[0] + (c[4] - c[0]) * u, c[1] + (c[5] - c[1]) * u];
  return [
    v * v * c[0] + 2 * v * u * c[2] + u * u * c[4],
    v * v * c[1] + 2 * v * u * c[3] + u * u * c[5],
  ];
}
