/**
 * How the layout starts on a new model: each object where it was last placed (or where a seed,
 * such as the previous capture, puts it), held there more or less firmly; new objects drawn first
 * where a neighbour was drawn, so they grow out of it; and the arrays the layout worker reads
 * (sizes, bands, cycles, references). Pure: no DOM.
 */
import type { DrawModel } from './drawModel';
import type { LayoutInit } from './layoutProgram';
import { shapeExtent } from './shapes';

/** What identifies a drawn thing across models: an object by id, a group by its key. */
export type PlaceKey = number | string;

export function placeKey(m: DrawModel, i: number): PlaceKey {
  const d = m.nodes[i];
  return d.group ? d.group.key : d.id;
}

export interface LayoutPlan {
  init: Omit<LayoutInit, 'type' | 'gen'>;
  /** Where each object is drawn before the layout moves it (NaN: where the layout first puts it). */
  drawnX: Float64Array;
  drawnY: Float64Array;
  /** Fewer than half the objects had a place: a new picture, not a change to the old one. */
  fresh: boolean;
}

export interface PlanInput {
  /** Last place of everything laid out before. */
  placed: ReadonlyMap<PlaceKey, [number, number]>;
  /** Where things were drawn in the model shown until now. */
  drawn: ReadonlyMap<PlaceKey, [number, number]>;
  /** Places to start from by object id (the previous capture, a restored state). */
  seed?: ReadonlyMap<number, [number, number]>;
  /** The graph grew or shrank: hold what was placed firmly where it is. */
  stable?: boolean;
}

export function planLayout(next: DrawModel, o: PlanInput): LayoutPlan {
  const n = next.nodes.length;
  const x0 = new Float64Array(n).fill(NaN);
  const y0 = new Float64Array(n).fill(NaN);
  const dx = new Float64Array(n).fill(NaN);
  const dy = new Float64Array(n).fill(NaN);
  const anchor = new Float32Array(n);
  let known = 0;
  for (let i = 0; i < n; i++) {
    const key = placeKey(next, i);
    const seeded = o.seed?.get(next.nodes[i].id);
    const pos = seeded ?? o.placed.get(key);
    if (pos) {
      x0[i] = pos[0];
      y0[i] = pos[1];
      known++;
      anchor[i] = o.stable ? 0.35 : seeded ? 0.2 : 0;
    }
    const shownAt = o.drawn.get(key);
    if (shownAt) {
      dx[i] = shownAt[0];
      dy[i] = shownAt[1];
    }
  }
  // New objects grow out of a neighbour that was already drawn.
  const src = new Uint32Array(next.edges.length);
  const dst = new Uint32Array(next.edges.length);
  const weak = new Uint8Array(next.edges.length);
  next.edges.forEach((e, k) => {
    src[k] = e.s;
    dst[k] = e.t;
    weak[k] = e.weak ? 1 : 0;
    if (Number.isNaN(dx[e.t]) && !Number.isNaN(dx[e.s])) {
      dx[e.t] = dx[e.s];
      dy[e.t] = dy[e.s];
    } else if (Number.isNaN(dx[e.s]) && !Number.isNaN(dx[e.t])) {
      dx[e.s] = dx[e.t];
      dy[e.s] = dy[e.t];
    }
  });
  const band = new Int8Array(n);
  const cycle = new Int32Array(n).fill(-1);
  const r = new Float32Array(n);
  const cycleIds = new Map<number, number>();
  const loops = new Set(next.edges.filter((e) => e.s === e.t).map((e) => e.s));
  next.nodes.forEach((d, i) => {
    band[i] = d.unreachable ? 1 : d.root ? -1 : 0;
    // Readable sizes keep room for the label under an object and the badge over it.
    const e = shapeExtent(d.cat, d.r);
    const outlined = d.n.cycle !== null && !d.group;
    r[i] =
      n <= 300
        ? Math.max(
            e + (outlined ? 30 : 12) + (loops.has(i) ? 20 : 0),
            (Math.min(d.label.length, 32) * 6.2) / 2 + (outlined ? 16 : 4),
            d.badge ? (d.badge.length * 6.1 + 10) / 2 + (outlined ? 12 : 0) : 0,
          )
        : e + (d.badge ? 6 : 0);
    if (d.n.cycle !== null && !d.group) {
      let c = cycleIds.get(d.n.cycle);
      if (c === undefined) cycleIds.set(d.n.cycle, (c = cycleIds.size));
      cycle[i] = c;
    }
  });
  const fresh = known < n / 2;
  return {
    init: {
      count: n,
      x: x0,
      y: y0,
      r,
      band,
      cycle,
      anchor,
      src,
      dst,
      weak,
      alpha: fresh ? 1 : known === n ? 0.15 : 0.45,
    },
    drawnX: dx,
    drawnY: dy,
    fresh,
  };
}
