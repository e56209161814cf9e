/**
 * The graph from the keyboard: a cursor that arrow keys move to the nearest object in that
 * direction (announced, and panned into view), Enter to select (Shift+Enter to open), Escape to
 * clear, + and − to zoom, 0 to fit. Focusing the canvas puts the cursor on the selection or the
 * most important object.
 */
import type { DrawModel } from './drawModel';
import type { GraphState } from './graphState';
import type { Viewport } from './viewport';

export interface KeyboardActions {
  select(id: number | null): void;
  activate?(id: number): void;
  /** The cursor moved by the keyboard: say which object it is on. */
  announce?(id: number): void;
  zoomBy(factor: number): void;
  /** Redraws the cursor ring. */
  highlightChanged(): void;
}

export interface Keyboard {
  /** Puts the cursor on a draw index (−1: none); `announce` also reveals it. */
  setCursor(i: number, announce: boolean): void;
}

/** The draw index of the heaviest object (where the keyboard starts), or −1. */
export function mostImportant(m: DrawModel | null): number {
  if (!m || m.nodes.length === 0) return -1;
  let best = 0;
  m.nodes.forEach((d, i) => {
    if (d.weight > m.nodes[best].weight) best = i;
  });
  return best;
}

/**
 * The object an arrow key moves to from `from`: ahead in direction (dx, dy), preferring what is
 * close to that line over what is merely near. −1 when nothing is ahead.
 */
export function nextInDirection(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  count: number,
  from: number,
  dx: number,
  dy: number,
): number {
  let best = -1;
  let bestScore = Infinity;
  for (let i = 0; i < count; i++) {
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
  return best;
}

export function attachKeyboard(s: GraphState, viewport: Viewport, act: KeyboardActions): Keyboard {
  const { canvas, renderer } = s;

  function setCursor(i: number, announce: boolean): void {
    s.cursor = i;
    s.hl.cursor = i;
    act.highlightChanged();
    const m = s.model;
    if (announce && m && i >= 0) {
      act.announce?.(m.nodes[i].id);
      viewport.reveal(i);
    }
  }

  function move(dx: number, dy: number): void {
    const m = s.model;
    if (!m || m.nodes.length === 0) return;
    const from = s.cursor >= 0 ? s.cursor : s.hl.selected >= 0 ? s.hl.selected : -1;
    if (from < 0) {
      setCursor(mostImportant(m), true);
      return;
    }
    const best = nextInDirection(renderer.x, renderer.y, m.nodes.length, from, dx, dy);
    if (best >= 0) setCursor(best, true);
  }

  canvas.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key;
    const m = s.model;
    let handled = true;
    if (k === 'ArrowLeft') move(-1, 0);
    else if (k === 'ArrowRight') move(1, 0);
    else if (k === 'ArrowUp') move(0, -1);
    else if (k === 'ArrowDown') move(0, 1);
    else if (k === 'Home') setCursor(mostImportant(m), true);
    else if (k === 'Enter' || k === ' ') {
      if (s.cursor < 0) setCursor(mostImportant(m), true);
      if (s.cursor >= 0 && m) {
        if (e.shiftKey) act.activate?.(m.nodes[s.cursor].id);
        else act.select(m.nodes[s.cursor].id);
      }
    } else if (k === 'Escape') {
      act.select(null);
    } else if (k === '+' || k === '=') act.zoomBy(1.4);
    else if (k === '-' || k === '_') act.zoomBy(1 / 1.4);
    else if (k === '0') viewport.fit(true);
    else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  });
  canvas.addEventListener('focus', () => {
    const m = s.model;
    if (s.cursor < 0 && m && m.nodes.length > 0) {
      setCursor(s.hl.selected >= 0 ? s.hl.selected : mostImportant(m), true);
    }
  });
  return { setCursor };
}
