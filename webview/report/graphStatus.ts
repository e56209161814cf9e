/**
 * The graph in words: the status line under the toolbar (how many objects and references are
 * drawn, hidden, grouped, laid out), a sentence for each object (tooltips and screen readers),
 * and the hidden list of the most important objects (screen readers, and the tests' hook).
 * The texts are pure; `renderObjectsList` builds the list.
 */
import type { HeapView } from '../../protocol/heapView';
import { FINALIZER_BADGE, MAX_DRAWN, type DrawModel } from '../graph/drawModel';
import { displayType, formatCount, plural, shortType } from '../model/format';
import { h } from '../ui/dom';

/** `12 objects · 15 references · 3 hidden by filters · laying out… 40%`. */
export function statusText(
  model: DrawModel,
  view: HeapView,
  progress?: number,
  done?: boolean,
): string {
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
  return parts.join(' · ');
}

/** One drawn object (or group) in a sentence: what it is, where, and what holds or frees it. */
export function describeDrawn(model: DrawModel | null, view: HeapView | null, id: number): string {
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

/** The 200 most important drawn objects, as list items with their marks in data attributes. */
export function renderObjectsList(
  list: HTMLElement,
  model: DrawModel,
  describe: (id: number) => string,
): void {
  const order = model.nodes
    .map((d, i) => ({ d, i }))
    .sort((a, b) => b.d.weight - a.d.weight || a.i - b.i)
    .slice(0, 200);
  list.replaceChildren(
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
