/**
 * The collector stepper's requests (protocol/lsp.ts): the per-object numbers of a loaded
 * snapshot's view for gc.collect(0), (1) and (2), and a real collection compared with the
 * snapshot's prediction. The agent's record of that collection is checked here, the one place
 * it is compared, and so are the collection counts that tell whether the collector ran on its
 * own in between. Snapshots come from the heap feature's store: this feature only reads.
 */
import { CompareCollectionRequest, StepperDataRequest } from '../../protocol/lsp';
import { collectionRecordProblem, type RealCollectionRecord } from '../../protocol/stepper';
import { stepperData } from '../engine/collectorPhases';
import { collectionsBetween, compareWithCollection } from '../engine/stepComparison';
import type { ServerContext, ServerFeature } from './feature';
import type { LoadedSnapshot } from './loadedSnapshot';
import type { SnapshotStore } from './snapshotStore';
import { invalidParams, isObject, loadedSnapshot } from './validate';

/** The agent's record, or an error that says which field is wrong. */
function checkedRecord(real: unknown, generation: number): RealCollectionRecord {
  const problem = collectionRecordProblem(real, generation);
  if (problem) {
    throw invalidParams(
      `The agent’s record of the collection is not what this version expects (${problem}): ` +
        'is the agent from another version of Heap Inspector?',
    );
  }
  return real as RealCollectionRecord;
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

/** `gcCollections`, when sent: two lists of counts. */
function checkedCounts(
  params: unknown,
): { atCapture: number[]; afterCollection: number[] } | undefined {
  const counts = isObject(params) ? params.gcCollections : undefined;
  if (counts === undefined) return undefined;
  if (!isObject(counts) || !isNumbers(counts.atCapture) || !isNumbers(counts.afterCollection)) {
    throw invalidParams('gcCollections must be { atCapture, afterCollection }, lists of numbers');
  }
  return { atCapture: counts.atCapture, afterCollection: counts.afterCollection };
}

export class StepFeature implements ServerFeature {
  readonly name = 'stepper';

  constructor(private readonly store: SnapshotStore) {}

  /** The view's objects and its embedded context (what the webview knows). */
  private viewIds(loaded: LoadedSnapshot): number[] {
    const ids = loaded.view.nodes.map((n) => n.id);
    for (const n of loaded.view.context?.nodes ?? []) ids.push(n.id);
    return ids;
  }

  register({ connection }: ServerContext): void {
    connection.onRequest(StepperDataRequest, (params) => {
      const loaded = loadedSnapshot(this.store, params);
      let ids = this.viewIds(loaded);
      if (params.nodes !== undefined) {
        if (!Array.isArray(params.nodes) || !params.nodes.every((v) => loaded.validNode(v))) {
          throw invalidParams(`nodes must be object indices below ${loaded.nodeCount}`);
        }
        ids = params.nodes.slice(0, 5000);
      }
      return stepperData(loaded.snapshot, loaded.analysis.generations, ids, {
        viewNode: (v) => loaded.viewNode(v),
      });
    });

    connection.onRequest(CompareCollectionRequest, (params) => {
      const loaded = loadedSnapshot(this.store, params);
      const generation = params.generation;
      if (generation !== 0 && generation !== 1 && generation !== 2) {
        throw invalidParams('generation must be 0, 1 or 2');
      }
      const real = checkedRecord(params.real, generation);
      const counts = checkedCounts(params);
      const between = counts
        ? collectionsBetween(counts.atCapture, counts.afterCollection, generation)
        : null;
      const data = stepperData(loaded.snapshot, loaded.analysis.generations, this.viewIds(loaded), {
        viewNode: (v) => loaded.viewNode(v),
      });
      data.collection = compareWithCollection(loaded.snapshot, generation, real, {
        result: loaded.analysis.generations[generation],
        collectionsBetween: between ?? undefined,
        via: params.via,
      });
      connection.console.log(
        `${loaded.id}: gc.collect(${generation}) ${data.collection.match ? 'matched' : 'DID NOT MATCH'} the prediction (${data.collection.collected.count} collected, ${data.collection.predicted.count} predicted)`,
      );
      return data;
    });
  }
}
