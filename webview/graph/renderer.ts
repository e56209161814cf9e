/**
 * Draws a DrawModel on a 2D canvas: the canvas and its pixel ratio, what is cached and when it is
 * rebuilt, and the order of drawing. World-space geometry (geometry.ts) is batched into one Path2D
 * per style and cached until positions or highlights change, so panning and zooming only re-fill
 * cached paths; text (textLayer.ts) is drawn in screen space at a constant size. Big graphs pan
 * on a still frame of themselves (drawFast).
 */
import type { DrawModel } from './drawModel';
import {
  arrowPaths,
  buildGeometry,
  edgeCurves,
  edgeStroke,
  type Geometry,
  type Lod,
  type Rect,
  type Transform,
} from './geometry';
import type { Highlight } from './highlight';
import type { Palette } from './palette';
import { shapeExtent } from './shapes';
import { drawText } from './textLayer';

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

/** Nothing drawn yet. */
export function emptyStats(): DrawStats {
  return {
    nodes: 0,
    edges: 0,
    hulls: 0,
    labels: 0,
    badges: 0,
    edgeLabels: 0,
    hullLabels: 0,
    ms: 0,
  };
}

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
  private lastViewport: Rect | null = null;
  private curveCache: Float64Array[] | null = null;
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

  draw(t: Transform, hl: Highlight): DrawStats {
    const t0 = performance.now();
    const ctx = this.ctx;
    const p = this.palette;
    const stats = emptyStats();
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = p.bg;
    ctx.fillRect(0, 0, this.width, this.height);
    const m = this.model;
    if (!m || m.nodes.length === 0) {
      stats.ms = performance.now() - t0;
      return stats;
    }
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
      let cull: Rect | null = null;
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

    // Cycle outlines. While an overlay is shown (the stepper's phase), the graph's own red steps
    // back: the overlay's colours say what matters now.
    const stepping = hl.rings !== null;
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
    const arrows = k >= 0.25 && !simple ? this.arrows(m, g, k, hl) : null;
    for (const key of keys) {
      const s = edgeStroke(key, k, p, hl);
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
    // The overlay's rings (the stepper: what the phase does to each object it touches).
    for (const [name, ring] of g.overlayRings) {
      const style = hl.overlayStyles[name];
      ctx.globalAlpha = hl.fading.size > 0 && style?.fades ? hl.fadeAlpha : 1;
      ctx.strokeStyle = style?.color ?? p.fg;
      ctx.lineWidth = (style?.ringWidth ?? 3) * lw;
      ctx.setLineDash(style?.dashed ? [5 / k, 3 / k] : []);
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
    const scene = { ctx, model: m, x: this.x, y: this.y, palette: p };
    Object.assign(stats, drawText({ ...scene, width: this.width, height: this.height }, t, hl, g));
    stats.ms = performance.now() - t0;
    return stats;
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

  private build(hl: Highlight, lod?: Lod, cull?: Rect | null, key?: string): Geometry {
    const m = this.model as DrawModel;
    this.curveCache ??= edgeCurves(m, this.x, this.y);
    return buildGeometry(m, this.x, this.y, this.curveCache, hl, lod, cull, key);
  }

  private arrows(m: DrawModel, g: Geometry, k: number, hl: Highlight): Map<string, Path2D> {
    const size = Math.min(12 / k, Math.max(3 / k, 7));
    const key = `${size.toFixed(2)}|${g.key}`;
    if (this.arrowCache && this.arrowCache.key === key) return this.arrowCache.paths;
    const paths = arrowPaths(m, g, size, hl, this.lastViewport);
    this.arrowCache = { key, paths };
    return paths;
  }
}
