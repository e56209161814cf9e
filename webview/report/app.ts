/**
 * The report page: header with the headline numbers, the verdict, the heap graph with its
 * legend and details panel, and the cycle / finalizer / type tables.
 */
import type { HeapView, ViewNode } from '../../protocol/heapView';
import type { FinalizeEntrySummary } from '../../protocol/summary';
import type { TypeCategory } from '../../protocol/snapshot';
import { h, rich, s, type Child } from '../shared/dom';
import {
  baseName,
  displayType,
  formatBytes,
  formatCount,
  mapStrings,
  plural,
  shortType,
  sortedByType,
  visible,
} from '../shared/format';
import { CATEGORY_LABEL, shapePath } from '../shared/graphShapes';
import { createHeapGraph, FINALIZER_BADGE, type HeapGraph } from '../shared/heapGraph';
import { TYPE_CATEGORIES } from '../shared/heapViewGuard';
import { cycleOf, indexHeapView, type HeapIndex } from '../shared/heapIndex';
import { sortableTable } from '../shared/table';
import { buildVerdict, describeTypes } from '../shared/verdict';

export function renderError(root: HTMLElement, message: string): void {
  root.replaceChildren(
    h(
      'div',
      { class: 'load-error', attrs: { role: 'alert', 'data-testid': 'load-error' } },
      h('h1', null, 'This heap report cannot be shown'),
      h('p', null, message),
      h(
        'p',
        { class: 'muted' },
        'Re-create the report with the same version of heap-inspector that opens it, or report the problem with this file attached.',
      ),
    ),
  );
}

export interface ReportHandle {
  graph: HeapGraph;
}

export function renderReport(
  root: HTMLElement,
  data: HeapView,
  notes: string[] = [],
): ReportHandle {
  // Control and bidi-override characters in Python strings are shown escaped, as repr() does.
  const view = mapStrings(data, visible);
  const index = indexHeapView(view);
  const details = h('aside', {
    class: 'details',
    attrs: { 'data-testid': 'details', 'aria-live': 'polite', 'aria-label': 'Object details' },
  });
  const graphBox = h('div', { class: 'graph-box' });
  const warnings = warningsSection(view, notes.map(visible));
  root.replaceChildren(
    header(view),
    verdictSection(view, index),
    ...(warnings ? [warnings] : []),
    h(
      'section',
      { class: 'graph-section', attrs: { 'aria-label': 'Heap graph' } },
      h(
        'div',
        { class: 'graph-toolbar' },
        h('h2', null, 'Object graph'),
        h(
          'span',
          { class: 'muted hint' },
          view.nodes.length > 0
            ? `${plural(view.nodes.length, 'object')} · drag to pan, scroll to zoom, click an object for details`
            : '',
        ),
        h('span', { class: 'spacer' }),
        toolButton('Fit', 'Fit the whole graph in view', () => graph.fit()),
        toolButton('+', 'Zoom in', () => graph.zoomBy(1.4)),
        toolButton('−', 'Zoom out', () => graph.zoomBy(1 / 1.4)),
      ),
      legend(),
      h('div', { class: 'graph-area' }, graphBox, details),
    ),
    tablesSection(view, index, {
      select: (id) => graph.select(id, { reveal: true }),
      showCycle: (i) => graph.showCycle(i),
    }),
  );
  showDetails(details, index, null, () => {});
  const graph = createHeapGraph(graphBox, index, {
    onSelect: (n) => showDetails(details, index, n, (id) => graph.select(id, { reveal: true })),
  });
  if (view.nodes.length === 0) {
    graphBox.append(h('p', { class: 'graph-empty' }, 'This view contains no objects.'));
  }
  return { graph };
}

function toolButton(text: string, title: string, onClick: () => void): HTMLButtonElement {
  return h(
    'button',
    {
      class: 'tool',
      attrs: { type: 'button', title, 'aria-label': title },
      on: { click: onClick },
    },
    text,
  );
}

// --- Header ----------------------------------------------------------------------------------

