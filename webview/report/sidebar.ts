/**
 * The side list: where to start (unreachable cycles, pending finalizers, weak references, the
 * paused frame's objects) and the type table of the whole heap, sortable and filterable.
 */
import type { HeapView, ViewNode, ViewTypeRow } from '../../protocol/heapView';
import type { FinalizeEntrySummary } from '../../protocol/summary';
import { h, type Child } from '../ui/dom';
import { displayType, formatBytes, formatCount, plural, shortType } from '../model/format';
import type { GraphStore } from '../model/graphStore';
import { FINALIZER_BADGE } from '../graph/drawModel';
import { icon } from '../ui/icons/icon';
import { sortableTable } from '../ui/table';
import { describeTypes } from '../model/verdict';
import './sidebar.css';

export interface SidebarActions {
  select(id: number): void;
  showCycle(cycle: number): void;
  searchType(type: string): void;
}

function entry(
  text: Child[],
  onClick: () => void,
  opts: { tone?: string; title?: string; testId?: string; id?: number } = {},
): HTMLElement {
  return h(
    'li',
    null,
    h(
      'button',
      {
        class: `entry${opts.tone ? ` tone-${opts.tone}` : ''}`,
        attrs: {
          type: 'button',
          title: opts.title,
          'data-testid': opts.testId,
          'data-node-id': opts.id,
        },
        on: { click: onClick },
      },
      ...text,
    ),
  );
}

function section(
  title: string,
  count: number | string,
  testId: string,
  items: HTMLElement[],
  empty: string,
  more?: string,
): HTMLElement {
  return h(
    'section',
    { class: 'problem-section', attrs: { 'data-testid': testId } },
    h('h3', null, title, h('span', { class: 'count' }, String(count))),
    items.length > 0
      ? h('ul', { class: 'entries' }, ...items)
      : h('p', { class: 'muted empty' }, empty),
    more ? h('p', { class: 'muted more' }, more) : null,
  );
}

