/**
 * Runs a scenario program twice — once under the real collector oracle
 * (test/oracle/collect_at_line.py: DEBUG_COLLECTABLE + gc.collect at the line) and once under the
 * product's CLI — and returns both results for comparison.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../../protocol/summary';

export const ROOT = join(__dirname, '..', '..');
export const SCENARIOS = join(ROOT, 'test', 'programs', 'scenarios');
const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const ORACLE = join(ROOT, 'test', 'oracle', 'collect_at_line.py');

export interface ScenarioRun {
  generation: number;
  hit: number;
}

export interface ExpectedScenario {
  at: string;
  runs: ScenarioRun[];
}

export interface OracleResult {
  generation: number;
  collected: { count: number; byType: Record<string, number> };
  finalizers: { count: number; byType: Record<string, number> };
  finalizeCallbacksFired: string[];
  delLog: string[];
  gcReturn: number;
}

export function scenarios(): Record<string, ExpectedScenario> {
  const text = readFileSync(join(SCENARIOS, 'expected.json'), 'utf8');
  return (JSON.parse(text) as { scenarios: Record<string, ExpectedScenario> }).scenarios;
}

export function runOracle(
  python: string,
  script: string,
  at: string,
  run: ScenarioRun,
  cwd = SCENARIOS,
): OracleResult {
  const dir = mkdtempSync(join(tmpdir(), 'hi-oracle-'));
  try {
    const out = join(dir, 'oracle.json');
    const r = spawnSync(
      python,
      [
        ORACLE,
        '--at',
        at,
        '--hit',
        String(run.hit),
        '--generation',
        String(run.generation),
        '--out',
        out,
        script,
      ],
      { cwd, encoding: 'utf8', timeout: 120_000 },
    );
    if (r.status !== 0 && r.status !== null) {
      // The program's own status passes through; the result file is what matters.
    }
    return JSON.parse(readFileSync(out, 'utf8')) as OracleResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CliResult {
  status: number | null;
  stderr: string;
  summary: Summary | null;
}

export function runCli(
  python: string,
  script: string,
  at: string,
  run: ScenarioRun,
  cwd = SCENARIOS,
): CliResult {
  const dir = mkdtempSync(join(tmpdir(), 'hi-cli-'));
  try {
    const out = join(dir, 'summary.json');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'snapshot',
        '--python',
        python,
        '--at',
        at,
        '--hit',
        String(run.hit),
        '--json',
        out,
        '--quiet',
        script,
      ],
      { cwd, encoding: 'utf8', timeout: 300_000 },
    );
    let summary: Summary | null = null;
    try {
      summary = JSON.parse(readFileSync(out, 'utf8')) as Summary;
    } catch {
      summary = null;
    }
    return { status: r.status, stderr: r.stderr, summary };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The check anyone can do by hand, with no oracle machinery: copy the program, prefix the line
 * with `import gc; gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect()` and run it with plain
 * python. Returns the collected objects by the type's short name (what the collector prints).
 */
export function runPlainCollect(
  python: string,
  script: string,
  at: string,
): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'hi-plain-'));
  try {
    cpSync(SCENARIOS, dir, { recursive: true });
    const [file, lineText] = [at.slice(0, at.lastIndexOf(':')), at.slice(at.lastIndexOf(':') + 1)];
    const path = join(dir, file);
    const lines = readFileSync(path, 'utf8').split('\n');
    const index = Number(lineText) - 1;
    const indent = /^\s*/.exec(lines[index])![0];
    lines[index] =
      indent +
      'import gc as _hi_gc, sys as _hi_sys; _hi_gc.set_debug(_hi_gc.DEBUG_COLLECTABLE); _hi_gc.collect(); ' +
      "_hi_gc.set_debug(0); _hi_sys.stderr.write('=== end of collection ===\\n'); " +
      lines[index].slice(indent.length);
    writeFileSync(path, lines.join('\n'));
    const r = spawnSync(python, [script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const collected: Record<string, number> = {};
    const text = r.stderr.split('=== end of collection ===')[0];
    for (const match of text.matchAll(/gc: collectable <(\S+) 0x[0-9a-f]+>/g)) {
      const short = match[1].split('.').pop()!;
      collected[short] = (collected[short] ?? 0) + 1;
    }
    return collected;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `{'__main__.Node': 2, 'builtins.dict': 1}` → `{Node: 2, dict: 1}`, as the collector names types. */
export function byShortName(byType: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [name, count] of Object.entries(byType)) {
    const short = name.split('.').pop()!;
    result[short] = (result[short] ?? 0) + count;
  }
  return result;
}
