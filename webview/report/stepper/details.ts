/**
 * The stepper's part of the details panel: the selected object in this collection — its
 * generation, reference count, references from examined objects and gc_refs, and its fate in a
 * paragraph. An object the numbers do not cover yet (an expansion brought it) gets them from the
 * extension (panel) or a note (report).
 */
import { StepperFlag } from '../../../protocol/stepper';
import { h, type Child } from '../../ui/dom';
import { icon } from '../../ui/icons/icon';
import { fate } from './fate';
import {
  currentGeneration,
  currentPhase,
  realCollection,
  type StepperHost,
  type StepperSession,
} from './session';

export function stepperDetails(
  s: StepperSession,
  host: StepperHost,
  id: number,
  fetchNumbers: (id: number) => void,
): HTMLElement | null {
  if (!s.open || !s.data || s.reality?.showing === 'after') return null;
  const g = currentGeneration(s);
  const p = currentPhase(s);
  const store = host.store();
  const n = store?.nodes.get(id);
  if (!g || !p || !n) return null;
  const i = s.index.get(id);
  const box = h('section', {
    class: 'stepper-details',
    attrs: { 'data-testid': 'stepper-details', 'aria-label': 'In this collection' },
  });
  box.append(
    h('h3', null, icon('debug-step-over'), ` In gc.collect(${s.generation}) · phase ${p.step}`),
  );
  if (i === undefined) {
    if (host.mode === 'panel') {
      // Brought in by an expansion: ask the extension for its numbers.
      fetchNumbers(id);
      box.append(h('p', { class: 'muted' }, 'Computing its numbers…'));
    } else {
      box.append(
        h(
          'p',
          { class: 'muted' },
          'This report has no stepper numbers for this object (it embeds them for the objects around the graph).',
        ),
      );
    }
    return box;
  }
  const f = g.flags[i];
  const examined = (f & StepperFlag.Examined) !== 0;
  const rows: [string, Child, string?][] = [];
  const genText =
    n.generation === null
      ? 'untracked'
      : n.generation === 3
        ? 'permanent (gc.freeze())'
        : String(n.generation);
  rows.push(['Generation', `${genText}${examined ? ' — examined' : ' — not examined'}`, 'gen']);
  if (examined) {
    rows.push(['Reference count', String(n.refcount), 'refcount']);
    rows.push(['− from examined objects', String(g.internal[i]), 'internal']);
    rows.push(['= gc_refs', h('strong', null, String(g.gcRefs[i])), 'gc-refs']);
    if (s.generation < 2)
      rows.push(['of which from older generations', String(g.fromOlder[i]), 'from-older']);
  } else if ((f & StepperFlag.OlderRoot) !== 0) {
    rows.push([
      'Refers into this collection',
      'yes: those references count as outside',
      'older-root',
    ]);
  }
  box.append(
    h(
      'dl',
      { class: 'numbers' },
      ...rows.flatMap(([k, v, t]) => [
        h('dt', null, k),
        h('dd', { attrs: { 'data-testid': t ? `stepper-${t}` : undefined } }, v),
      ]),
    ),
  );
  box.append(
    h(
      'p',
      { attrs: { 'data-testid': 'stepper-fate' } },
      fate(n, g, i, s.generation, realCollection(s)),
    ),
  );
  return box;
}
