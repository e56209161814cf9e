/**
 * The stepper's numbers as the page gains objects: which older-generation objects and cleared
 * weak references to draw beside what is drawn, and the numbers the extension sends later for
 * objects an expansion brought in, merged into the data. Pure: no DOM.
 */
import type { ViewEdge } from '../../../protocol/heapView';
import { StepperFlag, type StepperData, type StepperGeneration } from '../../../protocol/stepper';
import { flagOf } from './phases';

/**
 * What the stepper draws besides what is drawn: the weak references the collection clears that
 * point at something drawn, then the older-generation objects that refer to a drawn examined
 * object (the young collection's external roots). In that order, each once.
 */
export function objectsToShow(
  g: StepperGeneration,
  index: ReadonlyMap<number, number>,
  out: ReadonlyMap<number, readonly ViewEdge[]>,
  isDrawn: (id: number) => boolean,
): number[] {
  const reachesDrawn = (id: number, examinedOnly: boolean): boolean =>
    (out.get(id) ?? []).some(
      (e) =>
        isDrawn(e.to) && (!examinedOnly || flagOf(g, index.get(e.to) ?? -1, StepperFlag.Examined)),
    );
  const show: number[] = [];
  for (const id of g.clearedWeakrefs ?? []) {
    if (!isDrawn(id) && reachesDrawn(id, false)) show.push(id);
  }
  for (const id of g.olderRoots) {
    if (!isDrawn(id) && !show.includes(id) && reachesDrawn(id, true)) show.push(id);
  }
  return show;
}

/**
 * Adds to `data` (and to `index`, id → column) the columns of `extra` for objects it does not
 * have yet, the older roots it names, and the objects and references it brings.
 */
export function mergeNumbers(
  data: StepperData,
  index: Map<number, number>,
  extra: StepperData,
): void {
  extra.ids.forEach((v, i) => {
    if (index.has(v)) return;
    index.set(v, data.ids.length);
    data.ids.push(v);
    data.generations.forEach((g, k) => {
      const e = extra.generations[k];
      g.internal.push(e.internal[i]);
      g.gcRefs.push(e.gcRefs[i]);
      g.fromOlder.push(e.fromOlder[i]);
      g.flags.push(e.flags[i]);
    });
  });
  data.generations.forEach((g, k) => {
    const e = extra.generations[k];
    for (const v of e.olderRoots) if (!g.olderRoots.includes(v)) g.olderRoots.push(v);
  });
  data.nodes.push(...extra.nodes.filter((n) => !data.nodes.some((m) => m.id === n.id)));
  data.edges.push(...extra.edges);
}
