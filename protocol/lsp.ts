/**
 * Custom requests between the extension (language client) and the language server, which hosts
 * the heap engine: snapshots are parsed and analysed in the server process, never in the
 * extension host.
 */
import type { HeapView } from './heapView';
import type { Neighbourhood, RetentionPath } from './messages';
import type { Summary } from './summary';

/** Load a snapshot file into the server; answers its id, summary and first view. */
export const LoadSnapshotRequest = 'heapInspector/loadSnapshot';
export interface LoadSnapshotParams {
  path: string;
  /** Debug session id (or "cli") it belongs to: the server keeps the latest per session. */
  session: string;
}
export interface LoadSnapshotResult {
  snapshotId: string;
  summary: Summary;
  view: HeapView;
}

export const RetentionPathRequest = 'heapInspector/retentionPath';
export interface RetentionPathParams {
  snapshotId: string;
  node: number;
}
export type RetentionPathResult = RetentionPath | null;

export const NeighbourhoodRequest = 'heapInspector/neighbourhood';
export interface NeighbourhoodParams {
  snapshotId: string;
  node: number;
  direction: 'referents' | 'referrers';
  limit?: number;
}
export type NeighbourhoodResult = Neighbourhood;

/** Compare two snapshots of one session (re-capture): what appeared, what went away. */
export const DiffRequest = 'heapInspector/diff';
export interface DiffParams {
  before: string;
  after: string;
}
export interface DiffResult {
  /** Count change per type name, only types that changed. */
  byType: Record<string, { before: number; after: number }>;
  /** Addresses of objects present only after / only before (capped). */
  added: string[];
  removed: string[];
  unreachableBefore: number;
  unreachableAfter: number;
}

/** Release a snapshot's memory in the server. */
export const DisposeSnapshotNotification = 'heapInspector/disposeSnapshot';
export interface DisposeSnapshotParams {
  snapshotId: string;
}