export function problemsPanel(
  view: HeapView,
  store: GraphStore,
  actions: SidebarActions,
): HTMLElement {
  const nodes = [...store.nodes.values()];
  const byType = (members: number[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const m of members) {
      const n = store.nodes.get(m);
      if (n) out[n.type] = (out[n.type] ?? 0) + 1;
    }
    return out;
  };

  // Unreachable cycles first, then the live ones drawn.
  const cycleItems = view.cycles
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.unreachable)
    .slice(0, 200)
    .map(({ c, i }) => {
      const kinds = new Map<string, number>();
      for (const m of c.members) {
        const f = store.nodes.get(m)?.finalizer;
        if (f) kinds.set(FINALIZER_BADGE[f], (kinds.get(FINALIZER_BADGE[f]) ?? 0) + 1);
      }
      return entry(
        [
          h('span', { class: 'entry-title' }, `cycle ${i + 1}: `, describeTypes(byType(c.members))),
          ...[...kinds].map(([badge, n]) =>
            h('code', { class: 'tag warn' }, n > 1 ? `${n} × ${badge}` : badge),
          ),
        ],
        () => actions.showCycle(i),
        {
          tone: 'bad',
          testId: 'cycle-entry',
          title: `Show cycle ${i + 1} (${plural(c.size, 'object')})`,
        },
      );
    });
  const liveCycles = view.cycles.filter((c) => !c.unreachable).length;
  const undrawn =
    view.summary.cycles.filter((c) => c.unreachable).length -
    view.cycles.filter((c) => c.unreachable).length;

  // Finalizers: objects with one pending (unreachable first), and weakref.finalize entries.
  const fin = nodes
    .filter((n) => n.finalizer && n.finalizer !== 'finalize')
    .sort((a, b) => Number(b.unreachable) - Number(a.unreachable) || a.id - b.id);
  const finItems = fin.slice(0, 60).map((n) =>
    entry(
      [
        h('span', { class: 'entry-title' }, n.label || shortType(n.type)),
        h('code', { class: 'tag warn' }, FINALIZER_BADGE[n.finalizer as string]),
        h('span', { class: 'muted' }, n.unreachable ? ' runs at the next collection' : ' alive'),
      ],
      () => actions.select(n.id),
      {
        tone: n.unreachable ? 'bad' : undefined,
        testId: 'finalizer-entry',
        id: n.id,
        title: `${n.type} at ${n.address}`,
      },
    ),
  );
  const finalizeItems = view.summary.finalizers.weakrefFinalize.entries
    .slice(0, 60)
    .map((e: FinalizeEntrySummary) => {
      const target = e.referentAddress ? store.byAddress.get(e.referentAddress) : undefined;
      const own = store.byAddress.get(e.address);
      return entry(
        [
          h(
            'code',
            { class: 'entry-title' },
            `weakref.finalize(${e.referentType ? shortType(e.referentType) : '?'}, ${e.func})`,
          ),
          e.selfDefeating
            ? h('span', { class: 'tag error' }, 'self-defeating: never runs before exit')
            : e.willFire
              ? h('span', { class: 'tag' }, 'fires at the next collection')
              : null,
        ],
        () => {
          const id = target ?? own;
          if (id !== undefined) actions.select(id);
        },
        { tone: e.selfDefeating ? 'error' : undefined, testId: 'finalize-entry', title: e.address },
      );
    });

  // Weak references known to the page, with their referent.
  const weak = nodes.filter((n) => n.category === 'weakref');
  const weakItems = weak.slice(0, 60).map((w) => {
    const e = (store.out.get(w.id) ?? []).find((x) => x.weak);
    const target = e ? store.nodes.get(e.to) : undefined;
    return entry(
      [
        h('span', { class: 'entry-title' }, w.label || shortType(w.type)),
        ' → ',
        target
          ? h(
              'span',
              { class: target.unreachable ? 'error-text' : '' },
              target.label || shortType(target.type),
            )
          : h('span', { class: 'muted' }, 'referent not shown'),
        target?.unreachable
          ? h('span', { class: 'muted' }, ' (cleared at the next collection)')
          : null,
      ],
      () => actions.select(w.id),
      { testId: 'weakref-entry', id: w.id },
    );
  });
  const wr = view.summary.weakrefs;

  // The paused frame and what it holds.
  const frameId = view.pausedFrame ?? view.nodes.find((n) => n.category === 'frame' && n.root)?.id;
  const frame = frameId !== undefined && frameId !== null ? store.nodes.get(frameId) : undefined;
  const frameItems: HTMLElement[] = [];
  if (frame) {
    frameItems.push(
      entry([h('span', { class: 'entry-title' }, frame.label)], () => actions.select(frame.id), {
        testId: 'frame-entry',
        id: frame.id,
      }),
    );
    const held: ViewNode[] = [];
    for (const e of store.out.get(frame.id) ?? []) {
      const t = store.nodes.get(e.to);
      if (t) {
        held.push(t);
        frameItems.push(
          entry(
            [
              h('code', null, e.label || 'ref'),
              ' = ',
              h('span', null, t.label || shortType(t.type)),
            ],
            () => actions.select(t.id),
            {
              testId: 'frame-entry',
              id: t.id,
            },
          ),
        );
      }
    }
    if (held.length === 0 && frame.label.startsWith('<module>')) {
      const globals = view.nodes.filter(
        (n) => !n.unreachable && !n.root && n.category !== 'container' && n.id !== frame.id,
      );
      for (const g of globals.slice(0, 20)) {
        frameItems.push(
          entry(
            [
              h('span', null, g.label || shortType(g.type)),
              h('span', { class: 'muted' }, ' (module global)'),
            ],
            () => actions.select(g.id),
            { testId: 'frame-entry', id: g.id },
          ),
        );
      }
    }
  }

  return h(
    'div',
    { class: 'problems', attrs: { 'data-testid': 'problems' } },
    section(
      'Unreachable cycles',
      view.summary.cycles.filter((c) => c.unreachable).length,
      'problems-cycles',
      cycleItems,
      'None: the next collection finds no garbage cycle.',
      [
        undrawn > 0 ? `${formatCount(undrawn)} more not drawn.` : '',
        liveCycles > 0 ? `${plural(liveCycles, 'live cycle')} drawn too.` : '',
      ]
        .filter(Boolean)
        .join(' ') || undefined,
    ),
    section(
      'Pending finalizers',
      fin.length + finalizeItems.length,
      'problems-finalizers',
      [...finalizeItems, ...finItems],
      'No finalizer is waiting.',
    ),
    section(
      'Weak references',
      formatCount(wr.total),
      'problems-weakrefs',
      weakItems,
      'None drawn.',
      `${formatCount(wr.dead)} dead, ${formatCount(wr.cleared)} cleared by the next collection.`,
    ),
    section(
      'Paused frame',
      frame ? frame.label : '—',
      'problems-frame',
      frameItems,
      'The paused frame is not in this view.',
    ),
  );
}

