/**
 * The heap engine: pure TypeScript over typed arrays, no `vscode`. Read a snapshot, `analyze` it
 * once, then `summarize` it or `buildHeapView` from the analysis.
 */
export { analyze, type Analysis } from './analysis';
export { HeapSnapshot, type SnapshotData } from './heapSnapshot';
export {
  readSnapshot,
  readSnapshotFile,
  SnapshotError,
  type SnapshotErrorCode,
} from './snapshotReader';
export { writeSnapshot, writeContainer, encodeSection, type SectionInput } from './snapshotWriter';
export { computeScc, sccOf, inCycle, type SccResult } from './scc';
export {
  predictCollection,
  predictAllGenerations,
  type CollectionResult,
} from './collectorPrediction';
export {
  analyzeFinalizers,
  barrierNodes,
  type FinalizeAnalysis,
  type FinalizeVerdict,
} from './finalizeAnalysis';
export {
  summarize,
  collectionPrediction,
  byTypeName,
  unreachableCycles,
  type CycleInfo,
} from './summary';
export { buildHeapView, DEFAULT_MAX_NODES, type HeapViewOptions } from './heapView';
export { nodeLabel, shortTypeName, frameRecords } from './labels';
export { RootPaths, shortestPathFromRoots, rootLabel, type PathStep } from './paths';
export {
  collectorPhases,
  MAX_PHASE_NODES,
  type CollectorPhase,
  type PhaseId,
} from './collectorPhases';
