/**
 * The heap view page, the same in the HTML report and in the VS Code panel: header and verdict,
 * the side list (where to start, and the type table), the graph with its toolbar and legend, and
 * the details panel. This file holds the page together: it owns what is shown (AppState), builds
 * the draw model when that changes, and keeps the graph, the panels and the stepper in step. The
 * parts: skeleton.ts and toolbar.ts (the page's regions), search.ts, selection.ts (selection and
 * "Why is this alive?"), expansion.ts (expand, collapse, focus), graphStatus.ts, exportImage.ts,
 * panelState.ts (what a panel keeps), and stepper/.
 */
import type { HeapView } from '../../protocol/heapView';
import type { PanelState } from '../../protocol/messages';
import type { StepperData } from '../../protocol/stepper';
import { buildDrawModel, type DrawNode } from '../graph/drawModel';
import { createGraphView, type GraphView } from '../graph/graphView';
import { readPalette } from '../graph/palette';
import { embeddedSource, type DataSource } from '../model/dataSource';
import { NO_FILTERS } from '../model/filters';
import { mapStrings, visible } from '../model/format';
import { GraphStore } from '../model/graphStore';
import { indexHeapView } from '../model/heapIndex';
import { h } from '../ui/dom';
import { icon } from '../ui/icons/icon';
import type { AppActions, AppState, RebuildOptions } from './appState';
import { renderDetails } from './details';
import { createExpansion, keepSet } from './expansion';
import { exportImage } from './exportImage';
import { describeDrawn, renderObjectsList, statusText } from './graphStatus';
import { header, renderError, verdictSection, warningsSection } from './header';
import { panelStateOf, seedPositions, stateSaver } from './panelState';
import { attachPageKeys } from './pageKeys';
import { createSearch } from './search';
import { createSelection } from './selection';
import { otherThreadsNotice } from './threadNotice';
import { problemsPanel, typesPanel } from './sidebar';
import { buildSkeleton } from './skeleton';
import { createStepper, type Stepper } from './stepper/stepper';
import { createToolbar } from './toolbar';
import { createMemoryViews } from './memoryViews';

export { renderError };

export interface AppOptions {
  mode: 'report' | 'panel';
  source: DataSource;
  initialState?: PanelState | null;
  saveState?(state: PanelState): void;
}

export interface App {
  setView(view: HeapView, notes?: string[]): void;
  /** The collector stepper (its data, the real collection's messages). */
  readonly stepper: Stepper;
  setStepperData(data: StepperData): void;
  showCapturing(message: string): void;
  showError(message: string): void;
  focusAddress(address: string): void;
  state(): PanelState;
  graph(): GraphView | null;
}

