/**
 * The heap view page, the same in the HTML report and in the VS Code panel: header and verdict,
 * the side list (where to start, and the type table), the graph with its toolbar and legend, and
 * the details panel. Owns what is shown (expansions, focus, filters, grouping, search, selection,
 * "Why is this alive?") and keeps the graph and the panels in step.
 */
import type { HeapView } from '../../protocol/heapView';
import type { PanelState, StepperData } from '../../protocol/messages';
import { embeddedSource, type DataSource } from '../shared/dataSource';
import { h } from '../shared/dom';
import { NO_FILTERS, type Filters } from '../shared/filters';
import { displayType, formatCount, mapStrings, plural, shortType, visible } from '../shared/format';
import {
  buildDrawModel,
  FINALIZER_BADGE,
  MAX_DRAWN,
  type DrawModel,
  type DrawNode,
  type GroupBy,
} from '../shared/graph/drawModel';
import { createGraphView, type GraphView } from '../shared/graph/graphView';
import { readPalette } from '../shared/graph/palette';
import { GraphStore } from '../shared/graphStore';
import { indexHeapView } from '../shared/heapIndex';
import { icon, type CodiconName } from '../shared/icons/icon';
import { renderDetails, type PathState } from './details';
import { header, renderError, verdictSection, warningsSection } from './header';
import { otherThreadsNotice } from './threadNotice';
import { legend } from './legend';
import { problemsPanel, typesPanel } from './sidebar';
import { createStepper, type Stepper } from './stepper';

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

/** Most objects an expansion adds at once. */
const EXPAND_LIMIT = 60;

