/**
 * The details panel's "Retains" part: what the selected object would free if every reference to
 * it went (both notions, as the editor's hover says them), with buttons to ring that set in the
 * graph and to find the object in the dominator tree.
 */
import type { ViewNode } from '../../protocol/heapView';
import { GARBAGE_ROW } from '../../protocol/retained';
import { formatShare, retainedLines } from '../model/retainedText';
import { actionButton } from '../ui/buttons';
import { h } from '../ui/dom';

export interface RetainedDetailsActions {
  /** Rings what `id` retains among the drawn objects (null: clears the rings). */
  ring(id: number | null): void;
  ringed(): number | null;
  showInTable(id: number): void;
  /** The live heap's bytes (0: unknown). */
  liveBytes(): number;
}

/** The section, or null when the view says nothing about what the object retains. */
export function retainedSection(n: ViewNode, a: RetainedDetailsActions): HTMLElement | null {
  const r = n.retained;
  if (!r) return null;
  const live = a.liveBytes();
  const lines = retainedLines(r, n.unreachable || r.dominator === GARBAGE_ROW);
  const ringed = a.ringed() === n.id;
  return h(
    'div',
    { class: 'retained-details', attrs: { 'data-testid': 'details-retained' } },
    h(
      'h3',
      null,
      'Retains',
      live > 0 && !n.unreachable
        ? h('span', { class: 'muted' }, ` ${formatShare(r.retained.bytes / live)} of the live heap`)
        : null,
    ),
    ...lines.map((l) => h('p', { class: 'muted' }, l)),
    h(
      'div',
      { class: 'actions', attrs: { role: 'group', 'aria-label': 'What it retains' } },
      actionButton(
        'target',
        ringed ? 'Clear rings' : 'Ring what it retains',
        () => a.ring(ringed ? null : n.id),
        {
          testId: 'ring-retained',
          pressed: ringed,
          title: 'Ring the drawn objects it retains (freed with it)',
          disabled: r.retained.objects <= 1 && !ringed,
        },
      ),
      actionButton('list-tree', 'In the table', () => a.showInTable(n.id), {
        testId: 'details-show-table',
        title: 'Open the dominator tree down to it',
      }),
    ),
  );
}
