/** The extension activates and its commands work, inside the real extension host. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type ITest, waitFor } from './support';

export const EXTENSION_ID = 'python-heap-inspector.python-heap-inspector';

export const tests: ITest[] = [
  {
    name: 'extension activates',
    fn: async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `${EXTENSION_ID} is not loaded (extensionDevelopmentPath?)`);
      await ext.activate();
      assert.equal(ext.isActive, true);
    },
  },
  {
    name: 'heapInspector.showLog is registered and runs',
    fn: async () => {
      const commands = await vscode.commands.getCommands(true);
      assert.ok(
        commands.includes('heapInspector.showLog'),
        'command heapInspector.showLog not registered',
      );
      const contributed = (
        vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as {
          contributes?: { commands?: { command: string; title: string; category?: string }[] };
        }
      ).contributes?.commands?.find((c) => c.command === 'heapInspector.showLog');
      assert.deepEqual(
        { title: contributed?.title, category: contributed?.category },
        { title: 'Show Log', category: 'Heap Inspector' },
      );
      await vscode.commands.executeCommand('heapInspector.showLog');
      // The channel's document opens once the Output view shows it.
      const doc = await waitFor(
        () =>
          vscode.workspace.textDocuments.find(
            (d) =>
              d.uri.scheme === 'output' &&
              /Python Heap Inspector/i.test(decodeURIComponent(d.uri.toString())),
          ),
        10_000,
        'the "Python Heap Inspector" output channel to be shown',
      );
      await waitFor(
        () => (/activated/.test(doc.getText()) ? true : undefined),
        10_000,
        'the activation log line',
      );
    },
  },
];
