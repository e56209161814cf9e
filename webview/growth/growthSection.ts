/**
 * Track Growth Here, on the heap view page: per type that grew, its count at each stop as a
 * small chart; then the latest stop compared with the first — the totals, the new and freed
 * objects by type, and the suspects (new objects grouped by what holds them, with that path).
 * A row of new objects, or a suspect, focuses one of its new objects in the graph
 * (`focusObject`). Text and inline SVG only; built with the DOM helpers (no HTML parsing).
 */
import './growth.css';
import type { GrowthTrack } from '../../protocol/growth';
import type { FromWebview } from '../../protocol/messages';
import { displayType, formatBytes, formatCount } from '../model/format';
import { h } from '../ui/dom';
import { chartOrder, suspectOrder, typeRank } from './growthOrder';
import { sparkGeometry } from './sparkline';

/** Charts drawn at most (the types that grew most). */
const MAX_CHARTS = 12;
/** Rows of the type table and of the suspects at most. */
const MAX_ROWS = 20;
const SVG = 'http://www.w3.org/2000/svg';

function svg(name: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function chart(type: string, counts: number[], stops: number[]): HTMLElement {
  const width = 140;
  const height = 36;
  const g = sparkGeometry(counts, width, height);
  const picture = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `${displayType(type)}: ${counts.join(', ')} at stops ${stops.join(', ')}`,
  });
  picture.append(svg('polyline', { points: g.points, class: 'growth-line' }));
  for (const p of g.points.split(' ')) {
    const [cx, cy] = p.split(',');
    picture.append(svg('circle', { cx, cy, r: 2, class: 'growth-dot' }));
  }
  const first = counts[0];
  const last = counts[counts.length - 1];
  return h(
    'figure',
    {
      class: 'growth-chart',
      attrs: { 'data-testid': 'growth-chart', 'data-type': type, 'data-counts': counts.join(',') },
    },
    picture,
    h(
      'figcaption',
      null,
      h('code', null, displayType(type)),
      ' ',
      h(
        'span',
        { class: 'muted' },
        `${formatCount(first)} → ${formatCount(last)} (+${formatCount(last - first)})`,
      ),
    ),
  );
}

function focusButton(
  text: string,
  address: string | undefined,
  post: (m: FromWebview) => void,
  testid: string,
): HTMLElement {
  if (!address) return h('span', null, text);
  return h(
    'button',
    {
      class: 'link',
      attrs: {
        type: 'button',
        'data-testid': testid,
        'data-address': address,
        title: `Show ${address} in the graph`,
      },
      on: {
        click: (event) => {
          // The graph gets the room: the section folds to its summary line.
          (event.currentTarget as HTMLElement).closest('details')?.removeAttribute('open');
          post({ type: 'focusObject', address });
        },
      },
    },
    text,
  );
}

export interface GrowthSection {
  readonly element: HTMLElement;
  show(track: GrowthTrack, where: string, active: boolean): void;
}

export function createGrowthSection(post: (m: FromWebview) => void): GrowthSection {
  const element = h('details', {
    class: 'growth-track',
    attrs: { open: true, hidden: true, 'data-testid': 'growth-track' },
  });
  return {
    element,
    show(track, where, active) {
      element.hidden = false;
      const stops = track.stops.map((s) => s.stop);
      const last = track.stops[track.stops.length - 1];
      element.dataset.stops = String(last.stop);
      element.dataset.active = String(active);
      const summary = h(
        'summary',
        null,
        h('strong', null, `Growth at ${where}`),
        ' ',
        h(
          'span',
          { class: 'muted' },
          `${last.stop === 1 ? '1 stop' : `${formatCount(last.stop)} stops`}${active ? '' : ' · tracking stopped'}`,
        ),
      );
      const types = chartOrder(track.perStop)
        .slice(0, MAX_CHARTS)
        .map((type): [string, number[]] => [type, track.perStop[type]]);
      const charts =
        types.length === 0
          ? h(
              'p',
              { class: 'muted' },
              last.stop === 1
                ? 'The first stop: continue the program to its next stop here to see what grows.'
                : 'No type has more objects than at the first stop.',
            )
          : h(
              'div',
              { class: 'growth-charts' },
              ...types.map(([type, counts]) => chart(type, counts, stops)),
            );
      element.replaceChildren(summary, charts);
      const c = track.comparison;
      if (!c) return;
      const first = track.stops[0];
      const rows = Object.entries(c.byType)
        .filter(([, r]) => r.new > 0 || r.freed > 0)
        .sort(([a], [b]) => typeRank(a) - typeRank(b))
        .slice(0, MAX_ROWS);
      element.append(
        h(
          'p',
          { attrs: { 'data-testid': 'growth-totals' } },
          `Stop ${last.stop} compared with stop ${first.stop}: `,
          h('strong', null, `${formatCount(c.totals.new.objects)} new`),
          ` (${formatBytes(c.totals.new.bytes)}), ${formatCount(c.totals.freed.objects)} freed (${formatBytes(c.totals.freed.bytes)}).`,
        ),
      );
      if (c.suspects.length > 0) {
        element.append(
          h('h4', null, 'New objects by holder'),
          h(
            'ol',
            { class: 'growth-suspects' },
            ...suspectOrder(c.suspects)
              .slice(0, MAX_ROWS)
              .map((k) => [c.suspects[k], k] as const)
              .map(([s, k]) =>
                h(
                  'li',
                  {
                    attrs: {
                      'data-testid': 'growth-suspect',
                      'data-path': s.path,
                      'data-type': s.type,
                    },
                  },
                  focusButton(s.text, track.suspectExample[k], post, 'growth-suspect-focus'),
                  h(
                    'span',
                    { class: 'muted' },
                    ` · ${formatBytes(s.bytes)}${s.created ? ` · created at ${s.created}` : ''}`,
                  ),
                ),
              ),
          ),
        );
      }
      if (rows.length > 0) {
        const table = h(
          'table',
          { class: 'growth-types' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, 'Type'),
              h('th', null, 'First'),
              h('th', null, 'Latest'),
              h('th', null, 'New'),
              h('th', null, 'Freed'),
            ),
          ),
          h(
            'tbody',
            null,
            ...rows.map(([type, r]) =>
              h(
                'tr',
                { attrs: { 'data-testid': 'growth-type', 'data-type': type } },
                h(
                  'td',
                  null,
                  focusButton(
                    displayType(type),
                    r.new > 0 ? track.newExample[type] : undefined,
                    post,
                    'growth-type-focus',
                  ),
                ),
                h('td', null, formatCount(r.before)),
                h('td', null, formatCount(r.after)),
                h('td', null, `+${formatCount(r.new)}`),
                h('td', null, `−${formatCount(r.freed)}`),
              ),
            ),
          ),
        );
        element.append(table);
      }
      for (const note of c.notes) element.append(h('p', { class: 'muted' }, note));
    },
  };
}
