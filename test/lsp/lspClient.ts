/**
 * A small but real LSP client for the tests: starts the built language server (dist/server.js)
 * over stdio, speaks JSON-RPC with vscode-languageserver's message connection, announces the
 * capabilities VS Code has (pull configuration, related information, versioned workspace
 * edits, dynamic registration, Markdown hovers, CodeLens refresh), answers
 * `workspace/configuration` from `settings` and `sections`, and collects
 * `textDocument/publishDiagnostics` and `workspace/codeLens/refresh`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type InitializeResult,
  type MessageConnection,
  type PublishDiagnosticsParams,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

export const REPO_ROOT = join(__dirname, '..', '..');

export function ensureServerBuilt(): string {
  const bundle = join(REPO_ROOT, 'dist', 'server.js');
  if (!existsSync(bundle)) {
    const b = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
      stdio: 'inherit',
    });
    assert.equal(b.status, 0, 'node scripts/build.mjs failed');
  }
  return bundle;
}

export interface ClientOptions {
  /** Announce `workspace.configuration` (default true: the server pulls `heapInspector.lint`). */
  configuration?: boolean;
  initializationOptions?: unknown;
}

export class LspClient {
  /** What `workspace/configuration` answers for the section `heapInspector.lint`. */
  settings: unknown = {};
  /** What it answers for other sections (`heapInspector.trackAllocations`); null otherwise. */
  sections: Record<string, unknown> = {};
  readonly configurationRequests: { items: { scopeUri?: string; section?: string }[] }[] = [];
  /** How many times the server asked the client to ask for CodeLens again. */
  codeLensRefreshes = 0;
  private readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly docs = new Map<string, TextDocument>();
  /** Index of the first publish after each document was opened. */
  private readonly openedAt = new Map<string, number>();
  readonly log: string[] = [];
  /** The server's answer to `initialize`. */
  initializeResult: InitializeResult | undefined;

  private constructor(
    private readonly server: ChildProcess,
    readonly rpc: MessageConnection,
  ) {}

  static async start(options: ClientOptions = {}): Promise<LspClient> {
    const bundle = ensureServerBuilt();
    const server = spawn(process.execPath, [bundle, '--stdio'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const rpc = createMessageConnection(
      new StreamMessageReader(server.stdout!),
      new StreamMessageWriter(server.stdin!),
    );
    const client = new LspClient(server, rpc);
    rpc.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      client.published.push(p);
      for (const w of client.waiters.splice(0)) w();
    });
    rpc.onNotification('window/logMessage', (p: { message: string }) => {
      client.log.push(p.message);
    });
    rpc.onRequest(
      'workspace/configuration',
      (p: { items: { scopeUri?: string; section?: string }[] }) => {
        client.configurationRequests.push(p);
        return p.items.map((i) =>
          i.section === 'heapInspector.lint'
            ? client.settings
            : (client.sections[i.section ?? ''] ?? null),
        );
      },
    );
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onRequest('workspace/codeLens/refresh', () => {
      client.codeLensRefreshes++;
      return null;
    });
    rpc.listen();
    const configuration = options.configuration !== false;
    client.initializeResult = (await rpc.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      initializationOptions: options.initializationOptions,
      capabilities: {
        workspace: {
          configuration,
          didChangeConfiguration: { dynamicRegistration: configuration },
          workspaceEdit: { documentChanges: true },
          codeLens: { refreshSupport: true },
        },
        textDocument: {
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeLens: {},
          publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
        },
      },
    })) as InitializeResult;
    await rpc.sendNotification('initialized', {});
    return client;
  }

  text(uri: string): string {
    const d = this.docs.get(uri);
    assert.ok(d, `${uri} is not open`);
    return d.getText();
  }

  version(uri: string): number {
    return this.docs.get(uri)?.version ?? 0;
  }

  async open(uri: string, text: string): Promise<void> {
    this.docs.set(uri, TextDocument.create(uri, 'python', 1, text));
    this.openedAt.set(uri, this.published.length);
    await this.rpc.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'python', version: 1, text },
    });
  }

  /** Replaces the whole text (a change event without a range). */
  async change(uri: string, text: string): Promise<void> {
    const d = this.docs.get(uri)!;
    const next = TextDocument.create(uri, 'python', d.version + 1, text);
    this.docs.set(uri, next);
    await this.rpc.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: next.version },
      contentChanges: [{ text }],
    });
  }

  /** Applies edits as ranged (incremental) change events, as VS Code does. */
  async edit(uri: string, edits: TextEdit[]): Promise<void> {
    const d = this.docs.get(uri)!;
    const text = TextDocument.applyEdits(d, edits);
    const next = TextDocument.create(uri, 'python', d.version + 1, text);
    this.docs.set(uri, next);
    // One full replacement keeps the test independent of edit ordering.
    await this.rpc.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: next.version },
      contentChanges: [{ text }],
    });
  }

  /** Applies a WorkspaceEdit for one document (documentChanges or changes). */
  async applyWorkspaceEdit(edit: WorkspaceEdit | undefined): Promise<void> {
    assert.ok(edit, 'the code action has no edit');
    if (edit.documentChanges) {
      for (const change of edit.documentChanges) {
        assert.ok('textDocument' in change, 'only text edits are expected');
        assert.equal(
          change.textDocument.version,
          this.version(change.textDocument.uri),
          'the edit is for another version',
        );
        await this.edit(change.textDocument.uri, change.edits as TextEdit[]);
      }
    } else {
      for (const [uri, edits] of Object.entries(edit.changes ?? {})) await this.edit(uri, edits);
    }
  }

  async close(uri: string): Promise<void> {
    this.docs.delete(uri);
    await this.rpc.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Diagnostics published for the document's current version (waits for them). */
  async diagnostics(uri: string, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const p = await this.waitForPublish(
      (x) => x.uri === uri && (x.version === undefined || x.version === this.version(uri)),
      timeoutMs,
      this.openedAt.get(uri) ?? 0,
    );
    return p.diagnostics;
  }

  /** The first publish after `since` (an index into all publishes) matching `match`. */
  async waitForPublish(
    match: (p: PublishDiagnosticsParams) => boolean,
    timeoutMs = 10_000,
    since = 0,
  ): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.published.slice(since).reverse().find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no matching diagnostics after ${timeoutMs} ms; published: ${JSON.stringify(
            this.published.map((x) => [x.uri.split('/').pop(), x.version, x.diagnostics.length]),
          )}`,
        );
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  get publishCount(): number {
    return this.published.length;
  }

  publishesFor(uri: string): PublishDiagnosticsParams[] {
    return this.published.filter((p) => p.uri === uri);
  }

  async stop(): Promise<void> {
    try {
      await this.rpc.sendRequest('shutdown');
      await this.rpc.sendNotification('exit');
    } catch {
      /* already gone */
    }
    this.rpc.dispose();
    if (this.server.exitCode === null) {
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          this.server.kill('SIGKILL');
          r();
        }, 3_000);
        this.server.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}
