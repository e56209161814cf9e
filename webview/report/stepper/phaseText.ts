/**
 * What the stepper says under its controls: the phase's title and count, its sentence with this
 * heap's numbers, a legend of the colours on the graph, and notes (garbage a young collection
 * leaves, CPython 3.14's incremental collector, automatic collection disabled); or, after a real
 * collection, what the graph shows now.
 */
import type { Overlay } from '../../graph/highlight';
import { formatCount, plural } from '../../model/format';
import { h, type Child } from '../../ui/dom';
import { icon } from '../../ui/icons/icon';
import { StepperFlag } from '../../../protocol/stepper';
import { flagOf, PHASE_LEGEND, phaseTouches, type PhaseTone } from './phases';
import { currentGeneration, currentPhase, type StepperHost, type StepperSession } from './session';

export function phaseText(
  s: StepperSession,
  host: StepperHost,
  overlay: Overlay<PhaseTone> | null,
  stepAfter: () => void,
): Child[] {
  const { reality, data, generation } = s;
  const view = host.view();
  const parts: Child[] = [];
  if (reality?.showing === 'after') {
    parts.push(
      h(
        'p',
        { class: 'stepper-after', attrs: { 'data-testid': 'stepper-after' } },
        icon('history'),
        reality.after
          ? ` The graph shows a new capture, taken right after gc.collect(${reality.comparison.generation}) ran. `
          : ` The graph shows the capture less what the collector freed (the program could not be captured again after collecting). `,
        h(
          'button',
          {
            class: 'link',
            attrs: { type: 'button', 'data-testid': 'stepper-new' },
            on: { click: () => stepAfter() },
          },
          reality.after ? 'Step through the next collection on it' : 'Show the capture again',
        ),
      ),
    );
  } else if (!data) {
    parts.push(
      h(
        'p',
        { class: 'muted' },
        s.loading || host.mode === 'panel'
          ? 'Computing the phases…'
          : 'This report carries no stepper data (it was written by an older heap-inspector).',
      ),
    );
  } else {
    const p = currentPhase(s);
    const g = currentGeneration(s);
    if (p && g) {
      const drawn = data.ids.filter((id, i) => host.isDrawn(id) && phaseTouches(p.id, g, i)).length;
      // The legend lists only the colours on the graph now.
      const present = new Set<PhaseTone>();
      for (const [id, tone] of overlay?.rings ?? []) if (host.isDrawn(id)) present.add(tone);
      // A young collection: the garbage it leaves for a full one, said in so many words.
      const store = host.store();
      const kept =
        p.id === 'unreachable' && generation < 2 && store
          ? data.ids.filter(
              (id, i) =>
                host.isDrawn(id) &&
                store.nodes.get(id)?.unreachable === true &&
                !flagOf(g, i, StepperFlag.Unreachable),
            ).length
          : 0;
      parts.push(
        h(
          'div',
          { class: 'stepper-phase' },
          h(
            'p',
            { class: 'stepper-line' },
            h(
              'strong',
              { class: 'stepper-title', attrs: { 'data-testid': 'stepper-title' } },
              h('span', { class: 'step-number' }, String(p.step)),
              ` ${p.title}`,
              h(
                'span',
                {
                  class: 'count',
                  attrs: { 'data-testid': 'stepper-count', title: 'objects in the whole heap' },
                },
                p.count === null ? '?' : formatCount(p.count),
              ),
            ),
            ' ',
            h(
              'span',
              { class: 'stepper-explanation', attrs: { 'data-testid': 'stepper-explanation' } },
              p.explanation,
            ),
          ),
          h(
            'p',
            { class: 'stepper-legend muted' },
            ...(PHASE_LEGEND[p.id] ?? [])
              .filter(([tone]) => present.has(tone))
              .map(([tone, text]) => h('span', { class: `tone-chip tone-${tone}` }, text)),
            p.count !== null && p.count > 0
              ? h(
                  'span',
                  { attrs: { 'data-testid': 'stepper-drawn' } },
                  `${formatCount(drawn)} of them drawn`,
                )
              : null,
          ),
          kept > 0
            ? h(
                'p',
                { class: 'stepper-note', attrs: { 'data-testid': 'stepper-kept' } },
                icon('info'),
                ` ${plural(kept, 'object')} drawn here that the next full collection frees ${kept === 1 ? 'survives' : 'survive'} gc.collect(${generation}): ${kept === 1 ? 'it is' : 'they are'} in an older generation, or referred to from one — such a reference counts as coming from outside.`,
              )
            : null,
        ),
      );
    }
    if (data.incremental || view?.summary.gc.incremental) {
      parts.push(
        h(
          'p',
          { class: 'stepper-note warn-text', attrs: { 'data-testid': 'stepper-incremental' } },
          icon('warning'),
          generation === 1
            ? ' This interpreter’s collector is incremental (CPython 3.14+): gc.collect(1) collects the young generation and an increment of the old one, not “generations 0–1”. These phases show the 3.8–3.13 algorithm, and this prediction is not claimed to match; gc.collect(2) (a full collection) is predicted exactly.'
            : generation === 0
              ? ' This interpreter’s collector is incremental (CPython 3.14+): gc.collect(0) collects its young generation, which is not the 3.8–3.13 generation 0. These phases show the 3.8–3.13 algorithm, and this prediction is not claimed to match; gc.collect(2) (a full collection) is predicted exactly.'
              : ' This interpreter’s collector is incremental (CPython 3.14+): a full collection, gc.collect(2), still finds exactly what these phases describe.',
        ),
      );
    }
    if (view && !view.summary.gc.enabled) {
      parts.push(
        h(
          'p',
          { class: 'stepper-note', attrs: { 'data-testid': 'stepper-gc-disabled' } },
          icon('info'),
          ' The program disabled automatic collection (gc.disable()): no collection runs on its own, but gc.collect() still collects when called.',
        ),
      );
    }
  }
  return parts;
}
