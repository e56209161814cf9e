/**
 * Live facts in the editor, from the current capture (liveCapture.ts):
 *
 * - a hover on a name in a frame of the paused stack (and on `a.b.c`): type, size, reference
 *   count, reference cycle, whether the next collection frees it, its finalizer, why it is alive,
 *   where it was allocated, and "Show in Heap Graph";
 * - a gutter decoration (and the count after the line) on each line that allocated objects the
 *   capture found unreachable or kept alive by their own `weakref.finalize`, with a hover listing
 *   them (allocation sites need tracemalloc: `heapInspector.trackAllocations`);
 * - a CodeLens on each class definition: live instances, in cycles, unreachable.
 *
 * While a debug session is paused, VS Code shows its own debug hover over names: hold Alt (Option
 * on macOS) for these, or use "Show Hover" (Ctrl+K Ctrl+I).
 */
import * as vscode from 'vscode';
import type { HeapClient } from '../client/heapClient';
import { trackAllocations } from '../debug/trackAllocations';
import type { DebugSessionTracker } from '../debug/sessionTracker';
import { log } from '../log';
import type { HeapPanels } from '../panel/heapPanel';
import {
  classLensTitle,
  SHOW_IN_GRAPH,
  siteAnnotation,
  siteHoverMarkdown,
  variableHoverMarkdown,
  type ShowInGraphArgs,
} from './format';
import { LiveCapture, type LiveCaptureInfo } from './liveCapture';

const PYTHON_FILES: vscode.DocumentSelector = { scheme: 'file', language: 'python' };

export interface DecoratedLine {
  /** 0-based. */
  line: number;
  text: string;
  hover: string;
}

/** For the extension-host tests (through the extension's API). */
export interface LiveFactsApi {
  current(): LiveCaptureInfo | null;
  /** The allocation-site decorations shown in the editors of `uri`. */
  decorations(uri: string): DecoratedLine[];
  /** Resolves once the decorations are up to date with the current capture. */
  settled(): Promise<void>;
}

function trusted(markdown: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(markdown, true);
  md.isTrusted = { enabledCommands: [SHOW_IN_GRAPH] };
  return md;
}

class AllocationDecorations implements vscode.Disposable {
  private readonly type: vscode.TextEditorDecorationType;
  private readonly shown = new Map<string, DecoratedLine[]>();
  private pending: Promise<void> = Promise.resolve();
  private generation = 0;

  constructor(
    extensionUri: vscode.Uri,
    private readonly live: LiveCapture,
  ) {
    this.type = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'leak-gutter.svg'),
      gutterIconSize: 'contain',
      overviewRulerColor: new vscode.ThemeColor('editorWarning.foreground'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      after: {
        color: new vscode.ThemeColor('editorCodeLens.foreground'),
        margin: '0 0 0 2.5em',
        fontStyle: 'italic',
      },
    });
  }

  decorations(uri: string): DecoratedLine[] {
    return this.shown.get(uri) ?? [];
  }

  settled(): Promise<void> {
    return this.pending;
  }

  refresh(): void {
    const generation = ++this.generation;
    const editors = vscode.window.visibleTextEditors.filter(
      (e) => e.document.languageId === 'python' && e.document.uri.scheme === 'file',
    );
    this.pending = this.pending
      .then(() => Promise.all(editors.map((e) => this.decorate(e, generation))))
      .then(() => undefined)
      .catch((error: Error) => log().warn(`live facts: decorations failed: ${error.message}`));
  }

  private async decorate(editor: vscode.TextEditor, generation: number): Promise<void> {
    const doc = editor.document;
    const result = await this.live.allocationSites(doc).catch((error: Error) => {
      log().debug(`live facts: allocation sites for ${doc.uri.fsPath}: ${error.message}`);
      return null;
    });
    if (generation !== this.generation) return;
    const options: vscode.DecorationOptions[] = [];
    const lines: DecoratedLine[] = [];
    for (const site of result?.sites ?? []) {
      if (site.line >= doc.lineCount) continue;
      const textLine = doc.lineAt(site.line);
      const range = new vscode.Range(
        site.line,
        textLine.firstNonWhitespaceCharacterIndex,
        site.line,
        textLine.text.length,
      );
      const text = siteAnnotation(site);
      const hover = siteHoverMarkdown(site, result!.capture);
      options.push({
        range,
        hoverMessage: trusted(hover),
        renderOptions: { after: { contentText: text } },
      });
      lines.push({ line: site.line, text, hover });
    }
    editor.setDecorations(this.type, options);
    this.shown.set(doc.uri.toString(), lines);
  }

  dispose(): void {
    this.type.dispose();
  }
}

