/**
 * What a hover and a CodeLens say, before they are words (server/lsp/liveFactsText.ts): made by
 * server/lsp/liveFacts.ts from the current capture.
 */
import type { FinalizerKind, LiveCaptureRef } from '../../protocol/lsp';
import type { RetainedSize } from '../../protocol/retained';
import type { Range } from '../lint/types';

/** One object, as a hover describes it. */
export interface LiveObjectFacts {
  address: string;
  /** `module.qualname`. */
  type: string;
  label: string;
  size: number;
  refcount: number;
  /** 0, 1, 2; null when the collector does not track it. */
  generation: number | null;
  /** In a reference cycle (a strongly connected component that loops). */
  inCycle: boolean;
  /** Objects in that cycle (0 when not in one). */
  cycleSize: number;
  /** The next full collection (`gc.collect()`) frees it. */
  unreachable: boolean;
  /** The lowest generation whose collection frees it (`gc.collect(n)`), or null. */
  freedByGeneration: number | null;
  finalizer: FinalizerKind;
  /** Its `__del__` already ran (PEP 442: it will not run again). */
  finalized: boolean;
  /** A `weakref.finalize` whose callback keeps this object alive: it never runs before exit. */
  selfDefeating: boolean;
  allocation?: { file: string; line: number };
  /** What it retains, freed by the next collection if every reference to it went (itself included). */
  retained: RetainedSize;
  /** What reference counting would free at once (zero when a reference cycle holds it). */
  atOnce: RetainedSize;
}

/** A name (or `a.b.c`) in a frame of the paused stack, or a module global: the hover. */
export interface VariableFacts {
  capture: LiveCaptureRef;
  expression: string;
  /** The hovered identifier. */
  range: Range;
  /** Where the name was found: a frame of the paused stack (0 = the paused frame), or a module's globals. */
  scope:
    | { kind: 'frame'; index: number; function: string; line: number }
    | { kind: 'module'; module: string };
  object: LiveObjectFacts;
  /** Why it is alive: the shortest chain of references from a root, or null (unreachable). */
  path: { root: string; steps: { label: string; type: string }[] } | null;
}

/** A class defined in a document: its instances in the capture (the CodeLens). */
export interface ClassFacts {
  qualname: string;
  /** The class name's range. */
  range: Range;
  live: number;
  inCycles: number;
  unreachable: number;
  selfDefeating: number;
  /** Instances whose `__del__` (or other finalizer) has not run yet. */
  finalizersPending: number;
  /** An instance to show in the heap graph: the first unreachable one, else the first one. */
  focus: string | null;
}

export interface ClassFactsResult {
  capture: LiveCaptureRef;
  classes: ClassFacts[];
}
