/**
 * Which Python runs the user's file when no debug session is there: the Python extension's
 * active interpreter for the file (@vscode/python-extension) when that extension is installed,
 * else the `heapInspector.pythonPath` setting, else `python3` / `python` on PATH. The choice is
 * probed (CPython 3.8+) once per executable and cached until the setting or the Python
 * extension's interpreter changes.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { PythonExtension } from '@vscode/python-extension';
import type { PythonInfo } from '../../cli/python';
import { MINIMUM_VERSION } from '../../cli/python';
import { log } from '../log';

export type InterpreterSource = 'python-extension' | 'setting' | 'path' | 'environment';

export interface Interpreter extends PythonInfo {
  source: InterpreterSource;
}

/** Why no usable interpreter was found; the message says what to do. */
export class InterpreterError extends Error {
  constructor(
    message: string,
    readonly kind: 'missing' | 'not-cpython' | 'too-old' | 'not-python',
  ) {
    super(message);
    this.name = 'InterpreterError';
  }
}

const PROBE =
  'import sys; print(sys.implementation.name, *sys.version_info[:3], sys.implementation.cache_tag, sys.executable, sep="|")';

function probe(executable: string): Promise<PythonInfo | 'missing' | 'not-python'> {
  return new Promise((resolve) => {
    execFile(executable, ['-c', PROBE], { timeout: 30_000, encoding: 'utf8' }, (error, stdout) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return resolve('missing');
      const parts = (stdout ?? '').trim().split('|');
      if (error || parts.length < 6 || !/^\d+$/.test(parts[1] ?? '')) return resolve('not-python');
      resolve({
        executable: parts[5] || executable,
        implementation: parts[0],
        version: [Number(parts[1]), Number(parts[2]), Number(parts[3])],
        cacheTag: parts[4],
      });
    });
  });
}

function check(info: PythonInfo, source: InterpreterSource): Interpreter {
  const version = info.version.join('.');
  const where = source === 'setting' ? ' (setting heapInspector.pythonPath)' : '';
  if (info.implementation !== 'cpython') {
    throw new InterpreterError(
      `${info.executable}${where} is ${info.implementation} ${version}: the heap inspector reads CPython's collector and needs CPython ${MINIMUM_VERSION.join('.')}+.`,
      'not-cpython',
    );
  }
  const [major, minor] = info.version;
  if (major < MINIMUM_VERSION[0] || (major === MINIMUM_VERSION[0] && minor < MINIMUM_VERSION[1])) {
    throw new InterpreterError(
      `${info.executable}${where} is Python ${version}: the heap inspector needs CPython ${MINIMUM_VERSION.join('.')}+.`,
      'too-old',
    );
  }
  return { ...info, source };
}

export class InterpreterService implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<PythonInfo | 'missing' | 'not-python'>>();
  private api: PythonExtension | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('heapInspector.pythonPath')) this.cache.clear();
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** The Python extension's API, when that extension is installed (activates it). */
  async pythonExtension(): Promise<PythonExtension | undefined> {
    if (this.api) return this.api;
    if (!vscode.extensions.getExtension('ms-python.python')) return undefined;
    try {
      this.api = await PythonExtension.api();
      this.disposables.push(
        this.api.environments.onDidChangeActiveEnvironmentPath(() => this.cache.clear()),
      );
      return this.api;
    } catch (error) {
      log().warn(
        `the Python extension is installed but its API is not available: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  /** The configured interpreter path, if any (`${workspaceFolder}` and `~` expanded). */
  configuredPath(resource?: vscode.Uri): string | undefined {
    const value = vscode.workspace
      .getConfiguration('heapInspector', resource)
      .get<string>('pythonPath')
      ?.trim();
    if (!value) return undefined;
    const folder =
      (resource && vscode.workspace.getWorkspaceFolder(resource)) ??
      vscode.workspace.workspaceFolders?.[0];
    return value
      .replace(/\$\{workspaceFolder\}/g, folder?.uri.fsPath ?? '')
      .replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~');
  }

  private probeCached(executable: string): Promise<PythonInfo | 'missing' | 'not-python'> {
    let p = this.cache.get(executable);
    if (!p) {
      p = probe(executable);
      this.cache.set(executable, p);
    }
    return p;
  }

  /** Candidates in order, with where each comes from. */
  async candidates(resource?: vscode.Uri): Promise<{ path: string; source: InterpreterSource }[]> {
    const out: { path: string; source: InterpreterSource }[] = [];
    const api = await this.pythonExtension();
    if (api) {
      try {
        const active = api.environments.getActiveEnvironmentPath(resource);
        const resolved = await api.environments.resolveEnvironment(active);
        const path = resolved?.executable.uri?.fsPath ?? active.path;
        if (path) out.push({ path, source: 'python-extension' });
      } catch (error) {
        log().warn(`the Python extension gave no interpreter: ${(error as Error).message}`);
      }
    }
    const configured = this.configuredPath(resource);
    if (configured) out.push({ path: configured, source: 'setting' });
    if (process.env.HEAP_INSPECTOR_PYTHON) {
      out.push({ path: process.env.HEAP_INSPECTOR_PYTHON, source: 'environment' });
    }
    out.push({ path: 'python3', source: 'path' }, { path: 'python', source: 'path' });
    return out;
  }

  /** The interpreter to run `resource` with, checked (CPython 3.8+); throws InterpreterError. */
  async resolve(resource?: vscode.Uri): Promise<Interpreter> {
    const tried: string[] = [];
    for (const candidate of await this.candidates(resource)) {
      const info = await this.probeCached(candidate.path);
      if (info === 'missing') {
        tried.push(candidate.path);
        if (candidate.source === 'setting') {
          throw new InterpreterError(
            `heapInspector.pythonPath is "${candidate.path}", which cannot be run. Select an interpreter.`,
            'missing',
          );
        }
        continue;
      }
      if (info === 'not-python') {
        throw new InterpreterError(
          `"${candidate.path}" is not Python 3 (Python 2, or not Python at all). Select a CPython ${MINIMUM_VERSION.join('.')}+ interpreter.`,
          'not-python',
        );
      }
      const checked = check(info, candidate.source);
      log().debug(
        `interpreter: ${checked.executable} (CPython ${checked.version.join('.')}, from ${candidate.source})`,
      );
      return checked;
    }
    throw new InterpreterError(
      `No Python found (tried ${tried.join(', ')}). Install CPython ${MINIMUM_VERSION.join('.')}+ or select an interpreter.`,
      'missing',
    );
  }
}
