/**
 * The heap requests of protocol/lsp.ts: snapshots are read and analysed here, in the language
 * server's process, never in the extension host.
 */
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import {
  DiffRequest,
  DisposeSnapshotNotification,
  DominatorChildrenRequest,
  FocusViewRequest,
  LoadSnapshotRequest,
  NeighbourhoodRequest,
  RetainedSetRequest,
  RetentionPathRequest,
  SnapshotMetaRequest,
  TypeTopsRequest,
} from '../../protocol/lsp';
import { GARBAGE_ROW } from '../../protocol/retained';
import { SnapshotError } from '../engine/index';
import { MAX_RETAINED_SET_IDS } from '../engine/retainedQueries';
import { diffSnapshots } from './diff';
import type { ServerContext, ServerFeature } from './feature';
import type { LoadedSnapshot } from './loadedSnapshot';
import { SnapshotStore } from './snapshotStore';
import {
  invalidParams,
  isObject,
  loadedSnapshot,
  nodeParam,
  optionalNumber,
  stringParam,
} from './validate';

/** `params.node`: a row of the dominator tree (a node id, `ROOTS_ROW` or `GARBAGE_ROW`). */
function rowParam(params: unknown): number {
  const node = isObject(params) ? params.node : undefined;
  if (typeof node !== 'number' || !Number.isInteger(node) || node < GARBAGE_ROW) {
    throw invalidParams('node must be an object index, -1 (the roots) or -2 (the garbage group)');
  }
  return node;
}

/** An optional non-negative whole number, or the default. */
function pageNumber(params: unknown, key: string, fallback: number): number {
  const value = optionalNumber(params, key);
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw invalidParams(`${key} must be a whole number ≥ 0`);
  return value;
}

export class HeapFeature implements ServerFeature {
  readonly name = 'heap';
  readonly store = new SnapshotStore();

  register({ connection }: ServerContext): void {
    const snapshotOf = (params: unknown): LoadedSnapshot => loadedSnapshot(this.store, params);

    connection.onRequest(LoadSnapshotRequest, (params) => {
      if (
        !isObject(params) ||
        typeof params.path !== 'string' ||
        typeof params.session !== 'string'
      ) {
        throw invalidParams('loadSnapshot needs { path: string, session: string }');
      }
      const started = Date.now();
      let loaded: LoadedSnapshot;
      try {
        loaded = this.store.load(params.path, params.session);
      } catch (error) {
        if (error instanceof SnapshotError) {
          throw new ResponseError(ErrorCodes.InvalidRequest, error.message, { code: error.code });
        }
        throw error;
      }
      connection.console.log(
        `loaded ${loaded.id}: ${loaded.nodeCount} objects, ${loaded.summary.unreachable.count} unreachable, view ${loaded.view.nodes.length} nodes (${Date.now() - started} ms)`,
      );
      return { snapshotId: loaded.id, summary: loaded.summary, view: loaded.view };
    });

    connection.onRequest(RetentionPathRequest, (params) => {
      const loaded = snapshotOf(params);
      return loaded.retentionPath(nodeParam(loaded, params));
    });

    connection.onRequest(NeighbourhoodRequest, (params) => {
      const loaded = snapshotOf(params);
      const node = nodeParam(loaded, params);
      if (params.direction !== 'referents' && params.direction !== 'referrers') {
        throw invalidParams('direction must be "referents" or "referrers"');
      }
      const limit = optionalNumber(params, 'limit');
      return loaded.neighbourhood(
        node,
        params.direction,
        limit !== undefined && limit >= 0 ? limit : undefined,
      );
    });

    connection.onRequest(DiffRequest, (params) => {
      if (!isObject(params)) throw invalidParams('diff needs { before, after }');
      const before = snapshotOf({ snapshotId: params.before });
      const after = snapshotOf({ snapshotId: params.after });
      return diffSnapshots(before, after);
    });

    connection.onRequest(FocusViewRequest, (params) => {
      const loaded = snapshotOf(params);
      const node = loaded.nodeAt(stringParam(params, 'address'));
      if (node === null) return { node: null, view: loaded.view, path: null };
      return {
        node,
        view: loaded.focusView(node, optionalNumber(params, 'referents')),
        path: loaded.retentionPath(node),
      };
    });

    connection.onRequest(SnapshotMetaRequest, (params) => snapshotOf(params).snapshot.meta);

    connection.onRequest(DominatorChildrenRequest, (params) => {
      const loaded = snapshotOf(params);
      const node = rowParam(params);
      return loaded.retained.children(
        node,
        pageNumber(params, 'offset', 0),
        pageNumber(params, 'limit', 200),
      );
    });

    connection.onRequest(TypeTopsRequest, (params) => {
      const loaded = snapshotOf(params);
      const type = stringParam(params, 'type');
      return loaded.retained.typeTops(
        type,
        pageNumber(params, 'offset', 0),
        pageNumber(params, 'limit', 200),
      );
    });

    connection.onRequest(RetainedSetRequest, (params) => {
      const loaded = snapshotOf(params);
      const node = rowParam(params);
      const notion = isObject(params) ? params.notion : undefined;
      if (notion !== undefined && notion !== 'nextCollection' && notion !== 'atOnce') {
        throw invalidParams('notion must be "nextCollection" or "atOnce"');
      }
      return loaded.retained.retainedSet(
        node,
        notion,
        pageNumber(params, 'limit', MAX_RETAINED_SET_IDS),
      );
    });

    connection.onNotification(DisposeSnapshotNotification, (params) => {
      if (isObject(params) && typeof params.snapshotId === 'string') {
        this.store.dispose(params.snapshotId);
      }
    });
  }
}
