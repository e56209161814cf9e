/**
 * Which Python runs the user's file when no debug session is there, in this order:
 *   1. the environment the Python Environments extension selected for the file;
 *   2. the Python extension's active interpreter for it;
 *   3. the `heapInspector.pythonPath` setting (VS Code ignores a workspace's value in an
 *      untrusted workspace: the setting is restricted in package.json);
 *   4. $HEAP_INSPECTOR_PYTHON, then `python3` and `python` on PATH.
 * Neither extension is required: each is used if installed, and one that fails (does not
 * activate, gives no API, throws, names nothing that runs) is a log line and the next place is
 * asked. Later places are only asked when needed (no extension is activated for nothing). The
 * choice is probed (CPython 3.8+) once per command and cached until the setting or an
 * extension's selection changes. Callers check workspace trust before asking.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { PythonInfo } from '../../server/runner/pythonInfo';
import { log } from '../log';
import { affectsSetting, setting } from '../settings';
import {
  chooseInterpreter,
  type CandidateSource,
  type Interpreter,
  type InterpreterCandidate,
  type ProbeResult,
} from './interpreterChoice';
import type { DiscoveryLog } from './optionalExtension';
import { environmentCandidate, pythonEnvironments } from './pythonEnvironments';
import { activeInterpreterCandidate, pythonExtension } from './pythonExtension';

export { InterpreterError, type Interpreter, type InterpreterSource } from './interpreterChoice';

const PROBE =
  'import sys; print(sys.implementation.name, *sys.version_info[:3], sys.implementation.cache_tag, sys.executable, sep="|")';

/**
 * Runs `executable args… -c PROBE`. What runs the program afterwards is the interpreter that
 * answered (`sys.executable`): a run command's arguments (a launcher's version flag, say) only
 * choose it.
 */
function probe(candidate: InterpreterCandidate): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      candidate.executable,
      [...candidate.args, '-c', PROBE],
      { timeout: 30_000, encoding: 'utf8' },
      (error, stdout) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return resolve('missing');
        const parts = (stdout ?? '').trim().split('|');
        if (error || parts.length < 6 || !/^\d+$/.test(parts[1] ?? '')) {
          return resolve('not-python');
        }
        const info: PythonInfo = {
          executable: parts[5] || candidate.executable,
          implementation: parts[0],
          version: [Number(parts[1]), Number(parts[2]), Number(parts[3])],
          cacheTag: parts[4],
        };
        resolve(info);
      },
    );
  });
}

/** The extension's log, looked up at each line (it is created at activation). */
const extensionLog: DiscoveryLog = {
  debug: (message) => log().debug(message),
  info: (message) => log().info(message),
  warn: (message) => log().warn(message),
};

export class InterpreterService implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<ProbeResult>>();
  private readonly forget = (): void => this.cache.clear();
  readonly environments: ReturnType<typeof pythonEnvironments>;
  readonly pythonExtension: ReturnType<typeof pythonExtension>;
  private readonly disposables: vscode.Disposable[] = [];

  /** `discoveryLog`: where discovery's log lines go (by default the extension's log). */
  constructor(private readonly discoveryLog: DiscoveryLog = extensionLog) {
    this.environments = pythonEnvironments(discoveryLog, this.forget);
    this.pythonExtension = pythonExtension(discoveryLog, this.forget);
    this.disposables.push(
      this.environments,
      this.pythonExtension,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsSetting(e, 'pythonPath')) this.forget();
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** The configured interpreter path, if any (`${workspaceFolder}` and `~` expanded). */
  configuredPath(resource?: vscode.Uri): string | undefined {
    const value = setting('pythonPath', resource).trim();
    if (!value) return undefined;
    const folder =
      (resource && vscode.workspace.getWorkspaceFolder(resource)) ??
      vscode.workspace.workspaceFolders?.[0];
    return value
      .replace(/\$\{workspaceFolder\}/g, folder?.uri.fsPath ?? '')
      .replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~');
  }

  /** The places that may name an interpreter for `resource`, in order (each asked lazily). */
  sources(resource?: vscode.Uri): CandidateSource[] {
    const command = (executable: string, source: InterpreterCandidate['source']) => ({
      executable,
      args: [],
      source,
    });
    return [
      {
        source: 'python-environments',
        find: async () => {
          const api = await this.environments.api();
          return api && environmentCandidate(api, resource, this.discoveryLog);
        },
      },
      {
        source: 'python-extension',
        find: async () => {
          const api = await this.pythonExtension.api();
          return api && activeInterpreterCandidate(api, resource);
        },
      },
      {
        source: 'setting',
        find: () => {
          const configured = this.configuredPath(resource);
          return configured ? command(configured, 'setting') : undefined;
        },
      },
      {
        source: 'environment',
        find: () => {
          const fromEnvironment = process.env.HEAP_INSPECTOR_PYTHON;
          return fromEnvironment ? command(fromEnvironment, 'environment') : undefined;
        },
      },
      { source: 'path', find: () => command('python3', 'path') },
      { source: 'path', find: () => command('python', 'path') },
    ];
  }

  /** The interpreter to run `resource` with, checked (CPython 3.8+); throws InterpreterError. */
  resolve(resource?: vscode.Uri): Promise<Interpreter> {
    return chooseInterpreter(this.sources(resource), (c) => this.probeCached(c), this.discoveryLog);
  }

  private probeCached(candidate: InterpreterCandidate): Promise<ProbeResult> {
    const key = JSON.stringify([candidate.executable, ...candidate.args]);
    let result = this.cache.get(key);
    if (!result) {
      result = probe(candidate);
      this.cache.set(key, result);
    }
    return result;
  }
}
