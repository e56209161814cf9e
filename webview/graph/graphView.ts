/**
 * The interactive heap graph: a canvas (renderer.ts) laid out by a worker (layoutClient.ts), with
 * pan and zoom (d3-zoom), click and keyboard selection, node dragging, hover tooltips, animated
 * changes (positions are kept by object when the graph grows or a new capture arrives), and
 * hooks for tests and the benchmark. Nothing here builds a DOM element per object.
 */
import { quadtree, select, zoom, zoomIdentity, type Quadtree, type ZoomTransform } from 'd3';
import { shapeExtent } from './shapes';
import type { DrawModel } from './drawModel';
import { createLayoutClient, type LayoutMode } from './layoutClient';
import type { LayoutTick } from './layoutProgram';
import type { Transform } from './geometry';
import {
  computeHighlight as highlightOf,
  emptyHighlight,
  type Highlight,
  type HighlightInput,
} from './highlight';
import { cssValue, type Palette } from './palette';
import { Renderer, type DrawStats } from './renderer';
import { exportSvg } from './svgExport';

export interface GraphViewOptions {
  /** The selection changed by a click or the keyboard (draw node id, or null). */
  onSelect(id: number | null): void;
  /** Double click or Shift+Enter on a node. */
  onActivate?(id: number): void;
  /** The keyboard cursor moved to a node: announce it. */
  onCursor?(id: number): void;
  /** Tooltip text of a node. */
  tooltip(id: number): string;
  /** Pan/zoom or layout changed (for saving state). */
  onViewChange?(): void;
  /** Layout progress 0…1 and whether it is done. */
  onLayout?(progress: number, done: boolean): void;
}

export interface SetModelOptions {
  /** Positions to start from (object id → world position), e.g. from the previous capture. */
  seed?: Map<number, [number, number]>;
  /** Fit the graph once laid out. */
  fit?: boolean;
  /** Keep the objects already shown where they are (the graph grew or shrank). */
  stable?: boolean;
}

export interface GraphView {
  readonly canvas: HTMLCanvasElement;
  setModel(model: DrawModel, opts?: SetModelOptions): void;
  setHighlight(h: HighlightInput): void;
  /** Opacity of the fading objects (0…1), without recomputing the highlight. */
  setFade(alpha: number): void;
  setPalette(p: Palette): void;
  reveal(id: number): void;
  fit(animate?: boolean): void;
  zoomBy(factor: number): void;
  zoomToIds(ids: number[], maxScale?: number): void;
  transform(): Transform;
  setTransform(t: Transform): void;
  /** Current world position of each drawn object (draw node id → position). */
  positions(): Map<number, [number, number]>;
  /** Position of a node in page (client) coordinates, or null when not drawn. */
  clientPosition(id: number): { x: number; y: number } | null;
  cursor(): number | null;
  setCursor(id: number | null): void;
  stats(): DrawStats & { frames: number; layout: LayoutMode; progress: number };
  exportSvg(): string;
  exportPng(): string;
  benchmark(
    ms: number,
  ): Promise<{ fps: number; frames: number; meanDrawMs: number; p95DrawMs: number }>;
  redraw(): void;
  dispose(): void;
}

