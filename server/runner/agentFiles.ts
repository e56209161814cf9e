/** Where the Python agent's files are, from a bundle (dist/) or from source (server/runner/). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

function repositoryRoot(): string {
  // Bundled: <root>/dist/cli.js. From source under tsx: <root>/server/runner/agentFiles.ts.
  for (const candidate of [
    resolve(__dirname, '..'),
    resolve(__dirname, '..', '..'),
    resolve(__dirname, '..', '..', '..'),
  ]) {
    if (existsSync(join(candidate, 'agent', 'heap_inspector_run.py'))) {
      return candidate;
    }
  }
  throw new Error(`the Python agent was not found next to ${__dirname}`);
}

export function runnerScript(): string {
  return join(repositoryRoot(), 'agent', 'heap_inspector_run.py');
}

/** The folder of the runner and its first stage (`agent/`). */
export function agentDirectory(): string {
  return join(repositoryRoot(), 'agent');
}

export function agentPackageDirectory(): string {
  return join(repositoryRoot(), 'agent', 'heap_inspector_agent');
}
