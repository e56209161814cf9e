/**
 * "What holds the memory", under the verdict: the leak suspects — objects retaining a large share
 * of the live heap — each with where its memory accumulates, its path from a root as Python
 * writes it, what it holds grouped by type, and buttons to draw it, open it in the table or the
 * treemap; then the largest retainers. Text only.
 */
import {
  LEAK_SUSPECT_SHARE,
  type LeakSuspect,
  type RetainedTopEntry,
  type RetainedView,
} from '../../protocol/retained';
import { displayType, formatBytes, formatCount } from '../model/format';
import { formatShare, groupText, suspectLine, suspectSentence } from '../model/retainedText';
import { actionButton } from '../ui/buttons';
import { h } from '../ui/dom';
import { icon } from '../ui/icons/icon';

export interface SuspectActions {
  /** Draws the object (`target`) with `retainer`'s retained set ringed. */
  showInGraph(target: number, retainer: number): void;
  showInTable(id: number): void;
  showInTreemap(id: number): void;
  canShow(id: number): boolean;
  /** The node id of an object by its address, when the page knows it. */
  nodeAt(address: string): number | undefined;
}

/** Top retainers listed under the suspects. */
const TOP_SHOWN = 5;

function shareBar(share: number): HTMLElement {
  const el = h('span', { class: 'share-bar wide', attrs: { 'aria-hidden': 'true' } });
  el.style.setProperty('--share', String(Math.min(1, Math.max(0, share))));
  return el;
}

function suspectItem(s: LeakSuspect, a: SuspectActions): HTMLElement {
  const line = suspectLine(s);
  const target = s.accumulation.node;
  const can = a.canShow(target) || a.canShow(s.node);
  return h(
    'li',
    {
      class: 'suspect',
      attrs: { 'data-testid': 'suspect', 'data-node-id': s.node, 'aria-label': suspectSentence(s) },
    },
    h(
      'p',
      { class: 'suspect-line' },
      icon('warning'),
      h('strong', null, 'Leak suspect '),
      h(
        'button',
        {
          class: 'link suspect-path',
          attrs: {
            type: 'button',
            'data-testid': 'suspect-path',
            title: 'Draw it in the graph, with what it retains ringed',
          },
          on: { click: () => a.showInGraph(target, s.node) },
        },
        h('code', null, line.path ?? `<${line.type} held by C code>`),
      ),
      h('span', { class: 'arrow' }, ' → '),
      line.type,
      line.content ? h('span', { class: 'arrow' }, ' → ') : null,
      line.content
        ? h('strong', { attrs: { 'data-testid': 'suspect-content-head' } }, line.content)
        : null,
    ),
    h(
      'p',
      { class: 'suspect-numbers' },
      shareBar(s.share),
      h('strong', null, formatBytes(s.retained.bytes)),
      ` retained — ${formatShare(s.share)} of the live heap, ${formatCount(s.retained.objects)} objects`,
      line.holder
        ? h('span', { class: 'muted' }, ' · held by ', h('code', null, line.holder))
        : null,
    ),
    s.content.length > 0
      ? h(
          'ul',
          {
            class: 'suspect-content',
            attrs: { 'data-testid': 'suspect-content', 'aria-label': 'What it holds, by type' },
          },
          ...s.content.map((g) =>
            h(
              'li',
              null,
              h('span', { class: 'group-name' }, groupText(g)),
              h(
                'span',
                { class: 'muted' },
                ` ${formatBytes(g.bytes)} · ${formatCount(g.objects)} objects with what they hold`,
              ),
            ),
          ),
        )
      : null,
    h(
      'div',
      { class: 'actions', attrs: { role: 'group', 'aria-label': 'Suspect actions' } },
      actionButton('target', 'Show in graph', () => a.showInGraph(target, s.node), {
        testId: 'suspect-show-graph',
        disabled: !can,
        title: can
          ? 'Draw it, its path from a root and its largest objects, with what it retains ringed'
          : 'This report holds no graph data for it',
      }),
      actionButton('list-tree', 'Show in table', () => a.showInTable(target), {
        testId: 'suspect-show-table',
        title: 'Open the dominator tree down to it',
      }),
      actionButton('type-hierarchy', 'Treemap', () => a.showInTreemap(target), {
        testId: 'suspect-show-treemap',
        title: 'Zoom the treemap of retained bytes into it',
      }),
    ),
  );
}

function topItem(t: RetainedTopEntry, live: number, a: SuspectActions): HTMLElement {
  const id = a.nodeAt(t.address);
  return h(
    'li',
    null,
    h(
      'button',
      {
        class: 'entry top-retainer',
        attrs: {
          type: 'button',
          'data-testid': 'top-retainer',
          'data-address': t.address,
          title: `${t.type} at ${t.address}: ${formatCount(t.objects)} objects, ${formatCount(t.tracked)} tracked by the collector`,
        },
        on: {
          click: () => {
            if (id === undefined) return;
            if (a.canShow(id)) a.showInGraph(id, id);
            else a.showInTable(id);
          },
        },
      },
      h(
        'span',
        { class: 'top-name' },
        h('code', null, t.path ?? `<${displayType(t.type)} held by C code>`),
        h('span', { class: 'muted' }, ` ${displayType(t.type)}`),
      ),
      h('span', { class: 'top-bytes' }, formatBytes(t.bytes)),
      h('span', { class: 'top-share' }, formatShare(live > 0 ? t.bytes / live : 0)),
    ),
  );
}

/** The section, or null when the view carries nothing about retention. */
export function suspectsSection(
  r: RetainedView | undefined,
  a: SuspectActions,
): HTMLElement | null {
  if (!r) return null;
  const live = r.totals.live;
  const garbage = r.totals.garbage;
  const tops = r.top.slice(0, TOP_SHOWN);
  return h(
    'section',
    {
      class: `memory-summary${r.suspects.length > 0 ? ' has-suspects' : ''}`,
      attrs: { 'data-testid': 'suspects', 'aria-label': 'What holds the memory' },
    },
    h(
      'h2',
      null,
      'What holds the memory',
      h(
        'span',
        { class: 'muted totals' },
        ` ${formatBytes(live.bytes)} live in ${formatCount(live.objects)} objects`,
        garbage.objects > 0 ? ` · ${formatBytes(garbage.bytes)} unreachable` : '',
      ),
    ),
    r.suspects.length > 0
      ? h('ol', { class: 'suspect-list' }, ...r.suspects.map((s) => suspectItem(s, a)))
      : h(
          'p',
          { class: 'muted', attrs: { 'data-testid': 'no-suspect' } },
          `No leak suspect: no object of the program retains ${formatShare(LEAK_SUSPECT_SHARE)} of the live heap.`,
        ),
    tops.length > 0
      ? h(
          'div',
          { class: 'top-retainers' },
          h('h3', null, 'Largest retainers'),
          h('ul', { class: 'entries' }, ...tops.map((t) => topItem(t, live.bytes, a))),
        )
      : null,
  );
}
