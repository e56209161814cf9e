/**
 * The Python extension (`ms-python.python`), through its API (`@vscode/python-extension`): the
 * active interpreter for a file. Asked after the Python Environments extension.
 */
import * as vscode from 'vscode';
import type { PythonExtension } from '@vscode/python-extension';
import type { InterpreterCandidate } from './interpreterChoice';
import { OptionalExtension, type DiscoveryLog } from './optionalExtension';

export const PYTHON_EXTENSION_ID = 'ms-python.python';
/** Its interpreter picker. */
export const SET_INTERPRETER_COMMAND = 'python.setInterpreter';

export type EnvironmentsApi = Pick<PythonExtension, 'environments'>;

function isPythonExtensionApi(exports: unknown): exports is EnvironmentsApi {
  const environments = (exports as { environments?: Record<string, unknown> }).environments;
  return (
    typeof environments?.getActiveEnvironmentPath === 'function' &&
    typeof environments.resolveEnvironment === 'function'
  );
}

export function pythonExtension(
  log: DiscoveryLog,
  onChange: () => void,
): OptionalExtension<EnvironmentsApi> {
  return new OptionalExtension(
    PYTHON_EXTENSION_ID,
    'the Python extension',
    isPythonExtensionApi,
    log,
    (api) => [api.environments.onDidChangeActiveEnvironmentPath(onChange)],
  );
}

/** The active interpreter for `resource`, resolved to its executable. */
export async function activeInterpreterCandidate(
  api: EnvironmentsApi,
  resource: vscode.Uri | undefined,
): Promise<InterpreterCandidate | undefined> {
  const active = api.environments.getActiveEnvironmentPath(resource);
  const resolved = await api.environments.resolveEnvironment(active);
  const path = resolved?.executable.uri?.fsPath ?? active.path;
  return path ? { executable: path, args: [], source: 'python-extension' } : undefined;
}
