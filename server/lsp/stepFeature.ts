/**
 * The collector stepper's requests (protocol/lsp.ts): the per-object numbers of a loaded
 * snapshot's view for gc.collect(0), (1) and (2), and a real collection compared with the
 * snapshot's prediction. Snapshots come from the heap feature's store: this feature only reads.
 */
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import {
  CompareCollectionRequest,
  StepperDataRequest,
  type CompareCollectionParams,
  type CompareCollectionResult,
  type StepperDataParams,
  type StepperDataResult,
} from '../../protocol/lsp';
import { stepperData } from '../engine/collectorPhases';
import { compareWithCollection } from '../engine/stepComparison';
import type { ServerContext, ServerFeature } from './feature';
import type { LoadedSnapshot } from './loadedSnapshot';
import type { SnapshotStore } from './snapshotStore';

function invalid(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** What collect.py returns, checked field by field (it crossed a process and a debugger). */
function checkReal(real: unknown): string | null {
  if (!isObject(real)) return 'real must be an object';
  const collected = real.collected;
  if (!isObject(collected) || !Array.isArray(collected.addresses)) {
    return 'real.collected.addresses must be an array';
  }
  if (!collected.addresses.every((a) => typeof a === 'string')) {
    return 'real.collected.addresses must be strings';
  }
  if (!isObject(real.finalizers) || !isObject(real.finalizers.byType)) {
    return 'real.finalizers.byType must be an object';
  }
  for (const key of ['resurrected', 'finalizeCallbacksFired']) {
    const list = real[key];
    if (!Array.isArray(list) || !list.every((a) => typeof a === 'string')) {
      return `real.${key} must be an array of strings`;
    }
  }
  if (typeof real.returned !== 'number' || typeof real.gcWasEnabled !== 'boolean') {
    return 'real.returned and real.gcWasEnabled are required';
  }
  if (typeof real.output !== 'string') return 'real.output must be a string';
  return null;
}

export class StepFeature implements ServerFeature {
  readonly name = 'stepper';

  constructor(private readonly store: SnapshotStore) {}

  private loaded(params: unknown): LoadedSnapshot {
    const id = isObject(params) ? params.snapshotId : undefined;
    if (typeof id !== 'string') throw invalid('snapshotId must be a string');
    const loaded = this.store.get(id);
    if (!loaded) {
      throw new ResponseError(
        LSPErrorCodes.ContentModified,
        `snapshot ${id} is no longer loaded in the language server: capture again`,
      );
    }
    return loaded;
  }

  /** The view's objects and its embedded context (what the webview knows). */
  private viewIds(loaded: LoadedSnapshot): number[] {
    const ids = loaded.view.nodes.map((n) => n.id);
    for (const n of loaded.view.context?.nodes ?? []) ids.push(n.id);
    return ids;
  }

  register({ connection }: ServerContext): void {
    connection.onRequest(StepperDataRequest, (params: StepperDataParams): StepperDataResult => {
      const loaded = this.loaded(params);
      let ids = this.viewIds(loaded);
      if (params.nodes !== undefined) {
        if (!Array.isArray(params.nodes) || !params.nodes.every((v) => loaded.validNode(v))) {
          throw invalid(`nodes must be object indices below ${loaded.nodeCount}`);
        }
        ids = params.nodes.slice(0, 5000);
      }
      return stepperData(loaded.snapshot, loaded.analysis.generations, ids, {
        viewNode: (v) => loaded.viewNode(v),
      });
    });

    connection.onRequest(
      CompareCollectionRequest,
      (params: CompareCollectionParams): CompareCollectionResult => {
        const loaded = this.loaded(params);
        if (![0, 1, 2].includes(params.generation)) throw invalid('generation must be 0, 1 or 2');
        const problem = checkReal(params.real);
        if (problem) throw invalid(problem);
        const between = Array.isArray(params.collectionsBetween)
          ? params.collectionsBetween.filter((c) => typeof c === 'number')
          : undefined;
        const data = stepperData(
          loaded.snapshot,
          loaded.analysis.generations,
          this.viewIds(loaded),
          {
            viewNode: (v) => loaded.viewNode(v),
          },
        );
        data.collection = compareWithCollection(loaded.snapshot, params.generation, params.real, {
          result: loaded.analysis.generations[params.generation],
          collectionsBetween: between,
          via: params.via,
        });
        connection.console.log(
          `${loaded.id}: gc.collect(${params.generation}) ${data.collection.match ? 'matched' : 'DID NOT MATCH'} the prediction (${data.collection.collected.count} collected, ${data.collection.predicted.count} predicted)`,
        );
        return data;
      },
    );
  }
}
