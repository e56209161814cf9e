// The `.heapsnapshot` export (heap-inspector export) on the agent's snapshots: read + analyze,
// then the export itself (the dominator trees it needs, the streaming write), each snapshot in a
// fresh `node --expose-gc` process so that its peak memory (maxRSS) is its own. Target: a
// 2M-object heap exported in ≤ 10 s, end to end.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runJson, sizeLabel, snapshotFor } from './lib.mjs';

export const title = 'export: .heapsnapshot (read + analyze + write), and peak memory';
export const order = 25;

export default async function rows(context) {
  const out = [];
  const child = join(context.root, 'scripts', 'bench', 'export-child.ts');
  for (const size of context.sizes) {
    const snapshot = snapshotFor(context, size);
    const target = join(context.resultsDir, 'snapshots', `heap-${sizeLabel(size)}.heapsnapshot`);
    const r = runJson(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', child, snapshot, target],
      {
        cwd: context.root,
      },
    );
    rmSync(target, { force: true });
    const group = `export ${sizeLabel(size)}`;
    const atTarget = size >= 2_000_000;
    const row = (metric, value, unit, extra = {}) =>
      out.push({ group, metric, value, unit, ...extra });
    row('nodes / references written', r.nodes, '', {
      note: `${r.edges.toLocaleString('en-US')} references, ${(r.bytes / 1e6).toFixed(0)} MB`,
    });
    row('read + analyze', r.readAnalyzeSeconds, 's');
    row('export (dominators + streaming write)', r.exportSeconds, 's');
    row('export, CPU time', r.exportCpuSeconds, 's');
    row(
      'read + analyze + export',
      r.totalSeconds,
      's',
      atTarget ? { target: '≤ 10 s', ok: r.totalSeconds <= 10 } : {},
    );
    row('read + analyze + export, CPU time', r.totalCpuSeconds, 's');
    row('peak memory (maxRSS)', r.maxRssBytes / 2 ** 20, 'MB');
  }
  return out;
}
