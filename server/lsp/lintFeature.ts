/**
 * The finalizer-trap diagnostics (HI001–HI011, server/lint) in the editor: every open Python
 * document is linted (at once when opened, 300 ms after the last change), with the per-rule
 * settings `heapInspector.lint` (pulled per document with `workspace/configuration`, or pushed
 * with `didChangeConfiguration`, or given as `initializationOptions.lint`), suppression comments,
 * a link to each rule's page (`codeDescription.href`: the extension's docs/rules/HI00N.md), the
 * rules' quick fixes plus "suppress on this line" as code actions — and, while a capture is
 * current (liveFactsFeature.ts), what it says about the class the diagnostic is in.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  type ClientCapabilities,
  type CodeAction,
  type CodeActionParams,
  type Connection,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type InitializeParams,
  type ServerCapabilities,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  lintText,
  normalizeSettings,
  parseDirective,
  type LintDiagnostic,
  type LintSettings,
  type QuickFix,
  type RuleCode,
  type Severity,
} from '../lint/index';
import type { ServerContext, ServerFeature } from './feature';
import { collectorDisabled, diagnosticFact } from './liveFacts';
import { filePathOf, type LiveFactsFeature } from './liveFactsFeature';

/** Milliseconds after the last change before a document is linted again. */
export const LINT_DEBOUNCE_MS = 300;
export const SOURCE = 'heap-inspector';

