/**
 * The details panel: the selected object (or group) — what it is, its references both ways with
 * their names, its finalizer, what to do with it — and "Why is this alive?" (whyAlive.ts).
 */
import type { ViewNode } from '../../protocol/heapView';
import { h, type Child } from '../ui/dom';
import { baseName, formatBytes, formatCount, plural, shortType } from '../model/format';
import { CATEGORY_LABEL } from '../graph/shapes';
import type { GraphStore } from '../model/graphStore';
import { FINALIZER_BADGE, type DrawNode } from '../graph/drawModel';
import { actionButton, objectButton } from '../ui/buttons';
import { retainedSection, type RetainedDetailsActions } from './retainedDetails';
import { whyAliveSection, type PathState } from './whyAlive';
import './details.css';

export interface DetailsActions {
  select(id: number): void;
  expand(id: number, direction: 'referents' | 'referrers'): void;
  collapse(id: number): void;
  focus(id: number): void;
  whyAlive(id: number): void;
  openGroup(key: string): void;
  isExpanded(id: number, direction: 'referents' | 'referrers'): boolean;
  isDrawn(id: number): boolean;
  /** Opens a file at a line (panel only). */
  openSource?(file: string, line: number): void;
  /** What it retains: ring it in the graph, find it in the table. */
  retained: RetainedDetailsActions;
}

function finalizerText(n: ViewNode): string {
  switch (n.finalizer) {
    case 'del':
      return `${shortType(n.type)}.__del__ has not run yet: it runs when the object is freed`;
    case 'generator':
      return 'suspended generator: freeing it runs its finally / with blocks (GeneratorExit)';
    case 'native':
      return 'built-in finalizer (flush / close) runs when the object is freed';
    case 'finalize':
      return 'a weakref.finalize callback is registered on it';
    default:
      return 'none pending';
  }
}

function refList(
  store: GraphStore,
  id: number,
  direction: 'referents' | 'referrers',
  actions: DetailsActions,
): HTMLElement {
  const edges = (direction === 'referents' ? store.out.get(id) : store.in.get(id)) ?? [];
  const max = 60;
  const n = store.nodes.get(id);
  const total = (direction === 'referents' ? n?.referentCount : n?.referrerCount) ?? edges.length;
  return h(
    'div',
    null,
    h(
      'ul',
      { class: 'ref-list', attrs: { 'data-testid': `details-${direction}` } },
      ...edges.slice(0, max).map((e) => {
        const otherId = direction === 'referents' ? e.to : e.from;
        const other = store.nodes.get(otherId);
        if (!other) return null;
        return h(
          'li',
          null,
          h('code', { class: 'edge-name' }, e.label || '(unnamed)'),
          direction === 'referents' ? ' → ' : ' ← ',
          objectButton(other, actions.select, actions.isDrawn(otherId)),
          e.weak ? h('span', { class: 'pill weak' }, 'weak') : null,
        );
      }),
    ),
    edges.length > max ? h('p', { class: 'muted' }, `… ${edges.length - max} more`) : null,
    total > edges.length
      ? h(
          'p',
          { class: 'muted' },
          `${formatCount(total - edges.length)} more in the heap not loaded yet.`,
        )
      : null,
  );
}

