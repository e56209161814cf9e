/**
 * What each phase of a collection does, as the stepper shows it (docs/stepper.md): which objects a
 * phase touches. Pure: no DOM.
 */
import { StepperFlag, type StepperGeneration } from '../../../protocol/messages';
import type { OverlayStyle } from '../../graph/highlight';

/** What a phase does to an object, as the stepper colours it on the graph. */
export type PhaseTone =
  | 'examined'
  | 'internal'
  | 'tentative'
  | 'external'
  | 'rescued'
  | 'unreachable'
  | 'older'
  | 'weakref'
  | 'finalizer'
  | 'freed'
  | 'survived'
  | 'mismatch';

/**
 * How the graph draws each tone (rings around objects, and references: between examined objects,
 * from an older generation, rescuing). Colours are the theme's `--hi-step-*` (stepper.css).
 */
export const PHASE_STYLES: Record<PhaseTone, OverlayStyle> = {
  examined: { colorVar: '--hi-step-examined' },
  internal: { colorVar: '--hi-step-internal' },
  tentative: { colorVar: '--hi-step-tentative' },
  external: { colorVar: '--hi-step-external' },
  rescued: { colorVar: '--hi-step-rescued' },
  unreachable: { colorVar: '--hi-step-unreachable', fades: true },
  older: { colorVar: '--hi-step-older', dashed: true },
  weakref: { colorVar: '--hi-step-weakref' },
  finalizer: { colorVar: '--hi-step-finalizer' },
  freed: { colorVar: '--hi-step-freed', fades: true },
  survived: { colorVar: '--hi-step-survived' },
  mismatch: { colorVar: '--hi-step-mismatch', ringWidth: 4.5, dashed: true },
};

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
