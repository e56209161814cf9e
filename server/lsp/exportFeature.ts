/**
 * The `.heapsnapshot` export of a loaded snapshot (ExportHeapsnapshotRequest): written here, in
 * the language server's process, straight to the file the user chose, in chunks (the extension
 * host never holds it). The file is written under a temporary name beside the target and renamed
 * over it, so a failed export leaves nothing half-written and an existing file intact.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { ExportHeapsnapshotRequest, type ExportHeapsnapshotResult } from '../../protocol/lsp';
import { writeHeapsnapshot } from '../engine/heapsnapshotWriter';
import type { ServerContext, ServerFeature } from './feature';
import type { SnapshotStore } from './snapshotStore';
import { invalidParams, loadedSnapshot, stringParam } from './validate';

function cannotWrite(path: string, why: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidRequest, `Cannot write ${path}: ${why}`);
}

export class ExportFeature implements ServerFeature {
  readonly name = 'export';

  constructor(private readonly store: SnapshotStore) {}

  register({ connection }: ServerContext): void {
    connection.onRequest(ExportHeapsnapshotRequest, (params): ExportHeapsnapshotResult => {
      const loaded = loadedSnapshot(this.store, params);
      const path = stringParam(params, 'path');
      if (!isAbsolute(path)) throw invalidParams('path must be absolute');
      let existing;
      try {
        existing = statSync(path);
      } catch {
        existing = undefined;
      }
      if (existing && !existing.isFile()) throw cannotWrite(path, 'it is not a regular file');
      const started = performance.now();
      const temporary = join(
        dirname(path),
        `.${basename(path)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`,
      );
      let stats;
      try {
        const fd = openSync(temporary, 'wx', existing ? existing.mode & 0o7777 : 0o666);
        try {
          stats = writeHeapsnapshot(loaded.snapshot, loaded.analysis, (chunk) => {
            for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done);
          });
        } finally {
          closeSync(fd);
        }
        renameSync(temporary, path);
      } catch (error) {
        try {
          unlinkSync(temporary);
        } catch {
          // nothing to clean up
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (typeof code === 'string') throw cannotWrite(path, (error as Error).message);
        throw error;
      }
      const seconds = (performance.now() - started) / 1000;
      connection.console.log(
        `exported ${loaded.id} to ${path}: ${stats.nodes} nodes, ${stats.edges} edges, ${stats.bytes} bytes (${seconds.toFixed(2)} s)`,
      );
      return {
        path,
        objects: stats.objects,
        nodes: stats.nodes,
        edges: stats.edges,
        unreachable: stats.unreachable,
        bytes: stats.bytes,
        seconds,
      };
    });
  }
}
