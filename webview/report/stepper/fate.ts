/**
 * What happens to one object in `gc.collect(generation)`, in a paragraph for the details panel:
 * untracked, not examined (an older generation), unreachable, rescued, or kept by references
 * from outside; and, when the collection ran for real, whether CPython's collector agreed.
 * Pure: no DOM.
 */
import type { ViewNode } from '../../../protocol/heapView';
import {
  StepperFlag,
  type CollectionComparison,
  type StepperGeneration,
} from '../../../protocol/stepper';
import { plural } from '../../model/format';

/** `real`: the real collection, when it ran this generation. */
export function fate(
  n: ViewNode,
  g: StepperGeneration,
  i: number,
  generation: number,
  real: CollectionComparison | null,
): string {
  const f = g.flags[i];
  const call = `gc.collect(${generation})`;
  if (n.generation === null)
    return `Untracked: ${call} never looks at it (it holds only atoms, or is one); reference counting alone frees it.`;
  if ((f & StepperFlag.Examined) === 0) {
    const where =
      n.generation === 3
        ? 'in the permanent generation (gc.freeze())'
        : `in generation ${n.generation}`;
    return `It is ${where}, so ${call} does not examine it: its references into generations 0–${generation} count as references from outside, and what they reach survives this collection${n.unreachable ? ' — even though the next full collection frees it' : ''}.`;
  }
  const verdict = real
    ? real.collected.addresses.includes(n.address)
      ? ' CPython’s collector collected it ✓.'
      : (f & StepperFlag.Unreachable) !== 0
        ? ' CPython’s collector did NOT collect it ✗.'
        : ''
    : '';
  if ((f & StepperFlag.Unreachable) !== 0) {
    return `After subtracting the ${plural(g.internal[i], 'reference')} from other examined objects, gc_refs is ${Math.max(0, g.gcRefs[i])}, and nothing referenced from outside reaches it: it is unreachable, and ${call} frees it${(f & StepperFlag.Finalizer) !== 0 ? ` after running its ${n.finalizer === 'generator' ? 'finally block' : '__del__'}` : ''}.${verdict}`;
  }
  if ((f & StepperFlag.Tentative) !== 0) {
    return `Its gc_refs fell to 0 (every reference to it comes from examined objects), but an object referenced from outside reaches it: rescued in phase 4, it survives.${verdict}`;
  }
  const fromOlder = g.fromOlder[i];
  return `gc_refs stays at ${g.gcRefs[i]} after subtracting internal references: ${plural(g.gcRefs[i], 'reference')} from outside the examined objects${fromOlder > 0 && generation < 2 ? ` (${fromOlder} from older generations)` : ''} keep${g.gcRefs[i] === 1 ? 's' : ''} it alive, and everything it reaches survives with it.${n.unreachable && generation < 2 ? ' The next full collection frees it: that one examines the older generations too.' : ''}${verdict}`;
}