/** `heapInspector.lint` as the client sends it. */
export interface LintConfiguration {
  enabled: boolean;
  settings: LintSettings;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toConfiguration(raw: unknown): LintConfiguration {
  const r = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  return { enabled: r.enabled !== false, settings: normalizeSettings({ rules: r.rules }) };
}

/** The folder holding docs/rules (next to dist/ in the extension, the repository from source). */
function findDocsRoot(): string | null {
  const start = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'docs', 'rules', 'HI001.md'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

interface LintResult {
  version: number;
  text: string;
  diagnostics: LintDiagnostic[];
}

export class LintFeature implements ServerFeature {
  readonly name = 'lint';
  private connection: Connection | undefined;
  private documents: ServerContext['documents'] | undefined;
  private client: ClientCapabilities = {};
  private initOptions: LintConfiguration | undefined;
  private pushed: LintConfiguration | undefined;
  private readonly configs = new Map<string, Promise<LintConfiguration>>();
  private readonly results = new Map<string, LintResult>();
  private readonly running = new Map<string, Promise<LintResult | null>>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly docsRoot = findDocsRoot();

  constructor(
    private readonly live?: LiveFactsFeature,
    private readonly debounceMs = LINT_DEBOUNCE_MS,
  ) {
    live?.onDidChange(() => this.republishAll());
  }

  capabilities(params: InitializeParams): ServerCapabilities {
    this.client = params.capabilities ?? {};
    const init = params.initializationOptions as { lint?: unknown } | undefined;
    if (init && typeof init === 'object' && 'lint' in init) {
      this.initOptions = toConfiguration(init.lint);
    }
    return {
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    };
  }

  register({ connection, documents }: ServerContext): void {
    this.connection = connection;
    this.documents = documents;
    documents.onDidChangeContent((e) => {
      const first = !this.results.has(e.document.uri) && !this.running.has(e.document.uri);
      this.schedule(e.document, first ? 0 : this.debounceMs);
    });
    documents.onDidClose((e) => {
      const uri = e.document.uri;
      clearTimeout(this.timers.get(uri));
      this.timers.delete(uri);
      this.results.delete(uri);
      this.configs.delete(uri);
      void connection.sendDiagnostics({ uri, diagnostics: [] });
    });
    connection.onDidChangeConfiguration((change) => {
      const settings = (change?.settings as { heapInspector?: { lint?: unknown } } | undefined)
        ?.heapInspector;
      if (settings && 'lint' in settings) this.pushed = toConfiguration(settings.lint);
      this.configs.clear();
      this.results.clear();
      for (const doc of documents.all()) this.schedule(doc, 0);
    });
    connection.onCodeAction((params) => this.codeActions(params));
  }

  async initialized(): Promise<void> {
    if (this.client.workspace?.didChangeConfiguration?.dynamicRegistration) {
      await this.connection?.client.register(DidChangeConfigurationNotification.type, {
        section: 'heapInspector',
      });
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  // ---- settings ----------------------------------------------------------------------------------

  private configuration(uri: string): Promise<LintConfiguration> {
    const fallback = this.pushed ?? this.initOptions ?? toConfiguration(undefined);
    if (!this.client.workspace?.configuration || !this.connection) return Promise.resolve(fallback);
    let c = this.configs.get(uri);
    if (!c) {
      c = this.connection.workspace
        .getConfiguration({ scopeUri: uri, section: 'heapInspector.lint' })
        .then(
          (raw: unknown) => (raw === null || raw === undefined ? fallback : toConfiguration(raw)),
          () => fallback,
        );
      this.configs.set(uri, c);
    }
    return c;
  }

  // ---- linting -----------------------------------------------------------------------------------

  private schedule(doc: TextDocument, delay: number): void {
    if (doc.languageId !== 'python') return;
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(
      doc.uri,
      setTimeout(() => {
        this.timers.delete(doc.uri);
        void this.lintAndPublish(doc.uri);
      }, delay),
    );
  }

  /** Lints the document's current version (once per version), or null when it is closed. */
  private lint(uri: string): Promise<LintResult | null> {
    const doc = this.documents?.get(uri);
    if (!doc) return Promise.resolve(null);
    const cached = this.results.get(uri);
    if (cached && cached.version === doc.version) return Promise.resolve(cached);
    const pending = this.running.get(uri);
    if (pending) return pending.then((r) => (r && r.version === doc.version ? r : this.lint(uri)));
    const version = doc.version;
    const text = doc.getText();
    const job = (async (): Promise<LintResult | null> => {
      const config = await this.configuration(uri);
      const diagnostics = config.enabled ? await lintText(text, config.settings) : [];
      const result = { version, text, diagnostics };
      if (this.documents?.get(uri)) this.results.set(uri, result);
      return result;
    })().finally(() => this.running.delete(uri));
    this.running.set(uri, job);
    return job;
  }

  private async lintAndPublish(uri: string): Promise<void> {
    try {
      const result = await this.lint(uri);
      const doc = this.documents?.get(uri);
      // A newer version is on its way: publish that one.
      if (!result || !doc || doc.version !== result.version) return;
      await this.publish(doc, result);
    } catch (error) {
      this.connection?.console.error(`lint ${uri}: ${(error as Error).stack ?? String(error)}`);
    }
  }

  private republishAll(): void {
    for (const doc of this.documents?.all() ?? []) {
      const result = this.results.get(doc.uri);
      if (result && result.version === doc.version) void this.publish(doc, result);
    }
  }

  private async publish(doc: TextDocument, result: LintResult): Promise<void> {
    const diagnostics = await this.toDiagnostics(doc, result);
    await this.connection?.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  }

  /** `file:` URI of a rule's page (`docs/rules/HI001.md`), when the pages are installed. */
  docsHref(relative: string): string | undefined {
    return this.docsRoot ? pathToFileURL(join(this.docsRoot, relative)).href : undefined;
  }

  private async toDiagnostics(doc: TextDocument, result: LintResult): Promise<Diagnostic[]> {
    const publish = this.client.textDocument?.publishDiagnostics;
    const related = publish?.relatedInformation === true;
    const links = publish?.codeDescriptionSupport === true;
    const loaded = this.live?.current() ?? null;
    const path = filePathOf(doc.uri);
    const outline =
      loaded && path && this.live && result.diagnostics.length > 0
        ? await this.live.outlineOf(doc).catch(() => null)
        : null;
    return result.diagnostics.map((d) => {
      let message = d.message;
      let relatedInformation: DiagnosticRelatedInformation[] | undefined;
      if (loaded && path && outline) {
        const cls = outline.classAt(d.range.start);
        const fact = cls ? diagnosticFact(loaded, path, cls.qualname, d.code) : null;
        if (fact && cls) {
          if (fact.suffix) message += `\n\n${fact.suffix}`;
          if (related) {
            relatedInformation = [
              { location: { uri: doc.uri, range: cls.nameRange }, message: fact.related },
            ];
          }
        } else if (d.code === 'HI011' && collectorDisabled(loaded)) {
          message += '\n\nRight now the cycle collector is disabled in the paused program.';
        }
      }
      const href = links ? this.docsHref(d.docs) : undefined;
      const diagnostic: Diagnostic = {
        range: d.range,
        severity: SEVERITY[d.severity],
        code: d.code,
        source: SOURCE,
        message,
      };
      if (href) diagnostic.codeDescription = { href };
      if (relatedInformation) diagnostic.relatedInformation = relatedInformation;
      return diagnostic;
    });
  }

  // ---- code actions ------------------------------------------------------------------------------

  private async codeActions(params: CodeActionParams): Promise<CodeAction[]> {
    const only = params.context.only;
    if (only && !only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return [];
    const uri = params.textDocument.uri;
    const result = await this.lint(uri);
    const doc = this.documents?.get(uri);
    if (!result || !doc || doc.version !== result.version) return [];
    const actions: CodeAction[] = [];
    const lines = result.text.split('\n');
    for (const sent of params.context.diagnostics) {
      if (sent.source !== SOURCE) continue;
      const d = result.diagnostics.find(
        (x) =>
          x.code === sent.code &&
          x.range.start.line === sent.range.start.line &&
          x.range.start.character === sent.range.start.character &&
          x.range.end.line === sent.range.end.line &&
          x.range.end.character === sent.range.end.character,
      );
      if (!d) continue;
      for (const fix of d.fixes) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [sent],
          isPreferred: true,
          edit: this.workspaceEdit(doc, fix.edits),
        });
      }
      const suppress = suppressionEdit(lines, d.code, d.range.start.line);
      if (suppress) {
        actions.push({
          title: `Suppress ${d.code} on this line`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [sent],
          edit: this.workspaceEdit(doc, [suppress]),
        });
      }
    }
    return actions;
  }

  private workspaceEdit(doc: TextDocument, edits: QuickFix['edits']): WorkspaceEdit {
    const lsp: LspTextEdit[] = edits.map((e) => ({ range: e.range, newText: e.newText }));
    if (this.client.workspace?.workspaceEdit?.documentChanges) {
      return {
        documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: lsp }],
      };
    }
    return { changes: { [doc.uri]: lsp } };
  }
}

/**
 * `# heap-inspector: ignore[CODE]` at the end of `line` (or the code added to a directive
 * already there); null where a comment cannot go (after a line continuation).
 */
export function suppressionEdit(lines: string[], code: RuleCode, line: number): LspTextEdit | null {
  const raw = lines[line];
  if (raw === undefined) return null;
  const text = raw.replace(/\r$/, '');
  if (/\\\s*$/.test(text)) return null;
  const directive = /#\s*heap-inspector\s*:\s*ignore\b(\s*\[([^\]]*)\])?/i.exec(text);
  if (directive) {
    const silenced = parseDirective(directive[0]);
    if (silenced === 'all' || silenced?.has(code)) return null;
    const start = directive.index;
    const codes = [...(silenced ?? []), code].join(', ');
    return {
      range: {
        start: { line, character: start },
        end: { line, character: start + directive[0].length },
      },
      newText: `# heap-inspector: ignore[${codes}]`,
    };
  }
  const end = text.length;
  const trimmed = text.replace(/\s+$/, '');
  return {
    range: { start: { line, character: trimmed.length }, end: { line, character: end } },
    newText: `  # heap-inspector: ignore[${code}]`,
  };
}
