/**
 * Live facts in the language server: the extension says which loaded capture is current
 * (`SetLiveCaptureNotification`: the latest capture of a session still paused where it was
 * taken, or of the agent's runner); from it the server answers the standard
 * `textDocument/hover` (a name of the paused program) and `textDocument/codeLens` (its classes),
 * the allocation sites the extension decorates, and the lint diagnostics add a sentence
 * (lintFeature.ts). When the current capture changes it asks the editor for CodeLens again.
 */
import { fileURLToPath } from 'node:url';
import {
  CodeLensRefreshRequest,
  MarkupKind,
  type CodeLens,
  type ClientCapabilities,
  type Connection,
  type Hover,
  type InitializeParams,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  AllocationSitesRequest,
  SetLiveCaptureNotification,
  SHOW_IN_GRAPH_COMMAND,
  type ShowInGraphArgs,
} from '../../protocol/lsp';
import { DocumentOutline } from './documentOutline';
import type { ServerContext, ServerFeature } from './feature';
import { allocationSites, captureKnowsFile, classFacts, variableFacts } from './liveFacts';
import { classLensTitle, classLensTooltip, variableHoverMarkdown } from './liveFactsText';
import type { LoadedSnapshot } from './loadedSnapshot';
import type { SnapshotStore } from './snapshotStore';
import { isObject } from './validate';

/** `file:` URI → path; other schemes have no file the capture could know. */
export function filePathOf(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

/** The setting the hover's "Allocated at" line depends on, when the capture has no sites. */
const TRACK_ALLOCATIONS = 'heapInspector.trackAllocations';

export class LiveFactsFeature implements ServerFeature {
  readonly name = 'live facts';
  private currentId: string | null = null;
  private readonly listeners: Array<() => void> = [];
  private readonly outlines = new Map<
    string,
    { version: number; outline: Promise<DocumentOutline> }
  >();
  private documents: ServerContext['documents'] | undefined;
  private connection: Connection | undefined;
  private client: ClientCapabilities = {};

  constructor(private readonly store: SnapshotStore) {}

  /** The current capture, while it is still loaded. */
  current(): LoadedSnapshot | null {
    if (this.currentId === null) return null;
    return this.store.get(this.currentId) ?? null;
  }

  /** Called when the current capture changes. */
  onDidChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The document's outline, parsed once per version. */
  outlineOf(doc: TextDocument): Promise<DocumentOutline> {
    const cached = this.outlines.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.outline;
    const outline = DocumentOutline.parse(doc.getText());
    this.outlines.set(doc.uri, { version: doc.version, outline });
    outline.catch(() => this.outlines.delete(doc.uri));
    return outline;
  }

  capabilities(params: InitializeParams): ServerCapabilities {
    this.client = params.capabilities ?? {};
    return { hoverProvider: true, codeLensProvider: { resolveProvider: false } };
  }

  register({ connection, documents }: ServerContext): void {
    this.documents = documents;
    this.connection = connection;
    documents.onDidClose((e) => this.outlines.delete(e.document.uri));

    connection.onNotification(SetLiveCaptureNotification, (params) => {
      const id =
        isObject(params) && typeof params.snapshotId === 'string' ? params.snapshotId : null;
      if (id === this.currentId) return;
      this.currentId = id;
      connection.console.log(id ? `live facts from ${id}` : 'live facts off (no paused capture)');
      for (const l of this.listeners) l();
      this.refreshCodeLens();
    });

    connection.onHover((params) =>
      this.answer('hover', null, async () => {
        const t = this.target(params.textDocument.uri);
        if (!t) return null;
        const outline = await this.outlineOf(t.doc);
        const facts = variableFacts(t.loaded, t.path, outline, params.position);
        if (!facts) return null;
        const needsSetting = !facts.object.allocation && !facts.capture.allocationsRecorded;
        const trackAllocations = needsSetting && (await this.trackAllocations(t.doc.uri));
        const hover: Hover = {
          contents: {
            kind: MarkupKind.Markdown,
            value: variableHoverMarkdown(facts, { trackAllocations }),
          },
          range: facts.range,
        };
        return hover;
      }),
    );

    connection.onCodeLens((params) =>
      this.answer('CodeLens', [], async () => {
        const t = this.target(params.textDocument.uri);
        if (!t) return [];
        const result = classFacts(t.loaded, t.path, await this.outlineOf(t.doc));
        return result.classes.map((c): CodeLens => {
          const args: ShowInGraphArgs | null = c.focus
            ? { snapshotId: result.capture.snapshotId, address: c.focus }
            : null;
          return {
            range: c.range,
            command: {
              title: classLensTitle(c),
              tooltip: classLensTooltip(c, result.capture),
              command: args ? SHOW_IN_GRAPH_COMMAND : '',
              arguments: args ? [args] : undefined,
            },
          };
        });
      }),
    );

    connection.onRequest(AllocationSitesRequest, (params) => {
      const t = this.target(isObject(params) ? params.uri : undefined);
      return t ? allocationSites(t.loaded, t.path) : null;
    });
  }

  /**
   * A hover or CodeLens, or `none` when it fails: the editor asks for them all the time, so a
   * failure is logged here rather than shown to the user.
   */
  private async answer<T>(what: string, none: T, compute: () => Promise<T>): Promise<T> {
    try {
      return await compute();
    } catch (error) {
      this.connection?.console.warn(`live facts: ${what} failed: ${(error as Error).message}`);
      return none;
    }
  }

  /** The capture, the document and its path, when the capture can say anything about it. */
  private target(uri: unknown): { loaded: LoadedSnapshot; path: string; doc: TextDocument } | null {
    const loaded = this.current();
    if (!loaded || typeof uri !== 'string') return null;
    const path = filePathOf(uri);
    const doc = this.documents?.get(uri);
    if (!path || !doc || !captureKnowsFile(loaded, path)) return null;
    return { loaded, path, doc };
  }

  /** `heapInspector.trackAllocations` for the document's folder (false when it cannot be asked). */
  private async trackAllocations(uri: string): Promise<boolean> {
    if (!this.client.workspace?.configuration || !this.connection) return false;
    try {
      const value: unknown = await this.connection.workspace.getConfiguration({
        scopeUri: uri,
        section: TRACK_ALLOCATIONS,
      });
      return value === true;
    } catch {
      return false;
    }
  }

  private refreshCodeLens(): void {
    if (!this.client.workspace?.codeLens?.refreshSupport || !this.connection) return;
    this.connection
      .sendRequest(CodeLensRefreshRequest.type)
      .catch((error: Error) =>
        this.connection?.console.warn(`CodeLens refresh failed: ${error.message}`),
      );
  }
}
