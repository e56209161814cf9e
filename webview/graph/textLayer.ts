/**
 * The graph's text, drawn in screen space at a constant size over the world-space drawing:
 * finalizer badges, an overlay's tags, object labels (and generations when close), cycle labels
 * and reference names. Candidates are culled to the viewport and taken most important first, to
 * a budget per frame; an occupancy grid keeps them from printing over each other.
 */
import type { DrawModel } from './drawModel';
import { pointOn, type Geometry, type Transform } from './geometry';
import { emphasised, highlightActive, type Highlight } from './highlight';
import type { Palette } from './palette';
import { shapeExtent } from './shapes';

const LABEL_FONT_PX = 11;
const BADGE_FONT_PX = 10;

/** What the text layer drew, for the graph's counters. */
export interface TextStats {
  labels: number;
  badges: number;
  edgeLabels: number;
  hullLabels: number;
}

export interface TextScene {
  ctx: CanvasRenderingContext2D;
  model: DrawModel;
  /** World positions, per draw node. */
  x: Float64Array;
  y: Float64Array;
  palette: Palette;
  /** The canvas in CSS pixels. */
  width: number;
  height: number;
}

/**
 * Which screen cells are taken, in 6 px cells: a box is free when none of the cells it covers
 * (2 px inside its edges, so neighbours may touch) is taken.
 */
export class OccupancyGrid {
  private readonly cell = 6;
  private readonly cols: number;
  private readonly rows: number;
  private readonly taken: Uint8Array;

  constructor(width: number, height: number) {
    this.cols = Math.ceil(width / this.cell) + 1;
    this.rows = Math.ceil(height / this.cell) + 1;
    this.taken = new Uint8Array(this.cols * this.rows);
  }

  free(x0: number, y0: number, x1: number, y1: number): boolean {
    const { cell, cols, rows } = this;
    const a = Math.max(0, Math.floor((x0 + 2) / cell));
    const b = Math.min(cols - 1, Math.floor((x1 - 2) / cell));
    const c = Math.max(0, Math.floor((y0 + 2) / cell));
    const d = Math.min(rows - 1, Math.floor((y1 - 2) / cell));
    for (let yy = c; yy <= d; yy++)
      for (let xx = a; xx <= b; xx++) if (this.taken[yy * cols + xx]) return false;
    return true;
  }

  mark(x0: number, y0: number, x1: number, y1: number): void {
    const { cell, cols, rows } = this;
    const a = Math.max(0, Math.floor(x0 / cell));
    const b = Math.min(cols - 1, Math.floor(x1 / cell));
    const c = Math.max(0, Math.floor(y0 / cell));
    const d = Math.min(rows - 1, Math.floor(y1 / cell));
    for (let yy = c; yy <= d; yy++) for (let xx = a; xx <= b; xx++) this.taken[yy * cols + xx] = 1;
  }
}

const hot = (i: number, hl: Highlight): boolean =>
  hl.pathEdges.has(i) || hl.loopEdges.has(i) || hl.relatedEdges.has(i);

