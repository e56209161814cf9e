/**
 * The current view of the graph as a standalone SVG document: what the canvas shows (the
 * viewport, at its zoom), with colours resolved from the theme so the file needs no stylesheet.
 * Built with DOM calls and serialized, so Python-derived text is escaped by the serializer.
 */
import { curveCatmullRomClosed, line, polygonHull } from 'd3';
import { SVG_NS } from '../ui/dom';
import { shapeExtent, shapePath } from './shapes';
import type { DrawModel } from './drawModel';
import { pointOn, type Transform } from './geometry';
import type { Highlight } from './highlight';
import type { Renderer } from './renderer';

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

export function exportSvg(
  m: DrawModel,
  renderer: Renderer,
  t: Transform,
  hl: Highlight,
  width: number,
  height: number,
): string {
  const p = renderer.palette;
  const { curves, hullTop } = renderer.geometry(hl);
  const [vx0, vy0, vx1, vy1] = renderer.viewport(t, 40);
  const inView = (x: number, y: number, pad = 0): boolean =>
    x >= vx0 - pad && x <= vx1 + pad && y >= vy0 - pad && y <= vy1 + pad;
  const x = renderer.x;
  const y = renderer.y;

  const svg = el('svg', {
    xmlns: SVG_NS,
    width: Math.round(width),
    height: Math.round(height),
    viewBox: `0 0 ${Math.round(width)} ${Math.round(height)}`,
    'font-family': p.font,
  });
  svg.append(el('title', {}, 'Python heap graph'));
  svg.append(
    el('rect', { x: 0, y: 0, width: Math.round(width), height: Math.round(height), fill: p.bg }),
  );
  const defs = el('defs', {});
  const pattern = el('pattern', {
    id: 'hatch',
    patternUnits: 'userSpaceOnUse',
    width: 7,
    height: 7,
    patternTransform: 'rotate(45)',
  });
  pattern.append(el('line', { x1: 0, y1: 0, x2: 0, y2: 7, stroke: p.bad, 'stroke-width': 1.6 }));
  defs.append(pattern);
  svg.append(defs);
  const world = el('g', { transform: `translate(${r1(t.x)},${r1(t.y)}) scale(${t.k})` });
  svg.append(world);
  const lw = p.line / t.k;

  // Cycle outlines.
  const curve = line().curve(curveCatmullRomClosed.alpha(0.5));
  m.hulls.forEach((h, hi) => {
    if (!h.members.some((i) => inView(x[i], y[i], 200))) return;
    const pts: [number, number][] = [];
    for (const i of h.members) {
      const e = shapeExtent(m.nodes[i].cat, m.nodes[i].r);
      const loop = m.edges.some((d) => d.s === i && d.t === i);
      for (let k = 0; k < 12; k++) {
        const a = (k * Math.PI) / 6;
        const s = Math.sin(a);
        const c = Math.cos(a);
        pts.push([
          x[i] + c * (c > 0 && loop ? e + 50 : e + 14),
          y[i] + s * (s < 0 ? e + 30 : e + 22),
        ]);
      }
    }
    world.append(
      el('path', {
        d: curve(polygonHull(pts) ?? pts) ?? '',
        fill: h.unreachable ? p.bad : p.fg,
        'fill-opacity': h.unreachable ? 0.1 : 0.045,
        stroke: h.unreachable ? p.bad : p.muted,
        'stroke-width': (h.unreachable ? 2 : 1.2) * lw,
        'stroke-dasharray': h.unreachable ? 'none' : `${6 / t.k} ${4 / t.k}`,
      }),
    );
    const [hx, hy] = hullTop[hi] ?? [0, 0];
    world.append(
      el(
        'text',
        {
          x: r1(hx),
          y: r1(hy - 5 / t.k),
          'text-anchor': 'middle',
          'font-size': 11 / t.k,
          'font-weight': 600,
          fill: h.unreachable ? p.bad : p.muted,
        },
        h.label,
      ),
    );
  });

  // References.
  m.edges.forEach((d, i) => {
    const c = curves[i];
    if (!inView(c[0], c[1], 100) && !inView(c[c.length - 2], c[c.length - 1], 100)) return;
    const dpath =
      c.length === 8
        ? `M${r1(c[0])},${r1(c[1])}C${r1(c[2])},${r1(c[3])} ${r1(c[4])},${r1(c[5])} ${r1(c[6])},${r1(c[7])}`
        : d.bend !== 0
          ? `M${r1(c[0])},${r1(c[1])}Q${r1(c[2])},${r1(c[3])} ${r1(c[4])},${r1(c[5])}`
          : `M${r1(c[0])},${r1(c[1])}L${r1(c[4])},${r1(c[5])}`;
    const hot = hl.pathEdges.has(i)
      ? p.path
      : hl.loopEdges.has(i)
        ? p.bad
        : hl.relatedEdges.has(i)
          ? p.focus
          : null;
    const color = hot ?? (d.bad ? p.bad : p.edge);
    world.append(
      el('path', {
        d: dpath,
        fill: 'none',
        stroke: color,
        'stroke-width': (hot ? 2.4 : 1.2) * lw,
        'stroke-opacity': hot ? 1 : 0.75,
        'stroke-dasharray': d.weak ? `${6 / t.k} ${4 / t.k}` : 'none',
      }),
    );
    const n = c.length;
    const ex = c[n - 2];
    const ey = c[n - 1];
    const l = Math.hypot(ex - c[n - 4], ey - c[n - 3]) || 1;
    const ux = (ex - c[n - 4]) / l;
    const uy = (ey - c[n - 3]) / l;
    const s = 7;
    world.append(
      el('path', {
        d: `M${r1(ex)},${r1(ey)}L${r1(ex - ux * s - uy * s * 0.45)},${r1(ey - uy * s + ux * s * 0.45)}L${r1(ex - ux * s + uy * s * 0.45)},${r1(ey - uy * s - ux * s * 0.45)}Z`,
        fill: color,
      }),
    );
    if (d.label && (t.k >= 0.6 || hot)) {
      const [mx, my] = pointOn(c, d.bend !== 0, 0.5);
      world.append(
        el(
          'text',
          {
            x: r1(mx),
            y: r1(my + 3 / t.k),
            'text-anchor': 'middle',
            'font-family': p.mono,
            'font-size': 10 / t.k,
            fill: p.fg,
            stroke: p.bg,
            'stroke-width': 3 / t.k,
            'paint-order': 'stroke',
          },
          d.label,
        ),
      );
    }
  });

  // Objects.
  m.nodes.forEach((d, i) => {
    if (!inView(x[i], y[i], 40)) return;
    const g = el('g', { transform: `translate(${r1(x[i])},${r1(y[i])})` });
    const shape = shapePath(d.cat, d.r);
    if (d.root) {
      g.append(
        el('path', {
          d: shapePath(d.cat, d.r + 4.5),
          fill: 'none',
          stroke: p.fg,
          'stroke-width': 1.5 * lw,
        }),
      );
    }
    if (d.cat === 'weakref') {
      g.append(
        el('path', {
          d: shape,
          fill: p.bg,
          stroke: p.category.weakref,
          'stroke-width': 2.2 * lw,
          'stroke-dasharray': `${3 / t.k} ${2 / t.k}`,
        }),
      );
    } else {
      g.append(
        el('path', { d: shape, fill: p.category[d.cat], stroke: p.bg, 'stroke-width': 1.5 * lw }),
      );
    }
    if (d.unreachable) {
      g.append(
        el('path', { d: shape, fill: 'url(#hatch)', stroke: p.bad, 'stroke-width': 3.2 * lw }),
      );
    }
    if (i === hl.selected) {
      g.append(
        el('path', {
          d: shapePath(d.cat, d.r + 7),
          fill: 'none',
          stroke: p.focus,
          'stroke-width': 3 * lw,
        }),
      );
    }
    const e = shapeExtent(d.cat, d.r);
    g.append(
      el(
        'text',
        {
          y: r1(e + 3 / t.k + 10 / t.k),
          'text-anchor': 'middle',
          'font-size': 11 / t.k,
          'font-weight': d.unreachable ? 600 : 400,
          fill: d.unreachable ? p.bad : p.fg,
          stroke: p.bg,
          'stroke-width': 3.5 / t.k,
          'paint-order': 'stroke',
        },
        d.label,
      ),
    );
    if (d.badge) {
      const err = d.badgeKind === 'error';
      const color = err ? p.error : d.badgeKind === 'finalize' ? p.finalize : p.warn;
      const w = (Array.from(d.badge).length * 6.1 + 10) / t.k;
      const by = -e - 12 / t.k;
      g.append(
        el('rect', {
          x: r1(-w / 2),
          y: r1(by - 8 / t.k),
          width: r1(w),
          height: r1(16 / t.k),
          rx: r1(8 / t.k),
          fill: err ? p.error : p.bg,
          stroke: color,
          'stroke-width': 1.2 * lw,
        }),
      );
      g.append(
        el(
          'text',
          {
            y: r1(by + 3.5 / t.k),
            'text-anchor': 'middle',
            'font-family': p.mono,
            'font-size': 10 / t.k,
            fill: err ? p.bg : color,
          },
          d.badge,
        ),
      );
    }
    world.append(g);
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
}
