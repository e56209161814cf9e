/**
 * Measures the `.heapsnapshot` export on one snapshot in a fresh process (started by
 * export.bench.mjs with `node --expose-gc --import tsx`): read + validate, analyze, then the
 * export (the dominator trees it needs for the roots and the garbage, and the streaming write to
 * a file); wall clock and CPU time, peak memory, the file's size. Prints one JSON line.
 *
 *   node --expose-gc --import tsx scripts/bench/export-child.ts SNAPSHOT OUT.heapsnapshot
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { analyze, readSnapshotFile } from '../../server/engine';
import { writeHeapsnapshot } from '../../server/engine/heapsnapshotWriter';

const [path, out] = process.argv.slice(2);
if (!path || !out) {
  console.error('usage: export-child.ts SNAPSHOT OUT.heapsnapshot');
  process.exit(2);
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
(globalThis as { gc?: () => void }).gc?.();
const c0 = cpu();
const t0 = performance.now();
const snapshot = readSnapshotFile(path);
const analysis = analyze(snapshot);
const t1 = performance.now();
const c1 = cpu();
const fd = openSync(out, 'w');
const stats = writeHeapsnapshot(snapshot, analysis, (chunk) => {
  for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done);
});
closeSync(fd);
const t2 = performance.now();
const c2 = cpu();
const usage = process.resourceUsage(); // maxRSS in kilobytes
console.log(
  JSON.stringify({
    nodes: stats.nodes,
    edges: stats.edges,
    objects: stats.objects,
    bytes: statSync(out).size,
    readAnalyzeSeconds: (t1 - t0) / 1000,
    exportSeconds: (t2 - t1) / 1000,
    exportCpuSeconds: c2 - c1,
    totalSeconds: (t2 - t0) / 1000,
    totalCpuSeconds: c2 - c0,
    maxRssBytes: usage.maxRSS * 1024,
  }),
);
