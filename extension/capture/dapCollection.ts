/**
 * The stepper's real collection in a program paused under a debugger, over DAP alone (no
 * `vscode` import: test/vscode/stepperDap.test.ts drives it against a real debugpy adapter).
 *
 *   1. capture the heap at the frame, right before collecting (the prediction is made on it:
 *      while the program is paused the debugger itself allocates, and its allocations can start
 *      a young collection — a capture taken minutes ago may no longer describe the heap);
 *   2. `collect_and_record(generation, program_gc_enabled)` in the same process
 *      (agent/heap_inspector_agent/collect.py: the real `gc.collect(N)` with
 *      `gc.DEBUG_COLLECTABLE`, what it named, the finalizers that ran, what they printed, the
 *      objects resurrected; debug flags, `sys.stderr` and the collector's state restored);
 *   3. capture again: the heap after the collection.
 *
 * Collections the collector ran on its own between 1 and 2 are detected from `gc.get_stats()`
 * (the capture reports the counts; so does the agent call): the comparison then says so.
 *
 * What cannot be interrupted: an `evaluate` that was sent runs to its end on the paused thread
 * (DAP cannot call it back), and CPython cannot stop a collection halfway. Cancelling (or the
 * timeout) rejects at once; the program finishes the collection — a blocking finalizer
 * included, however long it blocks — and stays paused; the session refuses new captures until
 * the program has answered. See `collectionCancelled`.
 */
import type { RealCollectionRecord } from '../../protocol/messages';
import { collectionsBetween } from '../../server/engine/stepComparison';
import {
  callAgentOverDap,
  captureOverDap,
  CaptureError,
  type DapCaptureResult,
  type DapChannel,
} from '../capture/index';

export interface DapCollectionRequest {
  /** The DAP frame: the captures' "here". */
  frameId: number;
  agentDirectory: string;
  tempDirectory: string;
  generation: number;
  /** Whether the program had automatic collection on, from the capture the user stepped through. */
  programGcEnabled?: boolean;
  signal?: AbortSignal;
  /** For each of the three steps. */
  timeoutMs?: number;
  /** Capture the heap after the collection too (default true). */
  captureAfter?: boolean;
  onProgress?(message: string): void;
}

export interface DapCollectionResult {
  /** The capture the prediction is made on (its file kept until `dispose()`). */
  before: DapCaptureResult & { snapshotPath: string };
  real: RealCollectionRecord;
  /** Collections the collector ran on its own between the capture and this one, or null. */
  collectionsBetween: number[] | null;
  /** The capture after the collection, or null (`afterError` says why). */
  after: (DapCaptureResult & { snapshotPath: string }) | null;
  afterError?: string;
  /** `gc.get_stats()` collection counts right after the collection. */
  gcCollections: number[];
  dispose(): Promise<void>;
}

/** Where a collection stopped being waited for, and why the program is still busy with it. */
export class CollectionError extends Error {
  override readonly name = 'CollectionError';

