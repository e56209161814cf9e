/**
 * "Heap Inspector: Select Interpreter": the picker of whichever extension the heap inspector
 * follows — the Python Environments extension's ("Set Project Environment"), else the Python
 * extension's; without either (or when its picker fails), a quick pick of interpreters found on
 * PATH plus "Browse…", saved to `heapInspector.pythonPath`.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { InterpreterService } from './interpreter';
import { log } from '../log';
import { updateSetting } from '../settings';
import { message } from './optionalExtension';
import { SET_ENVIRONMENT_COMMAND } from './pythonEnvironments';
import { SET_INTERPRETER_COMMAND } from './pythonExtension';

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

/** Runs another extension's picker; false (logged) when that fails. */
async function runPicker(command: string): Promise<boolean> {
  try {
    await vscode.commands.executeCommand(command);
    return true;
  } catch (error) {
    log().warn(`${command} failed: ${message(error)}`);
    return false;
  }
}

export async function selectInterpreter(interpreters: InterpreterService): Promise<void> {
  // As from the Command Palette: the Python Environments extension asks for the project(s),
  // then the environment (or sets the global one when there is no project).
  if (await interpreters.environments.api()) {
    if (await runPicker(SET_ENVIRONMENT_COMMAND)) return;
  }
  if (await interpreters.pythonExtension.api()) {
    if (await runPicker(SET_INTERPRETER_COMMAND)) return;
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
  await updateSetting('pythonPath', path, target);
  try {
    const info = await interpreters.resolve();
    void vscode.window.showInformationMessage(
      `Heap Inspector will run ${info.executable} (CPython ${info.version.join('.')}).`,
    );
  } catch (error) {
    void vscode.window.showWarningMessage(`Heap Inspector: ${(error as Error).message}`);
  }
}
