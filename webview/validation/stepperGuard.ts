/**
 * Runtime validation of the collector stepper's data (protocol/messages.ts `StepperData`, with
 * its optional `CollectionComparison`), embedded in the HTML report or posted by the extension.
 * Nothing is used before it passes here; the first bad field is named.
 */
import type { CollectionComparison, StepperData } from '../../protocol/stepper';
import { checkNodesAndEdges } from './heapViewGuard';

export type StepperCheck = { ok: true; data: StepperData } | { ok: false; error: string };

class Invalid extends Error {}

type Obj = Record<string, unknown>;

const PHASES = [
  'copy-refcounts',
  'subtract-internal',
  'tentatively-unreachable',
  'rescued',
  'unreachable',
  'weakrefs',
  'finalizers',
  'resurrection',
  'freed',
];

function fail(path: string, expected: string): never {
  throw new Invalid(`${path} should be ${expected}`);
}

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object');
  return v as Obj;
}

function ints(v: unknown, path: string, length?: number): number[] {
  if (!Array.isArray(v)) fail(path, 'an array');
  if (length !== undefined && v.length !== length) fail(path, `${length} long`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number' || !Number.isInteger(v[i])) fail(`${path}[${i}]`, 'an integer');
  }
  return v as number[];
}

function int(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'an integer');
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'a string');
  return v;
}

function strs(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) fail(path, 'an array');
  v.forEach((x, i) => str(x, `${path}[${i}]`));
  return v as string[];
}

function counts(v: unknown, path: string): void {
  const o = obj(v, path);
  for (const [k, n] of Object.entries(o)) int(n, `${path}[${JSON.stringify(k)}]`);
}

function phases(v: unknown, path: string): void {
  if (!Array.isArray(v)) fail(path, 'an array');
  v.forEach((p, i) => {
    const o = obj(p, `${path}[${i}]`);
    if (!PHASES.includes(o.id as string)) fail(`${path}[${i}].id`, 'a phase id');
    int(o.step, `${path}[${i}].step`);
    str(o.title, `${path}[${i}].title`);
    str(o.explanation, `${path}[${i}].explanation`);
    if (o.count !== null) int(o.count, `${path}[${i}].count`);
    counts(o.byType, `${path}[${i}].byType`);
  });
}

function typeCounts(v: unknown, path: string): void {
  const o = obj(v, path);
  int(o.count, `${path}.count`);
  counts(o.byType, `${path}.byType`);
  strs(o.addresses, `${path}.addresses`);
}

function objects(v: unknown, path: string): void {
  if (!Array.isArray(v)) fail(path, 'an array');
  v.forEach((x, i) => {
    const o = obj(x, `${path}[${i}]`);
    str(o.address, `${path}[${i}].address`);
    str(o.type, `${path}[${i}].type`);
  });
}

/** A CollectionComparison (what `heap-inspector step --json` writes). */
export function checkComparison(v: unknown, path = 'collection'): CollectionComparison {
  const c = obj(v, path);
  const g = int(c.generation, `${path}.generation`);
  if (g < 0 || g > 2) fail(`${path}.generation`, '0, 1 or 2');
  const cap = obj(c.capture, `${path}.capture`);
  str(cap.file, `${path}.capture.file`);
  int(cap.line, `${path}.capture.line`);
  str(cap.function, `${path}.capture.function`);
  str(cap.python, `${path}.capture.python`);
  phases(c.phases, `${path}.phases`);
  typeCounts(c.predicted, `${path}.predicted`);
  typeCounts(c.collected, `${path}.collected`);
  if (typeof c.match !== 'boolean') fail(`${path}.match`, 'true or false');
  const m = obj(c.mismatch, `${path}.mismatch`);
  objects(m.onlyPredicted, `${path}.mismatch.onlyPredicted`);
  objects(m.onlyCollected, `${path}.mismatch.onlyCollected`);
  const f = obj(c.finalizers, `${path}.finalizers`);
  counts(f.predicted, `${path}.finalizers.predicted`);
  counts(f.ran, `${path}.finalizers.ran`);
  const fc = obj(c.finalizeCallbacks, `${path}.finalizeCallbacks`);
  strs(fc.predicted, `${path}.finalizeCallbacks.predicted`);
  strs(fc.fired, `${path}.finalizeCallbacks.fired`);
  strs(c.resurrected, `${path}.resurrected`);
  int(c.returned, `${path}.returned`);
  if (typeof c.gcWasEnabled !== 'boolean') fail(`${path}.gcWasEnabled`, 'true or false');
  str(c.finalizerOutput, `${path}.finalizerOutput`);
  strs(c.notes, `${path}.notes`);
  if (c.collectionsBetween !== undefined) ints(c.collectionsBetween, `${path}.collectionsBetween`);
  if (c.via !== undefined && !['debugger', 'runner', 'cli'].includes(c.via as string)) {
    fail(`${path}.via`, '"debugger", "runner" or "cli"');
  }
  return c as unknown as CollectionComparison;
}

/** `cycleCount`: cycles of the view the data goes with (its extra nodes refer to them). */
export function validateStepperData(data: unknown, cycleCount: number): StepperCheck {
  try {
    const d = obj(data, 'stepper');
    const ids = ints(d.ids, 'stepper.ids');
    const err = checkNodesAndEdges(d.nodes, d.edges, cycleCount, 'stepper');
    if (err) throw new Invalid(err);
    if (typeof d.incremental !== 'boolean') fail('stepper.incremental', 'true or false');
    if (!Array.isArray(d.generations) || d.generations.length !== 3) {
      fail('stepper.generations', 'an array of 3');
    }
    d.generations.forEach((x: unknown, g: number) => {
      const p = `stepper.generations[${g}]`;
      const o = obj(x, p);
      if (o.generation !== g) fail(`${p}.generation`, String(g));
      phases(o.phases, `${p}.phases`);
      if ((o.phases as unknown[]).length !== 9) fail(`${p}.phases`, '9 phases');
      for (const key of ['internal', 'gcRefs', 'fromOlder', 'flags']) {
        ints(o[key], `${p}.${key}`, ids.length);
      }
      ints(o.olderRoots, `${p}.olderRoots`);
      if (o.clearedWeakrefs !== undefined) ints(o.clearedWeakrefs, `${p}.clearedWeakrefs`);
      int(o.olderReferences, `${p}.olderReferences`);
    });
    if (d.collection !== undefined) checkComparison(d.collection, 'stepper.collection');
    return { ok: true, data: d as unknown as StepperData };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    return { ok: false, error: `unexpected error while checking the stepper data: ${String(e)}` };
  }
}
