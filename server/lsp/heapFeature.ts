/**
 * The heap requests of protocol/lsp.ts (and server/lsp/requests.ts): snapshots are read and
 * analysed here, in the language server's process, never in the extension host.
 */
import { LSPErrorCodes, ResponseError, ErrorCodes } from 'vscode-languageserver/node';
import {
  DiffRequest,
  DisposeSnapshotNotification,
  LoadSnapshotRequest,
  NeighbourhoodRequest,
  RetentionPathRequest,
  type DiffParams,
  type DiffResult,
  type DisposeSnapshotParams,
  type LoadSnapshotParams,
  type LoadSnapshotResult,
  type NeighbourhoodParams,
  type NeighbourhoodResult,
  type RetentionPathParams,
  type RetentionPathResult,
} from '../../protocol/lsp';
import { SnapshotError } from '../engine/index';
import { diffSnapshots } from './diff';
import type { ServerContext, ServerFeature } from './feature';
import type { LoadedSnapshot } from './loadedSnapshot';
import {
  FocusViewRequest,
  SnapshotMetaRequest,
  type FocusViewParams,
  type FocusViewResult,
  type SnapshotMetaParams,
  type SnapshotMetaResult,
} from './requests';
import { SnapshotStore } from './snapshotStore';

function invalid(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class HeapFeature implements ServerFeature {
  readonly name = 'heap';
  readonly store = new SnapshotStore();

  register({ connection }: ServerContext): void {
    const snapshotOf = (params: unknown): LoadedSnapshot => {
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
    };
    const nodeOf = (loaded: LoadedSnapshot, params: unknown): number => {
      const node = isObject(params) ? params.node : undefined;
      if (!loaded.validNode(node)) {
        throw invalid(`node must be an object index below ${loaded.nodeCount}`);
      }
      return node;
    };

    connection.onRequest(LoadSnapshotRequest, (params: LoadSnapshotParams): LoadSnapshotResult => {
      if (
        !isObject(params) ||
        typeof params.path !== 'string' ||
        typeof params.session !== 'string'
      ) {
        throw invalid('loadSnapshot needs { path: string, session: string }');
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

    connection.onRequest(
      RetentionPathRequest,
      (params: RetentionPathParams): RetentionPathResult => {
        const loaded = snapshotOf(params);
        return loaded.retentionPath(nodeOf(loaded, params));
      },
    );

    connection.onRequest(
      NeighbourhoodRequest,
      (params: NeighbourhoodParams): NeighbourhoodResult => {
        const loaded = snapshotOf(params);
        const node = nodeOf(loaded, params);
        if (params.direction !== 'referents' && params.direction !== 'referrers') {
          throw invalid('direction must be "referents" or "referrers"');
        }
        const limit =
          typeof params.limit === 'number' && params.limit >= 0 ? params.limit : undefined;
        return loaded.neighbourhood(node, params.direction, limit);
      },
    );

    connection.onRequest(DiffRequest, (params: DiffParams): DiffResult => {
      if (!isObject(params)) throw invalid('diff needs { before, after }');
      const before = snapshotOf({ snapshotId: params.before });
      const after = snapshotOf({ snapshotId: params.after });
      return diffSnapshots(before, after);
    });

    connection.onRequest(FocusViewRequest, (params: FocusViewParams): FocusViewResult => {
      const loaded = snapshotOf(params);
      if (typeof params.address !== 'string') throw invalid('address must be a string');
      const node = loaded.nodeAt(params.address);
      if (node === null) return { node: null, view: loaded.view, path: null };
      const referents = typeof params.referents === 'number' ? params.referents : undefined;
      return { node, view: loaded.focusView(node, referents), path: loaded.retentionPath(node) };
    });

    connection.onRequest(
      SnapshotMetaRequest,
      (params: SnapshotMetaParams): SnapshotMetaResult => snapshotOf(params).snapshot.meta,
    );

    connection.onNotification(DisposeSnapshotNotification, (params: DisposeSnapshotParams) => {
      if (isObject(params) && typeof params.snapshotId === 'string') {
        this.store.dispose(params.snapshotId);
      }
    });
  }
}
