/**
 * "Heap Inspector: Select Interpreter": with the Python extension, its own interpreter picker
 * (the heap inspector follows its choice); without it, a quick pick of interpreters found on PATH
 * plus "Browse…", saved to `heapInspector.pythonPath`.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { InterpreterService } from './interpreter';

function which(name: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe =
      'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3]); print(sys.implementation.name)';
    execFile(name, ['-c', probe], { timeout: 10_000, encoding: 'utf8' }, (error, stdout) => {
      if (error) return resolve(undefined);
      const [exe, version, impl] = stdout.trim().split('\n');
      resolve(exe ? `${exe}\t${impl} ${version}` : undefined);
    });
  });
}

export async function selectInterpreter(interpreters: InterpreterService): Promise<void> {
  if (await interpreters.pythonExtension()) {
    await vscode.commands.executeCommand('python.setInterpreter');
    return;
  }
  const found = new Map<string, string>();
  for (const name of [
    'python3',
    'python',
    'python3.13',
    'python3.12',
    'python3.11',
    'python3.10',
    'python3.9',
    'python3.8',
  ]) {
    const hit = await which(name);
    if (hit) {
      const [exe, description] = hit.split('\t');
      if (!found.has(exe)) found.set(exe, description);
    }
  }
  const current = interpreters.configuredPath();
  type Item = vscode.QuickPickItem & { path?: string; browse?: boolean };
  const items: Item[] = [...found].map(([path, description]) => ({
    label: path,
    description: `${description}${path === current ? ' · current' : ''}`,
    path,
  }));
  items.push({ label: '$(folder-opened) Browse…', browse: true, alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Python interpreter for the Heap Inspector',
    placeHolder: current ? `Current: ${current}` : 'CPython 3.8 or newer',
  });
  if (!picked) return;
  let path = picked.path;
  if (picked.browse) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false,
      title: 'Select a Python interpreter',
    });
    path = chosen?.[0]?.fsPath;
  }
  if (!path) return;
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('heapInspector').update('pythonPath', path, target);
  try {
    const info = await interpreters.resolve();
    void vscode.window.showInformationMessage(
      `Heap Inspector will run ${info.executable} (CPython ${info.version.join('.')}).`,
    );
  } catch (error) {
    void vscode.window.showWarningMessage(`Heap Inspector: ${(error as Error).message}`);
  }
}