  constructor(
    readonly code: CaptureError['code'] | 'bad-result',
    message: string,
    /** The step that failed: the capture before, the collection, the capture after. */
    readonly stage: 'before' | 'collect' | 'after',
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** The honest message for a collection the user stopped waiting for (cancel or timeout). */
export function collectionCancelled(generation: number, why: 'cancelled' | 'timeout'): string {
  return (
    `${why === 'cancelled' ? 'Stopped waiting' : 'Gave up waiting'} for gc.collect(${generation}). ` +
    'A collection cannot be interrupted from outside: the program finishes it on its paused thread ' +
    '(if a finalizer is blocking, only once that finalizer returns) and stays paused where it was. ' +
    'The collector’s debug flags and sys.stderr are put back when it returns; until then this ' +
    'debug session refuses new captures. If the finalizer never returns, stop the debug session.'
  );
}

function withPath(
  result: DapCaptureResult,
  stage: string,
): DapCaptureResult & { snapshotPath: string } {
  if (!result.snapshotPath) {
    void result.dispose();
    throw new CollectionError(
      'agent-failed',
      `The capture ${stage} kept no snapshot file.`,
      'before',
    );
  }
  return result as DapCaptureResult & { snapshotPath: string };
}

/** Does what the stepper's "Run gc.collect(N) for real" asks in a paused program. */
export async function collectOverDap(
  channel: DapChannel,
  request: DapCollectionRequest,
): Promise<DapCollectionResult> {
  const { generation } = request;
  if (![0, 1, 2].includes(generation)) throw new RangeError('generation must be 0, 1 or 2');
  const common = {
    frameId: request.frameId,
    agentDirectory: request.agentDirectory,
    signal: request.signal,
    timeoutMs: request.timeoutMs,
  };
  request.onProgress?.('capturing the heap right before the collection…');
  let before: DapCaptureResult & { snapshotPath: string };
  try {
    before = withPath(
      await captureOverDap(channel, {
        ...common,
        tempDirectory: request.tempDirectory,
        keepFile: true,
      }),
      'before the collection',
    );
  } catch (error) {
    throw asCollectionError(error, 'before', generation);
  }
  const kept: DapCaptureResult[] = [before];
  const dispose = async (): Promise<void> => {
    for (const k of kept) await k.dispose();
  };
  try {
    request.onProgress?.(`running gc.collect(${generation}) in the paused program…`);
    let value: unknown;
    let gcCollections: number[];
    try {
      const call = await callAgentOverDap(channel, {
        ...common,
        module: 'capture',
        function: 'collect_and_record',
        args: [generation, request.programGcEnabled ?? null],
      });
      value = call.value;
      gcCollections = call.gcCollections;
    } catch (error) {
      throw asCollectionError(error, 'collect', generation);
    }
    const real = checkRecord(value, generation);
    const between = collectionsBetween(before.meta.gcCollections, gcCollections, generation);
    let after: (DapCaptureResult & { snapshotPath: string }) | null = null;
    let afterError: string | undefined;
    if (request.captureAfter !== false) {
      request.onProgress?.('capturing the heap after the collection…');
      try {
        after = withPath(
          await captureOverDap(channel, {
            ...common,
            tempDirectory: request.tempDirectory,
            keepFile: true,
          }),
          'after the collection',
        );
        kept.push(after);
      } catch (error) {
        // The collection happened and is compared; only the picture after it is missing.
        afterError = error instanceof Error ? error.message : String(error);
      }
    }
    return {
      before,
      real,
      collectionsBetween: between,
      after,
      afterError,
      gcCollections,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

function asCollectionError(
  error: unknown,
  stage: 'before' | 'collect' | 'after',
  generation: number,
): CollectionError {
  if (error instanceof CollectionError) return error;
  if (!(error instanceof CaptureError)) {
    return new CollectionError(
      'agent-failed',
      error instanceof Error ? error.message : String(error),
      stage,
    );
  }
  if (stage === 'collect') {
    switch (error.code) {
      case 'cancelled':
      case 'timeout':
        return new CollectionError(
          error.code,
          collectionCancelled(generation, error.code),
          stage,
          error.detail,
        );
      case 'thread-resumed':
        return new CollectionError(
          error.code,
          `The program resumed while gc.collect(${generation}) ran: nothing was compared. ` +
            'The collection itself may have completed in the program.',
          stage,
          error.detail,
        );
      case 'session-ended':
        return new CollectionError(
          error.code,
          `The debug session ended during gc.collect(${generation}): the program is gone, nothing was compared.`,
          stage,
          error.detail,
        );
      case 'not-python':
        if ((error.detail ?? '').trimStart().startsWith('{')) {
          // The answer did not come back whole (an adapter that cuts long results).
          return new CollectionError(
            'bad-result',
            `gc.collect(${generation}) ran in the program, but its record did not come back whole through ` +
              'the debugger, so it cannot be compared here. `heap-inspector step` compares collections of any size.',
            stage,
            error.detail,
          );
        }
        break;
      case 'busy':
        return new CollectionError(
          error.code,
          'The program is still busy with an earlier capture or collection (a finalizer that has not ' +
            'returned?): wait for it to answer, or stop the debug session.',
          stage,
          error.detail,
        );
      default:
        break;
    }
  }
  return new CollectionError(error.code, error.message, stage, error.detail);
}

/** collect.py's answer, checked: it crossed a process and a debugger. */
function checkRecord(value: unknown, generation: number): RealCollectionRecord {
  const v = value as Partial<RealCollectionRecord> | null;
  const ok =
    typeof v === 'object' &&
    v !== null &&
    v.generation === generation &&
    typeof v.returned === 'number' &&
    typeof v.collected === 'object' &&
    v.collected !== null &&
    Array.isArray(v.collected.addresses) &&
    typeof v.finalizers === 'object' &&
    Array.isArray(v.resurrected) &&
    Array.isArray(v.finalizeCallbacksFired) &&
    typeof v.output === 'string' &&
    typeof v.gcWasEnabled === 'boolean';
  if (!ok) {
    throw new CollectionError(
      'bad-result',
      'The agent’s record of the collection is not what this extension expects (a different agent version?).',
      'collect',
      JSON.stringify(value)?.slice(0, 500),
    );
  }
  return v as RealCollectionRecord;
}
