/**
 * Checking request parameters: they come from another process, so every feature checks the
 * fields it reads before using them, and answers a clear `InvalidParams` error when one is wrong.
 * A snapshot id that is no longer loaded gets `ContentModified` ("capture again"): the client
 * asked about a capture the server has since released.
 */
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { LoadedSnapshot } from './loadedSnapshot';
import type { SnapshotStore } from './snapshotStore';

export function invalidParams(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** `params[key]` as a string, or an InvalidParams error naming it. */
export function stringParam(params: unknown, key: string): string {
  const value = isObject(params) ? params[key] : undefined;
  if (typeof value !== 'string') throw invalidParams(`${key} must be a string`);
  return value;
}

/** `params[key]` when it is a number, else undefined (an optional parameter). */
export function optionalNumber(params: unknown, key: string): number | undefined {
  const value = isObject(params) ? params[key] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** The snapshot `params.snapshotId` names, while it is loaded. */
export function loadedSnapshot(store: SnapshotStore, params: unknown): LoadedSnapshot {
  const id = stringParam(params, 'snapshotId');
  const loaded = store.get(id);
  if (!loaded) {
    throw new ResponseError(
      LSPErrorCodes.ContentModified,
      `snapshot ${id} is no longer loaded in the language server: capture again`,
    );
  }
  return loaded;
}

/** `params.node`: an object of the snapshot. */
export function nodeParam(loaded: LoadedSnapshot, params: unknown): number {
  const node = isObject(params) ? params.node : undefined;
  if (!loaded.validNode(node)) {
    throw invalidParams(`node must be an object index below ${loaded.nodeCount}`);
  }
  return node;
}
