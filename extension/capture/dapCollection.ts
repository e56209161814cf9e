/**
 * The stepper's real collection in a program paused under a debugger, over DAP alone (no
 * `vscode` import: test/dap/realCollection.test.ts drives it against a real debugpy adapter).
 * The extension calls it through debug/sessionCapture.ts `collectAtFrame`.
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
 * The `gc.get_stats()` collection counts right after 1 and right after 2 come back with the
 * record: the language server tells from them whether the collector ran on its own in between
 * (the comparison then says so), and checks the record itself.
 *
 * What cannot be interrupted: an `evaluate` that was sent runs to its end on the paused thread
 * (DAP cannot call it back), and CPython cannot stop a collection halfway. Cancelling (or the
 * timeout) rejects at once; the program finishes the collection — a blocking finalizer
 * included, however long it blocks — and stays paused; the session refuses new captures until
 * the program has answered. See `collectionCancelled`.
 */
import { callAgentOverDap, captureOverDap, type DapCaptureResult } from './dapCapture';
import { CaptureError, type CollectionStage } from './errors';
import type { DapChannel } from './hookRunner';

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
  /**
   * What collect.py returned, as it came through the debugger: the language server checks it
   * (protocol/stepper.ts `collectionRecordProblem`) where it compares it.
   */
  real: unknown;
  /** `gc.get_stats()` collection counts right after the capture and right after the collection. */
  gcCollections: { atCapture: number[]; afterCollection: number[] };
  /** The capture after the collection, or null (`afterError` says why). */
  after: (DapCaptureResult & { snapshotPath: string }) | null;
  afterError?: string;
  dispose(): Promise<void>;
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
  stage: 'before' | 'after',
): DapCaptureResult & { snapshotPath: string } {
  if (!result.snapshotPath) {
    void result.dispose();
    throw new CaptureError(
      'agent-failed',
      `The capture ${stage} the collection kept no snapshot file.`,
      undefined,
      stage,
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
      'before',
    );
  } catch (error) {
    throw atStage(error, 'before', generation);
  }
  const kept: DapCaptureResult[] = [before];
  const dispose = async (): Promise<void> => {
    for (const k of kept) await k.dispose();
  };
  try {
    request.onProgress?.(`running gc.collect(${generation}) in the paused program…`);
    let real: unknown;
    let afterCollection: number[];
    try {
      const call = await callAgentOverDap(channel, {
        ...common,
        module: 'capture',
        function: 'collect_and_record',
        args: [generation, request.programGcEnabled ?? null],
      });
      real = call.value;
      afterCollection = call.gcCollections;
    } catch (error) {
      throw atStage(error, 'collect', generation);
    }
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
          'after',
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
      gcCollections: { atCapture: before.meta.gcCollections, afterCollection },
      after,
      afterError,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The capture core's error, worded for the collection where the collection changes its meaning. */
function atStage(error: unknown, stage: CollectionStage, generation: number): CaptureError {
  const at = (code: CaptureError['code'], message: string, detail?: string): CaptureError =>
    new CaptureError(code, message, detail, stage);
  if (error instanceof CaptureError && error.stage) return error;
  if (!(error instanceof CaptureError)) {
    return at('agent-failed', error instanceof Error ? error.message : String(error));
  }
  if (stage === 'collect') {
    switch (error.code) {
      case 'cancelled':
      case 'timeout':
        return at(error.code, collectionCancelled(generation, error.code), error.detail);
      case 'thread-resumed':
        return at(
          error.code,
          `The program resumed while gc.collect(${generation}) ran: nothing was compared. ` +
            'The collection itself may have completed in the program.',
          error.detail,
        );
      case 'session-ended':
        return at(
          error.code,
          `The debug session ended during gc.collect(${generation}): the program is gone, nothing was compared.`,
          error.detail,
        );
      case 'not-python':
        if ((error.detail ?? '').trimStart().startsWith('{')) {
          // The answer did not come back whole (an adapter that cuts long results).
          return at(
            'result-truncated',
            `gc.collect(${generation}) ran in the program, but its record did not come back whole through ` +
              'the debugger, so it cannot be compared here. `heap-inspector step` compares collections of any size.',
            error.detail,
          );
        }
        break;
      case 'busy':
        return at(
          error.code,
          'The program is still busy with an earlier capture or collection (a finalizer that has not ' +
            'returned?): wait for it to answer, or stop the debug session.',
          error.detail,
        );
      default:
        break;
    }
  }
  return at(error.code, error.message, error.detail);
}