/** The type table (whole heap when the view carries it; otherwise the objects in the view). */
export function typesPanel(view: HeapView, actions: SidebarActions): HTMLElement {
  let rows: ViewTypeRow[] = view.types ?? [];
  const whole = view.types !== undefined;
  if (!whole) {
    const map = new Map<string, ViewTypeRow>();
    for (const n of view.nodes) {
      let r = map.get(n.type);
      if (!r) {
        r = {
          type: n.type,
          module: n.module ?? '',
          category: n.category,
          count: 0,
          bytes: 0,
          inCycles: 0,
          unreachable: 0,
          finalizers: 0,
        };
        map.set(n.type, r);
      }
      r.count++;
      r.bytes += n.size;
      if (n.cycle !== null) r.inCycles++;
      if (n.unreachable) r.unreachable++;
      if (n.finalizer && n.finalizer !== 'finalize') r.finalizers++;
    }
    rows = [...map.values()];
  }
  const holder = h('div', { class: 'types-table' });
  const filter = h('input', {
    class: 'text-input',
    attrs: {
      type: 'search',
      placeholder: 'Filter types',
      'aria-label': 'Filter types',
      'data-testid': 'types-filter',
      spellcheck: 'false',
    },
  });
  const render = (): void => {
    const q = filter.value.trim().toLowerCase();
    const shown = q ? rows.filter((r) => r.type.toLowerCase().includes(q)) : rows;
    holder.replaceChildren(
      sortableTable<ViewTypeRow>({
        caption: whole ? 'Every object of the heap, by type' : 'Objects in this view, by type',
        testId: 'types-table',
        rows: shown,
        empty: q ? 'No type matches.' : 'No objects.',
        sort: { column: 4, descending: true },
        limit: 60,
        rowClass: (r) => (r.unreachable > 0 ? 'row-bad' : ''),
        columns: [
          {
            label: 'Type',
            key: (r) => r.type,
            cell: (r) =>
              h(
                'button',
                {
                  class: 'link type-link',
                  attrs: { type: 'button', title: `Search the graph for ${r.type}` },
                  on: { click: () => actions.searchType(r.type) },
                },
                h('code', null, displayType(r.type)),
              ),
          },
          {
            label: 'Objects',
            key: (r) => r.count,
            numeric: true,
            cell: (r) => formatCount(r.count),
          },
          { label: 'Size', key: (r) => r.bytes, numeric: true, cell: (r) => formatBytes(r.bytes) },
          {
            label: 'In cycles',
            key: (r) => r.inCycles,
            numeric: true,
            cell: (r) => formatCount(r.inCycles),
            title: 'Objects in a reference cycle',
          },
          {
            label: 'Unreachable',
            key: (r) => r.unreachable * 1e9 + r.count,
            numeric: true,
            cell: (r) =>
              r.unreachable > 0
                ? h('span', { class: 'error-text' }, formatCount(r.unreachable))
                : '0',
            title: 'Objects the next gc.collect() frees',
          },
          {
            label: 'Finalizers',
            key: (r) => r.finalizers,
            numeric: true,
            cell: (r) => formatCount(r.finalizers),
            title: 'Objects whose finalizer has not run',
          },
        ],
      }),
    );
  };
  filter.addEventListener('input', render);
  render();
  return h(
    'div',
    { class: 'types', attrs: { 'data-testid': 'types' } },
    h('label', { class: 'filter-row' }, icon('filter'), filter),
    holder,
  );
}
