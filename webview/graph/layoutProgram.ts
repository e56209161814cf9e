/**
 * The force layout of the heap graph, written to run in a Web Worker made from its own source
 * text: `layoutEngine` must stay self-contained (no imports, no references to anything outside
 * the function), because layoutClient.ts ships it to the worker as
 * `(${layoutEngine})(${manyBodyForce})` in a Blob; the repulsion (layoutManyBody.ts) comes in as
 * that argument. The same functions run on the page's thread when workers are not allowed.
 *
 * Forces, over typed arrays: Barnes–Hut repulsion, springs along references, collision on a grid,
 * a pull towards each object's band (roots left, live objects middle, unreachable objects right),
 * cohesion of cycles, and anchors that keep already-placed objects where they were when the
 * graph grows (stable layout).
 */

import type { ManyBody } from './layoutManyBody';

export interface LayoutInit {
  type: 'init';
  /** Generation: answers to older inits are ignored. */
  gen: number;
  count: number;
  /** Initial positions; NaN when unknown (placed near a placed neighbour, or in its band). */
  x: Float64Array;
  y: Float64Array;
  r: Float32Array;
  /** −1 roots, 0 live, 1 unreachable. */
  band: Int8Array;
  /** Cycle group per node, or −1. */
  cycle: Int32Array;
  /** How strongly a node is held at its initial position (0: free). */
  anchor: Float32Array;
  src: Uint32Array;
  dst: Uint32Array;
  weak: Uint8Array;
  /** Starting temperature: 1 for a new layout, lower to settle a grown one. */
  alpha: number;
}

export interface LayoutTick {
  type: 'tick';
  gen: number;
  x: Float32Array;
  y: Float32Array;
  /** 0…1: how far the layout has cooled. */
  progress: number;
  done: boolean;
}

export interface LayoutEngine {
  init(msg: LayoutInit): void;
  /** Runs ticks for up to `budgetMs`; returns the positions when something moved. */
  run(budgetMs: number): LayoutTick | null;
  /** Moves (and pins, or unpins with NaN) one node, and warms the layout up a little. */
  drag(i: number, x: number, y: number): void;
  stop(): void;
}