export function createApp(root: HTMLElement, opts: AppOptions): App {
  const source = opts.source;
  const offlineSource = embeddedSource();
  /**
   * Who answers "why alive" and "expand": the extension, about the capture the panel holds; but
   * while the stepper shows the capture from before a real collection (the panel holds the one
   * after it), only what this page knows of that capture.
   */
  const questions = (): DataSource => (stepper.showingOlderCapture() ? offlineSource : source);
  const initial = opts.initialState;
  const st: AppState = {
    view: null,
    store: null,
    model: null,
    graph: null,
    shown: new Set(),
    expansions: new Map(),
    focusStack: [],
    filters: { ...NO_FILTERS, ...(initial?.filters ?? {}) },
    groupBy: initial?.groupBy ?? 'none',
    openGroups: new Set(),
    selected: null,
    pathState: null,
    ringed: null,
  };
  /** The panel's kept state was applied (first view only). */
  let restored = false;
  let stepperRestored = false;
  let lastNotes: string[] = [];

  const act: AppActions = {
    rebuild,
    highlightChanged: updateHighlight,
    detailsChanged: renderDetailsNow,
    stateChanged: () => scheduleSave(),
    announce: (text) => {
      skeleton.announcer.textContent = text;
    },
  };

  // The collector stepper (it calls its host only after a view is shown).
  const stepper: Stepper = createStepper({
    mode: opts.mode,
    store: () => st.store,
    view: () => st.view,
    isDrawn: (id) => st.model?.index.has(id) ?? false,
    addObjects: (data, show) => {
      st.store?.add(data.nodes, data.edges);
      expansion.show(show);
    },
    setHidden: (ids, hidden) => expansion.setHidden(ids, hidden),
    refresh: () => {
      updateHighlight();
      renderDetailsNow();
    },
    select: (id) => selection.select(id, { reveal: true }),
    showView: (v) => applyView(v, lastNotes, true),
    setFade: (alpha) => st.graph?.setFade(alpha),
    post: (m) => source.post(m),
    request: (nodes) => source.stepper(nodes),
    announce: act.announce,
    stateChanged: act.stateChanged,
  });
  const toolbar = createToolbar({
    mode: opts.mode,
    filters: st.filters,
    groupBy: st.groupBy,
    search: initial?.search ?? '',
    stepperToggle: stepper.toggle,
    act: {
      filtersChanged(filters) {
        st.filters = filters;
        rebuild({ stable: true });
        scheduleSave();
      },
      groupByChanged(groupBy) {
        st.groupBy = groupBy;
        st.openGroups.clear();
        rebuild({ fit: true });
        scheduleSave();
      },
      unfocus: () => expansion.unfocus(),
      fit: () => st.graph?.fit(),
      zoomBy: (factor) => st.graph?.zoomBy(factor),
      exportAs(format) {
        if (!st.graph) return;
        exportImage(st.graph, source, format);
        act.announce(`Exported the view as ${format.toUpperCase()}`);
      },
      recapture: () => source.post({ type: 'recapture' }),
    },
  });
  const memory = createMemoryViews(st, act, {
    source,
    showView: (view) => skeleton.showView(view),
    select: (id) => select(id, { reveal: true }),
    backButton: toolbar.backButton,
  });
  const skeleton = buildSkeleton(root, {
    mode: opts.mode,
    toolbar: toolbar.element,
    stepper: stepper.element,
    reality: stepper.reality,
    ringBar: memory.bar,
    memory: memory.table.element,
    treemap: memory.treemap.element,
    viewShown: (view) => {
      if (view === 'treemap') memory.treemap.redraw();
      if (view === 'memory') memory.table.grid.refresh();
    },
  });
  const { banner, top, graphBox } = skeleton;
  const describe = (id: number): string => describeDrawn(st.model, st.view, id);
  const selection = createSelection(st, act, { graphBox, questions, describe });
  const select = selection.select;
  const expansion = createExpansion(st, act, {
    mode: source.mode,
    graphBox,
    backButton: toolbar.backButton,
    questions,
  });
  const search = createSearch(st, act, {
    input: toolbar.searchInput,
    count: toolbar.searchCount,
    graphBox,
    initial: initial?.search ?? '',
    select: (id) => select(id, { reveal: true }),
  });
  const currentState = (): PanelState => panelStateOf(st, search.query(), stepper.state());
  const scheduleSave = stateSaver(opts.saveState, currentState);

  // --- Theme ------------------------------------------------------------------------------------
  const reloadPalette = (): void => {
    st.graph?.setPalette(readPalette(graphBox));
    memory.treemap.redraw();
  };
  const mo = new MutationObserver(reloadPalette);
  mo.observe(document.body, {
    attributes: true,
    attributeFilter: ['class', 'data-vscode-theme-kind', 'style'],
  });
  mo.observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['data-theme', 'style'],
  });
  window.matchMedia?.('(prefers-color-scheme: light)').addEventListener?.('change', reloadPalette);

  // --- What is drawn ----------------------------------------------------------------------------
  function rebuild(o: RebuildOptions = {}): void {
    const { store, graph } = st;
    if (!store || !graph) return;
    const { shown, filters, groupBy, openGroups } = st;
    st.model = buildDrawModel(store, { shown, filters, groupBy, keep: keepSet(st), openGroups });
    const model = st.model;
    if (model.forcedGrouping && toolbar.groupSelect.value !== 'type')
      toolbar.groupSelect.value = 'type';
    graph.setModel(model, { stable: o.stable, fit: o.fit, seed: o.seed });
    search.update(false);
    updateHighlight();
    updateStatus();
    renderObjectsList(skeleton.objectsList, model, describe);
    renderDetailsNow();
  }

  function updateStatus(progress?: number, done?: boolean): void {
    if (!st.model || !st.view) return;
    skeleton.status.textContent = statusText(st.model, st.view, progress, done);
  }

  function updateHighlight(): void {
    const { graph, pathState, selected } = st;
    if (!graph) return;
    const path = pathState?.answer?.path ? pathState.answer.path.steps.map((s) => s.node.id) : null;
    graph.setHighlight({
      selected,
      path: pathState && pathState.id === selected ? path : null,
      loop: pathState && pathState.id === selected ? pathState.loop : null,
      search: search.highlighted(),
      overlay: stepper.overlay() ?? memory.overlay(),
      fading: stepper.fading(),
    });
    memory.refresh();
  }

  /** The selected object (or group) as drawn. */
  function selectedDraw(): DrawNode | null {
    const { model, selected } = st;
    if (!model || selected === null) return null;
    const i = model.index.get(selected);
    if (i !== undefined) return model.nodes[i];
    return model.nodes.find((d) => d.id === selected) ?? null;
  }

  function openGroup(key: string): void {
    st.openGroups.add(key);
    rebuild({ stable: true });
  }

  function renderDetailsNow(): void {
    if (!st.store) return;
    const chosen = selectedDraw();
    const extra = chosen && !chosen.group ? stepper.details(chosen.id) : null;
    renderDetails(
      skeleton.details,
      st.store,
      chosen,
      st.pathState,
      {
        select: (id) => select(id, { reveal: true }),
        expand: (id, dir) => void expansion.expand(id, dir),
        collapse: expansion.collapse,
        focus: expansion.focusOn,
        whyAlive: (id) => void selection.whyAlive(id),
        openGroup,
        isExpanded: (id, dir) => st.expansions.has(`${id}:${dir}`),
        isDrawn: (id) => st.model?.index.has(id) ?? false,
        retained: {
          ring: memory.ring,
          ringed: () => st.ringed,
          showInTable: memory.showInTable,
          liveBytes: () => st.view?.retained?.totals.live.bytes ?? 0,
        },
        openSource:
          source.mode === 'panel'
            ? (file, line) => source.post({ type: 'openSource', file, line })
            : undefined,
      },
      extra,
    );
  }

  attachPageKeys({
    st,
    searchInput: toolbar.searchInput,
    whyAlive: (id) => void selection.whyAlive(id),
    expand: (id, dir) => void expansion.expand(id, dir),
    focusOn: expansion.focusOn,
    collapse: expansion.collapse,
    stepperKey: stepper.keydown,
  });

  // --- Views ------------------------------------------------------------------------------------
  /** A view from the page or the extension; held back while the stepper animates a collection. */
  function setView(data: HeapView, notes: string[] = []): void {
    if (stepper.deferView((fit) => applyView(data, notes, fit))) return;
    applyView(data, notes);
  }

  function createGraph(): GraphView {
    const graph = createGraphView(graphBox, readPalette(graphBox), {
      onSelect: (id) => select(id, { reveal: false }),
      onActivate: (id) => {
        if (id < 0) {
          const g = st.model?.nodes.find((d) => d.id === id)?.group;
          if (g) openGroup(g.key);
        } else void expansion.expand(id, 'referents');
      },
      onCursor: (id) => act.announce(describe(id)),
      tooltip: describe,
      onViewChange: () => scheduleSave(),
      onLayout: (p, done) => updateStatus(p, done),
    });
    // The tests' and the benchmark's hook.
    (window as unknown as { __heapInspector?: unknown }).__heapInspector = {
      graph,
      select: (id: number | null) => select(id, { reveal: true }),
      state: currentState,
      model: () => st.model,
      /** Drawn objects ringed as what the ringed object retains. */
      rings: () => [...(memory.overlay()?.rings.keys() ?? [])],
      memoryGrid: () => memory.table.grid,
    };
    return graph;
  }

  function applyView(data: HeapView, notes: string[] = [], fit = false): void {
    // Control and bidi-override characters in Python strings are shown escaped, as repr() does.
    const next = mapStrings(data, visible);
    lastNotes = notes.map(visible);
    const old = st.store;
    const oldSelectedAddress =
      st.selected !== null && old ? old.nodes.get(st.selected)?.address : undefined;
    const store = new GraphStore(next);
    // Read before the new store replaces the old one: positions are matched by address.
    const seed = seedPositions(
      old,
      store,
      st.graph?.positions() ?? new Map(),
      !restored ? initial?.positions : undefined,
    );
    st.view = next;
    st.store = store;
    st.shown = new Set(store.base);
    st.expansions.clear();
    st.focusStack = [];
    toolbar.backButton.hidden = true;
    st.pathState = null;
    st.selected = null;
    banner.hidden = true;

    st.ringed = null;
    const index = indexHeapView(next);
    const warnings = warningsSection(next, lastNotes);
    const threads = otherThreadsNotice(next);
    const held = memory.setView(next, store);
    top.replaceChildren(
      header(next),
      verdictSection(next, index),
      ...(held ? [held] : []),
      ...(threads ? [threads] : []),
      ...(warnings ? [warnings] : []),
    );
    const sideActions = {
      select: (id: number) => select(id, { reveal: true }),
      showCycle: (c: number) => {
        const members = st.view?.cycles[c]?.members ?? [];
        if (members.length === 0) return;
        select(members[0], { reveal: false });
        st.graph?.zoomToIds(members, 2.2);
      },
      searchType: (type: string) => search.searchFor(type),
    };
    skeleton.problemsTab.replaceChildren(problemsPanel(next, store, sideActions));
    skeleton.typesTab.replaceChildren(typesPanel(next, sideActions));

    st.graph ??= createGraph();
    // Restore what the panel kept (first view only).
    const first = initial && !restored && !old ? initial : null;
    if (first) expansion.restore(first.expanded);
    // A large view opens on what holds the most memory (memoryViews.ts).
    const focused = first?.selected ? null : memory.openingFocus();
    rebuild({ fit: fit || seed.size === 0 || focused !== null, seed });
    if (first) {
      restored = true;
      if (first.selected !== null && store.nodes.has(first.selected))
        select(first.selected, { why: true });
      if (first.zoom) st.graph.setTransform(first.zoom);
    } else if (focused !== null) {
      select(focused);
    } else if (oldSelectedAddress) {
      const nid = store.byAddress.get(oldSelectedAddress);
      if (nid !== undefined) select(nid);
    }
    restored = true;
    stepper.onView(next);
    if (initial?.stepper && !stepperRestored) {
      stepperRestored = true;
      stepper.restore(initial.stepper);
    }
    root.dataset.ready = 'true';
  }

  const showBanner = (kind: 'info' | 'error', message: string): void => {
    banner.hidden = false;
    banner.className = `banner ${kind}`;
    banner.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    banner.replaceChildren(
      icon(kind === 'error' ? 'error' : 'refresh'),
      h('span', null, visible(message)),
    );
  };

  return {
    setView,
    stepper,
    setStepperData(data: StepperData): void {
      stepper.setData(data);
      if (data.collection) stepper.open(data.collection.generation, 0);
    },
    showCapturing: (message) => showBanner('info', message),
    showError: (message) => showBanner('error', message),
    focusAddress(address: string): void {
      const id = st.store?.byAddress.get(address);
      if (id === undefined) {
        act.announce(`No object at ${visible(address)} in this view`);
        return;
      }
      select(id, { reveal: true });
    },
    state: currentState,
    graph: () => st.graph,
  };
}
