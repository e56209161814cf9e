/**
 * The details panel: the selected object (or group) — what it is, its references both ways with
 * their names, its finalizer — and "Why is this alive?": the path from a root, or, for garbage,
 * the loop that keeps its reference count up and what would free it.
 */
import type { HeapView, ViewEdge, ViewNode } from '../../protocol/heapView';
import { h, type Child } from '../ui/dom';
import {
  baseName,
  displayType,
  formatBytes,
  formatCount,
  plural,
  shortType,
} from '../model/format';
import { CATEGORY_LABEL } from '../graph/shapes';
import type { GraphStore } from '../model/graphStore';
import type { PathAnswer } from '../model/dataSource';
import { FINALIZER_BADGE, type DrawNode } from '../graph/drawModel';
import { icon, type CodiconName } from '../ui/icons/icon';

export interface PathState {
  id: number;
  loading: boolean;
  answer: PathAnswer | null;
  loop: ViewEdge[] | null;
}

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

export function actionButton(
  name: CodiconName,
  text: string,
  onClick: () => void,
  opts: { title?: string; testId?: string; pressed?: boolean; disabled?: boolean } = {},
): HTMLButtonElement {
  return h(
    'button',
    {
      class: 'action',
      attrs: {
        type: 'button',
        title: opts.title ?? text,
        'data-testid': opts.testId,
        'aria-pressed': opts.pressed === undefined ? undefined : String(opts.pressed),
        disabled: opts.disabled,
      },
      on: { click: onClick },
    },
    icon(name),
    h('span', null, text),
  );
}

