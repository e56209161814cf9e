/**
 * The extension's contributions inside the real extension host: every command registered and in
 * the manifest under "Heap Inspector" with its menus, every setting described, and the language
 * server running.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type ITest, waitFor } from './support';
import { api } from './debugHelpers';

/** The command registry, the manifest and the menus agree. */
export const contributionTests: ITest[] = [
  {
    name: 'every command is registered and contributed under "Heap Inspector", with its menus',
    fn: async () => {
      await api();
      const registered = await vscode.commands.getCommands(true);
      const pkg = vscode.extensions.getExtension('python-heap-inspector.python-heap-inspector')!
        .packageJSON as {
        contributes: {
          commands: { command: string; title: string; category?: string }[];
          menus: Record<string, { command: string; when?: string }[]>;
          configuration: {
            properties: Record<string, { description?: string; markdownDescription?: string }>;
          };
        };
        capabilities: { untrustedWorkspaces: { supported: unknown } };
      };
      const ids = [
        'heapInspector.showLog',
        'heapInspector.inspectHere',
        'heapInspector.inspectVariable',
        'heapInspector.recapture',
        'heapInspector.selectInterpreter',
        'heapInspector.openSnapshot',
        'heapInspector.cancelCapture',
        'heapInspector.exportHeapsnapshot',
        'heapInspector.trackGrowthHere',
        'heapInspector.stopTrackingGrowth',
      ];
      for (const id of ids) {
        assert.ok(registered.includes(id), `${id} is not registered`);
        const c = pkg.contributes.commands.find((x) => x.command === id);
        assert.equal(
          c?.category,
          'Heap Inspector',
          `${id} is not contributed under Heap Inspector`,
        );
      }
      assert.deepEqual(
        pkg.contributes.commands.map((c) => c.command).sort(),
        [...ids].sort(),
        'contributed commands that are not registered',
      );
      const title = (id: string) => pkg.contributes.commands.find((c) => c.command === id)?.title;
      assert.equal(title('heapInspector.inspectHere'), 'Inspect Heap Here');
      assert.equal(title('heapInspector.inspectVariable'), 'Inspect in Heap Graph');
      const menu = (name: string, id: string) =>
        pkg.contributes.menus[name]?.find((m) => m.command === id);
      assert.match(
        menu('editor/context', 'heapInspector.inspectHere')?.when ?? '',
        /editorLangId == '?python'?/,
      );
      assert.match(
        menu('debug/callstack/context', 'heapInspector.inspectHere')?.when ?? '',
        /stackFrame/,
      );
      assert.match(
        menu('debug/variables/context', 'heapInspector.inspectVariable')?.when ?? '',
        /debugpy/,
      );
      assert.equal(title('heapInspector.trackGrowthHere'), 'Track Growth Here');
      for (const where of ['editor/context', 'editor/lineNumber/context']) {
        assert.match(
          menu(where, 'heapInspector.trackGrowthHere')?.when ?? '',
          /editorLangId == '?python'?/,
        );
      }
      assert.match(
        menu('editor/title', 'heapInspector.exportHeapsnapshot')?.when ?? '',
        /activeWebviewPanelId == 'heapInspector.heapView'/,
      );
      for (const [key, p] of Object.entries(pkg.contributes.configuration.properties)) {
        assert.ok(
          (p.description ?? p.markdownDescription ?? '').length > 20,
          `setting ${key} has no description`,
        );
      }
      assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    },
  },
  {
    name: 'the language server runs',
    fn: async () => {
      const heap = await api();
      await waitFor(
        () => (heap.languageServerRunning() ? true : undefined),
        20_000,
        'the language server',
      );
    },
  },
];
