/**
 * A feature of the language server: what it announces in `initialize` and the handlers it
 * registers on the connection. server/server.ts lists the features; each lives in its own module
 * (heapFeature.ts, lintFeature.ts, liveFactsFeature.ts, stepFeature.ts), so adding one touches
 * only that list.
 */
import type {
  Connection,
  InitializeParams,
  ServerCapabilities,
  TextDocuments,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';

export interface ServerContext {
  connection: Connection;
  /** Open text documents, synchronised by the client (incremental sync). */
  documents: TextDocuments<TextDocument>;
}

export interface ServerFeature {
  /** For log lines. */
  readonly name: string;
  /** Capabilities merged into the `initialize` result. */
  capabilities?(params: InitializeParams): ServerCapabilities;
  /** Registers request/notification handlers. Called once, before `initialize` is answered. */
  register(context: ServerContext): void;
  /** After the client's `initialized` notification (dynamic registrations, configuration). */
  initialized?(context: ServerContext): void | Promise<void>;
  dispose?(): void;
}
