/**
 * What is drawn beyond the view's own objects: expanding an object's referents or referrers
 * (asked of whoever can answer), collapsing them again, and focusing on one object and its
 * neighbours ("Back" returns to what was drawn before).
 */
import type { PanelState } from '../../protocol/messages';
import type { DataSource } from '../model/dataSource';
import { formatCount, plural } from '../model/format';
import type { AppActions, AppState } from './appState';

/** Most objects an expansion adds at once. */
export const EXPAND_LIMIT = 60;

export type Direction = 'referents' | 'referrers';

/** What collapsing never takes away: the selection and the path that explains it. */
export function keepSet(st: Pick<AppState, 'selected' | 'pathState'>): Set<number> {
  const keep = new Set<number>();
  if (st.selected !== null && st.selected >= 0) keep.add(st.selected);
  if (st.pathState?.answer?.path)
    for (const s of st.pathState.answer.path.steps) keep.add(s.node.id);
  return keep;
}

export interface Expansion {
  expand(id: number, direction: Direction): Promise<void>;
  collapse(id: number): void;
  focusOn(id: number): void;
  unfocus(): void;
  /** The expansions a panel kept across a reload, from what the page knows (first view only). */
  restore(expanded: PanelState['expanded']): void;
  /** Draws these objects too (those the page knows); redraws when any is new. */
  show(ids: Iterable<number>): void;
  /** Hides some drawn objects, or draws them again. */
  setHidden(ids: Iterable<number>, hidden: boolean): void;
}

export function createExpansion(
  st: AppState,
  act: AppActions,
  o: {
    mode: 'report' | 'panel';
    graphBox: HTMLElement;
    backButton: HTMLElement;
    questions(): DataSource;
  },
): Expansion {
  async function expand(id: number, direction: Direction): Promise<void> {
    const store = st.store;
    if (!store) return;
    const answer = await o.questions().neighbours(store, id, direction);
    const added: number[] = [];
    for (const n of answer.ids.slice(0, EXPAND_LIMIT)) {
      if (!st.shown.has(n)) {
        st.shown.add(n);
        added.push(n);
      }
    }
    st.expansions.set(`${id}:${direction}`, added);
    act.rebuild({ stable: true });
    const missing = answer.total - answer.ids.length;
    act.announce(
      `${plural(added.length, 'object')} added${missing > 0 ? `; ${formatCount(missing)} more ${direction} are not ${o.mode === 'report' ? 'in this report' : 'loaded'}` : ''}`,
    );
    o.graphBox.dataset.lastExpand = `${id}:${direction}:${added.length}:${answer.total}`;
    act.stateChanged();
  }

  function collapse(id: number): void {
    const remove = new Set<number>();
    for (const dir of ['referents', 'referrers'] as const) {
      const key = `${id}:${dir}`;
      for (const n of st.expansions.get(key) ?? []) remove.add(n);
      st.expansions.delete(key);
    }
    const keep = keepSet(st);
    for (const list of st.expansions.values()) for (const n of list) remove.delete(n);
    const base = new Set(st.store?.base ?? []);
    for (const n of remove) if (!base.has(n) && !keep.has(n)) st.shown.delete(n);
    act.rebuild({ stable: true });
    act.stateChanged();
  }

  function focusOn(id: number): void {
    const store = st.store;
    if (!store) return;
    st.focusStack.push(new Set(st.shown));
    const next = new Set<number>([id]);
    for (const dir of ['referents', 'referrers'] as const) {
      for (const n of store.neighbours(id, dir).ids.slice(0, EXPAND_LIMIT)) next.add(n);
    }
    st.shown = next;
    o.backButton.hidden = false;
    act.rebuild({ fit: true, stable: true });
  }

  function unfocus(): void {
    const prev = st.focusStack.pop();
    if (prev) st.shown = prev;
    o.backButton.hidden = st.focusStack.length === 0;
    act.rebuild({ fit: true, stable: true });
  }

  function restore(expanded: PanelState['expanded']): void {
    const store = st.store;
    if (!store) return;
    for (const e of expanded ?? []) {
      if (!store.nodes.has(e.node)) continue;
      const nb = store.neighbours(e.node, e.direction);
      const added = nb.ids.slice(0, EXPAND_LIMIT).filter((n) => !st.shown.has(n));
      added.forEach((n) => st.shown.add(n));
      st.expansions.set(`${e.node}:${e.direction}`, added);
    }
  }

  function show(ids: Iterable<number>): void {
    let grew = false;
    for (const id of ids) {
      if (st.store?.nodes.has(id) && !st.shown.has(id)) {
        st.shown.add(id);
        grew = true;
      }
    }
    if (grew) act.rebuild({ stable: true });
  }

  function setHidden(ids: Iterable<number>, hidden: boolean): void {
    let changed = false;
    for (const id of ids) {
      if (hidden ? st.shown.delete(id) : !st.shown.has(id) && !!st.shown.add(id)) changed = true;
    }
    if (changed) act.rebuild({ stable: true });
  }

  return { expand, collapse, focusOn, unfocus, restore, show, setHidden };
}
