/**
 * What every read of a malformed snapshot must end in: either a model the engine analyses,
 * summarises and draws without throwing, or one SnapshotError whose message is one line of
 * printable text (never raw bytes of the file).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summaryText } from '../../cli/summaryText';
import type { Summary } from '../../protocol/summary';
import { analyze } from '../../server/engine/index';
import { stepperDataForView } from '../../server/engine/stepComparison';
import { LoadedSnapshot } from '../../server/lsp/loadedSnapshot';
import { UNSAFE_TERMINAL_TEXT } from './terminalSafety';
import type { HeapSnapshot } from '../../server/engine/heapSnapshot';
import {
  readSnapshot,
  SnapshotError,
  type SnapshotErrorCode,
} from '../../server/engine/snapshotReader';

/** The real snapshot the reader tests mutate (see test/fixtures/snapshots/capture_small.py). */
export const SMALL_SNAPSHOT = join(__dirname, '..', 'fixtures', 'snapshots', 'small.heapsnap');

export function smallSnapshotBytes(): Uint8Array {
  return new Uint8Array(readFileSync(SMALL_SNAPSHOT));
}

export { UNSAFE_TERMINAL_TEXT };

/** The message is one line of safe text, of a length a terminal shows on a few lines at most. */
export function assertOneSafeLine(message: string): void {
  assert.doesNotMatch(message, UNSAFE_TERMINAL_TEXT, `unsafe text in: ${JSON.stringify(message)}`);
  assert.ok(message.length <= 600, `message of ${message.length} characters`);
}

export function readError(bytes: Uint8Array, source = 'crafted.heapsnap'): SnapshotError | null {
  try {
    readSnapshot(bytes, source);
    return null;
  } catch (e) {
    if (e instanceof SnapshotError) return e;
    throw e;
  }
}

export function assertRejected(
  bytes: Uint8Array,
  code: SnapshotErrorCode,
  pattern: RegExp,
): SnapshotError {
  let caught: unknown = null;
  try {
    readSnapshot(bytes, 'crafted.heapsnap');
  } catch (e) {
    caught = e;
  }
  assert.ok(
    caught instanceof SnapshotError,
    `expected a SnapshotError, got ${caught instanceof Error ? caught.stack : String(caught)}`,
  );
  assert.match(caught.message, pattern);
  assert.equal(caught.code, code, caught.message);
  assertOneSafeLine(caught.message);
  return caught;
}

/**
 * What the CLI and the language server do with a snapshot they have read: the analysis, the
 * summary and its text, the heap view and the report's stepper data, and the requests the
 * extension sends about objects (paths from the roots, neighbourhoods, the object at an address).
 */
export function useSnapshot(snapshot: HeapSnapshot): { summary: Summary; text: string } {
  const analysis = analyze(snapshot);
  const loaded = new LoadedSnapshot('test', 'test', snapshot, analysis);
  const summary = loaded.summary;
  stepperDataForView(snapshot, analysis, loaded.view);
  JSON.stringify(summary);
  const n = snapshot.nodeCount;
  for (const v of n > 0 ? [0, n >> 1, n - 1] : []) {
    loaded.retentionPath(v);
    loaded.neighbourhood(v, 'referrers', 20);
    loaded.neighbourhood(v, 'referents', 20);
  }
  if (n > 0) loaded.nodeAt(snapshot.addressHex(n - 1));
  return { summary, text: summaryText(summary) };
}

export function assertAccepted(bytes: Uint8Array): { summary: Summary; text: string } {
  return useSnapshot(readSnapshot(bytes, 'crafted.heapsnap'));
}
