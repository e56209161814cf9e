/**
 * Selecting an object (from the graph, a list, the keyboard, a search or the extension) and
 * "Why is this alive?": the path from a root, asked of whoever can answer, or, for garbage, the
 * loop that keeps its reference count up. The path's objects are drawn.
 */
import type { DataSource } from '../model/dataSource';
import type { AppActions, AppState } from './appState';

export interface Selection {
  select(id: number | null, o?: { reveal?: boolean; why?: boolean }): void;
  whyAlive(id: number): Promise<void>;
}

export function createSelection(
  st: AppState,
  act: AppActions,
  o: {
    graphBox: HTMLElement;
    /** Who answers "why alive" now (app.ts). */
    questions(): DataSource;
    /** Text for screen readers. */
    describe(id: number): string;
  },
): Selection {
  function select(id: number | null, so: { reveal?: boolean; why?: boolean } = {}): void {
    const store = st.store;
    if (!store) return;
    if (id !== null && id >= 0 && !st.shown.has(id) && store.nodes.has(id)) {
      st.shown.add(id);
      st.selected = id;
      act.rebuild({ stable: true });
    }
    st.selected = id;
    if (id === null || id < 0 || st.pathState?.id !== id) st.pathState = null;
    act.highlightChanged();
    act.detailsChanged();
    if (id !== null) {
      st.graph?.setCursor(id);
      if (so.reveal) st.graph?.reveal(id);
      act.announce(o.describe(id));
      if (id >= 0 && so.why !== false) void whyAlive(id);
    }
    act.stateChanged();
  }

  async function whyAlive(id: number): Promise<void> {
    const store = st.store;
    if (!store || id < 0) return;
    const n = store.nodes.get(id);
    if (!n) return;
    st.pathState = { id, loading: true, answer: null, loop: null };
    act.detailsChanged();
    const loop = n.unreachable || n.cycle !== null ? store.loopThrough(id) : null;
    const answer = n.unreachable
      ? { path: null, known: true }
      : await o.questions().path(store, id);
    if (st.selected !== id) return;
    st.pathState = { id, loading: false, answer, loop: n.unreachable ? loop : null };
    let grew = false;
    if (answer.path) {
      for (const s of answer.path.steps) {
        if (!st.shown.has(s.node.id)) {
          st.shown.add(s.node.id);
          grew = true;
        }
      }
    }
    if (grew) act.rebuild({ stable: true });
    else {
      act.highlightChanged();
      act.detailsChanged();
    }
    o.graphBox.dataset.why = answer.path
      ? 'path'
      : n.unreachable
        ? 'garbage'
        : answer.known
          ? 'unrooted'
          : 'unknown';
  }

  return { select, whyAlive };
}