function stat(
  value: number,
  label: string,
  testId: string,
  opts: { tone?: string; sub?: Child; title?: string } = {},
): HTMLElement {
  return h(
    'div',
    { class: `stat${opts.tone ? ` tone-${opts.tone}` : ''}`, attrs: { title: opts.title } },
    h('span', { class: 'stat-value', attrs: { 'data-testid': testId } }, String(value)),
    h('span', { class: 'stat-label' }, label),
    opts.sub ? h('span', { class: 'stat-sub' }, opts.sub) : null,
  );
}

function header(view: HeapView): HTMLElement {
  const s0 = view.summary;
  const c = s0.capture;
  const gc = s0.gc;
  const wf = s0.finalizers.weakrefFinalize;
  const time = new Date(c.time * 1000);
  const when = Number.isNaN(time.getTime()) ? '' : time.toLocaleString();
  const gcText = [
    gc.enabled ? 'enabled' : 'DISABLED',
    gc.incremental ? 'incremental' : null,
    `thresholds ${gc.thresholds.join(' / ')}`,
    `counts ${gc.counts.join(' / ')}`,
    gc.frozen > 0 ? `${formatCount(gc.frozen)} frozen` : null,
    gc.garbage > 0 ? `gc.garbage: ${gc.garbage}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return h(
    'header',
    { class: 'report-header' },
    h(
      'div',
      { class: 'title-row' },
      h('h1', null, 'Python heap report'),
      h(
        'span',
        { class: 'capture', attrs: { title: `${c.file}:${c.line}`, 'data-testid': 'capture' } },
        'captured at ',
        h('code', null, `${baseName(c.file)}:${c.line}`),
        c.function === '<module>' ? ' at module level' : ' in ',
        c.function === '<module>' ? null : h('code', null, `${c.function}()`),
      ),
    ),
    h(
      'div',
      { class: 'meta' },
      h('span', null, `Python ${c.python}`),
      h('span', null, `pid ${c.pid}`),
      when ? h('span', null, when) : null,
      h('span', { class: 'path', attrs: { title: c.file } }, c.file),
      h(
        'span',
        { class: gc.enabled ? '' : 'error-text', attrs: { 'data-testid': 'gc-state' } },
        `gc: ${gcText}`,
      ),
    ),
    h(
      'div',
      { class: 'stats' },
      stat(s0.unreachable.count, 'unreachable objects', 'unreachable-count', {
        tone: s0.unreachable.count > 0 ? 'bad' : 'ok',
        sub: `${formatBytes(s0.unreachable.bytes)} · freed by the next gc.collect()`,
      }),
      stat(s0.cycles.length, s0.cycles.length === 1 ? 'cycle' : 'cycles', 'cycle-count', {
        tone: s0.cycles.some((x) => x.unreachable) ? 'bad' : undefined,
        sub: 'reference cycles holding them',
      }),
      stat(s0.finalizers.del.count, '__del__ / finalizers pending', 'finalizer-count', {
        tone: s0.finalizers.del.count > 0 ? 'warn' : undefined,
        sub: 'run when they are freed',
      }),
      h(
        'div',
        { class: `stat${wf.selfDefeating > 0 ? ' tone-error' : ''}` },
        h(
          'span',
          { class: 'stat-value', attrs: { 'data-testid': 'finalize-pending' } },
          String(wf.pending),
        ),
        h('span', { class: 'stat-label' }, 'weakref.finalize pending'),
        h(
          'span',
          { class: 'stat-sub' },
          h(
            'span',
            {
              class: wf.selfDefeating > 0 ? 'error-text' : '',
              attrs: { 'data-testid': 'finalize-self-defeating' },
            },
            String(wf.selfDefeating),
          ),
          ' self-defeating',
          wf.willFire > 0 ? ` · ${wf.willFire} fire next` : '',
        ),
      ),
      stat(s0.heap.objects, 'objects in the heap', 'heap-objects', {
        sub: `${formatBytes(s0.heap.bytes)} · ${formatCount(s0.heap.tracked)} tracked`,
      }),
    ),
  );
}

// --- Verdict ---------------------------------------------------------------------------------

function verdictSection(view: HeapView, index: HeapIndex): HTMLElement {
  const v = buildVerdict(view, index);
  const icon = v.kind === 'ok' ? '✓' : v.kind === 'stuck' ? '⚠' : '♻';
  return h(
    'section',
    {
      class: `verdict kind-${v.kind}`,
      attrs: { 'data-testid': 'verdict', 'aria-label': 'Verdict' },
    },
    h(
      'p',
      { class: 'headline' },
      h('span', { class: 'verdict-icon', attrs: { 'aria-hidden': 'true' } }, icon),
      ...rich(v.headline),
    ),
    v.points.length > 0
      ? h('ul', null, ...v.points.map((p) => h('li', { class: `tone-${p.tone}` }, ...rich(p.text))))
      : null,
    ...v.fix.map((f) => h('p', { class: 'fix' }, h('strong', null, 'Fix: '), ...rich(f))),
  );
}

function warningsSection(view: HeapView, notes: string[]): HTMLElement | null {
  const all = [...view.summary.warnings, ...notes];
  if (view.truncated) {
    all.push(
      `The graph is cut to ${formatCount(view.truncated.shown)} of ${formatCount(view.truncated.total)} objects.`,
    );
  }
  if (all.length === 0) return null;
  return h(
    'section',
    { class: 'warnings', attrs: { 'data-testid': 'warnings', 'aria-label': 'Warnings' } },
    h('h2', null, 'Capture warnings'),
    h('ul', null, ...all.map((w) => h('li', null, w))),
  );
}

// --- Legend ----------------------------------------------------------------------------------

function swatch(cls: string, ...children: SVGElement[]): SVGSVGElement {
  return wideSwatch(30, cls, ...children);
}

function wideSwatch(width: number, cls: string, ...children: SVGElement[]): SVGSVGElement {
  return s(
    'svg',
    {
      class: `swatch ${cls}`,
      width,
      height: 24,
      viewBox: `${-width / 2} -12 ${width} 24`,
      'aria-hidden': 'true',
    },
    ...children,
  );
}

function legend(): HTMLElement {
  const item = (sw: SVGSVGElement, text: string): HTMLElement =>
    h('li', null, sw, h('span', null, text));
  const cats = TYPE_CATEGORIES.map((c: TypeCategory) =>
    item(
      swatch(`node cat-${c}`, s('path', { class: 'shape', d: shapePath(c, c === 'atom' ? 5 : 8) })),
      CATEGORY_LABEL[c],
    ),
  );
  const hatchId = 'legend-hatch';
  return h(
    'div',
    { class: 'legend', attrs: { 'data-testid': 'legend', 'aria-label': 'Legend' } },
    h('ul', { class: 'legend-cats' }, ...cats),
    h(
      'ul',
      { class: 'legend-marks' },
      item(
        swatch(
          'node cat-instance unreachable',
          s(
            'defs',
            {},
            s(
              'pattern',
              {
                id: hatchId,
                patternUnits: 'userSpaceOnUse',
                width: 5,
                height: 5,
                patternTransform: 'rotate(45)',
              },
              s('line', { x1: 0, y1: 0, x2: 0, y2: 5, class: 'hatch-line' }),
            ),
          ),
          s('path', { class: 'shape', d: shapePath('instance', 8) }),
          s('path', { class: 'hatch', d: shapePath('instance', 8), fill: `url(#${hatchId})` }),
        ),
        'unreachable: the next gc.collect() frees it',
      ),
      item(
        swatch(
          'node cat-module root',
          s('path', { class: 'root-ring', d: shapePath('instance', 10.5) }),
          s('path', { class: 'shape', d: shapePath('instance', 7) }),
        ),
        'root (module, frame local, thread)',
      ),
      item(
        swatch(
          '',
          s('rect', { class: 'hull unreachable', x: -13, y: -9, width: 26, height: 18, rx: 8 }),
        ),
        'reference cycle',
      ),
      item(
        swatch('', s('line', { class: 'edge strong', x1: -13, y1: 0, x2: 13, y2: 0 })),
        'reference',
      ),
      item(
        swatch('', s('line', { class: 'edge weak', x1: -13, y1: 0, x2: 13, y2: 0 })),
        'weak reference (does not keep alive)',
      ),
      item(
        wideSwatch(
          56,
          'badge fin-del',
          s('rect', { x: -26, y: -8, width: 52, height: 16, rx: 8 }),
          s('text', { y: 3 }, '__del__'),
        ),
        'finalizer pending (__del__, finally, weakref.finalize)',
      ),
      item(
        swatch(
          'badge error',
          s('rect', { x: -14, y: -8, width: 28, height: 16, rx: 8 }),
          s('text', { y: 3 }, '⚠'),
        ),
        'weakref.finalize that keeps its object alive',
      ),
    ),
  );
}

