// Agent capture on synthetic heaps (scripts/bench/capture_vs_floor.py): next to a bare
// gc.get_referents walk, a walk that keeps what it reads, a full gc.collect() and objgraph's
// get_leaking_objects, all in the same process on the same heap. Targets: issue 7.
import { captureHeap, sizeLabel } from './lib.mjs';

export const title = 'agent capture vs the collector, the referents walk and objgraph';
export const order = 10;

export default async function rows(context) {
  const out = [];
  for (const size of context.sizes) {
    context.log(
      `heap of ${sizeLabel(size)} tracked objects: building, walking, capturing, collecting`,
    );
    const r = captureHeap(context, size);
    const group = `agent ${sizeLabel(size)} (CPython ${r.python})`;
    const row = (metric, value, unit, extra = {}) =>
      out.push({ group, metric, value, unit, ...extra });
    row('tracked objects', r.tracked, '');
    row('nodes / references in the snapshot', r.nodes, '', {
      note: `${r.edges.toLocaleString('en-US')} references`,
    });
    row('bare gc.get_referents walk (discards)', r.referentsWalkSeconds, 's');
    row('walk keeping the referent lists', r.keepingWalkSeconds, 's');
    row('full gc.collect()', r.fullCollectSeconds, 's');
    row('capture (walk + write), wall', r.captureSeconds, 's');
    row('capture, CPU time', r.captureCpuSeconds, 's');
    const ratio = (a, b) => (a && b ? Number((a / b).toFixed(2)) : null);
    const cpuWalk = ratio(r.captureCpuSeconds, r.referentsWalkCpuSeconds);
    const cpuCollect = ratio(r.captureCpuSeconds, r.fullCollectCpuSeconds);
    row('capture / bare walk', r.captureOverWalk, '×', {
      target: '≤ 2.5×',
      ok: r.captureOverWalk <= 2.5,
    });
    row('capture / bare walk, CPU time', cpuWalk, '×', { target: '≤ 2.5×', ok: cpuWalk <= 2.5 });
    row('capture / keeping walk', r.captureOverKeepingWalk, '×');
    row(
      'capture / keeping walk, CPU time',
      ratio(r.captureCpuSeconds, r.keepingWalkCpuSeconds),
      '×',
    );
    row('capture / gc.collect()', r.captureOverCollect, '×', {
      target: '≤ 10×',
      ok: r.captureOverCollect <= 10,
    });
    row('capture / gc.collect(), CPU time', cpuCollect, '×', {
      target: '≤ 10×',
      ok: cpuCollect <= 10,
    });
    if (r.objgraphLeakingSeconds === null) {
      row('objgraph get_leaking_objects', null, 's', {
        note: 'objgraph is not importable by this Python',
      });
    } else {
      const speedup = ratio(r.objgraphLeakingSeconds, r.captureSeconds);
      const cpuSpeedup = ratio(r.objgraphLeakingCpuSeconds, r.captureCpuSeconds);
      row('objgraph get_leaking_objects', r.objgraphLeakingSeconds, 's');
      row('objgraph / capture', speedup, '×', { target: '≥ 3×', ok: speedup >= 3 });
      row('objgraph / capture, CPU time', cpuSpeedup, '×', { target: '≥ 3×', ok: cpuSpeedup >= 3 });
    }
    row('snapshot size', r.snapshotBytes, 'bytes');
    row('snapshot bytes per tracked object', r.bytesPerTracked, 'B', {
      target: '≤ 30 B',
      ok: r.bytesPerTracked <= 30,
    });
    row('snapshot bytes per node', r.bytesPerNode, 'B');
    if (r.captureMaxRssAddedKb !== null)
      row('agent peak memory added', r.captureMaxRssAddedKb / 1024, 'MB');
  }
  return out;
}
