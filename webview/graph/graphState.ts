/**
 * What the parts of the interactive graph share (graphView.ts builds it; motion, viewport,
 * pointer and keyboard read and change it): the model drawn, where the layout puts each object and
 * where it is drawn now, the zoom, the highlight and the keyboard cursor.
 */
import type { ZoomTransform } from 'd3';
import type { DrawModel } from './drawModel';
import type { Highlight } from './highlight';
import type { Renderer } from './renderer';

export interface GraphState {
  readonly container: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly tooltip: HTMLElement;
  /** Holds the drawn positions (`renderer.x`/`y`), which ease towards the targets. */
  readonly renderer: Renderer;
  model: DrawModel | null;
  /** Where the layout puts each draw node (world); NaN until it has placed it. */
  tx: Float64Array;
  ty: Float64Array;
  /** Pan and zoom: screen = world × k + (x, y). */
  t: ZoomTransform;
  hl: Highlight;
  /** The keyboard cursor (draw index), or −1. */
  cursor: number;
  /** The user panned or zoomed: the graph is no longer kept fitted to its box. */
  userMoved: boolean;
  /** Fit the graph once the layout has placed it. */
  pendingFit: boolean;
  /** The user asked for reduced motion: no easing, no animated zoom. */
  readonly reduced: boolean;
}

/** Draw index of the object with this id (a group by its draw id too), or −1. */
export function drawIndex(m: DrawModel | null, id: number): number {
  if (!m) return -1;
  return m.index.get(id) ?? m.nodes.findIndex((d) => d.id === id);
}
