/**
 * The Python Environments extension (`ms-python.vscode-python-envs`, VS Code's default for Python
 * environments since early 2026), through its API (`@vscode/python-environments`, types only):
 * the environment it has selected for a file, and how to run it.
 */
import * as vscode from 'vscode';
import type { PythonEnvironment, PythonEnvironmentApi } from '@vscode/python-environments';
import type { InterpreterCandidate } from './interpreterChoice';
import { OptionalExtension, type DiscoveryLog } from './optionalExtension';

export const PYTHON_ENVIRONMENTS_ID = 'ms-python.vscode-python-envs';
/** Its "Set Project Environment" picker (with no argument: the project(s), then the environment). */
export const SET_ENVIRONMENT_COMMAND = 'python-envs.set';

export type EnvironmentsApi = Pick<
  PythonEnvironmentApi,
  'getEnvironment' | 'resolveEnvironment' | 'onDidChangeEnvironment'
>;

function isEnvironmentsApi(exports: unknown): exports is EnvironmentsApi {
  const api = exports as Partial<Record<keyof EnvironmentsApi, unknown>>;
  return typeof api.getEnvironment === 'function' && typeof api.resolveEnvironment === 'function';
}

export function pythonEnvironments(
  log: DiscoveryLog,
  onChange: () => void,
): OptionalExtension<EnvironmentsApi> {
  return new OptionalExtension(
    PYTHON_ENVIRONMENTS_ID,
    'the Python Environments extension',
    isEnvironmentsApi,
    log,
    (api) =>
      typeof api.onDidChangeEnvironment === 'function'
        ? [api.onDidChangeEnvironment(onChange)]
        : [],
  );
}

/**
 * The environment's run command for `resource` (its file, folder or the workspace): `execInfo.run`,
 * the interpreter itself — not `activatedRun` (e.g. `conda run …`), which wraps it in a manager.
 * Undefined when no environment is selected; a broken one is logged and passed over.
 */
export async function environmentCandidate(
  api: EnvironmentsApi,
  resource: vscode.Uri | undefined,
  log: DiscoveryLog,
): Promise<InterpreterCandidate | undefined> {
  let environment: PythonEnvironment | undefined = await api.getEnvironment(resource);
  if (!environment) {
    log.debug('the Python Environments extension has no environment selected here');
    return undefined;
  }
  if (environment.error) {
    log.warn(
      `the Python Environments extension's environment ${environment.displayName} is broken (${environment.error}); trying the next place`,
    );
    return undefined;
  }
  // An environment may come without its run details until resolved.
  if (!environment.execInfo?.run?.executable) {
    environment = await api.resolveEnvironment(environment.environmentPath);
  }
  const run = environment?.execInfo?.run;
  if (!run?.executable) {
    log.warn("the Python Environments extension's environment has no interpreter to run");
    return undefined;
  }
  return { executable: run.executable, args: run.args ?? [], source: 'python-environments' };
}
