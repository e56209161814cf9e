/**
 * `heapInspector.trackAllocations`: the Python programs the extension launches run with
 * tracemalloc on (`PYTHONTRACEMALLOC=1`: one frame, the line that allocated each object), so that
 * captures carry allocation sites and the editor can mark the lines that allocated leaking
 * objects. Launch sessions of the Python debug types get the variable through a debug
 * configuration provider (the sessions Inspect Heap Here starts, and the user's own); the agent's
 * runner gets `allocationTrackingEnv()`. A `PYTHONTRACEMALLOC` the configuration already sets is
 * kept. Attach sessions cannot be changed: their captures say allocation sites are not recorded.
 */
import * as vscode from 'vscode';
import { setting } from '../settings';
import { PYTHON_DEBUG_TYPES } from './sessionTracker';

/** Frames tracemalloc keeps per allocation: the agent only reads the innermost one. */
export const TRACEMALLOC_FRAMES = '1';

export function trackAllocations(scope?: vscode.Uri): boolean {
  return setting('trackAllocations', scope);
}

/** Environment for a program the extension runs itself (the agent's runner). */
export function allocationTrackingEnv(scope?: vscode.Uri): Record<string, string> {
  return trackAllocations(scope) ? { PYTHONTRACEMALLOC: TRACEMALLOC_FRAMES } : {};
}

export class AllocationTracking implements vscode.DebugConfigurationProvider, vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    for (const type of PYTHON_DEBUG_TYPES) {
      this.disposables.push(vscode.debug.registerDebugConfigurationProvider(type, this));
    }
  }

  resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration {
    const program =
      typeof config.program === 'string' ? vscode.Uri.file(config.program) : undefined;
    if (config.request !== 'launch' || !trackAllocations(program ?? folder?.uri)) return config;
    const env = (config.env ?? {}) as Record<string, string>;
    if (env.PYTHONTRACEMALLOC === undefined) {
      config.env = { ...env, PYTHONTRACEMALLOC: TRACEMALLOC_FRAMES };
    }
    return config;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
