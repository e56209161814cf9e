/**
 * The regions of the heap view page, empty until a view arrives: a banner (capturing, errors),
 * the top (header, verdict, warnings), and the workbench — the side list with its two tabs, the
 * graph panel (toolbar, stepper, status, graph, prediction vs. reality, legend) and the details.
 */
import { h } from '../ui/dom';
import { legend } from './legend';

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
}

export function buildSkeleton(
  root: HTMLElement,
  o: {
    mode: 'report' | 'panel';
    toolbar: HTMLElement;
    /** The stepper's panel (above the graph) and its prediction vs. reality (below it). */
    stepper: HTMLElement;
    reality: HTMLElement;
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
  const graphPanel = h(
    'section',
    { class: 'graph-panel', attrs: { 'aria-label': 'Heap graph' } },
    o.toolbar,
    o.stepper,
    status,
    graphBox,
    o.reality,
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
  return { announcer, banner, top, problemsTab, typesTab, status, graphBox, objectsList, details };
}
