/**
 * The graph's frames: the layout worker's ticks set where each object goes, each animation frame
 * eases the drawn positions towards them and draws. Big graphs being laid out get a few frames a
 * second (the page leaves the processor to the worker); while the user pans or zooms a big graph,
 * the last still frame is moved instead of redrawn.
 */
import { createLayoutClient, type LayoutClient } from './layoutClient';
import type { LayoutTick } from './layoutProgram';
import type { GraphState } from './graphState';
import { emptyStats, type DrawStats } from './renderer';

/** More objects than this: the view moves on a still frame. */
const BIG = 5000;
/** More objects than this: no easing while the layout runs. */
const BUSY = 3000;

export interface Motion {
  readonly layout: LayoutClient;
  /** Draws in the next animation frame (once, however often asked). */
  schedule(): void;
  /** Positions are moving towards new targets: animate until they are there. */
  animate(): void;
  /** Draws now. */
  draw(): void;
  /** The user pans or zooms. */
  viewMoved(): void;
  frames(): number;
  last(): DrawStats;
  progress(): number;
}

export function createMotion(
  s: GraphState,
  on: {
    /** The layout placed the objects (first tick or last): fit if asked. */
    placed(done: boolean, first: boolean): void;
    positionsMoved(): void;
    layout?(progress: number, done: boolean): void;
  },
): Motion {
  const { renderer, container } = s;
  let scheduled = false;
  let animating = false;
  let frames = 0;
  let progress = 1;
  let lastLayoutFrame = 0;
  let last: DrawStats = emptyStats();
  let moving = false;
  let stillTimer: ReturnType<typeof setTimeout> | null = null;
  const big = (): boolean => (s.model?.nodes.length ?? 0) > BIG;

  const layout = createLayoutClient(onTick);

  function onTick(tick: LayoutTick): void {
    const m = s.model;
    if (!m || tick.x.length !== m.nodes.length) return;
    const { tx, ty } = s;
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
    if (s.reduced) {
      // No easing: straight to where the layout puts them.
      renderer.x.set(tx);
      renderer.y.set(ty);
      renderer.invalidate();
    }
    animating = true;
    on.positionsMoved();
    on.placed(tick.done, first);
    on.layout?.(tick.progress, tick.done);
    schedule();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(frame);
  }

  function frame(now: number): void {
    scheduled = false;
    // A big graph being laid out: no easing, and a few frames a second, so the page leaves the
    // processor to the layout worker.
    const busy = (s.model?.nodes.length ?? 0) > BUSY;
    if (animating && busy && container.dataset.layout !== 'done' && now - lastLayoutFrame < 200) {
      schedule();
      return;
    }
    lastLayoutFrame = now;
    if (animating && s.model) {
      let stillMoving = false;
      const { tx, ty } = s;
      const x = renderer.x;
      const y = renderer.y;
      const f = s.reduced || busy ? 1 : 0.28;
      for (let i = 0; i < x.length; i++) {
        const dx = tx[i] - x[i];
        const dy = ty[i] - y[i];
        if (Number.isNaN(dx) || Number.isNaN(dy)) continue;
        if (dx * dx + dy * dy > 0.01) {
          x[i] += dx * f;
          y[i] += dy * f;
          stillMoving = true;
        } else {
          x[i] = tx[i];
          y[i] = ty[i];
        }
      }
      renderer.invalidate();
      on.positionsMoved();
      animating = stillMoving || container.dataset.layout !== 'done';
    }
    draw();
    if (animating) schedule();
  }

  function draw(): void {
    const t = s.t;
    const tr = { x: t.x, y: t.y, k: t.k };
    if (moving && big() && renderer.drawFast(tr)) {
      frames++;
      container.dataset.frames = String(frames);
      container.dataset.zoom = t.k.toFixed(3);
      return;
    }
    last = renderer.draw(tr, s.hl);
    if (big() && !moving && container.dataset.layout === 'done') {
      // After this frame is shown: the still frame the next pan or zoom starts from.
      setTimeout(() => {
        const now = s.t;
        if (!moving && now.x === tr.x && now.y === tr.y && now.k === tr.k)
          renderer.renderStill(tr, s.hl);
      }, 0);
    }
    frames++;
    container.dataset.frames = String(frames);
    if (frames === 1 || container.dataset.firstPaint === undefined) {
      if (s.model && s.model.nodes.length > 0) {
        container.dataset.firstPaint = String(Math.round(performance.now()));
        performance.mark?.('heap-graph-first-paint');
      }
    }
    container.dataset.labels = String(last.labels);
    container.dataset.badges = String(last.badges);
    container.dataset.edgeLabels = String(last.edgeLabels);
    container.dataset.zoom = t.k.toFixed(3);
  }

  return {
    layout,
    schedule,
    animate() {
      animating = true;
    },
    draw,
    viewMoved() {
      if (!big()) return;
      moving = true;
      if (stillTimer !== null) clearTimeout(stillTimer);
      stillTimer = setTimeout(() => {
        stillTimer = null;
        moving = false;
        schedule();
      }, 160);
    },
    frames: () => frames,
    last: () => last,
    progress: () => progress,
  };
}
