/**
 * "Export as .heapsnapshot" inside the real extension host: the heap view of a snapshot of
 * test/fixtures/export/session_service.py (captured by the outer test with the CLI, its path in
 * $HEAP_INSPECTOR_EXPORT_SNAPSHOT) is exported by the command and opened in VS Code's built-in
 * heap snapshot viewer; at the checkpoints the outer test reads the viewer's table and clicks the
 * heap view's title-bar action, which asks where to save with the save dialog.
 */
import * as assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { checkpoint, waitFor, type ITest } from './support';

const VIEWER = 'jsProfileVisualizer.heapsnapshot.table';

interface ExportOutcome {
  path: string;
  objects: number;
  nodes: number;
  edges: number;
  unreachable: number;
  bytes: number;
  openedWith: string | null;
}

function snapshotPath(): string {
  const path = process.env.HEAP_INSPECTOR_EXPORT_SNAPSHOT;
  assert.ok(path && existsSync(path), 'HEAP_INSPECTOR_EXPORT_SNAPSHOT names the captured snapshot');
  return path;
}

/** The active tab, when it is VS Code's heap snapshot viewer on `path`. */
function viewerOn(path: string): vscode.Tab | undefined {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  const input = tab?.input;
  return input instanceof vscode.TabInputCustom &&
    input.viewType === VIEWER &&
    input.uri.fsPath === path
    ? tab
    : undefined;
}

/** Opens the snapshot in a heap view; returns the view's title. */
async function openHeapView(): Promise<string> {
  const opened = (await vscode.commands.executeCommand(
    'heapInspector.openSnapshot',
    vscode.Uri.file(snapshotPath()),
  )) as { panelTitle: string; unreachable: number } | undefined;
  assert.ok(opened, 'the snapshot opened in a heap view');
  assert.equal(opened.unreachable, 24, 'the 8 leaked Connection, Request and Socket triples');
  return opened.panelTitle;
}

export const tests: ITest[] = [
  {
    name: 'Export as .heapsnapshot writes the heap view’s snapshot and opens VS Code’s viewer on it',
    timeoutMs: 360_000,
    fn: async () => {
      assert.ok(
        vscode.extensions.getExtension('ms-vscode.vscode-js-profile-table'),
        'VS Code ships its heap snapshot viewer',
      );
      await openHeapView();
      const path = join(dirname(snapshotPath()), 'service.heapsnapshot');
      const outcome = (await vscode.commands.executeCommand('heapInspector.exportHeapsnapshot', {
        target: path,
      })) as ExportOutcome | undefined;
      assert.ok(outcome, 'the export returned an outcome (see the Python Heap Inspector log)');
      assert.equal(outcome.openedWith, VIEWER);
      assert.equal(statSync(path).size, outcome.bytes);
      assert.ok(outcome.unreachable >= 24, `unreachable: ${outcome.unreachable}`);
      await waitFor(() => viewerOn(path), 20_000, 'the viewer’s tab on the export');
      // The viewer parses the file in a worker: slow on a loaded machine.
      await checkpoint('viewer-open', { path, objects: outcome.objects }, 240_000);
    },
  },
  {
    name: 'the heap view’s title bar exports through the save dialog',
    timeoutMs: 120_000,
    fn: async () => {
      const title = await openHeapView();
      const path = join(dirname(snapshotPath()), 'from-title-bar.heapsnapshot');
      assert.ok(!existsSync(path));
      // The outer test clicks the action in the heap view's title bar and answers the dialog.
      await checkpoint('title-action', { path, title }, 90_000);
      await waitFor(() => (existsSync(path) ? true : undefined), 30_000, `${path} written`);
      await waitFor(() => viewerOn(path), 20_000, 'the viewer’s tab on the second export');
    },
  },
  {
    name: 'without a heap view the command writes nothing',
    fn: async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await waitFor(
        () => (vscode.window.tabGroups.all.every((g) => g.tabs.length === 0) ? true : undefined),
        10_000,
        'every editor closed',
      );
      const path = join(dirname(snapshotPath()), 'nothing.heapsnapshot');
      const outcome = await vscode.commands.executeCommand('heapInspector.exportHeapsnapshot', {
        target: path,
      });
      assert.equal(outcome, undefined);
      assert.ok(!existsSync(path), 'no file written');
      await checkpoint('no-heap-view', {}, 30_000);
    },
  },
];
