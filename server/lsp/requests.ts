/**
 * Requests the language server answers beyond protocol/lsp.ts, for the extension only (the
 * webview never sees them): one object of a loaded snapshot by its address (`id()`), for
 * "Inspect in Heap Graph" on a variable; the snapshot's own record, for logs and messages.
 */
import type { HeapView } from '../../protocol/heapView';
import type { RetentionPath } from '../../protocol/messages';
import type { SnapshotMeta } from '../../protocol/snapshot';

/** The first view of a snapshot plus one object, its path from a root and its referents. */
export const FocusViewRequest = 'heapInspector/focusView';
export interface FocusViewParams {
  snapshotId: string;
  /** `hex(id(obj))` (`0x7f…`) or `id(obj)` as decimal text. */
  address: string;
  /** How many of its referents to add (default 20). */
  referents?: number;
}
export interface FocusViewResult {
  /** The object's node, or null when the snapshot has no object at that address. */
  node: number | null;
  view: HeapView;
  path: RetentionPath | null;
}

/** The snapshot's own record (`meta` section): capture time, warnings, counts, Python. */
export const SnapshotMetaRequest = 'heapInspector/snapshotMeta';
export interface SnapshotMetaParams {
  snapshotId: string;
}
export type SnapshotMetaResult = SnapshotMeta;