function toolButton(
  name: CodiconName,
  label: string,
  onClick: () => void,
  opts: { testId?: string; text?: string; pressed?: boolean } = {},
): HTMLButtonElement {
  return h(
    'button',
    {
      class: `tool${opts.text ? ' with-text' : ''}`,
      attrs: {
        type: 'button',
        title: label,
        'aria-label': label,
        'data-testid': opts.testId,
        'aria-pressed': opts.pressed === undefined ? undefined : String(opts.pressed),
      },
      on: { click: onClick },
    },
    icon(name),
    opts.text ? h('span', null, opts.text) : null,
  );
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
  let view: HeapView | null = null;
  let store: GraphStore | null = null;
  let model: DrawModel | null = null;
  let graph: GraphView | null = null;
  let shown = new Set<number>();
  const expansions = new Map<string, number[]>();
  let focusStack: Set<number>[] = [];
  let filters: Filters = { ...NO_FILTERS, ...(opts.initialState?.filters ?? {}) };
  let groupBy: GroupBy = opts.initialState?.groupBy ?? 'none';
  const openGroups = new Set<string>();
  let search = opts.initialState?.search ?? '';
  let searchHits: number[] = [];
  let searchIndex = -1;
  let selected: number | null = null;
  let pathState: PathState | null = null;
  let restored = false;
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  let lastNotes: string[] = [];
  let stepperRestored = false;

  root.classList.add('hi-app', `mode-${opts.mode}`);
  const announcer = h('div', {
    class: 'sr-only',
    attrs: { 'aria-live': 'polite', 'data-testid': 'announcer' },
  });
  const banner = h('div', { class: 'banner', attrs: { 'data-testid': 'banner', hidden: true } });

  // --- Static skeleton (filled per view) --------------------------------------------------------
  const top = h('div', { class: 'top' });
  const sideTabs = h('div', {
    class: 'tabs',
    attrs: { role: 'tablist', 'aria-label': 'Side list' },
  });
  const problemsTab = h('div', {
    class: 'tab-panel',
    attrs: { role: 'tabpanel', id: 'hi-problems' },
  });
  const typesTab = h('div', {
    class: 'tab-panel',
    attrs: { role: 'tabpanel', id: 'hi-types', hidden: true },
  });
  const tabButton = (text: string, panel: HTMLElement, sel: boolean): HTMLButtonElement => {
    const b = h(
      'button',
      {
        class: 'tab',
        attrs: {
          type: 'button',
          role: 'tab',
          'aria-selected': String(sel),
          'aria-controls': panel.id,
          'data-testid': `tab-${panel.id.slice(3)}`,
        },
        on: {
          click: () => {
            for (const t of sideTabs.querySelectorAll('[role=tab]'))
              t.setAttribute('aria-selected', 'false');
            b.setAttribute('aria-selected', 'true');
            problemsTab.hidden = panel !== problemsTab;
            typesTab.hidden = panel !== typesTab;
          },
        },
      },
      text,
    );
    return b;
  };
  sideTabs.append(tabButton('Start here', problemsTab, true), tabButton('Types', typesTab, false));
  const sidebar = h(
    'aside',
    { class: 'sidebar', attrs: { 'aria-label': 'Where to start, and types' } },
    sideTabs,
    problemsTab,
    typesTab,
  );

  const searchInput = h('input', {
    class: 'text-input',
    attrs: {
      type: 'search',
      placeholder: 'Search type, label or address',
      'aria-label': 'Search objects by type, label or address (Enter: next match)',
      'data-testid': 'search',
      spellcheck: 'false',
    },
  });
  searchInput.value = search;
  const searchCount = h('span', {
    class: 'search-count muted',
    attrs: { 'data-testid': 'search-count', 'aria-live': 'polite' },
  });
  const filterButton = (key: keyof Filters, text: string, title: string): HTMLButtonElement => {
    const b = h(
      'button',
      {
        class: 'toggle',
        attrs: {
          type: 'button',
          title,
          'aria-pressed': String(filters[key]),
          'data-testid': `filter-${key}`,
        },
        on: {
          click: () => {
            filters = { ...filters, [key]: !filters[key] };
            b.setAttribute('aria-pressed', String(filters[key]));
            rebuild({ stable: true });
            scheduleSave();
          },
        },
      },
      text,
    );
    return b;
  };
  const groupSelect = h(
    'select',
    { class: 'select', attrs: { 'aria-label': 'Group objects', 'data-testid': 'group-by' } },
    h('option', { attrs: { value: 'none' } }, 'One by one'),
    h('option', { attrs: { value: 'type' } }, 'Group by type'),
    h('option', { attrs: { value: 'cycle' } }, 'Group cycles'),
  );
  groupSelect.value = groupBy;
  groupSelect.addEventListener('change', () => {
    groupBy = groupSelect.value as GroupBy;
    openGroups.clear();
    rebuild({ fit: true });
    scheduleSave();
  });
  const backButton = toolButton('arrow-left', 'Back to the whole view', () => unfocus(), {
    testId: 'unfocus',
    text: 'Back',
  });
  backButton.hidden = true;
  const themeSelect = h(
    'select',
    { class: 'select', attrs: { 'aria-label': 'Colour theme', 'data-testid': 'theme' } },
    h('option', { attrs: { value: '' } }, 'Theme: system'),
    h('option', { attrs: { value: 'dark' } }, 'Dark'),
    h('option', { attrs: { value: 'light' } }, 'Light'),
    h('option', { attrs: { value: 'high-contrast' } }, 'High contrast'),
    h('option', { attrs: { value: 'high-contrast-light' } }, 'High contrast light'),
  );
  themeSelect.addEventListener('change', () => {
    if (themeSelect.value) document.documentElement.dataset.theme = themeSelect.value;
    else delete document.documentElement.dataset.theme;
  });
  // The collector stepper (its host is defined below; it only calls it after a view is shown).
  const stepper: Stepper = createStepper({
    mode: opts.mode,
    store: () => store,
    view: () => view,
    isDrawn: (id) => model?.index.has(id) ?? false,
    addObjects: (data, show) => {
      if (!store) return;
      store.add(data.nodes, data.edges);
      let grew = false;
      for (const id of show) {
        if (store.nodes.has(id) && !shown.has(id)) {
          shown.add(id);
          grew = true;
        }
      }
      if (grew) rebuild({ stable: true });
    },
    setHidden: (ids, hidden) => {
      let changed = false;
      for (const id of ids) {
        if (hidden ? shown.delete(id) : !shown.has(id) && !!shown.add(id)) changed = true;
      }
      if (changed) rebuild({ stable: true });
    },
    refresh: () => {
      updateHighlight();
      renderDetailsNow();
    },
    select: (id) => select(id, { reveal: true }),
    showView: (v) => applyView(v, lastNotes, true),
    setFade: (alpha) => graph?.setFade(alpha),
    post: (m) => source.post(m),
    request: (nodes) => source.stepper(nodes),
    announce: (text) => announce(text),
    stateChanged: () => scheduleSave(),
  });
  const stepperToggle = stepper.toggle;
  const toolbar = h(
    'div',
    { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Graph tools' } },
    h('label', { class: 'search-box' }, icon('search'), searchInput, searchCount),
    h(
      'span',
      { class: 'group', attrs: { role: 'group', 'aria-label': 'Filters' } },
      icon('filter'),
      filterButton(
        'hideBuiltins',
        'builtins',
        'Hide builtins (dict, list, str…); references through them are joined',
      ),
      filterButton('hideStdlib', 'stdlib', 'Hide standard library objects'),
      filterButton('hideDebugger', 'debugger', 'Hide debugger internals (debugpy, pydevd)'),
    ),
    groupSelect,
    backButton,
    h('span', { class: 'spacer' }),
    stepperToggle,
    toolButton('screen-full', 'Fit the graph in view (0)', () => graph?.fit(), { testId: 'fit' }),
    toolButton('zoom-in', 'Zoom in (+)', () => graph?.zoomBy(1.4), { testId: 'zoom-in' }),
    toolButton('zoom-out', 'Zoom out (−)', () => graph?.zoomBy(1 / 1.4), { testId: 'zoom-out' }),
    toolButton('export', 'Export the current view as SVG', () => exportAs('svg'), {
      testId: 'export-svg',
      text: 'SVG',
    }),
    toolButton('file-media', 'Export the current view as PNG', () => exportAs('png'), {
      testId: 'export-png',
      text: 'PNG',
    }),
    opts.mode === 'report'
      ? themeSelect
      : toolButton('refresh', 'Capture the heap again', () => source.post({ type: 'recapture' }), {
          testId: 'recapture',
          text: 'Recapture',
        }),
  );
  const status = h('div', {
    class: 'graph-status',
    attrs: { 'data-testid': 'graph-status', role: 'status' },
  });
  const graphBox = h('div', { class: 'graph-box', attrs: { 'data-testid': 'graph' } });
  const objectsList = h('ul', {
    class: 'sr-only',
    attrs: { 'data-testid': 'graph-objects', 'aria-label': 'Most important objects in the graph' },
  });
  const details = h('aside', {
    class: 'details',
    attrs: { 'data-testid': 'details', 'aria-live': 'polite', 'aria-label': 'Object details' },
  });
  const legendBox = legend();
  // In a panel the graph needs the room: the legend starts folded.
  if (opts.mode === 'panel') legendBox.removeAttribute('open');
  const graphPanel = h(
    'section',
    { class: 'graph-panel', attrs: { 'aria-label': 'Heap graph' } },
    toolbar,
    stepper.element,
    status,
    graphBox,
    stepper.reality,
    legendBox,
    objectsList,
  );
  const workbench = h('div', { class: 'workbench' }, sidebar, graphPanel, details);
  top.append(
    h(
      'p',
      { class: 'muted waiting', attrs: { 'data-testid': 'waiting' } },
      'Waiting for a heap capture…',
    ),
  );
  root.replaceChildren(banner, top, workbench, announcer);

  // --- Theme ------------------------------------------------------------------------------------
  const reloadPalette = (): void => {
    if (graph) graph.setPalette(readPalette(graphBox));
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

  // --- Helpers ----------------------------------------------------------------------------------
  const announce = (text: string): void => {
    announcer.textContent = text;
  };

  function describe(id: number): string {
    const d = model
      ? model.nodes[model.index.get(id) ?? model.nodes.findIndex((x) => x.id === id)]
      : undefined;
    if (!d) return '';
    if (d.group) {
      return `${d.label}: ${plural(d.group.members.length, 'object')}${d.group.unreachable ? `, ${d.group.unreachable} unreachable` : ''}`;
    }
    const n = d.n;
    const parts = [`${displayType(n.type)} at ${n.address}`];
    if (n.label && n.label !== shortType(n.type)) parts.push(`“${n.label}”`);
    if (n.root) parts.push('root');
    parts.push(n.unreachable ? 'unreachable: the next gc.collect() frees it' : 'reachable');
    if (n.cycle !== null)
      parts.push(
        `in ${view?.cycles[n.cycle]?.unreachable ? 'unreachable ' : ''}cycle ${n.cycle + 1}`,
      );
    if (n.finalizer) parts.push(`${FINALIZER_BADGE[n.finalizer]} pending`);
    if (n.selfDefeating) parts.push('self-defeating weakref.finalize keeps it alive');
    if (n.generation !== null) parts.push(`generation ${n.generation}`);
    return parts.join(', ');
  }

  function keepSet(): Set<number> {
    const keep = new Set<number>();
    if (selected !== null && selected >= 0) keep.add(selected);
    if (pathState?.answer?.path) for (const s of pathState.answer.path.steps) keep.add(s.node.id);
    return keep;
  }

  function selectedDraw(): DrawNode | null {
    if (!model || selected === null) return null;
    const i = model.index.get(selected);
    if (i !== undefined) {
      const d = model.nodes[i];
      // A selected object inside a group shows the group.
      return d.group && selected >= 0 ? d : d;
    }
    return model.nodes.find((d) => d.id === selected) ?? null;
  }

  // --- Building what is drawn -------------------------------------------------------------------
  function rebuild(
    o: { stable?: boolean; fit?: boolean; seed?: Map<number, [number, number]> } = {},
  ): void {
    if (!store || !graph) return;
    model = buildDrawModel(store, { shown, filters, groupBy, keep: keepSet(), openGroups });
    if (model.forcedGrouping && groupSelect.value !== 'type') groupSelect.value = 'type';
    graph.setModel(model, { stable: o.stable, fit: o.fit, seed: o.seed });
    updateSearch(false);
    updateHighlight();
    updateStatus();
    updateObjectsList();
    renderDetailsNow();
  }

  function updateStatus(progress?: number, done?: boolean): void {
    if (!model || !view) return;
    const parts: string[] = [];
    parts.push(
      model.groupBy === 'none'
        ? `${formatCount(model.nodes.length)} ${model.nodes.length === 1 ? 'object' : 'objects'}`
        : `${formatCount(model.objectCount)} objects in ${formatCount(model.nodes.length)} ${model.groupBy === 'type' ? 'groups' : 'shapes'}`,
    );
    parts.push(plural(model.edges.length, 'reference'));
    if (model.hidden > 0) parts.push(`${formatCount(model.hidden)} hidden by filters`);
    if (view.truncated)
      parts.push(
        `view cut to ${formatCount(view.truncated.shown)} of ${formatCount(view.truncated.total)}`,
      );
    if (model.forcedGrouping)
      parts.push(
        `grouped by type: more than ${formatCount(MAX_DRAWN)} objects are not drawn one by one`,
      );
    if (progress !== undefined && !done) parts.push(`laying out… ${Math.round(progress * 100)}%`);
    status.textContent = parts.join(' · ');
  }

  function updateObjectsList(): void {
    if (!model) return;
    const order = model.nodes
      .map((d, i) => ({ d, i }))
      .sort((a, b) => b.d.weight - a.d.weight || a.i - b.i)
      .slice(0, 200);
    objectsList.replaceChildren(
      ...order.map(({ d }) =>
        h(
          'li',
          {
            attrs: {
              'data-node-id': d.id,
              'data-unreachable': String(d.unreachable),
              'data-finalizer': d.badgeKind ?? '',
              'data-cycle': d.n.cycle ?? '',
              'data-category': d.cat,
              'data-group': d.group ? d.group.members.length : undefined,
            },
          },
          describe(d.id),
        ),
      ),
    );
  }

  function updateHighlight(): void {
    if (!graph) return;
    const path = pathState?.answer?.path ? pathState.answer.path.steps.map((s) => s.node.id) : null;
    const hits = new Set<number>();
    if (search.trim()) for (const id of searchHits) hits.add(id);
    graph.setHighlight({
      selected,
      path: pathState && pathState.id === selected ? path : null,
      loop: pathState && pathState.id === selected ? pathState.loop : null,
      search: hits,
      phase: stepper.highlight(),
      fading: stepper.fading(),
    });
  }

  function renderDetailsNow(): void {
    if (!store) return;
    const chosen = selectedDraw();
    const extra = chosen && !chosen.group ? stepper.details(chosen.id) : null;
    renderDetails(
      details,
      store,
      chosen,
      pathState,
      {
        select: (id) => select(id, { reveal: true }),
        expand: (id, dir) => void expand(id, dir),
        collapse,
        focus: focusOn,
        whyAlive: (id) => void whyAlive(id),
        openGroup: (key) => {
          openGroups.add(key);
          rebuild({ stable: true });
        },
        isExpanded: (id, dir) => expansions.has(`${id}:${dir}`),
        isDrawn: (id) => model?.index.has(id) ?? false,
        openSource:
          source.mode === 'panel'
            ? (file, line) => source.post({ type: 'openSource', file, line })
            : undefined,
      },
      extra,
    );
  }

  // --- Selection and "why" ----------------------------------------------------------------------
  function select(id: number | null, o: { reveal?: boolean; why?: boolean } = {}): void {
    if (!store) return;
    if (id !== null && id >= 0 && !shown.has(id) && store.nodes.has(id)) {
      shown.add(id);
      selected = id;
      rebuild({ stable: true });
    }
    selected = id;
    if (id === null || id < 0 || pathState?.id !== id) pathState = null;
    updateHighlight();
    renderDetailsNow();
    if (id !== null) {
      graph?.setCursor(id);
      if (o.reveal) graph?.reveal(id);
      announce(describe(id));
      if (id >= 0 && o.why !== false) void whyAlive(id);
    }
    scheduleSave();
  }

  async function whyAlive(id: number): Promise<void> {
    if (!store || id < 0) return;
    const n = store.nodes.get(id);
    if (!n) return;
    pathState = { id, loading: true, answer: null, loop: null };
    renderDetailsNow();
    const loop = n.unreachable || n.cycle !== null ? store.loopThrough(id) : null;
    const answer = n.unreachable ? { path: null, known: true } : await questions().path(store, id);
    if (selected !== id) return;
    pathState = { id, loading: false, answer, loop: n.unreachable ? loop : null };
    let grew = false;
    if (answer.path) {
      for (const s of answer.path.steps) {
        if (!shown.has(s.node.id)) {
          shown.add(s.node.id);
          grew = true;
        }
      }
    }
    if (grew) rebuild({ stable: true });
    else {
      updateHighlight();
      renderDetailsNow();
    }
    container().dataset.why = answer.path
      ? 'path'
      : n.unreachable
        ? 'garbage'
        : answer.known
          ? 'unrooted'
          : 'unknown';
  }

  const container = (): HTMLElement => graphBox;

  // --- Expand, collapse, focus ------------------------------------------------------------------
  async function expand(id: number, direction: 'referents' | 'referrers'): Promise<void> {
    if (!store) return;
    const answer = await questions().neighbours(store, id, direction);
    const added: number[] = [];
    for (const o of answer.ids.slice(0, EXPAND_LIMIT)) {
      if (!shown.has(o)) {
        shown.add(o);
        added.push(o);
      }
    }
    expansions.set(`${id}:${direction}`, added);
    rebuild({ stable: true });
    const missing = answer.total - answer.ids.length;
    announce(
      `${plural(added.length, 'object')} added${missing > 0 ? `; ${formatCount(missing)} more ${direction} are not ${source.mode === 'report' ? 'in this report' : 'loaded'}` : ''}`,
    );
    graphBox.dataset.lastExpand = `${id}:${direction}:${added.length}:${answer.total}`;
    scheduleSave();
  }

  function collapse(id: number): void {
    const remove = new Set<number>();
    for (const dir of ['referents', 'referrers'] as const) {
      const key = `${id}:${dir}`;
      for (const o of expansions.get(key) ?? []) remove.add(o);
      expansions.delete(key);
    }
    const keep = keepSet();
    for (const list of expansions.values()) for (const o of list) remove.delete(o);
    const base = new Set(store?.base ?? []);
    for (const o of remove) if (!base.has(o) && !keep.has(o)) shown.delete(o);
    rebuild({ stable: true });
    scheduleSave();
  }

  function focusOn(id: number): void {
    if (!store) return;
    focusStack.push(new Set(shown));
    const next = new Set<number>([id]);
    for (const dir of ['referents', 'referrers'] as const) {
      for (const o of store.neighbours(id, dir).ids.slice(0, EXPAND_LIMIT)) next.add(o);
    }
    shown = next;
    backButton.hidden = false;
    rebuild({ fit: true, stable: true });
  }

  function unfocus(): void {
    const prev = focusStack.pop();
    if (prev) shown = prev;
    backButton.hidden = focusStack.length === 0;
    rebuild({ fit: true, stable: true });
  }

  // --- Search -----------------------------------------------------------------------------------
  function updateSearch(jump: boolean): void {
    if (!store) return;
    const q = search.trim().toLowerCase();
    if (!q) {
      searchHits = [];
      searchCount.textContent = '';
      return;
    }
    const hits: number[] = [];
    for (const n of store.nodes.values()) {
      if (
        n.type.toLowerCase().includes(q) ||
        n.label.toLowerCase().includes(q) ||
        (q.startsWith('0x') && n.address.toLowerCase().startsWith(q))
      ) {
        hits.push(n.id);
      }
    }
    // Drawn matches first, most important first.
    const weight = (id: number): number => {
      const i = model?.index.get(id);
      return i === undefined ? -1 : (model as DrawModel).nodes[i].weight;
    };
    hits.sort((a, b) => weight(b) - weight(a) || a - b);
    searchHits = hits;
    const drawn = hits.filter((id) => model?.index.has(id)).length;
    searchCount.textContent =
      hits.length === 0
        ? 'no match'
        : `${formatCount(drawn)} drawn${hits.length > drawn ? ` of ${formatCount(hits.length)}` : ''}`;
    graphBox.dataset.searchMatches = String(hits.length);
    if (jump && hits.length > 0) {
      searchIndex = (searchIndex + 1) % hits.length;
      select(hits[searchIndex], { reveal: true });
    }
  }
  searchInput.addEventListener('input', () => {
    search = searchInput.value;
    searchIndex = -1;
    updateSearch(false);
    updateHighlight();
    scheduleSave();
  });
  searchInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      updateSearch(true);
    } else if (e.key === 'Escape') {
      searchInput.value = '';
      search = '';
      updateSearch(false);
      updateHighlight();
    }
  });

  // --- Export -----------------------------------------------------------------------------------
  function exportAs(format: 'svg' | 'png'): void {
    if (!graph) return;
    const fileName = `heap-graph.${format}`;
    if (format === 'svg') {
      const svg = graph.exportSvg();
      if (source.mode === 'panel') source.post({ type: 'export', format, fileName, data: svg });
      else download(fileName, new Blob([svg], { type: 'image/svg+xml' }));
    } else {
      const url = graph.exportPng();
      if (source.mode === 'panel') {
        source.post({ type: 'export', format, fileName, data: url.slice(url.indexOf(',') + 1) });
      } else {
        const bin = atob(url.slice(url.indexOf(',') + 1));
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        download(fileName, new Blob([bytes], { type: 'image/png' }));
      }
    }
    announce(`Exported the view as ${format.toUpperCase()}`);
  }

  function download(name: string, blob: Blob): void {
    const url = URL.createObjectURL(blob);
    const a = h('a', { attrs: { href: url, download: name, hidden: true } });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  // --- Keys -------------------------------------------------------------------------------------
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const id = selected ?? graph?.cursor() ?? null;
    let handled = true;
    if (e.key === '/') searchInput.focus();
    else if ((e.key === 'w' || e.key === 'W') && id !== null) void whyAlive(id);
    else if ((e.key === 'e' || e.key === 'E') && id !== null) void expand(id, 'referents');
    else if ((e.key === 'r' || e.key === 'R') && id !== null) void expand(id, 'referrers');
    else if ((e.key === 'f' || e.key === 'F') && id !== null) focusOn(id);
    else if ((e.key === 'c' || e.key === 'C') && id !== null) collapse(id);
    else if (stepper.keydown(e)) handled = true;
    else handled = false;
    if (handled) e.preventDefault();
  });

  // --- State ------------------------------------------------------------------------------------
  function currentState(): PanelState {
    const positions: Record<string, [number, number]> = {};
    if (graph && store && model && model.nodes.length <= 3000) {
      for (const [id, p] of graph.positions()) {
        const n = store.nodes.get(id);
        if (n) positions[n.address] = [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];
      }
    }
    return {
      selected: selected !== null && selected >= 0 ? selected : null,
      zoom: graph ? graph.transform() : null,
      filters,
      search,
      expanded: [...expansions.keys()].map((k) => {
        const [node, direction] = k.split(':');
        return { node: Number(node), direction: direction as 'referents' | 'referrers' };
      }),
      positions,
      groupBy,
      stepper: stepper.state(),
    };
  }

  function scheduleSave(): void {
    if (!opts.saveState) return;
    if (saveTimer !== null) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saveTimer = null;
      opts.saveState?.(currentState());
    }, 250);
  }

  // --- Views ------------------------------------------------------------------------------------
  /** A view from the page or the extension; held back while the stepper animates a collection. */
  function setView(data: HeapView, notes: string[] = []): void {
    if (stepper.deferView((fit) => applyView(data, notes, fit))) return;
    applyView(data, notes);
  }

  function applyView(data: HeapView, notes: string[] = [], fit = false): void {
    // Control and bidi-override characters in Python strings are shown escaped, as repr() does.
    const next = mapStrings(data, visible);
    lastNotes = notes.map(visible);
    const old = store;
    const oldPositions = graph?.positions() ?? new Map<number, [number, number]>();
    const oldSelectedAddress =
      selected !== null && old ? old.nodes.get(selected)?.address : undefined;
    view = next;
    store = new GraphStore(next);
    shown = new Set(store.base);
    expansions.clear();
    focusStack = [];
    backButton.hidden = true;
    pathState = null;
    selected = null;
    banner.hidden = true;

    const index = indexHeapView(next);
    const warnings = warningsSection(next, lastNotes);
    const threads = otherThreadsNotice(next);
    top.replaceChildren(
      header(next),
      verdictSection(next, index),
      ...(threads ? [threads] : []),
      ...(warnings ? [warnings] : []),
    );
    const sideActions = {
      select: (id: number) => select(id, { reveal: true }),
      showCycle: (c: number) => {
        const members = view?.cycles[c]?.members ?? [];
        if (members.length === 0) return;
        select(members[0], { reveal: false });
        graph?.zoomToIds(members, 2.2);
      },
      searchType: (type: string) => {
        searchInput.value = type;
        search = type;
        searchIndex = -1;
        updateSearch(true);
        updateHighlight();
      },
    };
    problemsTab.replaceChildren(problemsPanel(next, store, sideActions));
    typesTab.replaceChildren(typesPanel(next, sideActions));

    // Positions: by address from the previous capture (same process), else from saved state.
    const seed = new Map<number, [number, number]>();
    if (old) {
      for (const [id, p] of oldPositions) {
        const addr = old.nodes.get(id)?.address;
        const nid = addr !== undefined ? store.byAddress.get(addr) : undefined;
        if (nid !== undefined) seed.set(nid, p);
      }
    } else if (opts.initialState?.positions && !restored) {
      for (const [addr, p] of Object.entries(opts.initialState.positions)) {
        const nid = store.byAddress.get(addr);
        if (nid !== undefined && Array.isArray(p) && p.length === 2)
          seed.set(nid, [Number(p[0]), Number(p[1])]);
      }
    }

    if (!graph) {
      graph = createGraphView(graphBox, readPalette(graphBox), {
        onSelect: (id) => select(id, { reveal: false }),
        onActivate: (id) => {
          if (id < 0) {
            const g = model?.nodes.find((d) => d.id === id)?.group;
            if (g) {
              openGroups.add(g.key);
              rebuild({ stable: true });
            }
          } else void expand(id, 'referents');
        },
        onCursor: (id) => announce(describe(id)),
        tooltip: describe,
        onViewChange: scheduleSave,
        onLayout: (p, done) => updateStatus(p, done),
      });
      (window as unknown as { __heapInspector?: unknown }).__heapInspector = {
        graph,
        select: (id: number | null) => select(id, { reveal: true }),
        state: currentState,
        model: () => model,
      };
    }

    // Restore what the panel kept (first view only).
    const st = opts.initialState;
    if (st && !restored && !old) {
      for (const e of st.expanded ?? []) {
        if (!store.nodes.has(e.node)) continue;
        const nb = store.neighbours(e.node, e.direction);
        const added = nb.ids.slice(0, EXPAND_LIMIT).filter((o) => !shown.has(o));
        added.forEach((o) => shown.add(o));
        expansions.set(`${e.node}:${e.direction}`, added);
      }
    }
    rebuild({ fit: fit || seed.size === 0, seed });
    if (st && !restored && !old) {
      restored = true;
      if (st.selected !== null && store.nodes.has(st.selected)) select(st.selected, { why: true });
      if (st.zoom) graph.setTransform(st.zoom);
    } else if (oldSelectedAddress) {
      const nid = store.byAddress.get(oldSelectedAddress);
      if (nid !== undefined) select(nid);
    }
    restored = true;
    stepper.onView(next);
    if (st?.stepper && !stepperRestored) {
      stepperRestored = true;
      stepper.restore(st.stepper);
    }
    root.dataset.ready = 'true';
  }

  return {
    setView,
    stepper,
    setStepperData(data: StepperData): void {
      stepper.setData(data);
      if (data.collection) stepper.open(data.collection.generation, 0);
    },
    showCapturing(message: string): void {
      banner.hidden = false;
      banner.className = 'banner info';
      banner.setAttribute('role', 'status');
      banner.replaceChildren(icon('refresh'), h('span', null, visible(message)));
    },
    showError(message: string): void {
      banner.hidden = false;
      banner.className = 'banner error';
      banner.setAttribute('role', 'alert');
      banner.replaceChildren(icon('error'), h('span', null, visible(message)));
    },
    focusAddress(address: string): void {
      const id = store?.byAddress.get(address);
      if (id === undefined) {
        announce(`No object at ${visible(address)} in this view`);
        return;
      }
      select(id, { reveal: true });
    },
    state: currentState,
    graph: () => graph,
  };
}
