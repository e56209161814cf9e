/**
 * The language client: starts the language server (dist/server.js, server/server.ts) over IPC and
 * gives the rest of the extension typed calls for the heap requests. Snapshots are parsed and
 * analysed there, never in the extension host. The client also syncs Python documents, for the
 * lint diagnostics the server will publish (issue 6).
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  RequestType,
  NotificationType,
  TransportKind,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
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
import {
  FocusViewRequest,
  SnapshotMetaRequest,
  type FocusViewParams,
  type FocusViewResult,
  type SnapshotMetaParams,
  type SnapshotMetaResult,
} from '../../server/lsp/requests';
import { log } from '../log';

const requests = {
  load: new RequestType<LoadSnapshotParams, LoadSnapshotResult, void>(LoadSnapshotRequest),
  path: new RequestType<RetentionPathParams, RetentionPathResult, void>(RetentionPathRequest),
  neighbourhood: new RequestType<NeighbourhoodParams, NeighbourhoodResult, void>(
    NeighbourhoodRequest,
  ),
  diff: new RequestType<DiffParams, DiffResult, void>(DiffRequest),
  focus: new RequestType<FocusViewParams, FocusViewResult, void>(FocusViewRequest),
  meta: new RequestType<SnapshotMetaParams, SnapshotMetaResult, void>(SnapshotMetaRequest),
};
const dispose = new NotificationType<DisposeSnapshotParams>(DisposeSnapshotNotification);

export class HeapClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {}

  /** Starts the server on first use (or at activation: `start()`). */
  start(): Promise<LanguageClient> {
    this.starting ??= this.create().catch((error) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async create(): Promise<LanguageClient> {
    const module = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server.js').fsPath;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: {
        module,
        transport: TransportKind.ipc,
        options: { execArgv: ['--nolazy', '--inspect=6019'] },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'python' }],
      outputChannel: vscode.window.createOutputChannel('Python Heap Inspector Language Server', {
        log: true,
      }),
      // Diagnostics may be published for untrusted workspaces too: reading source runs no code.
    };
    const client = new LanguageClient(
      'heapInspector',
      'Python Heap Inspector Language Server',
      serverOptions,
      clientOptions,
    );
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) log().warn('the language server stopped');
    });
    await client.start();
    this.client = client;
    log().info('language server started');
    return client;
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  async loadSnapshot(path: string, session: string): Promise<LoadSnapshotResult> {
    return (await this.start()).sendRequest(requests.load, { path, session });
  }

  async retentionPath(snapshotId: string, node: number): Promise<RetentionPathResult> {
    return (await this.start()).sendRequest(requests.path, { snapshotId, node });
  }

  async neighbourhood(params: NeighbourhoodParams): Promise<NeighbourhoodResult> {
    return (await this.start()).sendRequest(requests.neighbourhood, params);
  }

  async diff(before: string, after: string): Promise<DiffResult> {
    return (await this.start()).sendRequest(requests.diff, { before, after });
  }

  async focusView(snapshotId: string, address: string): Promise<FocusViewResult> {
    return (await this.start()).sendRequest(requests.focus, { snapshotId, address });
  }

  async meta(snapshotId: string): Promise<SnapshotMetaResult> {
    return (await this.start()).sendRequest(requests.meta, { snapshotId });
  }

  disposeSnapshot(snapshotId: string): void {
    if (this.running)
      void this.client!.sendNotification(dispose, { snapshotId }).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.starting = undefined;
    if (client) await client.stop().catch(() => undefined);
  }
}