export function registerLiveFacts(
  context: vscode.ExtensionContext,
  deps: { client: HeapClient; panels: HeapPanels; tracker: DebugSessionTracker },
): LiveFactsApi {
  const live = new LiveCapture(deps);
  const decorations = new AllocationDecorations(context.extensionUri, live);

  const hover: vscode.HoverProvider = {
    async provideHover(document, position, token) {
      const facts = await live.variable(document, position, token).catch((error: Error) => {
        log().debug(`live facts: hover: ${error.message}`);
        return null;
      });
      if (!facts || token.isCancellationRequested) return undefined;
      const r = facts.range;
      return new vscode.Hover(
        trusted(variableHoverMarkdown(facts, { trackAllocations: trackAllocations(document.uri) })),
        new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character),
      );
    },
  };

  const codeLens: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: live.onDidChange,
    async provideCodeLenses(document, token) {
      const result = await live.classes(document, token).catch(() => null);
      if (!result) return [];
      return result.classes.map((c) => {
        const range = new vscode.Range(
          c.range.start.line,
          c.range.start.character,
          c.range.end.line,
          c.range.end.character,
        );
        const args: ShowInGraphArgs | undefined = c.focus
          ? { snapshotId: result.capture.snapshotId, address: c.focus }
          : undefined;
        return new vscode.CodeLens(range, {
          title: classLensTitle(c),
          tooltip: `${c.qualname} in the latest capture (${result.capture.where})${args ? ': click to show one in the heap graph' : ''}`,
          command: args ? SHOW_IN_GRAPH : '',
          arguments: args ? [args] : undefined,
        });
      });
    },
  };

  const showInGraph = async (args?: ShowInGraphArgs): Promise<{ shown: boolean }> => {
    if (!args || typeof args.snapshotId !== 'string' || typeof args.address !== 'string') {
      return { shown: false };
    }
    const panel = deps.panels.all().find((p) => p.snapshotId === args.snapshotId);
    if (!panel) {
      void vscode.window.showWarningMessage(
        'Heap Inspector: the heap view of that capture is closed. Use Inspect Heap Here to capture again.',
      );
      return { shown: false };
    }
    const focus = await deps.client.focusView(args.snapshotId, args.address);
    if (focus.node === null) {
      void vscode.window.showWarningMessage(
        `Heap Inspector: the object ${args.address} is not in that capture.`,
      );
      return { shown: false };
    }
    panel.show(focus.view, args.snapshotId, panel.info.title, args.address);
    return { shown: true };
  };

  context.subscriptions.push(
    live,
    decorations,
    vscode.languages.registerHoverProvider(PYTHON_FILES, hover),
    vscode.languages.registerCodeLensProvider(PYTHON_FILES, codeLens),
    // Internal (hover links, CodeLens): not in the Command Palette, it needs an object.
    vscode.commands.registerCommand(SHOW_IN_GRAPH, showInGraph),
    live.onDidChange(() => decorations.refresh()),
    vscode.window.onDidChangeVisibleTextEditors(() => decorations.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('heapInspector.trackAllocations')) decorations.refresh();
    }),
  );

  return {
    current: () => live.current,
    decorations: (uri) => decorations.decorations(uri),
    settled: () => decorations.settled(),
  };
}
