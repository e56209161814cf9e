// The engine in Node on the agent's snapshots: readSnapshotFile (parse + validate), analyze (SCC,
// gc.collect(0/1/2) predictions, weakref.finalize), the dominator trees (both notions of retained,
// every object's retained sizes) and summarize (with the top list, suspects and paths), each
// snapshot in a fresh `node --expose-gc` process so that its peak memory (maxRSS) is its own.
// Targets: a 2M-object heap read + analyzed + summarized in ≤ 1.5 s and ≤ 1 GB (issue 7), its
// dominators in ≤ 1 s (issue 13).
import { join } from 'node:path';
import { runJson, sizeLabel, snapshotFor } from './lib.mjs';

export const title = 'engine: read + analyze + summarize, and peak memory';
export const order = 20;

export default async function rows(context) {
  const out = [];
  const child = join(context.root, 'scripts', 'bench', 'engine-child.ts');
  for (const size of context.sizes) {
    const snapshot = snapshotFor(context, size);
    const r = runJson(process.execPath, ['--expose-gc', '--import', 'tsx', child, snapshot], {
      cwd: context.root,
    });
    const group = `engine ${sizeLabel(size)}`;
    const atTarget = size >= 2_000_000;
    const row = (metric, value, unit, extra = {}) =>
      out.push({ group, metric, value, unit, ...extra });
    row('nodes / references', r.nodes, '', {
      note: `${r.edges.toLocaleString('en-US')} references`,
    });
    row('readSnapshotFile', r.readSeconds, 's');
    row('analyze', r.analyzeSeconds, 's');
    row(
      'dominators (both notions, every retained size)',
      r.dominatorsSeconds,
      's',
      atTarget ? { target: '≤ 1 s', ok: r.dominatorsSeconds <= 1 } : {},
    );
    row('dominators, CPU time', r.dominatorsCpuSeconds, 's');
    row('summarize (with top list, suspects, paths)', r.summarizeSeconds, 's');
    row(
      'read + analyze + dominators + summarize',
      r.totalSeconds,
      's',
      atTarget ? { target: '≤ 1.5 s', ok: r.totalSeconds <= 1.5 } : {},
    );
    row('read + analyze + dominators + summarize, CPU time', r.totalCpuSeconds, 's');
    const peak = r.maxRssBytes / 2 ** 20;
    row(
      'peak memory (maxRSS)',
      peak,
      'MB',
      atTarget ? { target: '≤ 1024 MB', ok: peak <= 1024 } : {},
    );
  }
  return out;
}
