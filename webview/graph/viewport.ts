/**
 * Pan and zoom (d3-zoom on the canvas), fitting and revealing, and hit testing: which object is
 * under a point of the canvas (a quadtree over the drawn positions, rebuilt when they move).
 */
import { quadtree, select, zoom, zoomIdentity, type Quadtree, type ZoomTransform } from 'd3';
import type { Rect } from './geometry';
import type { GraphState } from './graphState';
import { shapeExtent } from './shapes';

export interface Viewport {
  /** Draw index of the object at canvas point (px, py), or −1. */
  hit(px: number, py: number): number;
  /** The drawn positions moved: hit testing rebuilds its index. */
  positionsMoved(): void;
  /** Fits where the layout puts everything (not where the animation is). */
  fit(animate: boolean): void;
  /** Fits these draw indices, zooming in no further than `maxScale`. */
  fitIndices(indices: number[], maxScale: number): void;
  /** Pans (and zooms in if far out) to an object unless it is well inside the view. */
  reveal(i: number): void;
  zoomBy(factor: number): void;
  /** Sets the pan and zoom at once (a restored state, the benchmark's end). */
  set(t: ZoomTransform): void;
}

export function createViewport(s: GraphState, on: { moved(fromUser: boolean): void }): Viewport {
  const { renderer } = s;
  let tree: Quadtree<number> | null = null;

  const zoomer = zoom<HTMLCanvasElement, unknown>()
    .scaleExtent([0.01, 12])
    .filter((ev: Event) => {
      const e = ev as MouseEvent & { button?: number };
      // A press on an object drags the object, not the view.
      if (e.type === 'mousedown' && hit(e.offsetX, e.offsetY) >= 0) return false;
      return (!e.ctrlKey || e.type === 'wheel') && !e.button;
    })
    .on('zoom', (ev: { transform: ZoomTransform; sourceEvent: Event | null }) => {
      s.t = ev.transform;
      on.moved(Boolean(ev.sourceEvent));
    });
  const sel = select(s.canvas);
  sel.call(zoomer).on('dblclick.zoom', null);

  function apply(nt: ZoomTransform, animate: boolean): void {
    if (animate && !s.reduced) {
      sel.transition().duration(350).call(zoomer.transform, nt);
    } else {
      sel.call(zoomer.transform, nt);
    }
  }

  function fitBounds(b: Rect | null, animate: boolean, maxScale: number): void {
    if (!b) return;
    const { width, height } = renderer.size;
    if (width === 0 || height === 0) return;
    const [x0, y0, x1, y1] = b;
    const k = Math.max(
      0.01,
      Math.min(maxScale, (0.94 * width) / (x1 - x0 || 1), (0.92 * height) / (y1 - y0 || 1)),
    );
    apply(
      zoomIdentity
        .translate(width / 2, height / 2)
        .scale(k)
        .translate(-(x0 + x1) / 2, -(y0 + y1) / 2),
      animate,
    );
  }

  function boundsOfTargets(only?: number[]): Rect | null {
    // Fit to where the layout is going, not where the animation is.
    const sx = renderer.x;
    const sy = renderer.y;
    renderer.x = s.tx;
    renderer.y = s.ty;
    const b = renderer.bounds(only);
    renderer.x = sx;
    renderer.y = sy;
    return b;
  }

  function hit(px: number, py: number): number {
    const m = s.model;
    if (!m || m.nodes.length === 0) return -1;
    if (!tree) {
      const x = renderer.x;
      const y = renderer.y;
      const ids = Array.from({ length: m.nodes.length }, (_, i) => i).filter(
        (i) => !Number.isNaN(x[i]),
      );
      tree = quadtree<number>()
        .x((i) => x[i])
        .y((i) => y[i])
        .addAll(ids);
    }
    const t = s.t;
    const [wx, wy] = t.invert([px, py]);
    let maxR = 0;
    for (const d of m.nodes) maxR = Math.max(maxR, shapeExtent(d.cat, d.r));
    const found = tree.find(wx, wy, maxR + 4 / t.k);
    if (found === undefined) return -1;
    const d = m.nodes[found];
    const dist = Math.hypot(renderer.x[found] - wx, renderer.y[found] - wy);
    return dist <= shapeExtent(d.cat, d.r) + 4 / t.k ? found : -1;
  }

  return {
    hit,
    positionsMoved() {
      tree = null;
    },
    fit(animate) {
      fitBounds(boundsOfTargets(), animate, 1.6);
    },
    fitIndices(indices, maxScale) {
      fitBounds(boundsOfTargets(indices), true, maxScale);
    },
    reveal(i) {
      const t = s.t;
      const { width, height } = renderer.size;
      const x = Number.isNaN(s.tx[i]) ? renderer.x[i] : s.tx[i];
      const y = Number.isNaN(s.ty[i]) ? renderer.y[i] : s.ty[i];
      const [sx, sy] = t.apply([x, y]);
      if (sx > 60 && sx < width - 60 && sy > 60 && sy < height - 60 && t.k >= 0.5) return;
      const k = Math.max(t.k, 0.9);
      apply(
        zoomIdentity
          .translate(width / 2, height / 2)
          .scale(k)
          .translate(-x, -y),
        true,
      );
    },
    zoomBy(factor) {
      if (s.reduced) sel.call(zoomer.scaleBy, factor);
      else sel.transition().duration(200).call(zoomer.scaleBy, factor);
    },
    set(t) {
      apply(t, false);
    },
  };
}