export function layoutEngine(makeManyBody: () => ManyBody): LayoutEngine {
  let gen = 0;
  let n = 0;
  let x = new Float64Array(0);
  let y = new Float64Array(0);
  let vx = new Float64Array(0);
  let vy = new Float64Array(0);
  let r: Float32Array = new Float32Array(0);
  let tx = new Float64Array(0);
  let ax = new Float64Array(0);
  let ay = new Float64Array(0);
  let anchor: Float32Array = new Float32Array(0);
  let pinX = new Float64Array(0);
  let pinY = new Float64Array(0);
  let cycle: Int32Array = new Int32Array(0);
  let src: Uint32Array = new Uint32Array(0);
  let dst: Uint32Array = new Uint32Array(0);
  let linkStrength = new Float64Array(0);
  let linkBias = new Float64Array(0);
  let linkLength = new Float64Array(0);
  let cycleCount = 0;
  let alpha = 0;
  let alphaDecay = 0.02;
  const alphaMin = 0.002;
  const velocityDecay = 0.55;
  let charge = -60;
  let running = false;
  let startAlpha = 1;

  const manyBody = makeManyBody();

  function links(): void {
    for (let e = 0; e < src.length; e++) {
      const s = src[e];
      const t = dst[e];
      if (s === t) continue;
      let dx = x[t] + vx[t] - x[s] - vx[s];
      let dy = y[t] + vy[t] - y[s] - vy[s];
      let l = Math.sqrt(dx * dx + dy * dy) || 1e-3;
      l = ((l - linkLength[e]) / l) * alpha * linkStrength[e];
      dx *= l;
      dy *= l;
      const b = linkBias[e];
      vx[t] -= dx * b;
      vy[t] -= dy * b;
      vx[s] += dx * (1 - b);
      vy[s] += dy * (1 - b);
    }
  }

  // Collision on a uniform grid.
  let gridHead = new Int32Array(0);
  let gridNext = new Int32Array(0);

  function collide(): void {
    let maxR = 1;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      if (r[i] > maxR) maxR = r[i];
      if (x[i] < x0) x0 = x[i];
      if (x[i] > x1) x1 = x[i];
      if (y[i] < y0) y0 = y[i];
      if (y[i] > y1) y1 = y[i];
    }
    const cell = maxR * 2 + 6;
    const cols = Math.min(2048, Math.max(1, Math.ceil((x1 - x0) / cell) + 1));
    const rows = Math.min(2048, Math.max(1, Math.ceil((y1 - y0) / cell) + 1));
    const cw = (x1 - x0) / cols + 1e-6;
    const ch = (y1 - y0) / rows + 1e-6;
    if (gridHead.length < cols * rows) gridHead = new Int32Array(cols * rows);
    gridHead.fill(-1, 0, cols * rows);
    if (gridNext.length < n) gridNext = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const gx = Math.min(cols - 1, Math.floor((x[i] - x0) / cw));
      const gy = Math.min(rows - 1, Math.floor((y[i] - y0) / ch));
      const g = gy * cols + gx;
      gridNext[i] = gridHead[g];
      gridHead[g] = i;
    }
    const strength = 0.7;
    for (let i = 0; i < n; i++) {
      const gx = Math.min(cols - 1, Math.floor((x[i] - x0) / cw));
      const gy = Math.min(rows - 1, Math.floor((y[i] - y0) / ch));
      const reachX = Math.ceil((r[i] + maxR + 4) / cw);
      const reachY = Math.ceil((r[i] + maxR + 4) / ch);
      for (let yy = Math.max(0, gy - reachY); yy <= Math.min(rows - 1, gy + reachY); yy++) {
        for (let xx = Math.max(0, gx - reachX); xx <= Math.min(cols - 1, gx + reachX); xx++) {
          let j = gridHead[yy * cols + xx];
          while (j >= 0) {
            if (j > i) {
              const min = r[i] + r[j] + 4;
              let dx = x[i] + vx[i] - x[j] - vx[j];
              let dy = y[i] + vy[i] - y[j] - vy[j];
              let d2 = dx * dx + dy * dy;
              if (d2 < min * min) {
                if (d2 === 0) {
                  dx = ((i * 31 + j) % 7) / 7 - 0.5 || 0.2;
                  dy = ((j * 17 + i) % 5) / 5 - 0.5 || 0.2;
                  d2 = dx * dx + dy * dy;
                }
                const d = Math.sqrt(d2);
                const l = ((min - d) / d) * strength;
                const wi = r[j] * r[j];
                const wj = r[i] * r[i];
                const w = wi + wj || 1;
                vx[i] += dx * l * (wi / w);
                vy[i] += dy * l * (wi / w);
                vx[j] -= dx * l * (wj / w);
                vy[j] -= dy * l * (wj / w);
              }
            }
            j = gridNext[j];
          }
        }
      }
    }
  }

  let cx = new Float64Array(0);
  let cy = new Float64Array(0);
  let cn = new Float64Array(0);

  function cycles(): void {
    if (cycleCount === 0) return;
    cx.fill(0);
    cy.fill(0);
    cn.fill(0);
    for (let i = 0; i < n; i++) {
      const c = cycle[i];
      if (c < 0) continue;
      cx[c] += x[i];
      cy[c] += y[i];
      cn[c] += 1;
    }
    const k = (n > 3000 ? 0.3 : 0.12) * alpha;
    for (let i = 0; i < n; i++) {
      const c = cycle[i];
      if (c < 0 || cn[c] < 3) continue;
      vx[i] += (cx[c] / cn[c] - x[i]) * k;
      vy[i] += (cy[c] / cn[c] - y[i]) * k;
    }
  }

  function positioning(): void {
    const kx = 0.05 * alpha;
    const ky = 0.04 * alpha;
    for (let i = 0; i < n; i++) {
      vx[i] += (tx[i] - x[i]) * kx;
      vy[i] += -y[i] * ky;
      const a = anchor[i];
      if (a > 0) {
        vx[i] += (ax[i] - x[i]) * a * alpha * 4;
        vy[i] += (ay[i] - y[i]) * a * alpha * 4;
      }
    }
  }

  function tick(): void {
    alpha += (0 - alpha) * alphaDecay;
    links();
    manyBody(n, x, y, vx, vy, charge * alpha);
    collide();
    cycles();
    positioning();
    for (let i = 0; i < n; i++) {
      if (!Number.isNaN(pinX[i])) {
        x[i] = pinX[i];
        y[i] = pinY[i];
        vx[i] = 0;
        vy[i] = 0;
        continue;
      }
      vx[i] *= 1 - velocityDecay;
      vy[i] *= 1 - velocityDecay;
      x[i] += vx[i];
      y[i] += vy[i];
    }
  }

  function init(m: LayoutInit): void {
    gen = m.gen;
    n = m.count;
    r = m.r;
    cycle = m.cycle;
    anchor = m.anchor;
    src = m.src;
    dst = m.dst;
    x = new Float64Array(n);
    y = new Float64Array(n);
    vx = new Float64Array(n);
    vy = new Float64Array(n);
    tx = new Float64Array(n);
    ax = new Float64Array(n);
    ay = new Float64Array(n);
    pinX = new Float64Array(n).fill(NaN);
    pinY = new Float64Array(n).fill(NaN);
    const degree = new Float64Array(n);
    for (let e = 0; e < src.length; e++) {
      if (src[e] === dst[e]) continue;
      degree[src[e]]++;
      degree[dst[e]]++;
    }
    const big = n > 3000;
    const spread = 80 + Math.sqrt(n) * (big ? 9 : 16);
    for (let i = 0; i < n; i++) tx[i] = m.band[i] * spread;
    charge = big ? -28 : n > 600 ? -70 : -260;
    linkLength = new Float64Array(src.length);
    linkStrength = new Float64Array(src.length);
    linkBias = new Float64Array(src.length);
    for (let e = 0; e < src.length; e++) {
      const s = src[e];
      const t = dst[e];
      linkLength[e] = (big ? 18 : n > 600 ? 34 : 60) + Math.min(r[s], 24) + Math.min(r[t], 24);
      const k = 1 / Math.max(1, Math.min(degree[s], degree[t]));
      linkStrength[e] = m.weak[e] ? k * 0.3 : k;
      linkBias[e] = degree[s] / (degree[s] + degree[t] || 1);
    }
    cycleCount = 0;
    for (let i = 0; i < n; i++) if (cycle[i] + 1 > cycleCount) cycleCount = cycle[i] + 1;
    cx = new Float64Array(cycleCount);
    cy = new Float64Array(cycleCount);
    cn = new Float64Array(cycleCount);

    // Positions: known ones kept; unknown ones next to a placed neighbour (breadth-first), the
    // rest on a sunflower spiral in their band.
    const placed = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (!Number.isNaN(m.x[i]) && !Number.isNaN(m.y[i])) {
        x[i] = m.x[i];
        y[i] = m.y[i];
        placed[i] = 1;
      }
    }
    const adjStart = new Uint32Array(n + 1);
    for (let e = 0; e < src.length; e++) {
      adjStart[src[e] + 1]++;
      adjStart[dst[e] + 1]++;
    }
    for (let i = 0; i < n; i++) adjStart[i + 1] += adjStart[i];
    const fill = adjStart.slice(0, n);
    const adj = new Uint32Array(src.length * 2);
    for (let e = 0; e < src.length; e++) {
      adj[fill[src[e]]++] = dst[e];
      adj[fill[dst[e]]++] = src[e];
    }
    const queue: number[] = [];
    for (let i = 0; i < n; i++) if (placed[i]) queue.push(i);
    let hash = 1;
    const rand = () => {
      hash = (hash * 1103515245 + 12345) & 0x7fffffff;
      return hash / 0x7fffffff;
    };
    const near = (i: number, from: number) => {
      const a = rand() * Math.PI * 2;
      const d = 30 + r[from] + r[i] + rand() * 30;
      x[i] = x[from] + Math.cos(a) * d;
      y[i] = y[from] + Math.sin(a) * d;
      placed[i] = 1;
      queue.push(i);
    };
    for (let head = 0; head < queue.length; head++) {
      const u = queue[head];
      for (let k = adjStart[u]; k < adjStart[u + 1]; k++) if (!placed[adj[k]]) near(adj[k], u);
    }
    const perBand = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      if (placed[i]) continue;
      const b = m.band[i] + 1;
      const k = perBand[b]++;
      const a = k * 2.39996;
      const rad = (big ? 7 : 14) * Math.sqrt(k + 0.5);
      x[i] = tx[i] + rad * Math.cos(a);
      y[i] = rad * Math.sin(a);
      placed[i] = 1;
      queue.push(i);
      for (let head = queue.length - 1; head < queue.length; head++) {
        const u = queue[head];
        for (let kk = adjStart[u]; kk < adjStart[u + 1]; kk++)
          if (!placed[adj[kk]]) near(adj[kk], u);
      }
    }
    for (let i = 0; i < n; i++) {
      ax[i] = x[i];
      ay[i] = y[i];
    }
    const iterations = n <= 1000 ? 300 : n <= 5000 ? 200 : n <= 12000 ? 120 : 80;
    alphaDecay = 1 - Math.pow(alphaMin, 1 / iterations);
    alpha = m.alpha;
    startAlpha = m.alpha;
    running = n > 0 && alpha > alphaMin;
  }

  function snapshot(done: boolean): LayoutTick {
    const fx = new Float32Array(n);
    const fy = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      fx[i] = x[i];
      fy[i] = y[i];
    }
    const progress =
      startAlpha <= alphaMin
        ? 1
        : Math.min(
            1,
            Math.log(startAlpha / Math.max(alpha, alphaMin)) / Math.log(startAlpha / alphaMin),
          );
    return { type: 'tick', gen, x: fx, y: fy, progress: done ? 1 : progress, done };
  }

  let sentInitial = false;

  return {
    init(m: LayoutInit): void {
      init(m);
      sentInitial = false;
    },
    run(budgetMs: number): LayoutTick | null {
      if (!sentInitial) {
        sentInitial = true;
        return snapshot(!running);
      }
      if (!running) return null;
      const t0 = Date.now();
      do {
        tick();
        if (alpha < alphaMin) {
          running = false;
          break;
        }
      } while (Date.now() - t0 < budgetMs);
      return snapshot(!running);
    },
    drag(i: number, px: number, py: number): void {
      if (i < 0 || i >= n) return;
      pinX[i] = px;
      pinY[i] = py;
      if (!Number.isNaN(px)) {
        x[i] = px;
        y[i] = py;
      }
      alpha = Math.max(alpha, 0.12);
      startAlpha = Math.max(startAlpha, alpha);
      running = true;
    },
    stop(): void {
      running = false;
    },
  };
}

/**
 * The worker's main: receives `init` / `drag` / `stop`, and posts `tick`s while the layout runs
 * (every ~40 ms of work). Self-contained like `layoutEngine`; receives it as an argument.
 */
export function workerMain(factory: () => LayoutEngine): void {
  const scope = self as unknown as {
    onmessage: ((e: MessageEvent) => void) | null;
    postMessage: (m: unknown, transfer?: Transferable[]) => void;
  };
  const engine = factory();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const loop = (): void => {
    timer = null;
    const t = engine.run(40);
    if (!t) return;
    scope.postMessage(t, [t.x.buffer, t.y.buffer]);
    if (!t.done) timer = setTimeout(loop, 0);
  };
  scope.onmessage = (e: MessageEvent) => {
    const m = e.data as { type: string; i?: number; x?: number; y?: number };
    if (m.type === 'init') engine.init(e.data as LayoutInit);
    else if (m.type === 'drag') engine.drag(m.i ?? -1, m.x ?? NaN, m.y ?? NaN);
    else if (m.type === 'stop') engine.stop();
    if (timer === null) timer = setTimeout(loop, 0);
  };
}
