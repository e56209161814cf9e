/**
 * Live facts in the language server: the extension says which loaded capture is current
 * (`SetLiveCaptureNotification`: the latest capture of a session still paused where it was
 * taken); hovers, allocation-site decorations and CodeLens ask about a document
 * (protocol/lsp.ts), and the lint diagnostics add a sentence from it (lintFeature.ts).
 */
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  AllocationSitesRequest,
  ClassFactsRequest,
  SetLiveCaptureNotification,
  VariableFactsRequest,
  type AllocationSitesParams,
  type AllocationSitesResult,
  type ClassFactsParams,
  type ClassFactsResult,
  type SetLiveCaptureParams,
  type VariableFactsParams,
  type VariableFactsResult,
} from '../../protocol/lsp';
import { DocumentOutline } from './documentOutline';
import type { ServerContext, ServerFeature } from './feature';
import { allocationSites, captureKnowsFile, classFacts, variableFacts } from './liveFacts';
import type { LoadedSnapshot } from './loadedSnapshot';
import type { SnapshotStore } from './snapshotStore';

/** `file:` URI → path; other schemes have no file the capture could know. */
export function filePathOf(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export class LiveFactsFeature implements ServerFeature {
  readonly name = 'live facts';
  private currentId: string | null = null;
  private readonly listeners: Array<() => void> = [];
  private readonly outlines = new Map<
    string,
    { version: number; outline: Promise<DocumentOutline> }
  >();
  private documents: ServerContext['documents'] | undefined;

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

  register({ connection, documents }: ServerContext): void {
    this.documents = documents;
    documents.onDidClose((e) => this.outlines.delete(e.document.uri));

    connection.onNotification(SetLiveCaptureNotification, (params: SetLiveCaptureParams) => {
      const id = params && typeof params.snapshotId === 'string' ? params.snapshotId : null;
      if (id === this.currentId) return;
      this.currentId = id;
      connection.console.log(id ? `live facts from ${id}` : 'live facts off (no paused capture)');
      for (const l of this.listeners) l();
    });

    /** The capture, the document and its path, when the capture can say anything about it. */
    const target = (uri: unknown) => {
      const loaded = this.current();
      if (!loaded || typeof uri !== 'string') return null;
      const path = filePathOf(uri);
      const doc = this.documents?.get(uri);
      if (!path || !doc || !captureKnowsFile(loaded, path)) return null;
      return { loaded, path, doc };
    };

    connection.onRequest(
      VariableFactsRequest,
      async (params: VariableFactsParams): Promise<VariableFactsResult> => {
        const t = target(params?.uri);
        if (!t || !params.position) return null;
        return variableFacts(t.loaded, t.path, await this.outlineOf(t.doc), params.position);
      },
    );

    connection.onRequest(
      AllocationSitesRequest,
      (params: AllocationSitesParams): AllocationSitesResult | null => {
        const t = target(params?.uri);
        return t ? allocationSites(t.loaded, t.path) : null;
      },
    );

    connection.onRequest(
      ClassFactsRequest,
      async (params: ClassFactsParams): Promise<ClassFactsResult | null> => {
        const t = target(params?.uri);
        return t ? classFacts(t.loaded, t.path, await this.outlineOf(t.doc)) : null;
      },
    );
  }
}
