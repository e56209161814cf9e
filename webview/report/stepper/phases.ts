/**
 * What each phase of a collection does, as the stepper shows it (docs/stepper.md): which objects a
 * phase touches. Pure: no DOM.
 */
import { StepperFlag, type StepperGeneration } from '../../../protocol/messages';

/** Whether phase `id` touches the object at `i` of the generation's columns. */
export function phaseTouches(id: string, g: StepperGeneration, i: number): boolean {
  const f = g.flags[i];
  switch (id) {
    case 'copy-refcounts':
      return (f & StepperFlag.Examined) !== 0;
    case 'subtract-internal':
      return g.internal[i] > 0;
    case 'tentatively-unreachable':
      return (f & StepperFlag.Tentative) !== 0;
    case 'rescued':
      return (f & StepperFlag.Tentative) !== 0 && (f & StepperFlag.Unreachable) === 0;
    case 'unreachable':
    case 'freed':
      return (f & StepperFlag.Unreachable) !== 0;
    case 'weakrefs':
      return (f & StepperFlag.WeakrefCleared) !== 0;
    case 'finalizers':
    case 'resurrection':
      return (f & StepperFlag.Finalizer) !== 0;
    default:
      return false;
  }
}
