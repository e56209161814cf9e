/**
 * What a VS Code panel keeps across hiding and reloads (protocol/messages.ts `PanelState`): the
 * selection, zoom, filters, search, expansions, positions (by address), grouping and the stepper.
 * Read back with every field checked (it is data from an earlier page); written a moment after
 * the last change.
 */
import type { PanelState } from '../../protocol/messages';
import type { GraphStore } from '../model/graphStore';
import type { AppState } from './appState';
import type { StepperState } from './stepper/stepper';

/** Positions are kept for graphs up to this size (the state stays small). */
const KEEP_POSITIONS = 3000;
/** Changes this close together are saved once. */
const SAVE_DELAY_MS = 250;

/** What getState returned, if it is a PanelState (it is data from an earlier page: check it). */
export function readPanelState(x: unknown): PanelState | null {
  if (typeof x !== 'object' || x === null) return null;
  const s = x as Record<string, unknown>;
  const f = s.filters as Record<string, unknown> | undefined;
  const filters = {
    hideBuiltins: f?.hideBuiltins === true,
    hideStdlib: f?.hideStdlib === true,
    hideDebugger: f?.hideDebugger === true,
  };
  const z = s.zoom as Record<string, unknown> | null | undefined;
  const zoom =
    z &&
    [z.x, z.y, z.k].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    (z.k as number) > 0
      ? { x: z.x as number, y: z.y as number, k: z.k as number }
      : null;
  const expanded = Array.isArray(s.expanded)
    ? (s.expanded as unknown[]).filter(
        (e): e is { node: number; direction: 'referents' | 'referrers' } =>
          typeof e === 'object' &&
          e !== null &&
          Number.isInteger((e as { node?: unknown }).node) &&
          ['referents', 'referrers'].includes((e as { direction?: unknown }).direction as string),
      )
    : [];
  const positions: Record<string, [number, number]> = {};
  if (typeof s.positions === 'object' && s.positions !== null) {
    for (const [k, v] of Object.entries(s.positions as Record<string, unknown>)) {
      if (
        Array.isArray(v) &&
        v.length === 2 &&
        v.every((n) => typeof n === 'number' && Number.isFinite(n))
      ) {
        positions[k] = [v[0] as number, v[1] as number];
      }
    }
  }
  const st = s.stepper as Record<string, unknown> | undefined;
  const stepper =
    typeof st === 'object' &&
    st !== null &&
    typeof st.open === 'boolean' &&
    [0, 1, 2].includes(st.generation as number) &&
    Number.isInteger(st.phase)
      ? { open: st.open, generation: st.generation as number, phase: st.phase as number }
      : undefined;
  return {
    stepper,
    selected: Number.isInteger(s.selected) ? (s.selected as number) : null,
    zoom,
    filters,
    search: typeof s.search === 'string' ? s.search : '',
    expanded,
    positions,
    groupBy: s.groupBy === 'type' || s.groupBy === 'cycle' ? s.groupBy : 'none',
  };
}

/** The state to keep now. */
export function panelStateOf(st: AppState, search: string, stepper: StepperState): PanelState {
  const { graph, store, model, selected } = st;
  const positions: Record<string, [number, number]> = {};
  if (graph && store && model && model.nodes.length <= KEEP_POSITIONS) {
    for (const [id, p] of graph.positions()) {
      const n = store.nodes.get(id);
      if (n) positions[n.address] = [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];
    }
  }
  return {
    selected: selected !== null && selected >= 0 ? selected : null,
    zoom: graph ? graph.transform() : null,
    filters: st.filters,
    search,
    expanded: [...st.expansions.keys()].map((k) => {
      const [node, direction] = k.split(':');
      return { node: Number(node), direction: direction as 'referents' | 'referrers' };
    }),
    positions,
    groupBy: st.groupBy,
    stepper,
  };
}

/** `schedule()` saves `current()` once changes pause; nothing without `save` (the HTML report). */
export function stateSaver(
  save: ((state: PanelState) => void) | undefined,
  current: () => PanelState,
): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (!save) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      save(current());
    }, SAVE_DELAY_MS);
  };
}

/**
 * Where to start drawing a new view's objects: where the same addresses were drawn in the previous
 * capture (`old` and the graph's `positions`), else where a kept state put them.
 */
export function seedPositions(
  old: GraphStore | null,
  store: GraphStore,
  positions: Map<number, [number, number]>,
  kept: PanelState['positions'] | undefined,
): Map<number, [number, number]> {
  const seed = new Map<number, [number, number]>();
  if (old) {
    for (const [id, p] of positions) {
      const addr = old.nodes.get(id)?.address;
      const nid = addr !== undefined ? store.byAddress.get(addr) : undefined;
      if (nid !== undefined) seed.set(nid, p);
    }
  } else if (kept) {
    for (const [addr, p] of Object.entries(kept)) {
      const nid = store.byAddress.get(addr);
      if (nid !== undefined && Array.isArray(p) && p.length === 2)
        seed.set(nid, [Number(p[0]), Number(p[1])]);
    }
  }
  return seed;
}
