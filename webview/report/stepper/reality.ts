/**
 * Prediction vs. reality, under the graph: what CPython's collector found when `gc.collect(N)` ran
 * for real, beside what the stepper predicted — a loud mismatch with its objects when they
 * differ, the finalizers and callbacks on both sides, what the finalizers printed, and the
 * before/after switch.
 */
import { h, type Child } from '../../ui/dom';
import { icon } from '../../ui/icons/icon';
import { displayType, formatCount, plural, sortedByType } from '../../model/format';
import type { StepperHost, StepperSession } from './session';
import './reality.css';

/** `3 __main__.Job, 1 list, 2 more types`. */
function typeText(byType: Record<string, number>, limit = 3): string {
  const entries = sortedByType(byType);
  if (entries.length === 0) return 'nothing';
  const shown = entries.slice(0, limit).map(([t, n]) => `${formatCount(n)} ${displayType(t)}`);
  if (entries.length > limit) shown.push(`${entries.length - limit} more types`);
  return shown.join(', ');
}

function countOf(byType: Record<string, number>): number {
  return Object.values(byType).reduce((a, b) => a + b, 0);
}

export function renderReality(
  box: HTMLElement,
  s: StepperSession,
  host: StepperHost,
  show: { before(): void; after(): void },
): void {
  const reality = s.reality;
  if (!reality) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  const c = reality.comparison;
  const store = host.store();
  const objectButton = (o: { address: string; type: string }): HTMLElement => {
    const id = store?.byAddress.get(o.address);
    return h(
      'li',
      null,
      id !== undefined
        ? h(
            'button',
            {
              class: 'ref-target',
              attrs: { type: 'button', title: `Select ${o.type} at ${o.address}` },
              on: { click: () => host.select(id) },
            },
            displayType(o.type),
          )
        : h('span', null, displayType(o.type)),
      h('code', { class: 'muted' }, ` ${o.address}`),
    );
  };
  const mismatches = c.mismatch.onlyPredicted.length + c.mismatch.onlyCollected.length;
  /** The rest of the comparison: open in the report, or when anything differs. */
  const moreDetails = (table: HTMLElement): HTMLElement => {
    const more = h(
      'details',
      { class: 'reality-more', attrs: { 'data-testid': 'reality-more' } },
      h(
        'summary',
        null,
        'Finalizers, weakref.finalize callbacks, resurrection, what gc.collect() returned',
      ),
      table,
    );
    if (host.mode === 'report' || !c.match || finalizersDiffer || callbacksDiffer) more.open = true;
    return more;
  };
  const where = `${c.capture.file.split(/[\\/]/).pop()}:${c.capture.line}`;
  const via =
    c.via === 'debugger'
      ? 'in the paused program'
      : c.via === 'runner'
        ? 'in a new run of the program to the same line'
        : c.via === 'cli'
          ? 'in the program, by heap-inspector step'
          : 'in the program';
  const row = (
    label: string,
    predicted: Child,
    found: Child,
    testId: string,
    bad = false,
  ): HTMLElement =>
    h(
      'tr',
      { class: bad ? 'row-bad' : '', attrs: { 'data-testid': `reality-${testId}` } },
      h('th', { attrs: { scope: 'row' } }, label),
      h('td', null, predicted),
      h('td', null, found),
    );
  const callbacksDiffer =
    c.finalizeCallbacks.predicted.join(',') !== c.finalizeCallbacks.fired.join(',');
  const finalizersDiffer =
    JSON.stringify(sortedByType(c.finalizers.predicted)) !==
    JSON.stringify(sortedByType(c.finalizers.ran));
  const parts: Child[] = [
    h(
      'h3',
      null,
      icon('beaker'),
      ` Prediction vs. CPython’s collector — gc.collect(${c.generation}) at `,
      h('code', null, where),
      h('span', { class: 'muted' }, ` (${via})`),
    ),
    c.match
      ? h(
          'p',
          {
            class: 'verdict-line ok',
            attrs: { 'data-testid': 'reality-verdict', 'data-match': 'true' },
          },
          icon('pass'),
          ` The collector found exactly the predicted ${plural(c.collected.count, 'object')}, address for address.`,
        )
      : h(
          'div',
          {
            class: 'mismatch',
            attrs: { 'data-testid': 'reality-verdict', 'data-match': 'false', role: 'alert' },
          },
          h(
            'p',
            null,
            icon('error'),
            h(
              'strong',
              null,
              ` MISMATCH: the prediction and CPython’s collector disagree on ${plural(mismatches, 'object')}.`,
            ),
          ),
          c.mismatch.onlyPredicted.length > 0
            ? h(
                'div',
                null,
                h(
                  'h4',
                  null,
                  `Predicted unreachable, but NOT collected (${c.mismatch.onlyPredicted.length})`,
                ),
                h(
                  'ul',
                  { class: 'ref-list', attrs: { 'data-testid': 'only-predicted' } },
                  ...c.mismatch.onlyPredicted.slice(0, 50).map(objectButton),
                ),
              )
            : null,
          c.mismatch.onlyCollected.length > 0
            ? h(
                'div',
                null,
                h('h4', null, `Collected, but NOT predicted (${c.mismatch.onlyCollected.length})`),
                h(
                  'ul',
                  { class: 'ref-list', attrs: { 'data-testid': 'only-collected' } },
                  ...c.mismatch.onlyCollected.slice(0, 50).map(objectButton),
                ),
              )
            : null,
        ),
    h(
      'div',
      {
        class: `side-by-side${c.match ? '' : ' differ'}`,
        attrs: { 'data-testid': 'reality-sides' },
      },
      h(
        'div',
        { class: 'side' },
        h('span', { class: 'side-label' }, 'Predicted unreachable'),
        h(
          'strong',
          { attrs: { 'data-testid': 'reality-predicted-count' } },
          formatCount(c.predicted.count),
        ),
        h('span', { class: 'side-types' }, typeText(c.predicted.byType)),
      ),
      h(
        'div',
        { class: 'side' },
        h('span', { class: 'side-label' }, 'CPython’s collector found'),
        h(
          'strong',
          { attrs: { 'data-testid': 'reality-collected-count' } },
          formatCount(c.collected.count),
        ),
        h('span', { class: 'side-types' }, typeText(c.collected.byType)),
      ),
    ),
    moreDetails(
      h(
        'table',
        { class: 'data-table reality-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, ''),
            h('th', { attrs: { scope: 'col' } }, 'Predicted'),
            h('th', { attrs: { scope: 'col' } }, 'CPython found'),
          ),
        ),
        h(
          'tbody',
          null,
          row(
            'Finalizers run',
            `${formatCount(countOf(c.finalizers.predicted))} — ${typeText(c.finalizers.predicted)}`,
            `${formatCount(countOf(c.finalizers.ran))} — ${typeText(c.finalizers.ran)}`,
            'finalizers',
            finalizersDiffer,
          ),
          row(
            'weakref.finalize callbacks',
            c.finalizeCallbacks.predicted.length
              ? c.finalizeCallbacks.predicted.join(', ')
              : 'none',
            c.finalizeCallbacks.fired.length ? c.finalizeCallbacks.fired.join(', ') : 'none',
            'callbacks',
            callbacksDiffer,
          ),
          row(
            'Resurrected by a finalizer',
            h('span', { class: 'muted' }, 'only the real run can tell'),
            String(c.resurrected.length),
            'resurrected',
          ),
          row(
            'gc.collect() returned',
            h('span', { class: 'muted' }, '—'),
            String(c.returned),
            'returned',
          ),
        ),
      ),
    ),
  ];
  if (c.finalizerOutput) {
    parts.push(
      h('h4', null, 'What the finalizers printed'),
      h(
        'pre',
        { class: 'finalizer-output', attrs: { 'data-testid': 'finalizer-output' } },
        c.finalizerOutput,
      ),
      /Exception ignored in/.test(c.finalizerOutput)
        ? h(
            'p',
            { class: 'muted' },
            'A finalizer raised: CPython prints the exception and goes on; the collection completed.',
          )
        : null,
    );
  }
  const notes: Child[] = [];
  if (!c.gcWasEnabled)
    notes.push(
      h(
        'li',
        { attrs: { 'data-testid': 'reality-gc-disabled' } },
        'The program had disabled automatic collection (gc.disable()); the collection ran on request, and automatic collection stays off.',
      ),
    );
  for (const note of c.notes) notes.push(h('li', null, note));
  if (notes.length > 0) parts.push(h('ul', { class: 'reality-notes' }, ...notes));
  const canAfter =
    reality.after !== null || reality.afterExpected || host.mode === 'report' || c.via === 'runner';
  if (canAfter) {
    parts.push(
      h(
        'div',
        {
          class: 'before-after',
          attrs: { role: 'group', 'aria-label': 'Before or after the collection' },
        },
        h(
          'button',
          {
            class: 'seg',
            attrs: {
              type: 'button',
              'aria-pressed': String(reality.showing === 'before'),
              'data-testid': 'show-before',
            },
            on: { click: () => show.before() },
          },
          'Before: the prediction',
        ),
        h(
          'button',
          {
            class: 'seg',
            attrs: {
              type: 'button',
              'aria-pressed': String(reality.showing === 'after'),
              'data-testid': 'show-after',
              disabled: reality.afterExpected && !reality.after ? true : undefined,
            },
            on: { click: () => show.after() },
          },
          reality.after || reality.afterExpected ? 'After: new capture' : 'After: what is left',
        ),
      ),
    );
  }
  box.dataset.match = String(c.match);
  box.dataset.showing = reality.showing;
  box.replaceChildren(
    ...parts
      .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  );
}
