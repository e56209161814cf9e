/**
 * The language server (bundled into dist/server.js, started by the extension through
 * vscode-languageclient over IPC). It hosts the heap engine: snapshots are parsed and analysed
 * here, in their own process, never in the extension host.
 *
 * Features are modules implementing ServerFeature (server/lsp/feature.ts), listed below: the heap
 * requests of protocol/lsp.ts, the lint diagnostics and quick fixes, the live facts of the
 * current capture (hovers, CodeLens, allocation sites), the collector stepper, the `.heapsnapshot`
 * export.
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ExportFeature } from './lsp/exportFeature';
import type { ServerContext, ServerFeature } from './lsp/feature';
import { HeapFeature } from './lsp/heapFeature';
import { LintFeature } from './lsp/lintFeature';
import { LiveFactsFeature } from './lsp/liveFactsFeature';
import { StepFeature } from './lsp/stepFeature';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const context: ServerContext = { connection, documents };

const heap = new HeapFeature();
const live = new LiveFactsFeature(heap.store);
const features: ServerFeature[] = [
  heap,
  new LintFeature(live),
  live,
  new StepFeature(heap.store),
  new ExportFeature(heap.store),
];

for (const feature of features) feature.register(context);

connection.onInitialize((params): InitializeResult => {
  let capabilities: ServerCapabilities = {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  };
  for (const feature of features) {
    capabilities = { ...capabilities, ...(feature.capabilities?.(params) ?? {}) };
  }
  return {
    capabilities,
    serverInfo: { name: 'Python Heap Inspector language server', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  for (const feature of features) {
    try {
      await feature.initialized?.(context);
    } catch (error) {
      connection.console.error(`${feature.name}: ${(error as Error).stack ?? String(error)}`);
    }
  }
  connection.console.log(
    `ready (${features.map((f) => f.name).join(', ')}; node ${process.version})`,
  );
});

connection.onShutdown(() => {
  for (const feature of features) feature.dispose?.();
});

documents.listen(connection);
connection.listen();