// --- Details panel ---------------------------------------------------------------------------

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

function showDetails(
  panel: HTMLElement,
  index: HeapIndex,
  n: ViewNode | null,
  go: (id: number) => void,
): void {
  if (!n) {
    panel.replaceChildren(
      h('h2', null, 'Details'),
      h(
        'p',
        { class: 'muted' },
        'Click an object in the graph (or Tab to it and press Enter) to see its type, size, and what refers to it.',
      ),
    );
    panel.dataset.nodeId = '';
    return;
  }
  const cycle = cycleOf(index, n);
  const rows: [string, Child][] = [
    ['Type', h('code', null, n.type)],
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
      cycle && n.cycle !== null
        ? `cycle ${n.cycle + 1}: ${plural(cycle.size, 'object')}${cycle.unreachable ? ', unreachable' : ', reachable'}`
        : 'none',
    ],
    ['Finalizer', finalizerText(n)],
  ];
  if (n.selfDefeating) {
    rows.push([
      'weakref.finalize',
      h(
        'span',
        { class: 'error-text' },
        'self-defeating: its callback references this object, so it is never freed before exit',
      ),
    ]);
  }
  const entries = index.view.summary.finalizers.weakrefFinalize.entries.filter(
    (e) => e.referentAddress === n.address || e.address === n.address,
  );
  for (const e of entries) rows.push(['finalize callback', finalizeEntryText(e)]);

  const out = index.out.get(n.id) ?? [];
  const inn = index.in.get(n.id) ?? [];
  const refList = (edges: typeof out, dir: 'out' | 'in'): HTMLElement => {
    if (edges.length === 0)
      return h('p', { class: 'muted' }, dir === 'out' ? 'none in this view' : 'none in this view');
    const max = 150;
    return h(
      'ul',
      { class: 'ref-list' },
      ...edges.slice(0, max).map((e) => {
        const other = index.byId.get(dir === 'out' ? e.to : e.from);
        if (!other) return h('li', null, '?');
        return h(
          'li',
          null,
          h(
            'button',
            {
              class: 'ref',
              attrs: { type: 'button', title: `${other.type} at ${other.address}` },
              on: { click: () => go(other.id) },
            },
            h('code', { class: 'edge-name' }, e.label || '(unnamed)'),
            dir === 'out' ? ' → ' : ' ← ',
            h(
              'span',
              { class: other.unreachable ? 'error-text' : '' },
              other.label || shortType(other.type),
            ),
            other.label && other.label !== shortType(other.type)
              ? h('span', { class: 'muted' }, ` ${displayType(other.type)}`)
              : null,
            e.weak ? h('span', { class: 'pill weak' }, 'weak') : null,
          ),
        );
      }),
      edges.length > max ? h('li', { class: 'muted' }, `… ${edges.length - max} more`) : null,
    );
  };

  panel.dataset.nodeId = String(n.id);
  panel.replaceChildren(
    h('h2', { attrs: { 'data-testid': 'details-title' } }, n.label || shortType(n.type)),
    h(
      'p',
      { class: 'pills' },
      n.unreachable
        ? h('span', { class: 'pill bad' }, 'unreachable')
        : h('span', { class: 'pill' }, 'reachable'),
      n.root ? h('span', { class: 'pill' }, 'root') : null,
      n.finalizer ? h('span', { class: 'pill warn' }, FINALIZER_BADGE[n.finalizer]) : null,
      n.selfDefeating ? h('span', { class: 'pill bad' }, 'self-defeating finalize') : null,
    ),
    h('dl', null, ...rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    h('h3', null, `References from it (${out.length})`),
    refList(out, 'out'),
    h('h3', null, `Referred to by (${inn.length})`),
    refList(inn, 'in'),
  );
}

