/**
 * What the panel must show, from the command line for the same program and line:
 * `node bin/heap-inspector.js snapshot --at FILE:LINE --json - FILE` (the summary's unreachable
 * count, cycle count and pending finalizers — the panel's data-testid hooks).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../protocol/summary';
import { REPO_ROOT } from './codeServer';

export interface PanelNumbers {
  unreachable: number;
  cycles: number;
  finalizers: number;
  byType: Record<string, number>;
}

export function markedLine(file: string, marker: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker));
  if (index < 0) throw new Error(`${file} has no "${marker}" line`);
  return index + 1;
}

/** The CLI's numbers; with `out`, the snapshot is kept there too. */
export function cliNumbers(
  python: string,
  script: string,
  line: number,
  out?: string,
): PanelNumbers {
  const r = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'heap-inspector.js'),
      'snapshot',
      '--python',
      python,
      '--quiet',
      '--at',
      `${script}:${line}`,
      '--json',
      '-',
      ...(out ? ['--out', out] : []),
      script,
    ],
    { encoding: 'utf8', cwd: REPO_ROOT, timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`heap-inspector snapshot failed (${r.status}): ${r.stderr}`);
  // The program's own output comes first; the summary is the JSON object after it.
  const start = r.stdout.search(/^\{/m);
  const summary = JSON.parse(r.stdout.slice(start)) as Summary;
  return {
    unreachable: summary.unreachable.count,
    cycles: summary.cycles.length,
    finalizers: summary.finalizers.del.count,
    byType: summary.unreachable.byType,
  };
}
