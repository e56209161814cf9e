/**
 * The graph under the mouse: a tooltip over objects, dragging an object (the layout holds it
 * under the pointer and lets go of it when released), click to select, double click to open.
 * Pressing anywhere else pans (viewport.ts).
 */
import type { GraphState } from './graphState';
import type { Keyboard } from './keyboard';
import type { LayoutClient } from './layoutClient';
import type { Viewport } from './viewport';

export interface PointerActions {
  select(id: number | null): void;
  activate?(id: number): void;
  tooltip(id: number): string;
  /** An object was dragged to a new place. */
  dropped?(): void;
  /** Positions changed: draw. */
  redraw(): void;
}

export function attachPointer(
  s: GraphState,
  viewport: Viewport,
  keyboard: Keyboard,
  layout: LayoutClient,
  act: PointerActions,
): void {
  const { canvas, container, renderer, tooltip } = s;
  let dragging: { i: number; moved: boolean } | null = null;

  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    const i = viewport.hit(e.offsetX, e.offsetY);
    if (i < 0 || !s.model) return;
    dragging = { i, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    const m = s.model;
    if (dragging && m) {
      const [wx, wy] = s.t.invert([e.offsetX, e.offsetY]);
      dragging.moved = true;
      const i = dragging.i;
      renderer.x[i] = s.tx[i] = wx;
      renderer.y[i] = s.ty[i] = wy;
      layout.drag(i, wx, wy);
      renderer.invalidate();
      viewport.positionsMoved();
      act.redraw();
      return;
    }
    const i = viewport.hit(e.offsetX, e.offsetY);
    canvas.classList.toggle('over-node', i >= 0);
    if (i >= 0 && m) {
      tooltip.textContent = act.tooltip(m.nodes[i].id);
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
      act.dropped?.();
    }
  });
  canvas.addEventListener('click', (e) => {
    tooltip.hidden = true;
    const m = s.model;
    if (!m) return;
    const i = viewport.hit(e.offsetX, e.offsetY);
    const id = i >= 0 ? m.nodes[i].id : null;
    if (i >= 0) keyboard.setCursor(i, false);
    act.select(id);
  });
  canvas.addEventListener('dblclick', (e) => {
    const m = s.model;
    if (!m) return;
    const i = viewport.hit(e.offsetX, e.offsetY);
    if (i >= 0) act.activate?.(m.nodes[i].id);
  });
}