function nodeRef(n: ViewNode, go: (id: number) => void, drawn: boolean): HTMLElement {
  return h(
    'button',
    {
      class: `ref-target${n.unreachable ? ' error-text' : ''}`,
      attrs: {
        type: 'button',
        title: `${n.type} at ${n.address}${drawn ? '' : ' (not drawn yet: selecting adds it)'}`,
      },
      on: { click: () => go(n.id) },
    },
    n.label || shortType(n.type),
    n.label && n.label !== shortType(n.type)
      ? h('span', { class: 'muted' }, ` ${displayType(n.type)}`)
      : null,
  );
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
          nodeRef(other, actions.select, actions.isDrawn(otherId)),
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

function pathSection(
  store: GraphStore,
  view: HeapView,
  n: ViewNode,
  state: PathState | null,
  actions: DetailsActions,
): HTMLElement {
  const box = h('section', {
    class: 'why',
    attrs: { 'data-testid': 'why-alive', 'aria-label': 'Why is this alive?' },
  });
  box.append(h('h3', null, icon('question'), ' Why is this alive?'));
  if (!state || state.id !== n.id) {
    box.append(
      actionButton('question', 'Show the path from a root', () => actions.whyAlive(n.id), {
        testId: 'why-button',
      }),
    );
    return box;
  }
  if (state.loading) {
    box.append(h('p', { class: 'muted' }, 'Looking for the shortest path from a root…'));
    return box;
  }
  const a = state.answer;
  if (n.unreachable) {
    box.append(
      h(
        'p',
        { attrs: { 'data-testid': 'why-text' } },
        h('strong', { class: 'error-text' }, 'Nothing alive keeps it: '),
        'no root reaches it, so it is garbage. Its reference count stays above zero only because of its cycle',
        state.loop && state.loop.length > 0 ? ':' : '.',
      ),
    );
    if (state.loop && state.loop.length > 0) box.append(loopText(store, state.loop));
    box.append(freeingText(view, store, n, state.loop));
    return box;
  }
  if (!a || !a.known) {
    box.append(
      h(
        'p',
        { class: 'muted', attrs: { 'data-testid': 'why-text' } },
        'This report does not include a path for this object (it embeds paths for the objects around the graph). Open the capture in VS Code to ask about any object.',
      ),
    );
    return box;
  }
  if (!a.path) {
    box.append(
      h(
        'p',
        { attrs: { 'data-testid': 'why-text' } },
        'No root reaches it through the references the capture sees: something outside the Python heap keeps it alive (C code, an extension module, or the interpreter itself).',
      ),
    );
    return box;
  }
  const p = a.path;
  box.append(
    h(
      'p',
      { attrs: { 'data-testid': 'why-text' } },
      'Alive because ',
      h('code', null, p.root),
      p.steps.length > 1 ? ` reaches it in ${plural(p.steps.length - 1, 'step')}:` : ' holds it.',
    ),
  );
  box.append(
    h(
      'ol',
      { class: 'path-list', attrs: { 'data-testid': 'path-list' } },
      ...p.steps.map((s, i) =>
        h(
          'li',
          null,
          i === 0
            ? h('code', { class: 'edge-name' }, p.root)
            : h('code', { class: 'edge-name' }, s.label || '(unnamed)'),
          ' → ',
          nodeRef(s.node, actions.select, actions.isDrawn(s.node.id)),
        ),
      ),
    ),
  );
  return box;
}

function loopText(store: GraphStore, loop: ViewEdge[]): HTMLElement {
  const name = (id: number): string => {
    const n = store.nodes.get(id);
    return n ? shortType(n.type) : '?';
  };
  let text = name(loop[0].from);
  for (const e of loop) text += ` —${e.label || 'ref'}→ ${name(e.to)}`;
  return h('p', { class: 'loop', attrs: { 'data-testid': 'loop-text' } }, h('code', null, text));
}

function freeingText(
  view: HeapView,
  store: GraphStore,
  n: ViewNode,
  loop: ViewEdge[] | null,
): HTMLElement {
  const gens = (loop ?? []).flatMap((e) => [
    store.nodes.get(e.from)?.generation,
    store.nodes.get(e.to)?.generation,
  ]);
  gens.push(n.generation);
  // A young collection cannot free what garbage of an older generation refers to (that reference
  // counts as coming from outside): every unreachable object that reaches this one must be
  // collected with it. Those the page knows of, followed back through their referrers.
  const seen = new Set<number>([n.id]);
  const queue = [n.id];
  for (let i = 0; i < queue.length && i < 2000; i++) {
    for (const e of store.in.get(queue[i]) ?? []) {
      const from = store.nodes.get(e.from);
      if (e.weak || !from?.unreachable || seen.has(from.id)) continue;
      seen.add(from.id);
      queue.push(from.id);
      gens.push(from.generation);
    }
  }
  const g = Math.max(0, ...gens.filter((x): x is number => typeof x === 'number' && x <= 2));
  const gc = view.summary.gc;
  const auto = !gc.enabled
    ? 'automatic collection is off (gc.disable()), so only an explicit gc.collect() does'
    : g === 0
      ? `the next automatic collection does (generation 0${gc.thresholds[0] !== undefined && gc.counts[0] !== undefined && gc.thresholds[0] > gc.counts[0] ? `, due after about ${gc.thresholds[0] - gc.counts[0]} more allocations` : ''})`
      : `only a collection of generation ${g} does${g === 2 ? ' — a full collection, which runs rarely' : ''}`;
  const breakable = (loop ?? []).filter((e) => e.label);
  return h(
    'div',
    { class: 'freeing', attrs: { 'data-testid': 'what-frees' } },
    h('h4', null, icon('lightbulb'), ' What would free it'),
    h(
      'ul',
      null,
      h('li', null, h('code', null, 'gc.collect()'), ` frees it now; ${auto}.`),
      breakable.length > 0
        ? h(
            'li',
            null,
            'Breaking the loop lets reference counting free it at once: clear ',
            ...breakable
              .slice(0, 3)
              .flatMap((e, i) => [i > 0 ? ', ' : '', h('code', null, e.label)]),
            ' when done, or hold it with a ',
            h('code', null, 'weakref.ref'),
            '.',
          )
        : null,
      n.finalizer === 'del'
        ? h(
            'li',
            null,
            'Its ',
            h('code', null, '__del__'),
            ' runs then (once, PEP 442) — not when the last variable went out of scope.',
          )
        : n.finalizer
          ? h('li', null, `Its ${FINALIZER_BADGE[n.finalizer]} runs then.`)
          : null,
    ),
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
                nodeRef(m, actions.select, false),
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
    pathSection(store, store.view, n, path, actions),
    h('dl', null, ...rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    h('h3', null, `References from it (${formatCount(outTotal)})`),
    refList(store, n.id, 'referents', actions),
    h('h3', null, `Referred to by (${formatCount(inTotal)})`),
    refList(store, n.id, 'referrers', actions),
  );
}