export function renderDetails(
  panel: HTMLElement,
  store: GraphStore,
  selected: DrawNode | null,
  path: PathState | null,
  actions: DetailsActions,
  /** The collector stepper's numbers for the selected object, shown first. */
  extra: HTMLElement | null = null,
): void {
  if (!selected) {
    panel.dataset.nodeId = '';
    panel.replaceChildren(
      h('h2', null, 'Details'),
      h(
        'p',
        { class: 'muted' },
        'Select an object: click it, pick it in the list on the left, or focus the graph and use the arrow keys and Enter.',
      ),
      h(
        'p',
        { class: 'muted' },
        'Keys in the graph: ',
        h('kbd', null, 'W'),
        ' why is it alive, ',
        h('kbd', null, 'E'),
        ' / ',
        h('kbd', null, 'R'),
        ' expand referents / referrers, ',
        h('kbd', null, 'F'),
        ' focus, ',
        h('kbd', null, '/'),
        ' search.',
      ),
    );
    return;
  }
  if (selected.group) {
    const g = selected.group;
    panel.dataset.nodeId = String(selected.id);
    panel.replaceChildren(
      h('h2', { attrs: { 'data-testid': 'details-title' } }, selected.label),
      h(
        'p',
        { class: 'pills' },
        h(
          'span',
          { class: 'pill' },
          g.kind === 'type' ? 'group of one type' : 'one cycle, grouped',
        ),
        g.unreachable > 0
          ? h('span', { class: 'pill bad' }, `${formatCount(g.unreachable)} unreachable`)
          : null,
        g.finalizers > 0
          ? h('span', { class: 'pill warn' }, `${formatCount(g.finalizers)} finalizers pending`)
          : null,
      ),
      h(
        'dl',
        null,
        h('dt', null, 'Type'),
        h('dd', null, h('code', null, g.type)),
        h('dt', null, 'Objects'),
        h('dd', null, formatCount(g.members.length)),
        h('dt', null, 'Size'),
        h('dd', null, formatBytes(g.bytes)),
      ),
      h(
        'div',
        { class: 'actions' },
        actionButton('expand-all', 'Draw one by one', () => actions.openGroup(g.key), {
          testId: 'open-group',
        }),
      ),
      h('h3', null, 'Members'),
      h(
        'ul',
        { class: 'ref-list' },
        ...g.members.slice(0, 50).map((id) => {
          const m = store.nodes.get(id);
          return m
            ? h(
                'li',
                null,
                objectButton(m, actions.select, false),
                h('span', { class: 'muted' }, ` ${m.address}`),
              )
            : null;
        }),
      ),
      ...(g.members.length > 50
        ? [h('p', { class: 'muted' }, `… ${formatCount(g.members.length - 50)} more`)]
        : []),
    );
    return;
  }
  const n = selected.n;
  panel.dataset.nodeId = String(n.id);
  const rows: [string, Child][] = [
    ['Type', h('code', null, n.type)],
    ['Kind', CATEGORY_LABEL[n.category]],
    ['Address', h('code', { attrs: { 'data-testid': 'details-address' } }, n.address)],
    ['Size', formatBytes(n.size)],
    ['Refcount', String(n.refcount)],
    [
      'Generation',
      n.generation === null ? 'untracked (the collector ignores it)' : String(n.generation),
    ],
    [
      'Unreachable',
      n.unreachable
        ? h('span', { class: 'error-text' }, 'yes: the next gc.collect() frees it')
        : 'no',
    ],
    ['Root', n.root ? 'yes (module, frame local or thread)' : 'no'],
    [
      'Cycle',
      n.cycle !== null
        ? `cycle ${n.cycle + 1} (${plural(store.view.cycles[n.cycle]?.size ?? 1, 'object')}${store.view.cycles[n.cycle]?.unreachable ? ', unreachable' : ''})`
        : 'none',
    ],
    ['Finalizer', h('span', { class: n.finalizer ? 'warn-text' : '' }, finalizerText(n))],
  ];
  if (n.allocation) {
    const site = n.allocation;
    rows.push([
      'Allocated at',
      actions.openSource
        ? h(
            'button',
            {
              class: 'link',
              attrs: {
                type: 'button',
                title: `Open ${site.file}:${site.line}`,
                'data-testid': 'allocation',
              },
              on: { click: () => actions.openSource?.(site.file, site.line) },
            },
            h('code', null, `${baseName(site.file)}:${site.line}`),
          )
        : h(
            'code',
            { attrs: { title: site.file, 'data-testid': 'allocation' } },
            `${site.file}:${site.line}`,
          ),
    ]);
  }
  if (n.selfDefeating) {
    rows.push([
      'weakref.finalize',
      h(
        'strong',
        { class: 'error-text' },
        'self-defeating: its callback keeps this object alive, so it never runs before exit',
      ),
    ]);
  }
  const outCount = store.out.get(n.id)?.length ?? 0;
  const inCount = store.in.get(n.id)?.length ?? 0;
  const outTotal = n.referentCount ?? outCount;
  const inTotal = n.referrerCount ?? inCount;
  panel.replaceChildren(
    h('h2', { attrs: { 'data-testid': 'details-title' } }, n.label || shortType(n.type)),
    h(
      'p',
      { class: 'pills' },
      n.unreachable
        ? h('span', { class: 'pill bad' }, 'unreachable')
        : h('span', { class: 'pill' }, 'reachable'),
      n.root ? h('span', { class: 'pill' }, 'root') : null,
      n.cycle !== null
        ? h('span', { class: n.unreachable ? 'pill bad' : 'pill' }, `cycle ${n.cycle + 1}`)
        : null,
      n.finalizer
        ? h('span', { class: 'pill warn' }, `${FINALIZER_BADGE[n.finalizer]} pending`)
        : null,
      n.selfDefeating ? h('span', { class: 'pill bad' }, 'self-defeating finalize') : null,
    ),
    ...(extra ? [extra] : []),
    h(
      'div',
      { class: 'actions', attrs: { role: 'group', 'aria-label': 'Object actions' } },
      actionButton(
        'arrow-right',
        `Referents (${formatCount(outTotal)})`,
        () =>
          actions.isExpanded(n.id, 'referents')
            ? actions.collapse(n.id)
            : actions.expand(n.id, 'referents'),
        {
          title: 'Draw what it refers to (E)',
          testId: 'expand-referents',
          pressed: actions.isExpanded(n.id, 'referents'),
          disabled: outTotal === 0,
        },
      ),
      actionButton(
        'arrow-left',
        `Referrers (${formatCount(inTotal)})`,
        () =>
          actions.isExpanded(n.id, 'referrers')
            ? actions.collapse(n.id)
            : actions.expand(n.id, 'referrers'),
        {
          title: 'Draw what refers to it (R)',
          testId: 'expand-referrers',
          pressed: actions.isExpanded(n.id, 'referrers'),
          disabled: inTotal === 0,
        },
      ),
      actionButton('target', 'Focus', () => actions.focus(n.id), {
        title: 'Show only this object and its neighbours (F)',
        testId: 'focus-node',
      }),
    ),
    whyAliveSection(store, store.view, n, path, actions),
    retainedSection(n, actions.retained) ?? '',
    h('dl', null, ...rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    h('h3', null, `References from it (${formatCount(outTotal)})`),
    refList(store, n.id, 'referents', actions),
    h('h3', null, `Referred to by (${formatCount(inTotal)})`),
    refList(store, n.id, 'referrers', actions),
  );
}
