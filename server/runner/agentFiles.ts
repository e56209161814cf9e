/** Where the Python agent's files are, from a bundle (dist/) or from source (server/runner/). */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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

/**
 * The name of a file compiled from agent files, for one interpreter: `PREFIX-CACHETAG-DIGEST.pyc`.
 * The digest covers the files' contents and the agent folder's path: compiled code names the
 * source files it came from, and the agent recognises its own frames by those names, so two
 * copies of the agent (a CLI checkout and the extension, say) must not share a compiled file.
 */
export function compiledFileName(
  prefix: string,
  cacheTag: string,
  files: string[],
  extension = 'pyc',
): string {
  const digest = createHash('sha256').update(agentDirectory()).update('\0');
  for (const file of files) {
    digest.update(readFileSync(join(agentDirectory(), file)));
  }
  return `${prefix}-${cacheTag}-${digest.digest('hex').slice(0, 16)}.${extension}`;
}
