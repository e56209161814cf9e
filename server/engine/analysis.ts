/** Runs every analysis of a snapshot once; the summary, the heap view and later features read it. */
import { predictAllGenerations, type CollectionResult } from './collectorPrediction';
import { analyzeFinalizers, type FinalizeAnalysis } from './finalizeAnalysis';
import type { HeapSnapshot } from './heapSnapshot';
import { sccOf, type SccResult } from './scc';

export interface Analysis {
  snapshot: HeapSnapshot;
  scc: SccResult;
  /** `gc.collect(0)`, `gc.collect(1)`, `gc.collect(2)` predictions. */
  generations: [CollectionResult, CollectionResult, CollectionResult];
  /** The full collection: `generations[2]`. */
  full: CollectionResult;
  finalize: FinalizeAnalysis;
}

export function analyze(snapshot: HeapSnapshot): Analysis {
  const scc = sccOf(snapshot);
  const generations: Analysis['generations'] = predictAllGenerations(snapshot);
  const full = generations[2];
  const finalize = analyzeFinalizers(snapshot, full);
  return { snapshot, scc, generations, full, finalize };
}
