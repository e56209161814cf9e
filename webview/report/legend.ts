/**
 * The legend: what each shape, colour, outline, line and badge of the graph means. Swatches are
 * small inline SVGs styled by the same theme variables as the canvas.
 */
import { TYPE_CATEGORIES, type TypeCategory } from '../../protocol/snapshot';
import { h, s } from '../ui/dom';
import { CATEGORY_LABEL, shapePath } from '../graph/shapes';
import './legend.css';

function swatch(width: number, cls: string, ...children: SVGElement[]): SVGSVGElement {
  return s(
    'svg',
    {
      class: `swatch ${cls}`,
      width,
      height: 22,
      viewBox: `${-width / 2} -11 ${width} 22`,
      'aria-hidden': 'true',
    },
    ...children,
  );
}

function item(sw: Element, text: string, testId?: string): HTMLElement {
  return h('li', { attrs: { 'data-legend': testId } }, sw, h('span', null, text));
}

function badge(text: string, cls: string): HTMLElement {
  return h('span', { class: `legend-badge ${cls}` }, text);
}

export function legend(): HTMLElement {
  const cats = TYPE_CATEGORIES.filter((c) => c !== 'other').map((c: TypeCategory) =>
    item(
      swatch(
        26,
        `node cat-${c}`,
        s('path', { class: 'shape', d: shapePath(c, c === 'atom' ? 5 : 7) }),
      ),
      CATEGORY_LABEL[c],
      `cat-${c}`,
    ),
  );
  const hatch = s(
    'pattern',
    {
      id: 'legend-hatch',
      patternUnits: 'userSpaceOnUse',
      width: 5,
      height: 5,
      patternTransform: 'rotate(45)',
    },
    s('line', { x1: 0, y1: 0, x2: 0, y2: 5, class: 'hatch-line' }),
  );
  return h(
    'details',
    { class: 'legend', attrs: { 'data-testid': 'legend', open: true } },
    h('summary', null, 'Legend'),
    h(
      'div',
      { class: 'legend-body' },
      h('ul', { class: 'legend-cats', attrs: { 'aria-label': 'Object kinds' } }, ...cats),
      h(
        'ul',
        { class: 'legend-marks', attrs: { 'aria-label': 'Marks' } },
        item(
          swatch(
            26,
            'node cat-instance unreachable',
            s('defs', {}, hatch),
            s('path', { class: 'shape', d: shapePath('instance', 7) }),
            s('path', { class: 'hatch', d: shapePath('instance', 7), fill: 'url(#legend-hatch)' }),
          ),
          'unreachable: the next gc.collect() frees it',
          'unreachable',
        ),
        item(
          swatch(
            30,
            '',
            s('rect', { class: 'hull unreachable', x: -13, y: -9, width: 26, height: 18, rx: 8 }),
          ),
          'cycle the collector frees',
          'cycle',
        ),
        item(
          swatch(30, '', s('rect', { class: 'hull', x: -13, y: -9, width: 26, height: 18, rx: 8 })),
          'live cycle',
          'live-cycle',
        ),
        item(
          swatch(
            26,
            'node cat-module root',
            s('path', { class: 'root-ring', d: shapePath('module', 10) }),
            s('path', { class: 'shape', d: shapePath('module', 6) }),
          ),
          'root (module, frame local, thread)',
          'root',
        ),
        item(
          h(
            'span',
            { class: 'legend-edge' },
            swatch(
              40,
              '',
              s('line', { class: 'edge strong', x1: -18, y1: 0, x2: 14, y2: 0 }),
              s('path', { class: 'arrowhead', d: 'M18,0L11,-3.5L11,3.5Z' }),
            ),
            h('code', { class: 'legend-edge-label' }, '.attr'),
          ),
          "reference, named by attribute, ['key'], [index] or local",
          'edge',
        ),
        item(
          swatch(40, '', s('line', { class: 'edge weak', x1: -18, y1: 0, x2: 18, y2: 0 })),
          'weak reference (does not keep it alive)',
          'weak',
        ),
        item(
          h(
            'span',
            { class: 'legend-badges' },
            badge('__del__', 'fin-del'),
            badge('finally', 'fin-generator'),
            badge('weakref.finalize', 'fin-finalize'),
          ),
          'finalizer not run yet (runs when freed)',
          'finalizer',
        ),
        item(
          badge('⚠ finalize keeps it alive', 'error'),
          'self-defeating weakref.finalize: never freed before exit',
          'self-defeating',
        ),
        item(
          h('span', { class: 'legend-gen' }, 'g0 g1 g2'),
          'collector generation (zoom in); none: untracked',
          'generation',
        ),
        item(
          swatch(40, '', s('line', { class: 'edge path', x1: -18, y1: 0, x2: 18, y2: 0 })),
          'why it is alive: shortest path from a root',
          'path',
        ),
      ),
    ),
  );
}
