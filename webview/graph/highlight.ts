/**
 * What the graph emphasises, from what the page asks for (by object id) to what the renderer
 * draws (by draw index): the selection and its neighbours, "why is this alive?" (path and loop),
 * search hits, the keyboard cursor, an overlay another part of the page lays over the graph, and
 * objects fading out. Pure: no DOM.
 */
import type { ViewEdge } from '../../protocol/heapView';
import type { DrawModel } from './drawModel';

/**
 * Marks another part of the page lays over the graph (the collector stepper shows a phase this
 * way): a ring around some objects, a short tag beside them, some references drawn in a style of
 * their own. While an overlay is shown, what it does not mark is dimmed, and the graph's own red
 * for unreachable objects and cycles steps back.
 */
export interface Overlay<Style extends string = string> {
  /** Object id → style name: a ring around the object. */
  rings: Map<number, Style>;
  /** Object id → text beside it (ringed objects only). */
  tags: Map<number, string>;
  /** `fromId>toId` → style name: the reference drawn in that style. */
  edges: Map<string, Style>;
  styles: Record<Style, OverlayStyle>;
}

export interface OverlayStyle {
  /** The CSS custom property holding the colour, read with the theme like the palette. */
  colorVar: string;
  /** Ring width, in line widths (3 when not given). */
  ringWidth?: number;
  /** Dashed rings and references. */
  dashed?: boolean;
  /** While objects fade out, the rings of this style fade with them. */
  fades?: boolean;
}

/** An overlay style with its colour read from the page. */
export interface DrawnOverlayStyle {
  color: string;
  ringWidth: number;
  dashed: boolean;
  fades: boolean;
}

export interface HighlightInput {
  selected: number | null;
  /** "Why is this alive?" steps (object ids, root first), and the references between them. */
  path: number[] | null;
  /** References (from → to) to draw as the selection's loop. */
  loop: ViewEdge[] | null;
  search: Set<number>;
  overlay?: Overlay | null;
  /** Objects fading out (freed by a real collection); `setFade` animates them. */
  fading?: Set<number>;
}

/** The highlight by draw index, as the renderer reads it. */
export interface Highlight {
  selected: number;
  /** Nodes next to the selection, and its edges. */
  related: Set<number>;
  relatedEdges: Set<number>;
  /** "Why is this alive?": the path's nodes and edges. */
  pathNodes: Set<number>;
  pathEdges: Set<number>;
  /** The loop that keeps an unreachable selection's reference count up. */
  loopEdges: Set<number>;
  search: Set<number>;
  /** Keyboard cursor (may differ from the selection), or −1. */
  cursor: number;
  /** The overlay's rings (style name per draw index; null: no overlay), tags and references. */
  rings: Map<number, string> | null;
  tags: Map<number, string>;
  overlayEdges: Map<number, string>;
  overlayStyles: Record<string, DrawnOverlayStyle>;
  /** Objects fading out (a real collection freed them), drawn with `fadeAlpha`. */
  fading: Set<number>;
  fadeAlpha: number;
}

export function emptyHighlight(): Highlight {
  return {
    selected: -1,
    related: new Set(),
    relatedEdges: new Set(),
    pathNodes: new Set(),
    pathEdges: new Set(),
    loopEdges: new Set(),
    search: new Set(),
    cursor: -1,
    rings: null,
    tags: new Map(),
    overlayEdges: new Map(),
    overlayStyles: {},
    fading: new Set(),
    fadeAlpha: 1,
  };
}

/** A selection, a path, a search or an overlay is shown: what it does not touch is dimmed. */
export function highlightActive(hl: Highlight): boolean {
  return hl.selected >= 0 || hl.pathNodes.size > 0 || hl.search.size > 0 || hl.rings !== null;
}

/** Drawn in full while something is highlighted: not dimmed. */
export function emphasised(hl: Highlight, i: number): boolean {
  return (
    i === hl.selected ||
    hl.related.has(i) ||
    hl.pathNodes.has(i) ||
    hl.search.has(i) ||
    i === hl.cursor ||
    (hl.rings?.has(i) ?? false)
  );
}

/**
 * The highlight of `input` on this model. `color` reads an overlay style's colour variable;
 * `fadeAlpha` carries the fade animation over.
 */
export function computeHighlight(
  m: DrawModel | null,
  input: HighlightInput,
  cursor: number,
  fadeAlpha: number,
  color: (cssVar: string) => string,
): Highlight {
  const h = emptyHighlight();
  h.cursor = cursor;
  h.fadeAlpha = fadeAlpha;
  if (!m) return h;
  const idx = (id: number | null | undefined): number =>
    id === null || id === undefined ? -1 : (m.index.get(id) ?? -1);
  const sel = idx(input.selected);
  // A selected group is found by its draw id.
  h.selected = sel >= 0 ? sel : m.nodes.findIndex((d) => d.id === input.selected);
  if (h.selected >= 0) {
    m.edges.forEach((e, i) => {
      if (e.s === h.selected || e.t === h.selected) {
        h.relatedEdges.add(i);
        h.related.add(e.s === h.selected ? e.t : e.s);
      }
    });
  }
  if (input.path && input.path.length > 0) {
    const steps = input.path.map((id) => idx(id));
    steps.forEach((i) => {
      if (i >= 0) h.pathNodes.add(i);
    });
    for (let s = 1; s < steps.length; s++) {
      const a = steps[s - 1];
      const b = steps[s];
      m.edges.forEach((e, i) => {
        if (e.s === a && e.t === b) h.pathEdges.add(i);
      });
    }
  }
  if (input.loop) {
    for (const le of input.loop) {
      const a = idx(le.from);
      const b = idx(le.to);
      m.edges.forEach((e, i) => {
        if (e.s === a && e.t === b && (e.e.label === le.label || e.count > 1 || e.bridged))
          h.loopEdges.add(i);
      });
    }
  }
  for (const id of input.search) {
    const i = idx(id);
    if (i >= 0) h.search.add(i);
  }
  const ov = input.overlay;
  if (ov) {
    const rings = new Map<number, string>();
    for (const [id, style] of ov.rings) {
      const i = idx(id);
      // Groups are not ringed: an overlay speaks of single objects.
      if (i >= 0 && !m.nodes[i].group) rings.set(i, style);
    }
    h.rings = rings;
    for (const [id, tag] of ov.tags) {
      const i = idx(id);
      if (i >= 0 && rings.has(i)) h.tags.set(i, tag);
    }
    if (ov.edges.size > 0) {
      m.edges.forEach((e, i) => {
        const style = ov.edges.get(`${m.nodes[e.s].id}>${m.nodes[e.t].id}`);
        if (style) h.overlayEdges.set(i, style);
      });
    }
    for (const [name, s] of Object.entries<OverlayStyle>(ov.styles)) {
      h.overlayStyles[name] = {
        color: color(s.colorVar),
        ringWidth: s.ringWidth ?? 3,
        dashed: s.dashed ?? false,
        fades: s.fades ?? false,
      };
    }
  }
  for (const id of input.fading ?? []) {
    const i = idx(id);
    if (i >= 0) h.fading.add(i);
  }
  return h;
}