export function drawText(s: TextScene, t: Transform, hl: Highlight, g: Geometry): TextStats {
  const { ctx, model: m, x, y, palette: p, width: W, height: H } = s;
  const stats: TextStats = { labels: 0, badges: 0, edgeLabels: 0, hullLabels: 0 };
  const k = t.k;
  const small = m.nodes.length <= 300;
  const active = highlightActive(hl);
  const important = (i: number): boolean => emphasised(hl, i);
  const grid = new OccupancyGrid(W, H);
  const free = grid.free.bind(grid);
  const mark = grid.mark.bind(grid);

  // Candidates on screen, most important first.
  const onScreen: number[] = [];
  const candidates: number[] = [];
  for (let i = 0; i < m.nodes.length; i++) {
    const sx = x[i] * k + t.x;
    const sy = y[i] * k + t.y;
    if (sx < -60 || sy < -40 || sx > W + 60 || sy > H + 40) continue;
    onScreen.push(i);
    const d = m.nodes[i];
    const kr = k * d.r;
    if (small || kr >= 7 || (d.weight >= 8 && kr >= 3) || (d.badge && k >= 0.45) || important(i)) {
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
    const sx = x[i] * k + t.x;
    const sy = y[i] * k + t.y;
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
    const sx = Math.round(x[i] * k + t.x);
    const sy = Math.round(y[i] * k + t.y - shapeExtent(d.cat, d.r) * k - 13);
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

  // The overlay's tags beside its objects (the stepper's gc_refs, "rescued"…).
  if (hl.tags.size > 0) {
    ctx.font = `600 ${BADGE_FONT_PX}px ${p.mono}`;
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    let tags = 0;
    const tagged = [...hl.tags.keys()].sort((a, b) => prio[b] - prio[a] || a - b);
    // Where the objects' names will go (drawn after): the tags keep clear of them.
    const names: [number, number, number, number][] = [];
    ctx.font = `600 ${LABEL_FONT_PX}px ${p.font}`;
    for (const i of candidates) {
      if (!(small || important(i))) continue;
      const d = m.nodes[i];
      const lx = x[i] * k + t.x;
      const ly = y[i] * k + t.y + shapeExtent(d.cat, d.r) * k + 3;
      const lw = ctx.measureText(d.label).width / 2;
      names.push([lx - lw, ly, lx + lw, ly + 13]);
    }
    ctx.font = `600 ${BADGE_FONT_PX}px ${p.mono}`;
    const clearOfNames = (x0: number, y0: number, x1: number, y1: number): boolean =>
      !names.some(([a, b, c, e]) => x0 < c && a < x1 && y0 < e && b < y1);
    for (const i of tagged) {
      if (tags >= 300) break;
      const text = hl.tags.get(i) as string;
      const d = m.nodes[i];
      const cx = x[i] * k + t.x;
      const cy = y[i] * k + t.y;
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
      const style = hl.overlayStyles[hl.rings?.get(i) ?? ''];
      ctx.globalAlpha = hl.fading.has(i) ? hl.fadeAlpha : 1;
      ctx.beginPath();
      ctx.roundRect(at[0] + 0.5, at[1] + 0.5, w, 17, 3);
      ctx.fillStyle = p.bg;
      ctx.fill();
      ctx.lineWidth = 1.4 * p.line;
      ctx.strokeStyle = style?.color ?? p.fg;
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
    const sx = Math.round(x[i] * k + t.x);
    const sy = Math.round(y[i] * k + t.y + shapeExtent(d.cat, d.r) * k + 3);
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
        Math.round(x[i] * k + t.x - e - 2),
        Math.round(y[i] * k + t.y + e * 0.7),
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
    ctx.fillStyle = h.unreachable && hl.rings === null ? p.bad : p.muted;
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
    if (hot(i, hl) || ((showAll || (d.bad && k >= 0.35)) && !active)) order.push(i);
  });
  // Highlighted references first, then those among unreachable objects (the loops).
  const rank = (i: number): number => (hot(i, hl) ? 2 : m.edges[i].bad ? 1 : 0);
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
    const isHot = hot(i, hl);
    // The path's labels are always drawn; other highlighted ones (a selected list's many items)
    // only where they cover nothing, like the rest.
    if (!hl.pathEdges.has(i)) {
      const n = c.length;
      const len = Math.hypot(c[n - 2] - c[0], c[n - 1] - c[1]) * k;
      if (!isHot && c.length !== 8 && len < w * 0.8) continue;
      if (!free(sx - w / 2, sy - 7, sx + w / 2, sy + 7)) continue;
    }
    mark(sx - w / 2, sy - 7, sx + w / 2, sy + 7);
    ctx.beginPath();
    ctx.roundRect(Math.round(sx - w / 2) + 0.5, sy - 8.5, w, 17, 3);
    ctx.globalAlpha = 0.92;
    ctx.fillStyle = p.bg;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.lineWidth = isHot ? 1.4 : 0.8;
    ctx.strokeStyle = hl.pathEdges.has(i)
      ? p.path
      : d.bad || hl.loopEdges.has(i)
        ? p.bad
        : isHot
          ? p.focus
          : p.edge;
    ctx.stroke();
    ctx.fillStyle = p.fg;
    ctx.font = `${isHot ? '700 ' : ''}${BADGE_FONT_PX}px ${p.mono}`;
    ctx.fillText(text, sx, sy + 2);
    ctx.font = `${BADGE_FONT_PX}px ${p.mono}`;
    stats.edgeLabels++;
  }
  return stats;
}
