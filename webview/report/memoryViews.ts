/**
 * What holds the memory, on the page: the leak suspects under the verdict, the memory table and
 * the treemap (the workbench's other views), and in the graph the rings of an object's retained
 * set with the bar that says so. Drawing an object "in the graph" focuses the graph on it: its
 * path from a root, it, its largest children, its referents; "Back" widens again. A view with
 * more objects than the graph shows legibly opens that way on what holds the most memory.
 */
import type { HeapView } from '../../protocol/heapView';
import type { TypeCategory } from '../../protocol/snapshot';
import type { Overlay } from '../graph/highlight';
import type { DataSource } from '../model/dataSource';
import { formatBytes, formatCount } from '../model/format';
import type { GraphStore } from '../model/graphStore';
import {
  focusChoice,
  focusNeighbourhood,
  opensFocused,
  retainedAmong,
} from '../model/retainedFocus';
import { RetainedRows } from '../model/retainedRows';
import { pathFromSteps, stepsTo } from '../model/retainedText';
import { createMemoryTable } from '../memory/memoryTable';
import { suspectsSection } from '../memory/suspects';
import { createTreemap } from '../memory/treemap';
import { h } from '../ui/dom';
import { actionButton } from '../ui/buttons';
import type { AppActions, AppState } from './appState';
import { keepSet } from './expansion';

export type WorkbenchView = 'graph' | 'memory' | 'treemap';

export interface MemoryViews {
  readonly table: ReturnType<typeof createMemoryTable>;
  readonly treemap: ReturnType<typeof createTreemap>;
  /** Above the graph: what is ringed, "Show all", "Clear". */
  readonly bar: HTMLElement;
  /** A new view: the rows it carries; the section for the top of the page (or null). */
  setView(view: HeapView, store: GraphStore): HTMLElement | null;
  /**
   * Draws what holds the memory (call once the view's objects are in `st.shown`): a large view
   * opens focused on it, ringed (the object to select is returned); a small one draws the first
   * leak suspect's neighbourhood beside its own objects (null).
   */
  openingFocus(): number | null;
  /** The rings for the graph now (null: nothing ringed). */
  overlay(): Overlay | null;
  /** What is drawn changed: the bar's numbers again. */
  refresh(): void;
  showInGraph(target: number, retainer?: number): Promise<void>;
  /** Rings what `id` retains among the drawn objects (null: none). */
  ring(id: number | null): void;
  showInTable(id: number): void;
  rows(): RetainedRows | null;
}

const STYLES = {
  retainer: { colorVar: '--hi-retained', ringWidth: 4.5 },
  retained: { colorVar: '--hi-retained', ringWidth: 2.5 },
};

