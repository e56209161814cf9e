/**
 * Measures the engine on one snapshot in a fresh process (started by engine.bench.mjs with
 * `node --expose-gc --import tsx`): read + validate, analyze (SCC, the three collection
 * predictions, weakref.finalize), the dominator trees with every retained size (both notions),
 * summarize (which adds the top list, suspects and paths); then peak memory. Prints one JSON line.
 *
 *   node --expose-gc --import tsx scripts/bench/engine-child.ts SNAPSHOT
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { analyze, readSnapshotFile, summarize } from '../../server/engine';
import { retainedOf } from '../../server/engine/retained';

const path = process.argv[2];
if (!path) {
  console.error('usage: engine-child.ts SNAPSHOT');
  process.exit(2);
}
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssBefore = process.memoryUsage().rss;

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const c0 = cpu();
const t0 = performance.now();
const snapshot = readSnapshotFile(path);
const t1 = performance.now();
const analysis = analyze(snapshot);
const t2 = performance.now();
const cd0 = cpu();
const retained = retainedOf(analysis);
const td = performance.now();
const cd1 = cpu();
const summary = summarize(snapshot, analysis);
const t3 = performance.now();
const c3 = cpu();

const usage = process.resourceUsage(); // maxRSS in kilobytes
console.log(
  JSON.stringify({
    snapshotBytes: statSync(path).size,
    nodes: snapshot.nodeCount,
    edges: snapshot.edgeCount,
    tracked: summary.heap.tracked,
    unreachable: summary.unreachable.count,
    readSeconds: (t1 - t0) / 1000,
    analyzeSeconds: (t2 - t1) / 1000,
    dominatorsSeconds: (td - t2) / 1000,
    dominatorsCpuSeconds: cd1 - cd0,
    garbage: retained.graph.garbageCount,
    summarizeSeconds: (t3 - td) / 1000,
    totalSeconds: (t3 - t0) / 1000,
    totalCpuSeconds: c3 - c0,
    maxRssBytes: usage.maxRSS * 1024,
    baselineRssBytes: rssBefore,
    heapUsedBytes: process.memoryUsage().heapUsed,
  }),
);
