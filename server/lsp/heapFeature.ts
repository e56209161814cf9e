/**
 * The heap requests of protocol/lsp.ts: snapshots are read and analysed here, in the language
 * server's process, never in the extension host.
 */
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import {
  DiffRequest,
  DisposeSnapshotNotification,
  FocusViewRequest,
  LoadSnapshotRequest,
  NeighbourhoodRequest,
  RetentionPathRequest,
  SnapshotMetaRequest,
} from '../../protocol/lsp';
import { SnapshotError } from '../engine/index';
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

    connection.onNotification(DisposeSnapshotNotification, (params) => {
      if (isObject(params) && typeof params.snapshotId === 'string') {
        this.store.dispose(params.snapshotId);
      }
    });
  }
}