export function createMemoryViews(
  st: AppState,
  act: AppActions,
  o: {
    source: DataSource;
    showView(view: WorkbenchView): void;
    select(id: number): void;
    backButton: HTMLButtonElement;
  },
): MemoryViews {
  let rows: RetainedRows | null = null;
  let view: HeapView | null = null;

  const canShow = (id: number): boolean =>
    (st.store?.nodes.has(id) ?? false) || o.source.mode === 'panel';
  const table = createMemoryTable({
    showInGraph: (id) => void showInGraph(id, id),
    canShow,
    announce: act.announce,
  });
  const treemap = createTreemap({
    showInGraph: (id) => void showInGraph(id, id),
    canShow,
    announce: act.announce,
  });
  const bar = h('div', {
    class: 'retained-bar',
    attrs: { 'data-testid': 'retained-overlay', role: 'status', hidden: true },
  });

  /** The object's Python path when the tree's rows give it, else its label. */
  function label(id: number): string {
    const row = rows?.row(id);
    const path = row ? pathFromSteps(stepsTo(row, (x) => rows?.row(x))) : null;
    return path ?? st.store?.nodes.get(id)?.label ?? row?.label ?? `object ${id}`;
  }

  function renderBar(): void {
    const id = st.ringed;
    const n = id !== null ? st.store?.nodes.get(id) : undefined;
    const r = n?.retained;
    const wide = st.focusStack.length > 0 ? st.focusStack[0].size : 0;
    if (id === null || !n || !r) {
      bar.hidden = true;
      return;
    }
    const drawn = st.model ? retainedAmong(st.store as GraphStore, id, drawnIds()).length : 0;
    bar.hidden = false;
    bar.replaceChildren(
      h('span', { class: 'ring-mark', attrs: { 'aria-hidden': 'true' } }),
      h(
        'span',
        null,
        'Ringed: what ',
        h('code', null, label(id)),
        ` retains — ${formatCount(drawn)} drawn of ${formatCount(r.retained.objects)} objects, ${formatBytes(r.retained.bytes)}.`,
      ),
      st.focusStack.length > 0
        ? actionButton('screen-full', `Show all ${formatCount(wide)} objects`, () => unfocusAll(), {
            testId: 'show-all',
            title: 'Draw every object of the view again',
          })
        : '',
      actionButton('close', 'Clear', () => ring(null), {
        testId: 'clear-rings',
        title: 'Remove the rings',
      }),
    );
  }

  function drawnIds(): number[] {
    const m = st.model;
    return m ? m.nodes.filter((d) => !d.group).map((d) => d.id) : [];
  }

  function overlay(): Overlay | null {
    const id = st.ringed;
    if (id === null || !st.store || !st.model) return null;
    const members = retainedAmong(st.store, id, drawnIds());
    if (members.length === 0) return null;
    const rings = new Map<number, keyof typeof STYLES>();
    for (const m of members) rings.set(m, m === id ? 'retainer' : 'retained');
    const r = st.store.nodes.get(id)?.retained;
    const tags = new Map<number, string>();
    if (r) tags.set(id, `retains ${formatBytes(r.retained.bytes)}`);
    return { rings, tags, edges: new Map(), styles: STYLES };
  }

  function ring(id: number | null): void {
    st.ringed = id;
    renderBar();
    act.highlightChanged();
    act.detailsChanged();
  }

  function unfocusAll(): void {
    const first = st.focusStack[0];
    if (!first) return;
    st.focusStack = [];
    st.shown = first;
    o.backButton.hidden = true;
    act.rebuild({ fit: true, stable: true });
    renderBar();
  }

  /** Draws `target` and its neighbourhood (instead of what is drawn; "Back" returns to it). */
  function focus(target: number, retainer: number): void {
    const store = st.store;
    if (!store) return;
    const ids = focusNeighbourhood(store, rows, { target, retainer });
    st.focusStack.push(new Set(st.shown));
    st.shown = new Set([...ids, ...keepSet(st)]);
    o.backButton.hidden = false;
    st.ringed = retainer;
  }

  async function showInGraph(target: number, retainer = target): Promise<void> {
    const store = st.store;
    if (!store) return;
    for (const id of new Set([retainer, target])) {
      // A panel asks for what the page does not know: the path brings the object with it.
      if (!store.nodes.has(id) && o.source.mode === 'panel') await o.source.path(store, id);
    }
    if (!store.nodes.has(target)) {
      act.announce('This report holds no graph data for that object.');
      return;
    }
    if (o.source.mode === 'panel') await o.source.neighbours(store, target, 'referents');
    o.showView('graph');
    focus(target, store.nodes.has(retainer) ? retainer : target);
    act.rebuild({ fit: true, stable: true });
    o.select(target);
    renderBar();
    act.announce(
      `Drawn: ${label(target)} and what holds it; what ${label(st.ringed ?? target)} retains is ringed`,
    );
  }

  return {
    table,
    treemap,
    bar,
    setView(next, store) {
      view = next;
      st.ringed = null;
      rows = next.retained ? new RetainedRows(next.retained, o.source.rows) : null;
      const categories = new Map<string, TypeCategory>();
      for (const t of next.types ?? []) categories.set(t.type, t.category);
      for (const n of store.nodes.values())
        if (!categories.has(n.type)) categories.set(n.type, n.category);
      table.setRows(rows);
      const groups = new Map(next.retained?.suspects.map((x) => [x.accumulation.node, x.content]));
      treemap.setRows(rows, categories, groups);
      renderBar();
      return suspectsSection(next.retained, {
        showInGraph: (t, r) => void showInGraph(t, r),
        showInTable: (id) => {
          o.showView('memory');
          void table.reveal(id);
        },
        showInTreemap: (id) => {
          o.showView('treemap');
          treemap.zoomTo(id);
        },
        canShow,
        nodeAt: (address) =>
          st.store?.byAddress.get(address) ??
          rows?.view.tree.find((r) => r.address === address)?.id,
      });
    },
    openingFocus() {
      const store = st.store;
      if (!view || !store) return null;
      const choice = focusChoice(view, store);
      if (!choice) return null;
      if (opensFocused(view)) {
        focus(choice.target, choice.retainer);
        renderBar();
        return choice.target;
      }
      // A small view: what holds the memory is drawn beside it, not ringed.
      if (choice.why === 'suspect') {
        for (const id of focusNeighbourhood(store, rows, choice)) st.shown.add(id);
      }
      return null;
    },
    overlay,
    refresh: renderBar,
    showInGraph,
    ring,
    showInTable(id) {
      o.showView('memory');
      void table.reveal(id);
    },
    rows: () => rows,
  };
}
