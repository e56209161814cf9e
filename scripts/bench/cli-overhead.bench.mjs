// What a user sees from outside: `heap-inspector snapshot` on a program against the same program
// run plainly, on the synthetic heap (scripts/bench/cli_overhead_heap.py, automatic collection on),
// per size: (CLI run − plain run) ÷ a full gc.collect() in that program, the memory the capture
// adds in the program (peak RSS after the line − RSS before it) per tracked object, and the
// snapshot's bytes per tracked object; then the same run asking for a JSON summary (the snapshot
// read back and analysed after the program ends). Each run once: wall-clock time, and CPU time
// (the CLI's included) where GNU time is installed.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sizeLabel, timedRun } from './lib.mjs';

export const title = 'CLI run vs plain run: overhead, memory and size per tracked object';
export const order = 15;

export default async function rows(context) {
  const script = join(context.root, 'scripts', 'bench', 'cli_overhead_heap.py');
  const line = readFileSync(script, 'utf8').split('\n').indexOf('pass  # CAPTURE') + 1;
  const cli = join(context.root, 'bin', 'heap-inspector.js');
  const out = [];
  for (const size of context.sizes) {
    context.log(`${sizeLabel(size)} tracked objects: a plain run, then a run under the CLI`);
    const folder = mkdtempSync(join(tmpdir(), 'hi-bench-cli-'));
    try {
      const snapshot = join(folder, 'cli.heapsnap');
      const plain = timedRun(context.python, [script, String(size)], { cpuFolder: folder });
      // The CLI on the same program, asking for `output` (a snapshot file, or a summary).
      const underCli = (output) =>
        timedRun(
          process.execPath,
          [cli, 'snapshot', '--python', context.python, '--quiet', '--at', `${script}:${line}`]
            .concat(output)
            .concat([script, String(size)]),
          { cpuFolder: folder },
        );
      const captured = underCli(['--out', snapshot]);
      // The same with a summary asked for: the snapshot is then read back and analysed by the
      // CLI after the program ends (with --out alone it is not).
      const summarised = underCli(['--json', join(folder, 'summary.json')]);
      const tracked = captured.result.tracked;
      const collect = plain.result.fullCollectSeconds;
      const overhead = (captured.seconds - plain.seconds) / collect;
      const perTracked = (captured.result.captureRssAddedKb * 1024) / tracked;
      const bytes = statSync(snapshot).size / tracked;
      const group = `CLI ${sizeLabel(size)}`;
      const row = (metric, value, unit, extra = {}) =>
        out.push({ group, metric, value, unit, ...extra });
      row('plain run', Number(plain.seconds.toFixed(3)), 's');
      row('run under heap-inspector snapshot', Number(captured.seconds.toFixed(3)), 's');
      row('full gc.collect() in the program', collect, 's');
      row('(CLI run − plain run) ÷ gc.collect()', Number(overhead.toFixed(1)), '×', {
        target: '≤ 20× (pure Python), ≤ 8× (accelerator)',
        ok: overhead <= 20,
      });
      const summarisedOverhead = (summarised.seconds - plain.seconds) / collect;
      row('run under heap-inspector snapshot --json', Number(summarised.seconds.toFixed(3)), 's');
      row(
        'the same with --json: (CLI run − plain run) ÷ gc.collect()',
        Number(summarisedOverhead.toFixed(1)),
        '×',
        {
          note: 'the summary: snapshot read back and analysed after the program ends',
        },
      );
      const paused = captured.result.pausedAtLineSeconds;
      row(
        'program paused at the line (capture) ÷ gc.collect()',
        Number((paused / collect).toFixed(1)),
        '×',
        {
          note: `${paused} s`,
        },
      );
      if (plain.cpuSeconds !== null && captured.cpuSeconds !== null) {
        const cpuOverhead =
          (captured.cpuSeconds - plain.cpuSeconds) / plain.result.fullCollectCpuSeconds;
        row('(CLI run − plain run) ÷ gc.collect(), CPU time', Number(cpuOverhead.toFixed(1)), '×', {
          note: `${captured.cpuSeconds.toFixed(2)} s − ${plain.cpuSeconds.toFixed(2)} s CPU`,
          target: '≤ 20× (pure Python), ≤ 8× (accelerator)',
          ok: cpuOverhead <= 20,
        });
        const summarisedCpu =
          (summarised.cpuSeconds - plain.cpuSeconds) / plain.result.fullCollectCpuSeconds;
        row('the same with --json, CPU time', Number(summarisedCpu.toFixed(1)), '×', {
          note: `${summarised.cpuSeconds.toFixed(2)} s − ${plain.cpuSeconds.toFixed(2)} s CPU`,
        });
      }
      row('memory added per tracked object', Number(perTracked.toFixed(1)), 'B', {
        target: '≤ 100 B',
        ok: perTracked <= 100,
      });
      row('snapshot bytes per tracked object', Number(bytes.toFixed(1)), 'B', {
        target: '≤ 30 B',
        ok: bytes <= 30,
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
  return out;
}