function finalizeEntryText(e: FinalizeEntrySummary): HTMLElement {
  return h(
    'span',
    { class: e.selfDefeating ? 'error-text' : '' },
    h('code', null, e.func),
    e.atexit ? ' · runs at exit' : ' · not at exit',
    e.selfDefeating ? ' · self-defeating' : '',
    e.willFire ? ' · fires at the next gc.collect()' : '',
  );
}

// --- Tables ----------------------------------------------------------------------------------

interface CycleRow {
  graphIndex: number;
  size: number;
  types: string;
  finalizers: number;
  unreachable: boolean;
}

function tablesSection(
  view: HeapView,
  index: HeapIndex,
  actions: { select: (id: number) => void; showCycle: (graphIndex: number) => void },
): HTMLElement {
  const s0 = view.summary;
  const showNode = (id: number | undefined, text = 'show'): Child =>
    id === undefined
      ? h('span', { class: 'muted' }, 'not in view')
      : h(
          'button',
          { class: 'link', attrs: { type: 'button' }, on: { click: () => actions.select(id) } },
          text,
        );

  // Cycles: the summary's (largest first), then drawn cycles the summary does not list.
  const rows: CycleRow[] = s0.cycles.map((c, i) => {
    const vc = index.viewCycleOfSummary[i];
    return {
      graphIndex: vc ? view.cycles.indexOf(vc) : -1,
      size: c.size,
      types: describeTypes(c.byType),
      finalizers: c.finalizers,
      unreachable: c.unreachable,
    };
  });
  view.cycles.forEach((vc, i) => {
    if (index.summaryOfViewCycle[i] >= 0) return;
    const byType: Record<string, number> = {};
    for (const m of vc.members) {
      const n = index.byId.get(m);
      if (n) byType[n.type] = (byType[n.type] ?? 0) + 1;
    }
    const fins = vc.members.filter((m) => index.byId.get(m)?.finalizer).length;
    rows.push({
      graphIndex: i,
      size: vc.size,
      types: describeTypes(byType),
      finalizers: fins,
      unreachable: vc.unreachable,
    });
  });
  const cycleMember = (r: CycleRow): number | undefined =>
    r.graphIndex >= 0 ? view.cycles[r.graphIndex].members[0] : undefined;

  const cycles = sortableTable<CycleRow>({
    caption: 'Reference cycles',
    testId: 'cycles-table',
    rows,
    empty: 'No reference cycles in this capture.',
    rowClass: (r) => (r.unreachable ? 'row-bad' : ''),
    columns: [
      {
        label: 'In graph',
        key: (r) => r.graphIndex,
        cell: (r) => (r.graphIndex >= 0 ? `cycle ${r.graphIndex + 1}` : '—'),
      },
      { label: 'Objects', key: (r) => r.size, numeric: true, cell: (r) => String(r.size) },
      { label: 'Types', key: (r) => r.types, cell: (r) => r.types },
      {
        label: 'Finalizers',
        key: (r) => r.finalizers,
        numeric: true,
        cell: (r) => String(r.finalizers),
      },
      {
        label: 'Status',
        key: (r) => (r.unreachable ? 0 : 1),
        cell: (r) =>
          r.unreachable
            ? h('span', { class: 'error-text' }, 'unreachable: freed next')
            : 'reachable',
      },
      {
        label: '',
        cell: (r) => {
          const id = cycleMember(r);
          if (id === undefined) return h('span', { class: 'muted' }, 'not in view');
          return h(
            'button',
            {
              class: 'link',
              attrs: { type: 'button' },
              on: {
                click: () => {
                  actions.select(id);
                  actions.showCycle(r.graphIndex);
                },
              },
            },
            'show',
          );
        },
      },
    ],
  });

  // Finalizers that the next collection runs, by type.
  const firstWithType = (type: string): number | undefined =>
    view.nodes.find((n) => n.type === type && n.unreachable && n.finalizer)?.id ??
    view.nodes.find((n) => n.type === type && n.unreachable)?.id;
  const dels = sortableTable<[string, number]>({
    caption: 'Finalizers the next gc.collect() runs',
    testId: 'finalizers-table',
    rows: sortedByType(s0.finalizers.del.byType),
    empty: 'No finalizer runs at the next collection.',
    sort: { column: 1, descending: true },
    columns: [
      { label: 'Type', key: (r) => r[0], cell: (r) => h('code', null, displayType(r[0])) },
      { label: 'Objects', key: (r) => r[1], numeric: true, cell: (r) => String(r[1]) },
      {
        label: 'Finalizer',
        cell: (r) => {
          const n = view.nodes.find((x) => x.type === r[0] && x.finalizer);
          return n?.finalizer ? FINALIZER_BADGE[n.finalizer] : `${shortType(r[0])}.__del__`;
        },
      },
      { label: '', cell: (r) => showNode(firstWithType(r[0])) },
    ],
  });

  const entries = s0.finalizers.weakrefFinalize.entries;
  const finalize = sortableTable<FinalizeEntrySummary>({
    caption: 'weakref.finalize callbacks',
    testId: 'finalize-table',
    rows: entries,
    empty: 'No pending weakref.finalize callbacks.',
    rowClass: (e) => (e.selfDefeating ? 'row-error' : ''),
    columns: [
      { label: 'Callback', key: (e) => e.func, cell: (e) => h('code', null, e.func) },
      {
        label: 'Object',
        key: (e) => e.referentType ?? '',
        cell: (e) =>
          e.referentType
            ? h(
                'span',
                null,
                h('code', null, displayType(e.referentType)),
                ` ${e.referentAddress ?? ''}`,
              )
            : h('span', { class: 'muted' }, 'dead or not captured'),
      },
      { label: 'At exit', key: (e) => Number(e.atexit), cell: (e) => (e.atexit ? 'yes' : 'no') },
      {
        label: 'Self-defeating',
        key: (e) => Number(e.selfDefeating),
        title:
          'The callback or its arguments reference the object: it can never be freed before exit',
        cell: (e) =>
          e.selfDefeating
            ? h('strong', { class: 'error-text' }, 'yes: never freed before exit')
            : 'no',
      },
      {
        label: 'Fires at next gc.collect()',
        key: (e) => Number(e.willFire),
        cell: (e) => (e.willFire ? 'yes' : 'no'),
      },
      {
        label: '',
        cell: (e) =>
          showNode(
            (e.referentAddress ? index.byAddress.get(e.referentAddress)?.id : undefined) ??
              index.byAddress.get(e.address)?.id,
          ),
      },
    ],
  });

  // Types: what the view shows, plus the whole heap's unreachable counts.
  interface TypeRow {
    type: string;
    count: number;
    bytes: number;
    unreachable: number;
  }
  const types = new Map<string, TypeRow>();
  const row = (t: string): TypeRow => {
    let r = types.get(t);
    if (!r) types.set(t, (r = { type: t, count: 0, bytes: 0, unreachable: 0 }));
    return r;
  };
  for (const n of view.nodes) {
    const r = row(n.type);
    r.count++;
    r.bytes += n.size;
  }
  for (const [t, c] of Object.entries(s0.unreachable.byType)) row(t).unreachable = c;
  const typeTable = sortableTable<TypeRow>({
    caption: 'Types',
    testId: 'types-table',
    rows: [...types.values()],
    empty: 'No objects.',
    sort: { column: 3, descending: true },
    rowClass: (r) => (r.unreachable > 0 ? 'row-bad' : ''),
    columns: [
      { label: 'Type', key: (r) => r.type, cell: (r) => h('code', null, r.type) },
      {
        label: 'In view',
        key: (r) => r.count,
        numeric: true,
        cell: (r) => formatCount(r.count),
        title: 'Objects of this type drawn in the graph',
      },
      {
        label: 'Bytes (in view)',
        key: (r) => r.bytes,
        numeric: true,
        cell: (r) => formatBytes(r.bytes),
      },
      {
        label: 'Unreachable',
        key: (r) => r.unreachable,
        numeric: true,
        cell: (r) =>
          r.unreachable > 0 ? h('span', { class: 'error-text' }, formatCount(r.unreachable)) : '0',
        title: 'Objects of this type the next gc.collect() frees (whole heap)',
      },
    ],
  });

  return h(
    'section',
    { class: 'tables' },
    h('div', { class: 'table-block' }, cycles),
    h('div', { class: 'table-block' }, dels, finalize),
    h('div', { class: 'table-block' }, typeTable),
  );
}