export function createGraphView(
  container: HTMLElement,
  palette: Palette,
  opts: GraphViewOptions,
): GraphView {
  const canvas = document.createElement('canvas');
  canvas.className = 'graph-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'application');
  canvas.setAttribute('aria-roledescription', 'heap graph');
  canvas.setAttribute(
    'aria-label',
    'Heap graph. Arrow keys move between objects, Enter selects, plus and minus zoom, 0 fits, Escape clears the selection.',
  );
  const tooltip = document.createElement('div');
  tooltip.className = 'graph-tooltip';
  tooltip.setAttribute('role', 'tooltip');
  tooltip.hidden = true;
  container.append(canvas, tooltip);

  const renderer = new Renderer(canvas, palette);
  let model: DrawModel | null = null;
  let tx = new Float64Array(0);
  let ty = new Float64Array(0);
  let hl: Highlight = emptyHighlight();
  let hlInput: HighlightInput = { selected: null, path: null, loop: null, search: new Set() };
  let t: ZoomTransform = zoomIdentity;
  let frames = 0;
  let last: DrawStats = {
    nodes: 0,
    edges: 0,
    hulls: 0,
    labels: 0,
    badges: 0,
    edgeLabels: 0,
    hullLabels: 0,
    ms: 0,
  };
  let animating = false;
  let scheduled = false;
  let pendingFit = false;
  let userMoved = false;
  let progress = 1;
  let cursor = -1;
  let tree: Quadtree<number> | null = null;
  const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  /** Last known world position of every object ever drawn (groups by key). */
  const memory = new Map<number | string, [number, number]>();
  const memKey = (m: DrawModel, i: number): number | string => {
    const d = m.nodes[i];
    return d.group ? d.group.key : d.id;
  };

  const layout = createLayoutClient(onTick);

  function onTick(tick: LayoutTick): void {
    if (!model || tick.x.length !== model.nodes.length) return;
    const first = Number.isNaN(tx[0]) || tx.length === 0;
    for (let i = 0; i < tick.x.length; i++) {
      tx[i] = tick.x[i];
      ty[i] = tick.y[i];
      if (Number.isNaN(renderer.x[i])) {
        renderer.x[i] = tx[i];
        renderer.y[i] = ty[i];
      }
    }
    progress = tick.progress;
    container.dataset.layout = tick.done ? 'done' : 'running';
    if (reduced || tick.done) snapIfClose();
    animating = true;
    tree = null;
    if (pendingFit && (first || tick.done)) {
      fitNow(false);
      if (tick.done) pendingFit = false;
    }
    opts.onLayout?.(tick.progress, tick.done);
    schedule();
  }

  function snapIfClose(): void {
    if (!reduced) return;
    renderer.x.set(tx);
    renderer.y.set(ty);
    renderer.invalidate();
  }

  // --- Frames -----------------------------------------------------------------------------------
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(frame);
  }

  let lastLayoutFrame = 0;

  function frame(now: number): void {
    scheduled = false;
    // A big graph being laid out: no easing, and a few frames a second, so the page leaves the
    // processor to the layout worker.
    const big = (model?.nodes.length ?? 0) > 3000;
    if (animating && big && container.dataset.layout !== 'done' && now - lastLayoutFrame < 200) {
      schedule();
      return;
    }
    lastLayoutFrame = now;
    if (animating && model) {
      let moving = false;
      const x = renderer.x;
      const y = renderer.y;
      const f = reduced || big ? 1 : 0.28;
      for (let i = 0; i < x.length; i++) {
        const dx = tx[i] - x[i];
        const dy = ty[i] - y[i];
        if (Number.isNaN(dx) || Number.isNaN(dy)) continue;
        if (dx * dx + dy * dy > 0.01) {
          x[i] += dx * f;
          y[i] += dy * f;
          moving = true;
        } else {
          x[i] = tx[i];
          y[i] = ty[i];
        }
      }
      renderer.invalidate();
      tree = null;
      animating = moving || container.dataset.layout !== 'done';
    }
    draw();
    if (animating) schedule();
  }

  /** Big graphs: while the view moves, the still frame is moved instead of redrawn. */
  const BIG = 5000;
  let moving = false;
  let stillTimer: ReturnType<typeof setTimeout> | null = null;
  const big = (): boolean => (model?.nodes.length ?? 0) > BIG;

  function viewMoved(): void {
    if (!big()) return;
    moving = true;
    if (stillTimer !== null) clearTimeout(stillTimer);
    stillTimer = setTimeout(() => {
      stillTimer = null;
      moving = false;
      schedule();
    }, 160);
  }

  function draw(): void {
    const tr = { x: t.x, y: t.y, k: t.k };
    if (moving && big() && renderer.drawFast(tr)) {
      frames++;
      container.dataset.frames = String(frames);
      container.dataset.zoom = t.k.toFixed(3);
      return;
    }
    last = renderer.draw(tr, hl);
    if (big() && !moving && container.dataset.layout === 'done') {
      // After this frame is shown: the still frame the next pan or zoom starts from.
      setTimeout(() => {
        if (!moving && t.x === tr.x && t.y === tr.y && t.k === tr.k) renderer.renderStill(tr, hl);
      }, 0);
    }
    frames++;
    container.dataset.frames = String(frames);
    if (frames === 1 || container.dataset.firstPaint === undefined) {
      if (model && model.nodes.length > 0) {
        container.dataset.firstPaint = String(Math.round(performance.now()));
        performance.mark?.('heap-graph-first-paint');
      }
    }
    container.dataset.labels = String(last.labels);
    container.dataset.badges = String(last.badges);
    container.dataset.edgeLabels = String(last.edgeLabels);
    container.dataset.zoom = t.k.toFixed(3);
  }

  // --- Size -------------------------------------------------------------------------------------
  function resize(): void {
    const r = container.getBoundingClientRect();
    const before = renderer.size;
    renderer.resize(r.width, r.height, window.devicePixelRatio || 1);
    // Until the user pans or zooms, the graph stays fitted to the box.
    if (model && !userMoved && (before.width !== r.width || before.height !== r.height)) {
      fitNow(false);
    }
    schedule();
  }
  const ro = new ResizeObserver(resize);
  ro.observe(container);
  resize();

  // --- Zoom and pan -----------------------------------------------------------------------------
  const zoomer = zoom<HTMLCanvasElement, unknown>()
    .scaleExtent([0.01, 12])
    .filter((ev: Event) => {
      const e = ev as MouseEvent & { button?: number };
      if (e.type === 'mousedown' && hit(e.offsetX, e.offsetY) >= 0) return false;
      return (!e.ctrlKey || e.type === 'wheel') && !e.button;
    })
    .on('zoom', (ev: { transform: ZoomTransform; sourceEvent: Event | null }) => {
      t = ev.transform;
      viewMoved();
      if (ev.sourceEvent) userMoved = true;
      tooltip.hidden = true;
      schedule();
      opts.onViewChange?.();
    });
  const sel = select(canvas);
  sel.call(zoomer).on('dblclick.zoom', null);

  function applyTransform(nt: ZoomTransform, animate: boolean): void {
    if (animate && !reduced) {
      sel.transition().duration(350).call(zoomer.transform, nt);
    } else {
      sel.call(zoomer.transform, nt);
    }
  }

  function fitBounds(
    b: [number, number, number, number] | null,
    animate: boolean,
    maxScale: number,
  ): void {
    if (!b) return;
    const { width, height } = renderer.size;
    if (width === 0 || height === 0) return;
    const [x0, y0, x1, y1] = b;
    const k = Math.max(
      0.01,
      Math.min(maxScale, (0.94 * width) / (x1 - x0 || 1), (0.92 * height) / (y1 - y0 || 1)),
    );
    applyTransform(
      zoomIdentity
        .translate(width / 2, height / 2)
        .scale(k)
        .translate(-(x0 + x1) / 2, -(y0 + y1) / 2),
      animate,
    );
  }

  function fitNow(animate: boolean): void {
    fitBounds(boundsOfTargets(), animate, 1.6);
  }

  function boundsOfTargets(only?: number[]): [number, number, number, number] | null {
    // Fit to where the layout is going, not where the animation is.
    const sx = renderer.x;
    const sy = renderer.y;
    renderer.x = tx;
    renderer.y = ty;
    const b = renderer.bounds(only);
    renderer.x = sx;
    renderer.y = sy;
    return b;
  }

  // --- Hit testing ------------------------------------------------------------------------------
  function hit(px: number, py: number): number {
    if (!model || model.nodes.length === 0) return -1;
    if (!tree) {
      const x = renderer.x;
      const y = renderer.y;
      const ids = Array.from({ length: model.nodes.length }, (_, i) => i).filter(
        (i) => !Number.isNaN(x[i]),
      );
      tree = quadtree<number>()
        .x((i) => x[i])
        .y((i) => y[i])
        .addAll(ids);
    }
    const [wx, wy] = t.invert([px, py]);
    let maxR = 0;
    for (const d of model.nodes) maxR = Math.max(maxR, shapeExtent(d.cat, d.r));
    const found = tree.find(wx, wy, maxR + 4 / t.k);
    if (found === undefined) return -1;
    const d = model.nodes[found];
    const dist = Math.hypot(renderer.x[found] - wx, renderer.y[found] - wy);
    return dist <= shapeExtent(d.cat, d.r) + 4 / t.k ? found : -1;
  }

  // --- Pointer ----------------------------------------------------------------------------------
  let dragging: { i: number; moved: boolean; id: number } | null = null;
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    const i = hit(e.offsetX, e.offsetY);
    if (i < 0 || !model) return;
    dragging = { i, moved: false, id: model.nodes[i].id };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (dragging && model) {
      const [wx, wy] = t.invert([e.offsetX, e.offsetY]);
      dragging.moved = true;
      const i = dragging.i;
      renderer.x[i] = tx[i] = wx;
      renderer.y[i] = ty[i] = wy;
      layout.drag(i, wx, wy);
      renderer.invalidate();
      tree = null;
      schedule();
      return;
    }
    const i = hit(e.offsetX, e.offsetY);
    canvas.classList.toggle('over-node', i >= 0);
    if (i >= 0 && model) {
      tooltip.textContent = opts.tooltip(model.nodes[i].id);
      tooltip.hidden = false;
      const r = container.getBoundingClientRect();
      const left = Math.min(e.clientX - r.left + 14, r.width - 260);
      tooltip.style.setProperty('--tip-x', `${Math.max(4, left)}px`);
      tooltip.style.setProperty('--tip-y', `${e.clientY - r.top + 14}px`);
    } else {
      tooltip.hidden = true;
    }
  });
  canvas.addEventListener('pointerleave', () => {
    tooltip.hidden = true;
  });
  canvas.addEventListener('pointerup', (e) => {
    if (!dragging) return;
    const d = dragging;
    dragging = null;
    canvas.releasePointerCapture(e.pointerId);
    if (d.moved) {
      layout.drag(d.i, NaN, NaN);
      opts.onViewChange?.();
    }
  });
  canvas.addEventListener('click', (e) => {
    tooltip.hidden = true;
    if (!model) return;
    const i = hit(e.offsetX, e.offsetY);
    const id = i >= 0 ? model.nodes[i].id : null;
    if (i >= 0) setCursorIndex(i, false);
    opts.onSelect(id);
  });
  canvas.addEventListener('dblclick', (e) => {
    if (!model) return;
    const i = hit(e.offsetX, e.offsetY);
    if (i >= 0) opts.onActivate?.(model.nodes[i].id);
  });

  // --- Keyboard ---------------------------------------------------------------------------------
  function setCursorIndex(i: number, announce: boolean): void {
    cursor = i;
    hl.cursor = i;
    renderer.invalidateHighlight();
    schedule();
    if (announce && model && i >= 0) {
      opts.onCursor?.(model.nodes[i].id);
      revealIndex(i);
    }
  }

  function firstImportant(): number {
    if (!model || model.nodes.length === 0) return -1;
    let best = 0;
    model.nodes.forEach((d, i) => {
      if (d.weight > model!.nodes[best].weight) best = i;
    });
    return best;
  }

  function move(dx: number, dy: number): void {
    if (!model || model.nodes.length === 0) return;
    const from = cursor >= 0 ? cursor : hl.selected >= 0 ? hl.selected : -1;
    if (from < 0) {
      setCursorIndex(firstImportant(), true);
      return;
    }
    const x = renderer.x;
    const y = renderer.y;
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < model.nodes.length; i++) {
      if (i === from) continue;
      const vx = x[i] - x[from];
      const vy = y[i] - y[from];
      const along = vx * dx + vy * dy;
      if (along <= 0) continue;
      const across = Math.abs(vx * dy - vy * dx);
      const score = along + across * 2.5;
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best >= 0) setCursorIndex(best, true);
  }

  canvas.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key;
    let handled = true;
    if (k === 'ArrowLeft') move(-1, 0);
    else if (k === 'ArrowRight') move(1, 0);
    else if (k === 'ArrowUp') move(0, -1);
    else if (k === 'ArrowDown') move(0, 1);
    else if (k === 'Home') setCursorIndex(firstImportant(), true);
    else if (k === 'Enter' || k === ' ') {
      if (cursor < 0) setCursorIndex(firstImportant(), true);
      if (cursor >= 0 && model) {
        if (e.shiftKey) opts.onActivate?.(model.nodes[cursor].id);
        else opts.onSelect(model.nodes[cursor].id);
      }
    } else if (k === 'Escape') {
      opts.onSelect(null);
    } else if (k === '+' || k === '=') api.zoomBy(1.4);
    else if (k === '-' || k === '_') api.zoomBy(1 / 1.4);
    else if (k === '0') fitNow(true);
    else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  });
  canvas.addEventListener('focus', () => {
    if (cursor < 0 && model && model.nodes.length > 0) {
      const i = hl.selected >= 0 ? hl.selected : firstImportant();
      setCursorIndex(i, true);
    }
  });

  function revealIndex(i: number): void {
    const { width, height } = renderer.size;
    const x = Number.isNaN(tx[i]) ? renderer.x[i] : tx[i];
    const y = Number.isNaN(ty[i]) ? renderer.y[i] : ty[i];
    const [sx, sy] = t.apply([x, y]);
    if (sx > 60 && sx < width - 60 && sy > 60 && sy < height - 60 && t.k >= 0.5) return;
    const k = Math.max(t.k, 0.9);
    applyTransform(
      zoomIdentity
        .translate(width / 2, height / 2)
        .scale(k)
        .translate(-x, -y),
      true,
    );
  }

  // --- Highlight --------------------------------------------------------------------------------
  function computeHighlight(): void {
    const color = (cssVar: string): string => cssValue(container, cssVar, '#888888');
    const h = highlightOf(model, hlInput, cursor, hl.fadeAlpha, color);
    hl = h;
    if (!model) return;
    const m = model;
    container.dataset.selected = h.selected >= 0 ? String(m.nodes[h.selected].id) : '';
    container.dataset.pathNodes = String(h.pathNodes.size);
    container.dataset.pathEdges = String(h.pathEdges.size);
    container.dataset.loopEdges = String(h.loopEdges.size);
    container.dataset.searchHits = String(h.search.size);
    container.dataset.overlayRings = String(h.rings?.size ?? 0);
    container.dataset.overlayTags = String(h.tags.size);
    container.dataset.overlayEdges = String(h.overlayEdges.size);
    container.dataset.fading = String(h.fading.size);
  }

  // --- API --------------------------------------------------------------------------------------
  const api: GraphView = {
    canvas,
    setModel(next: DrawModel, o: SetModelOptions = {}): void {
      const prevModel = model;
      // Remember where everything is.
      if (prevModel) {
        for (let i = 0; i < prevModel.nodes.length; i++) {
          const x = Number.isNaN(tx[i]) ? renderer.x[i] : tx[i];
          const y = Number.isNaN(ty[i]) ? renderer.y[i] : ty[i];
          if (!Number.isNaN(x)) memory.set(memKey(prevModel, i), [x, y]);
        }
      }
      const prevDisplay = new Map<number | string, [number, number]>();
      if (prevModel) {
        for (let i = 0; i < prevModel.nodes.length; i++) {
          prevDisplay.set(memKey(prevModel, i), [renderer.x[i], renderer.y[i]]);
        }
      }
      model = next;
      const n = next.nodes.length;
      const x0 = new Float64Array(n).fill(NaN);
      const y0 = new Float64Array(n).fill(NaN);
      const dx = new Float64Array(n).fill(NaN);
      const dy = new Float64Array(n).fill(NaN);
      const anchor = new Float32Array(n);
      let known = 0;
      for (let i = 0; i < n; i++) {
        const key = memKey(next, i);
        const seeded = o.seed?.get(next.nodes[i].id);
        const pos = seeded ?? memory.get(key);
        if (pos) {
          x0[i] = pos[0];
          y0[i] = pos[1];
          known++;
          anchor[i] = o.stable ? 0.35 : seeded ? 0.2 : 0;
        }
        const shownAt = prevDisplay.get(key);
        if (shownAt) {
          dx[i] = shownAt[0];
          dy[i] = shownAt[1];
        }
      }
      // New objects grow out of a neighbour that was already drawn.
      const srcs = new Uint32Array(next.edges.length);
      const dsts = new Uint32Array(next.edges.length);
      const weak = new Uint8Array(next.edges.length);
      next.edges.forEach((e, k) => {
        srcs[k] = e.s;
        dsts[k] = e.t;
        weak[k] = e.weak ? 1 : 0;
        if (Number.isNaN(dx[e.t]) && !Number.isNaN(dx[e.s])) {
          dx[e.t] = dx[e.s];
          dy[e.t] = dy[e.s];
        } else if (Number.isNaN(dx[e.s]) && !Number.isNaN(dx[e.t])) {
          dx[e.s] = dx[e.t];
          dy[e.s] = dy[e.t];
        }
      });
      tx = new Float64Array(n).fill(NaN);
      ty = new Float64Array(n).fill(NaN);
      renderer.setModel(next, dx, dy);
      tree = null;
      cursor = -1;
      computeHighlight();
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
      container.dataset.layout = n === 0 ? 'done' : 'running';
      container.dataset.nodes = String(n);
      container.dataset.edges = String(next.edges.length);
      container.dataset.hulls = String(next.hulls.length);
      container.dataset.objects = String(next.objectCount);
      container.dataset.groupBy = next.groupBy;
      pendingFit = (o.fit ?? !prevModel) || (fresh && !userMoved);
      animating = true;
      layout.start({
        count: n,
        x: x0,
        y: y0,
        r,
        band,
        cycle,
        anchor,
        src: srcs,
        dst: dsts,
        weak,
        alpha: fresh ? 1 : known === n ? 0.15 : 0.45,
      });
      if (n === 0) opts.onLayout?.(1, true);
      schedule();
    },
    setHighlight(h: HighlightInput): void {
      hlInput = h;
      computeHighlight();
      renderer.invalidateHighlight();
      schedule();
    },
    setFade(alpha: number): void {
      hl.fadeAlpha = Math.max(0, Math.min(1, alpha));
      renderer.invalidateStill();
      schedule();
    },
    setPalette(p: Palette): void {
      renderer.setPalette(p);
      // The overlay's colours come from the theme too.
      computeHighlight();
      container.dataset.theme = p.kind;
      schedule();
    },
    reveal(id: number): void {
      const i = model?.index.get(id) ?? model?.nodes.findIndex((d) => d.id === id) ?? -1;
      if (i >= 0) revealIndex(i);
    },
    fit(animate = true): void {
      userMoved = false;
      fitNow(animate);
    },
    zoomBy(factor: number): void {
      userMoved = true;
      if (reduced) sel.call(zoomer.scaleBy, factor);
      else sel.transition().duration(200).call(zoomer.scaleBy, factor);
    },
    zoomToIds(ids: number[], maxScale = 2): void {
      if (!model) return;
      const idx = ids.map((id) => model!.index.get(id)).filter((i): i is number => i !== undefined);
      if (idx.length === 0) return;
      userMoved = true;
      pendingFit = false;
      fitBounds(boundsOfTargets(idx), true, maxScale);
    },
    transform: () => ({ x: t.x, y: t.y, k: t.k }),
    setTransform(nt: Transform): void {
      userMoved = true;
      pendingFit = false;
      applyTransform(zoomIdentity.translate(nt.x, nt.y).scale(nt.k), false);
    },
    positions(): Map<number, [number, number]> {
      const out = new Map<number, [number, number]>();
      if (!model) return out;
      model.nodes.forEach((d, i) => {
        const x = Number.isNaN(tx[i]) ? renderer.x[i] : tx[i];
        const y = Number.isNaN(ty[i]) ? renderer.y[i] : ty[i];
        if (!Number.isNaN(x) && !d.group) out.set(d.id, [x, y]);
      });
      return out;
    },
    clientPosition(id: number): { x: number; y: number } | null {
      if (!model) return null;
      const i = model.index.get(id) ?? model.nodes.findIndex((d) => d.id === id);
      if (i === undefined || i < 0 || Number.isNaN(renderer.x[i])) return null;
      const r = canvas.getBoundingClientRect();
      const [sx, sy] = t.apply([renderer.x[i], renderer.y[i]]);
      return { x: r.left + sx, y: r.top + sy };
    },
    cursor: () => (cursor >= 0 && model ? model.nodes[cursor].id : null),
    setCursor(id: number | null): void {
      const i = id === null ? -1 : (model?.index.get(id) ?? -1);
      setCursorIndex(i, false);
    },
    stats: () => ({ ...last, frames, layout: layout.mode(), progress }),
    exportSvg(): string {
      if (!model) return '';
      const { width, height } = renderer.size;
      return exportSvg(model, renderer, { x: t.x, y: t.y, k: t.k }, hl, width, height);
    },
    exportPng(): string {
      draw();
      return canvas.toDataURL('image/png');
    },
    async benchmark(ms: number, full = false) {
      const times: number[] = [];
      const start = performance.now();
      const f0 = frames;
      const { width, height } = renderer.size;
      const base = t;
      await new Promise<void>((resolve) => {
        const step = (now: number): void => {
          const p = (now - start) / ms;
          if (p >= 1) {
            resolve();
            return;
          }
          // Pan in a circle while zooming in and out around the current view.
          const k = base.k * (1 + 0.5 * Math.sin(p * Math.PI * 4));
          const ang = p * Math.PI * 2;
          t = zoomIdentity
            .translate(width / 2 + Math.cos(ang) * 120, height / 2 + Math.sin(ang) * 120)
            .scale(k)
            .translate(-(width / 2 - base.x) / base.k, -(height / 2 - base.y) / base.k);
          if (!full) viewMoved();
          const d0 = performance.now();
          draw();
          times.push(performance.now() - d0);
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
      const elapsed = performance.now() - start;
      sel.call(zoomer.transform, base);
      times.sort((a, b) => a - b);
      const n = frames - f0;
      return {
        fps: (n * 1000) / elapsed,
        frames: n,
        meanDrawMs: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
        p95DrawMs: times[Math.floor(times.length * 0.95)] ?? 0,
      };
    },
    redraw: schedule,
    dispose(): void {
      layout.dispose();
      ro.disconnect();
      container.replaceChildren();
    },
  };
  container.dataset.theme = palette.kind;
  container.dataset.layoutMode = layout.mode();
  return api;
}
