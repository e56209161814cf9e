/**
 * The graph's world-space geometry: the curve of each reference, and one Path2D per drawing style
 * for objects, references, arrowheads, rings and cycle outlines. The renderer builds it once and
 * re-fills the cached paths while the view pans and zooms; positions or highlights changing make
 * a new one. Text is not here: it is drawn in screen space (textLayer.ts).
 */
import { curveCatmullRomClosed, line, polygonHull } from 'd3';
import type { DrawEdge, DrawModel } from './drawModel';
import { emphasised, highlightActive, type Highlight } from './highlight';
import type { Palette } from './palette';
import { shapeExtent, traceShape } from './shapes';

/** `full`: outlines, hatching, rings, dashes, arrows; `simple`: fills and hairlines (far or crowded). */
export type Lod = 'full' | 'simple';

/** A world rectangle: [x0, y0, x1, y1]. */
export type Rect = [number, number, number, number];

/** World to screen: screen = world × k + (x, y). */
export interface Transform {
  x: number;
  y: number;
  k: number;
}

export interface Geometry {
  key: string;
  lod: Lod;
  /** The world rectangle this geometry covers (null: everything), and the zoom it was made at. */
  cull: Rect | null;
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
  /** The overlay's rings, by style name. */
  overlayRings: Map<string, Path2D>;
  fadeFill: Map<string, Path2D>;
  fadeUnreachable: Path2D;
  fadeWeakrefs: Path2D;
}

