/**
 * "Why is this alive?" in the details panel: the shortest path from a root (asked of whoever can
 * answer), or, for garbage, the loop that keeps its reference count up, and what would free it
 * (which collection, which reference to break, when its finalizer runs).
 */
import type { HeapView, ViewEdge, ViewNode } from '../../protocol/heapView';
import { FINALIZER_BADGE } from '../graph/drawModel';
import type { PathAnswer } from '../model/dataSource';
import { plural, shortType } from '../model/format';
import type { GraphStore } from '../model/graphStore';
import { actionButton, objectButton } from '../ui/buttons';
import { h } from '../ui/dom';
import { icon } from '../ui/icons/icon';
import './whyAlive.css';

export interface PathState {
  id: number;
  loading: boolean;
  answer: PathAnswer | null;
  loop: ViewEdge[] | null;
}

export interface WhyAliveActions {
  whyAlive(id: number): void;
  select(id: number): void;
  isDrawn(id: number): boolean;
}

export function whyAliveSection(
  store: GraphStore,
  view: HeapView,
  n: ViewNode,
  state: PathState | null,
  actions: WhyAliveActions,
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
          objectButton(s.node, actions.select, actions.isDrawn(s.node.id)),
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
