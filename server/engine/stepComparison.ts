/**
 * Prediction vs. the real collection: the phases of the predicted gc.collect(N) and what
 * CPython's collector itself reported when it ran at the same point of the same process
 * (agent/heap_inspector_agent/collect.py). Shared by `heap-inspector step`, the HTML report's
 * stepper and the VS Code stepper (through the language server).
 */
import type { HeapView, ViewNode } from '../../protocol/heapView';
import type {
  CollectionComparison,
  RealCollectionRecord,
  StepperData,
} from '../../protocol/stepper';
import type { Analysis } from './analysis';
import { collectorPhases, stepperData } from './collectorPhases';
import { predictCollection, type CollectionResult } from './collectorPrediction';
import { analyzeFinalizers } from './finalizeAnalysis';
import type { HeapSnapshot } from './heapSnapshot';
import { ViewSession } from './neighbourhood';

function counts(names: string[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name of names) result[name] = (result[name] ?? 0) + 1;
  return result;
}

const lastPart = (name: string) => name.split('.').pop() ?? name;

/** The note every comparison on CPython 3.14+ carries for a young collection. */
export function incrementalNote(generation: number): string {
  const what =
    generation === 0
      ? 'gc.collect(0) collects its young generation, which is not the 3.8–3.13 generation 0'
      : `gc.collect(${generation}) collects the young generation and an increment of the old one, not generations 0–${generation}`;
  return `this interpreter's collector is incremental (CPython 3.14+): ${what}; the phases show the 3.8–3.13 algorithm, and only a full collection (generation 2) is predicted exactly`;
}

/**
 * Compares `predictCollection(snapshot, generation)` (or `result`, when already computed) with
 * what the collector reported. `collectionsBetween`: collections that ran between the capture
 * and this one, per generation (see CollectionComparison).
 */
export function compareWithCollection(
  snapshot: HeapSnapshot,
  generation: number,
  real: RealCollectionRecord,
  options: {
    result?: CollectionResult;
    collectionsBetween?: number[];
    via?: CollectionComparison['via'];
  } = {},
): CollectionComparison {
  const result =
    options.result && options.result.generation === generation
      ? options.result
      : predictCollection(snapshot, generation);
  const predictedNodes: number[] = [];
  for (let v = 0; v < snapshot.nodeCount; v++)
    if (result.unreachable[v] === 1) predictedNodes.push(v);
  const predictedAddresses = predictedNodes.map((v) => snapshot.addressHex(v));
  const typeOf = new Map(predictedNodes.map((v) => [snapshot.addressHex(v), snapshot.typeName(v)]));
  const collectedSet = new Set(real.collected.addresses);
  const predictedSet = new Set(predictedAddresses);
  const onlyPredicted = predictedAddresses
    .filter((a) => !collectedSet.has(a))
    .map((address) => ({ address, type: typeOf.get(address) ?? '?' }));
  const realType = new Map<string, string>();
  {
    // The collector names objects only by address; the snapshot knows what each address was.
    // An address the snapshot does not have was allocated after the capture.
    const byAddress = new Map<string, number>();
    for (let v = 0; v < snapshot.nodeCount; v++) byAddress.set(snapshot.addressHex(v), v);
    for (const a of real.collected.addresses) {
      const v = byAddress.get(a);
      realType.set(
        a,
        v === undefined ? '? (not in the capture: made after it)' : snapshot.typeName(v),
      );
    }
  }
  const onlyCollected = real.collected.addresses
    .filter((a) => !predictedSet.has(a))
    .map((address) => ({ address, type: realType.get(address) ?? '?' }));
  const finalizeVerdicts = analyzeFinalizers(snapshot, result);
  const predictedCallbacks = result.finalizeFired
    .map((i) =>
      lastPart(
        finalizeVerdicts.verdicts[i]?.record.funcName ?? snapshot.finalizers[i]?.funcName ?? '?',
      ),
    )
    .sort();
  const phases = collectorPhases(snapshot, result).map(({ nodes: _nodes, ...rest }) => rest);
  const meta = snapshot.meta;
  const notes: string[] = [];
  if (meta.gc.incremental && generation < 2) notes.push(incrementalNote(generation));
  const between = options.collectionsBetween;
  if (between && between.some((c) => c !== 0)) {
    notes.push(
      `the collector ran ${between.reduce((a, b) => a + b, 0)} time(s) on its own between the capture and this collection (generations ${between
        .map((c, g) => (c ? `${g}: ${c}` : ''))
        .filter(Boolean)
        .join(', ')}): the capture no longer described the heap exactly`,
    );
  }
  const comparison: CollectionComparison = {
    generation,
    capture: {
      file: meta.capture.file,
      line: meta.capture.line,
      function: meta.capture.function,
      python: meta.python.versionString,
    },
    phases,
    predicted: {
      count: predictedNodes.length,
      byType: counts(predictedNodes.map((v) => snapshot.typeName(v))),
      addresses: predictedAddresses,
    },
    collected: real.collected,
    match: onlyPredicted.length === 0 && onlyCollected.length === 0,
    mismatch: { onlyPredicted, onlyCollected },
    finalizers: {
      predicted: counts(Array.from(result.finalizerNodes, (v) => snapshot.typeName(v))),
      ran: real.finalizers.byType,
    },
    finalizeCallbacks: {
      predicted: predictedCallbacks,
      fired: real.finalizeCallbacksFired.map(lastPart).sort(),
    },
    resurrected: real.resurrected,
    returned: real.returned,
    gcWasEnabled: real.gcWasEnabled,
    finalizerOutput: real.output,
    notes,
  };
  if (between && between.some((c) => c !== 0)) comparison.collectionsBetween = between;
  if (options.via) comparison.via = options.via;
  return comparison;
}

/**
 * Collections that ran between a capture and a later `gc.collect(generation)`, from
 * `gc.get_stats()` collection counts read right after each (the capture's, and the collection's
 * own, which counts itself once in `generation`). null when either is unknown.
 */
export function collectionsBetween(
  atCapture: readonly number[] | undefined,
  afterCollection: readonly number[] | undefined,
  generation: number,
): number[] | null {
  if (!atCapture || !afterCollection || atCapture.length !== afterCollection.length) return null;
  if (atCapture.length === 0) return null;
  return afterCollection.map((c, g) => c - atCapture[g] - (g === generation ? 1 : 0));
}

/** The stepper's data for a heap view built by `buildHeapView` (its objects and its context). */
export function stepperDataForView(
  snapshot: HeapSnapshot,
  analysis: Analysis,
  view: HeapView,
  viewNode?: (v: number) => ViewNode,
): StepperData {
  const ids = view.nodes.map((n) => n.id);
  for (const n of view.context?.nodes ?? []) ids.push(n.id);
  let session: ViewSession | null = null;
  const nodeOf =
    viewNode ??
    ((v: number) => (session ??= new ViewSession(snapshot, analysis, view)).nodes.node(v));
  return stepperData(snapshot, analysis.generations, ids, { viewNode: nodeOf });
}