/** Start and end of each edge outside its nodes, with its curve control points. */
export function edgeCurves(m: DrawModel, x: Float64Array, y: Float64Array): Float64Array[] {
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

function traceCurve(p: CanvasPath, c: Float64Array, bent: boolean): void {
  p.moveTo(c[0], c[1]);
  if (c.length === 8) p.bezierCurveTo(c[2], c[3], c[4], c[5], c[6], c[7]);
  else if (bent) p.quadraticCurveTo(c[2], c[3], c[4], c[5]);
  else p.lineTo(c[4], c[5]);
}

/** Edge styles of an overlay: this prefix and the overlay style's name. */
export const OVERLAY_EDGE = 'hl-overlay:';

/**
 * How a reference is drawn (the key of its batched path and of its stroke): fading, on the path,
 * on the loop, next to the selection, in an overlay's style, or plain (dimmed when something
 * else is highlighted).
 */
export function edgeStyle(d: DrawEdge, i: number, hl: Highlight, active: boolean): string {
  if (hl.fading.size > 0 && (hl.fading.has(d.s) || hl.fading.has(d.t))) return 'fade';
  if (hl.pathEdges.has(i)) return 'path';
  if (hl.loopEdges.has(i)) return 'loop';
  if (hl.relatedEdges.has(i)) return d.weak ? 'hl-weak' : 'hl';
  const style = hl.overlayEdges.get(i);
  if (style) return `${OVERLAY_EDGE}${style}`;
  const base = d.bad ? (d.weak ? 'bad-weak' : 'bad') : d.weak ? 'weak' : 'strong';
  return active ? `dim-${base}` : base;
}

export interface Stroke {
  color: string;
  width: number;
  dash: number[];
  alpha: number;
}

/** How an edge style (edgeStyle) is stroked at zoom `k`. */
export function edgeStroke(key: string, k: number, p: Palette, hl: Highlight): Stroke {
  const lw = p.line / k;
  if (key.startsWith(OVERLAY_EDGE)) {
    const style = hl.overlayStyles[key.slice(OVERLAY_EDGE.length)];
    const dash = style?.dashed ? [7 / k, 4 / k] : [];
    return { color: style?.color ?? p.edge, width: 2.6 * lw, dash, alpha: 1 };
  }
  const dim = key.startsWith('dim-');
  const base = dim ? key.slice(4) : key;
  const alpha = dim ? 0.18 : 1;
  switch (base) {
    case 'fade':
      return { color: p.bad, width: 1.4 * lw, dash: [], alpha: 0.8 * hl.fadeAlpha };
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

export function buildGeometry(
  m: DrawModel,
  x: Float64Array,
  y: Float64Array,
  curves: Float64Array[],
  hl: Highlight,
  lod: Lod = 'full',
  cull: Rect | null = null,
  key = 'full|all',
): Geometry {
  const simple = lod === 'simple';
  const inView = (i: number, pad: number): boolean =>
    !cull ||
    (x[i] >= cull[0] - pad &&
      x[i] <= cull[2] + pad &&
      y[i] >= cull[1] - pad &&
      y[i] <= cull[3] + pad);
  const active = highlightActive(hl);
  const focus = (i: number): boolean => !active || emphasised(hl, i);

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
  const overlayRings = new Map<string, Path2D>();
  const fadeFill = new Map<string, Path2D>();
  const fadeUnreachable = new Path2D();
  const fadeWeakrefs = new Path2D();
  m.nodes.forEach((d, i) => {
    if (!inView(i, 40)) return;
    const fading = hl.fading.has(i);
    const f = focus(i);
    const px = x[i];
    const py = y[i];
    const ringStyle = hl.rings?.get(i);
    if (ringStyle) {
      let ring = overlayRings.get(ringStyle);
      if (!ring) overlayRings.set(ringStyle, (ring = new Path2D()));
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

  const edgePaths = new Map<string, Path2D>();
  m.edges.forEach((d, i) => {
    if (cull && !inView(d.s, 200) && !inView(d.t, 200)) return;
    let style = edgeStyle(d, i, hl, active);
    // Far away: weak references drawn as strong ones (a dash is lost at that size).
    if (simple && !style.startsWith(OVERLAY_EDGE))
      style = style.replace('bad-weak', 'bad').replace(/(^|-)weak$/, '$1strong');
    let p = edgePaths.get(style);
    if (!p) edgePaths.set(style, (p = new Path2D()));
    traceCurve(p, curves[i], d.bend !== 0);
  });

  return {
    key,
    lod,
    cull,
    k0: 1,
    curves,
    ...hulls(m, x, y, inView, cull !== null),
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
    overlayRings,
    fadeFill,
    fadeUnreachable,
    fadeWeakrefs,
  };
}

/** The outline of each cycle, and the points its label goes above and below. */
function hulls(
  m: DrawModel,
  x: Float64Array,
  y: Float64Array,
  inView: (i: number, pad: number) => boolean,
  culled: boolean,
): Pick<Geometry, 'hullPaths' | 'hullTop' | 'hullBottom'> {
  const hullPaths: Path2D[] = [];
  const hullTop: [number, number][] = [];
  const hullBottom: [number, number][] = [];
  const big = m.nodes.length > 3000;
  const curve = line().curve(curveCatmullRomClosed.alpha(0.5));
  let loops: Map<number, number> | null = null;
  const loopCount = (i: number): number => {
    if (!loops) {
      loops = new Map();
      for (const d of m.edges) if (d.s === d.t) loops.set(d.s, (loops.get(d.s) ?? 0) + 1);
    }
    return loops.get(i) ?? 0;
  };
  for (const h of m.hulls) {
    const p = new Path2D();
    if (culled && !h.members.some((i) => inView(i, 300))) {
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
      const right = side + (loopCount(i) > 0 ? 36 + 12 * loopCount(i) : 0);
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
  return { hullPaths, hullTop, hullBottom };
}

/** Arrowheads at the end of each reference in view, batched by the reference's style. */
export function arrowPaths(
  m: DrawModel,
  g: Geometry,
  size: number,
  hl: Highlight,
  viewport: Rect | null,
): Map<string, Path2D> {
  const paths = new Map<string, Path2D>();
  const active = highlightActive(hl);
  const vp = viewport;
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
    const style = edgeStyle(d, i, hl, active);
    let p = paths.get(style);
    if (!p) paths.set(style, (p = new Path2D()));
    const w = size * 0.45;
    p.moveTo(ex, ey);
    p.lineTo(ex - ux * size - uy * w, ey - uy * size + ux * w);
    p.lineTo(ex - ux * size + uy * w, ey - uy * size - ux * w);
    p.closePath();
  });
  return paths;
}
