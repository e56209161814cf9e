/**
 * A visible notice when other threads ran while the heap was read: the snapshot may then mix
 * moments (an object counted before a thread changed it, a reference read after). The sentence
 * comes from the engine's summary, the same one the command line prints.
 */
import type { HeapView } from '../../protocol/heapView';
import { h } from '../ui/dom';
import { icon } from '../ui/icons/icon';
import './threadNotice.css';

/** `0.42 s`, or `12 ms` below a tenth of a second (as the engine writes them). */
function seconds(value: number): string {
  return value < 0.1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
}

export function otherThreadsNotice(view: HeapView): HTMLElement | null {
  const activity = view.summary.otherThreads;
  if (!activity?.mayMixMoments || !activity.notice) return null;
  const text = activity.notice.charAt(0).toUpperCase() + activity.notice.slice(1);
  const busiest = activity.threads.slice(0, 3);
  return h(
    'section',
    {
      class: 'thread-notice',
      attrs: { role: 'note', 'aria-label': 'Other threads', 'data-testid': 'other-threads' },
    },
    h('p', null, icon('warning'), ' ', h('strong', null, text), '.'),
    busiest.length > 0
      ? h(
          'p',
          { class: 'muted' },
          'Busiest: ',
          ...busiest.flatMap((t, i) => [
            i > 0 ? ', ' : '',
            h('code', null, t.name),
            ` ${seconds(t.cpuSeconds)}`,
          ]),
          '.',
        )
      : null,
    h(
      'p',
      { class: 'muted' },
      'The agent cannot stop other threads; it reads the heap while they wait for their turn. ' +
        'For a snapshot of one moment, capture where they are idle or paused (a breakpoint in each).',
    ),
  );
}
