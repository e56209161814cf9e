/**
 * The language client: starts the language server (dist/server.js, server/server.ts) over IPC and
 * gives the rest of the extension typed calls for the heap requests (protocol/lsp.ts). Snapshots
 * are parsed and analysed there, never in the extension host. The client syncs Python documents,
 * for the lint diagnostics the server publishes, and shows the server's hovers and CodeLens.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  DiffRequest,
  DisposeSnapshotNotification,
  ExportHeapsnapshotRequest,
  DominatorChildrenRequest,
  FocusViewRequest,
  LoadSnapshotRequest,
  NeighbourhoodRequest,
  RetentionPathRequest,
  SHOW_IN_GRAPH_COMMAND,
  SnapshotMetaRequest,
  TypeTopsRequest,
  type DiffResult,
  type ExportHeapsnapshotResult,
  type DominatorChildrenParams,
  type DominatorChildrenResult,
  type FocusViewResult,
  type LoadSnapshotResult,
  type NeighbourhoodParams,
  type NeighbourhoodResult,
  type RetentionPathResult,
  type SnapshotMetaResult,
  type TypeTopsParams,
  type TypeTopsResult,
} from '../protocol/lsp';
import { log } from './log';

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
      // The server's hovers use theme icons and link to one command of ours: Markdown from it
      // may run that command, and no other.
      markdown: {
        isTrusted: { enabledCommands: [SHOW_IN_GRAPH_COMMAND] },
        supportThemeIcons: true,
      },
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
    return (await this.start()).sendRequest(LoadSnapshotRequest, { path, session });
  }

  async retentionPath(snapshotId: string, node: number): Promise<RetentionPathResult> {
    return (await this.start()).sendRequest(RetentionPathRequest, { snapshotId, node });
  }

  async neighbourhood(params: NeighbourhoodParams): Promise<NeighbourhoodResult> {
    return (await this.start()).sendRequest(NeighbourhoodRequest, params);
  }

  /** A page of a dominator-tree row's children (null: no such row). */
  async dominatorChildren(params: DominatorChildrenParams): Promise<DominatorChildrenResult> {
    return (await this.start()).sendRequest(DominatorChildrenRequest, params);
  }

  /** A page of a type's tops in the dominator tree. */
  async typeTops(params: TypeTopsParams): Promise<TypeTopsResult> {
    return (await this.start()).sendRequest(TypeTopsRequest, params);
  }

  async diff(before: string, after: string): Promise<DiffResult> {
    return (await this.start()).sendRequest(DiffRequest, { before, after });
  }

  async focusView(snapshotId: string, address: string): Promise<FocusViewResult> {
    return (await this.start()).sendRequest(FocusViewRequest, { snapshotId, address });
  }

  async meta(snapshotId: string): Promise<SnapshotMetaResult> {
    return (await this.start()).sendRequest(SnapshotMetaRequest, { snapshotId });
  }

  /** Writes the snapshot as a `.heapsnapshot` file (the server writes it). */
  async exportHeapsnapshot(snapshotId: string, path: string): Promise<ExportHeapsnapshotResult> {
    return (await this.start()).sendRequest(ExportHeapsnapshotRequest, { snapshotId, path });
  }

  disposeSnapshot(snapshotId: string): void {
    if (this.running)
      void this.client!.sendNotification(DisposeSnapshotNotification, { snapshotId }).catch(
        () => undefined,
      );
  }

  async dispose(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.starting = undefined;
    if (client) await client.stop().catch(() => undefined);
  }
}
