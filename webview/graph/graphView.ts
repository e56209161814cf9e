/**
 * The interactive heap graph: a canvas (renderer.ts) laid out by a worker (layoutClient.ts), with
 * pan and zoom (viewport.ts), the mouse (pointer.ts) and the keyboard (keyboard.ts), animated
 * changes (motion.ts; positions are kept by object when the graph grows or a new capture
 * arrives), and hooks for tests and the benchmark. This file builds the parts and is the graph's
 * API. Nothing here builds a DOM element per object.
 */
import { zoomIdentity } from 'd3';
import { runBenchmark, type BenchmarkResult } from './benchmark';
import type { DrawModel } from './drawModel';
import type { Transform } from './geometry';
import { drawIndex, type GraphState } from './graphState';
import { computeHighlight, emptyHighlight, type HighlightInput } from './highlight';
import { attachKeyboard } from './keyboard';
import type { LayoutMode } from './layoutClient';
import { placeKey, planLayout, type PlaceKey } from './layoutPlan';
import { createMotion } from './motion';
import { cssValue, type Palette } from './palette';
import { attachPointer } from './pointer';
import { Renderer, type DrawStats } from './renderer';
import { exportSvg } from './svgExport';
import { createViewport } from './viewport';
import './graph.css';

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
  benchmark(ms: number, full?: boolean): Promise<BenchmarkResult>;
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
  const s: GraphState = {
    container,
    canvas,
    tooltip,
    renderer,
    model: null,
    tx: new Float64Array(0),
    ty: new Float64Array(0),
    t: zoomIdentity,
    hl: emptyHighlight(),
    cursor: -1,
    userMoved: false,
    pendingFit: false,
    reduced: window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false,
  };
  let hlInput: HighlightInput = { selected: null, path: null, loop: null, search: new Set() };
  /** Last place of every object ever laid out (groups by key). */
  const placed = new Map<PlaceKey, [number, number]>();

  const viewport = createViewport(s, {
    moved(fromUser) {
      motion.viewMoved();
      if (fromUser) s.userMoved = true;
      tooltip.hidden = true;
      motion.schedule();
      opts.onViewChange?.();
    },
  });
  const motion = createMotion(s, {
    placed(done, first) {
      if (s.pendingFit && (first || done)) {
        viewport.fit(false);
        if (done) s.pendingFit = false;
      }
    },
    positionsMoved: () => viewport.positionsMoved(),
    layout: opts.onLayout,
  });
  const highlightChanged = (): void => {
    renderer.invalidateHighlight();
    motion.schedule();
  };
  const keyboard = attachKeyboard(s, viewport, {
    select: opts.onSelect,
    activate: opts.onActivate,
    announce: opts.onCursor,
    zoomBy: (f) => api.zoomBy(f),
    highlightChanged,
  });
  attachPointer(s, viewport, keyboard, motion.layout, {
    select: opts.onSelect,
    activate: opts.onActivate,
    tooltip: opts.tooltip,
    dropped: opts.onViewChange,
    redraw: motion.schedule,
  });

  function resize(): void {
    const r = container.getBoundingClientRect();
    const before = renderer.size;
    renderer.resize(r.width, r.height, window.devicePixelRatio || 1);
    // Until the user pans or zooms, the graph stays fitted to the box.
    if (s.model && !s.userMoved && (before.width !== r.width || before.height !== r.height)) {
      viewport.fit(false);
    }
    motion.schedule();
  }
  const ro = new ResizeObserver(resize);
  ro.observe(container);
  resize();

  function updateHighlight(): void {
    const color = (cssVar: string): string => cssValue(container, cssVar, '#888888');
    const h = computeHighlight(s.model, hlInput, s.cursor, s.hl.fadeAlpha, color);
    s.hl = h;
    const m = s.model;
    if (!m) return;
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

  /** Where a draw node is going (or, not placed yet, where it is drawn). */
  const target = (i: number): [number, number] => [
    Number.isNaN(s.tx[i]) ? renderer.x[i] : s.tx[i],
    Number.isNaN(s.ty[i]) ? renderer.y[i] : s.ty[i],
  ];

  const api: GraphView = {
    canvas,
    setModel(next: DrawModel, o: SetModelOptions = {}): void {
      const prev = s.model;
      // Remember where everything is, and where it is drawn.
      const drawn = new Map<PlaceKey, [number, number]>();
      if (prev) {
        for (let i = 0; i < prev.nodes.length; i++) {
          const [x, y] = target(i);
          if (!Number.isNaN(x)) placed.set(placeKey(prev, i), [x, y]);
          drawn.set(placeKey(prev, i), [renderer.x[i], renderer.y[i]]);
        }
      }
      const plan = planLayout(next, { placed, drawn, seed: o.seed, stable: o.stable });
      const n = next.nodes.length;
      s.model = next;
      s.tx = new Float64Array(n).fill(NaN);
      s.ty = new Float64Array(n).fill(NaN);
      renderer.setModel(next, plan.drawnX, plan.drawnY);
      viewport.positionsMoved();
      s.cursor = -1;
      updateHighlight();
      container.dataset.layout = n === 0 ? 'done' : 'running';
      container.dataset.nodes = String(n);
      container.dataset.edges = String(next.edges.length);
      container.dataset.hulls = String(next.hulls.length);
      container.dataset.objects = String(next.objectCount);
      container.dataset.groupBy = next.groupBy;
      s.pendingFit = (o.fit ?? !prev) || (plan.fresh && !s.userMoved);
      motion.animate();
      motion.layout.start(plan.init);
      if (n === 0) opts.onLayout?.(1, true);
      motion.schedule();
    },
    setHighlight(h: HighlightInput): void {
      hlInput = h;
      updateHighlight();
      highlightChanged();
    },
    setFade(alpha: number): void {
      s.hl.fadeAlpha = Math.max(0, Math.min(1, alpha));
      renderer.invalidateStill();
      motion.schedule();
    },
    setPalette(p: Palette): void {
      renderer.setPalette(p);
      // The overlay's colours come from the theme too.
      updateHighlight();
      container.dataset.theme = p.kind;
      motion.schedule();
    },
    reveal(id: number): void {
      const i = drawIndex(s.model, id);
      if (i >= 0) viewport.reveal(i);
    },
    fit(animate = true): void {
      s.userMoved = false;
      viewport.fit(animate);
    },
    zoomBy(factor: number): void {
      s.userMoved = true;
      viewport.zoomBy(factor);
    },
    zoomToIds(ids: number[], maxScale = 2): void {
      const m = s.model;
      if (!m) return;
      const idx = ids.map((id) => m.index.get(id)).filter((i): i is number => i !== undefined);
      if (idx.length === 0) return;
      s.userMoved = true;
      s.pendingFit = false;
      viewport.fitIndices(idx, maxScale);
    },
    transform: () => ({ x: s.t.x, y: s.t.y, k: s.t.k }),
    setTransform(nt: Transform): void {
      s.userMoved = true;
      s.pendingFit = false;
      viewport.set(zoomIdentity.translate(nt.x, nt.y).scale(nt.k));
    },
    positions(): Map<number, [number, number]> {
      const out = new Map<number, [number, number]>();
      s.model?.nodes.forEach((d, i) => {
        const [x, y] = target(i);
        if (!Number.isNaN(x) && !d.group) out.set(d.id, [x, y]);
      });
      return out;
    },
    clientPosition(id: number): { x: number; y: number } | null {
      const i = drawIndex(s.model, id);
      if (i < 0 || Number.isNaN(renderer.x[i])) return null;
      const r = canvas.getBoundingClientRect();
      const [sx, sy] = s.t.apply([renderer.x[i], renderer.y[i]]);
      return { x: r.left + sx, y: r.top + sy };
    },
    cursor: () => (s.cursor >= 0 && s.model ? s.model.nodes[s.cursor].id : null),
    setCursor(id: number | null): void {
      const i = id === null ? -1 : (s.model?.index.get(id) ?? -1);
      keyboard.setCursor(i, false);
    },
    stats: () => ({
      ...motion.last(),
      frames: motion.frames(),
      layout: motion.layout.mode(),
      progress: motion.progress(),
    }),
    exportSvg(): string {
      if (!s.model) return '';
      const { width, height } = renderer.size;
      const t = { x: s.t.x, y: s.t.y, k: s.t.k };
      return exportSvg(s.model, renderer, t, s.hl, width, height);
    },
    exportPng(): string {
      motion.draw();
      return canvas.toDataURL('image/png');
    },
    benchmark: (ms, full) => runBenchmark(s, motion, viewport, ms, full),
    redraw: motion.schedule,
    dispose(): void {
      motion.layout.dispose();
      ro.disconnect();
      container.replaceChildren();
    },
  };
  container.dataset.theme = palette.kind;
  container.dataset.layoutMode = motion.layout.mode();
  return api;
}
