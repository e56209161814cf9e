// Python Heap Inspector: VS Code extension entry point (bundled by scripts/build.mjs into
// dist/extension.js). It will hook Python debug sessions (debugpy) to capture the debuggee's heap;
// for now it owns the extension's log channel and the command that shows it.
import * as vscode from 'vscode';

let log: vscode.LogOutputChannel | undefined;

export function activate(context: vscode.ExtensionContext): void {
  log = vscode.window.createOutputChannel('Python Heap Inspector', { log: true });
  context.subscriptions.push(log);
  context.subscriptions.push(
    vscode.commands.registerCommand('heapInspector.showLog', () => log?.show(true)),
  );
  log.info(
    `activated (VS Code ${vscode.version}, ${vscode.env.appHost}, remote: ${vscode.env.remoteName ?? 'none'})`,
  );
}

export function deactivate(): void {
  log = undefined;
}
