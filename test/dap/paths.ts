/** Where the DAP tests find the agent, the scenario programs and their own programs. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
/** The agent the tests load: the repository's, or $HEAP_INSPECTOR_AGENT_DIR (e.g. a release's). */
export const AGENT_DIRECTORY =
  process.env.HEAP_INSPECTOR_AGENT_DIR ?? join(ROOT, 'agent', 'heap_inspector_agent');
export const SCENARIOS = join(ROOT, 'test', 'programs', 'scenarios');
export const PROGRAMS = join(__dirname, '..', 'programs', 'dap');

/** The line of `file` that carries `# @marker`. */
export function markerLine(file: string, marker: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`# @${marker}`));
  if (index < 0) throw new Error(`no "# @${marker}" in ${file}`);
  return index + 1;
}

/** A scenario's capture line, from test/programs/scenarios/expected.json. */
export function scenarioLine(name: string): number {
  const expected = JSON.parse(readFileSync(join(SCENARIOS, 'expected.json'), 'utf8')) as {
    scenarios: Record<string, { at: string }>;
  };
  const at = expected.scenarios[name].at;
  return Number(at.slice(at.lastIndexOf(':') + 1));
}

const made: string[] = [];
process.on('exit', () => {
  for (const directory of made) rmSync(directory, { recursive: true, force: true });
});

/** A fresh directory to pass as `tempDirectory` (so that leftovers can be seen); removed at exit. */
export function freshTempDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'hi-dap-test-'));
  made.push(directory);
  return directory;
}
