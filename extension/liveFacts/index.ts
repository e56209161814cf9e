/**
 * Live facts in the editor, from the current capture (liveCapture.ts). The language server
 * answers the hover on a name of the paused program (type, size, reference count, reference
 * cycle, whether the next collection frees it, its finalizer, why it is alive, where it was
 * allocated, "Show in Heap Graph") and the CodeLens on each class (live instances, in cycles,
 * unreachable) as standard LSP, through the language client. What needs the extension:
 *
 * - the gutter decoration (and the text after the line) on each line that allocated objects the
 *   capture found unreachable or kept alive by their own `weakref.finalize`, with a hover listing
 *   them; the server says which lines and with which words (allocation sites need tracemalloc:
 *   `heapInspector.trackAllocations`);
 * - "Show in Heap Graph", the command the hovers and CodeLens link to.
 *
 * While a debug session is paused, VS Code shows its own debug hover over names: hold Alt (Option
 * on macOS) for these, or use "Show Hover" (Ctrl+K Ctrl+I).
 */
import * as vscode from 'vscode';
import { SHOW_IN_GRAPH_COMMAND, type ShowInGraphArgs } from '../../protocol/lsp';
import { InternalCommand, registerCommand } from '../commands';
import type { HeapClient } from '../heapClient';
import type { DebugSessionTracker } from '../debug/sessionTracker';
import { log } from '../log';
import type { HeapPanels } from '../panel/heapPanel';
import { affectsSetting } from '../settings';
import { LiveCapture, type LiveCaptureInfo } from './liveCapture';

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

/** The server's Markdown, with its theme icons and its links to "Show in Heap Graph" only. */
function trusted(markdown: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(markdown, true);
  md.isTrusted = { enabledCommands: [SHOW_IN_GRAPH_COMMAND] };
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
      options.push({
        range,
        hoverMessage: trusted(site.hover),
        renderOptions: { after: { contentText: site.annotation } },
      });
      lines.push({ line: site.line, text: site.annotation, hover: site.hover });
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
    registerCommand(InternalCommand.ShowInGraph, showInGraph),
    live.onDidChange(() => decorations.refresh()),
    vscode.window.onDidChangeVisibleTextEditors(() => decorations.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSetting(e, 'trackAllocations')) decorations.refresh();
    }),
  );

  return {
    current: () => live.current,
    decorations: (uri) => decorations.decorations(uri),
    settled: () => decorations.settled(),
  };
}
