/**
 * The regions of the heap view page, empty until a view arrives: a banner (capturing, errors),
 * the top (header, verdict, what holds the memory, warnings), and the workbench — the side list
 * with its two tabs, the main panel with its three views (the graph with its toolbar, stepper,
 * status, rings bar, prediction vs. reality and legend; the memory table; the treemap) and the
 * details.
 */
import { h } from '../ui/dom';
import { legend } from './legend';
import type { WorkbenchView } from './memoryViews';

export interface Skeleton {
  /** Read to screen readers (aria-live). */
  readonly announcer: HTMLElement;
  readonly banner: HTMLElement;
  readonly top: HTMLElement;
  readonly problemsTab: HTMLElement;
  readonly typesTab: HTMLElement;
  readonly status: HTMLElement;
  readonly graphBox: HTMLElement;
  /** The most important objects, for screen readers. */
  readonly objectsList: HTMLElement;
  readonly details: HTMLElement;
  /** Shows one of the main panel's views. */
  showView(view: WorkbenchView): void;
  view(): WorkbenchView;
}

const VIEWS: [WorkbenchView, string, string][] = [
  ['graph', 'Graph', 'The objects and their references'],
  ['memory', 'Memory', 'What holds the memory: by type, and the dominator tree'],
  ['treemap', 'Treemap', 'Retained bytes as areas: click to zoom in'],
];

export function buildSkeleton(
  root: HTMLElement,
  o: {
    mode: 'report' | 'panel';
    toolbar: HTMLElement;
    /** The stepper's panel (above the graph) and its prediction vs. reality (below it). */
    stepper: HTMLElement;
    reality: HTMLElement;
    /** The rings bar above the graph, the memory table and the treemap. */
    ringBar: HTMLElement;
    memory: HTMLElement;
    treemap: HTMLElement;
    /** A view was shown. */
    viewShown?(view: WorkbenchView): void;
  },
): Skeleton {
  root.classList.add('hi-app', `mode-${o.mode}`);
  const announcer = h('div', {
    class: 'sr-only',
    attrs: { 'aria-live': 'polite', 'data-testid': 'announcer' },
  });
  const banner = h('div', { class: 'banner', attrs: { 'data-testid': 'banner', hidden: true } });
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
  if (o.mode === 'panel') legendBox.removeAttribute('open');
  const pages: Record<WorkbenchView, HTMLElement> = {
    graph: h(
      'div',
      { class: 'view-page graph-page', attrs: { role: 'tabpanel', id: 'hi-view-graph' } },
      o.toolbar,
      o.stepper,
      status,
      o.ringBar,
      graphBox,
      o.reality,
      legendBox,
      objectsList,
    ),
    memory: h(
      'div',
      {
        class: 'view-page memory-page',
        attrs: { role: 'tabpanel', id: 'hi-view-memory', hidden: true },
      },
      o.memory,
    ),
    treemap: h(
      'div',
      {
        class: 'view-page memory-page treemap-page',
        attrs: { role: 'tabpanel', id: 'hi-view-treemap', hidden: true },
      },
      o.treemap,
    ),
  };
  let current: WorkbenchView = 'graph';
  const viewTabs = h('div', {
    class: 'tabs view-tabs',
    attrs: { role: 'tablist', 'aria-label': 'Views' },
  });
  const viewButtons = VIEWS.map(([view, text, title]) =>
    h(
      'button',
      {
        class: 'tab',
        attrs: {
          type: 'button',
          role: 'tab',
          title,
          'aria-selected': String(view === 'graph'),
          'aria-controls': pages[view].id,
          'data-testid': `view-${view}`,
        },
        on: { click: () => showView(view) },
      },
      text,
    ),
  );
  viewTabs.append(...viewButtons);
  function showView(view: WorkbenchView): void {
    current = view;
    VIEWS.forEach(([v], i) => {
      viewButtons[i].setAttribute('aria-selected', String(v === view));
      pages[v].hidden = v !== view;
    });
    root.dataset.view = view;
    o.viewShown?.(view);
  }
  const graphPanel = h(
    'section',
    { class: 'graph-panel', attrs: { 'aria-label': 'Heap graph and memory' } },
    viewTabs,
    pages.graph,
    pages.memory,
    pages.treemap,
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
  root.dataset.view = current;
  return {
    announcer,
    banner,
    top,
    problemsTab,
    typesTab,
    status,
    graphBox,
    objectsList,
    details,
    showView,
    view: () => current,
  };
}
