/**
 * "Export as .heapsnapshot" (heapInspector.exportHeapsnapshot): the active heap view's snapshot in
 * V8's heap snapshot format (docs/export.md), then opened in VS Code's own heap snapshot viewer
 * (the built-in ms-vscode.vscode-js-profile-table extension): class table, retainers, retained
 * sizes. The language server writes the file; the extension host only chooses where.
 */
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import {
  Command,
  executeCommand,
  type ExportHeapsnapshotOptions,
  type ExportOutcome,
} from '../commands';
import type { HeapClient } from '../heapClient';
import { log } from '../log';
import type { HeapPanel, HeapPanels } from '../panel/heapPanel';
import { reportFailure, UserActionNeeded } from '../ui/notify';

/** The built-in extension that opens `*.heapsnapshot` files, and its editor for them. */
export const HEAP_VIEWER_EXTENSION = 'ms-vscode.vscode-js-profile-table';
export const HEAP_VIEWER_EDITOR = 'jsProfileVisualizer.heapsnapshot.table';

/** The heap view to export: the active one, else the only visible one, else the only one. */
function panelToExport(panels: HeapPanels): HeapPanel | undefined {
  const all = panels.all().filter((p) => p.snapshotId !== undefined);
  const visible = all.filter((p) => p.panel.visible);
  return (
    panels.active() ??
    (visible.length === 1 ? visible[0] : undefined) ??
    (all.length === 1 ? all[0] : undefined)
  );
}

/** `app.py` line 42 → `app-42.heapsnapshot`; a snapshot file `x.heapsnap` → `x.heapsnapshot`. */
export function defaultFileName(panel: HeapPanel): string {
  const safe = (text: string) => text.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'heap';
  const target = panel.target;
  switch (target.kind) {
    case 'run':
      return `${safe(basename(target.file).replace(/\.py$/, ''))}-${target.line}.heapsnapshot`;
    case 'file':
      return `${safe(basename(target.path).replace(/\.heapsnap$/, ''))}.heapsnapshot`;
    case 'session':
      return `${safe(target.sessionName)}.heapsnapshot`;
  }
}

function defaultFolder(panel: HeapPanel): vscode.Uri | undefined {
  if (panel.target.kind === 'file') return vscode.Uri.file(dirname(panel.target.path));
  if (panel.target.kind === 'run') {
    const file = vscode.Uri.file(panel.target.file);
    return vscode.workspace.getWorkspaceFolder(file)?.uri ?? vscode.Uri.file(dirname(file.fsPath));
  }
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

function asUri(target: vscode.Uri | string): vscode.Uri {
  return typeof target === 'string' ? vscode.Uri.file(target) : target;
}

export class HeapsnapshotExport {
  constructor(
    private readonly panels: HeapPanels,
    private readonly client: HeapClient,
  ) {}

  /** From a menu VS Code may pass its own arguments: only an options object is read. */
  async run(options?: ExportHeapsnapshotOptions): Promise<ExportOutcome | undefined> {
    const given =
      typeof options === 'object' && options !== null && !(options instanceof vscode.Uri)
        ? options
        : {};
    try {
      return await this.export(given);
    } catch (error) {
      void reportFailure(error, 'Export as .heapsnapshot');
      return undefined;
    }
  }

  private async export(options: ExportHeapsnapshotOptions): Promise<ExportOutcome | undefined> {
    const panel = panelToExport(this.panels);
    const snapshotId = panel?.snapshotId;
    if (!panel || !snapshotId) {
      throw new UserActionNeeded(
        'Export as .heapsnapshot exports the heap view in front: capture a heap (Inspect Heap Here) or open a snapshot first.',
        [{ title: 'Open Heap Snapshot…', run: () => executeCommand(Command.OpenSnapshot) }],
      );
    }
    let target = options.target !== undefined ? asUri(options.target) : undefined;
    if (!target) {
      const folder = defaultFolder(panel);
      const name = defaultFileName(panel);
      target = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
        filters: { 'V8 heap snapshot': ['heapsnapshot'] },
        saveLabel: 'Export',
        title: 'Export the heap as .heapsnapshot (Chrome DevTools, VS Code, memlab)',
      });
    }
    if (!target) return undefined;
    if (target.scheme !== 'file') {
      throw new UserActionNeeded(
        `Export as .heapsnapshot writes files on this machine only: choose a file, not ${target.scheme}: ${target.path}.`,
      );
    }
    const path = target.fsPath;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting ${basename(path)}…` },
      () => this.client.exportHeapsnapshot(snapshotId, path),
    );
    log().info(
      `exported ${snapshotId} to ${path}: ${result.objects} objects (${result.unreachable} unreachable), ${result.edges} references, ${result.bytes} bytes in ${result.seconds.toFixed(2)} s`,
    );
    const outcome: ExportOutcome = {
      path,
      objects: result.objects,
      nodes: result.nodes,
      edges: result.edges,
      unreachable: result.unreachable,
      bytes: result.bytes,
      openedWith: null,
    };
    if (options.open === false) return outcome;
    if (vscode.extensions.getExtension(HEAP_VIEWER_EXTENSION)) {
      await vscode.commands.executeCommand('vscode.openWith', target, HEAP_VIEWER_EDITOR);
      outcome.openedWith = HEAP_VIEWER_EDITOR;
    } else {
      void vscode.window
        .showInformationMessage(
          `Exported ${basename(path)}. VS Code's heap snapshot viewer (${HEAP_VIEWER_EXTENSION}) is not installed here: open the file in Chrome DevTools (Memory, Load…).`,
          'Reveal in File Explorer',
        )
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('revealFileInOS', target);
        });
    }
    return outcome;
  }
}
