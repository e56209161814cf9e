// What a user sees from outside: `heap-inspector snapshot` on a program against the same program
// run plainly, on the synthetic heap (scripts/bench/cli_overhead_heap.py, automatic collection on),
// per size: (CLI run − plain run) ÷ a full gc.collect() in that program, the memory the capture
// adds in the program (peak RSS after the line − RSS before it) per tracked object, and the
// snapshot's bytes per tracked object; then the same run asking for a JSON summary (the snapshot
// read back and analysed after the program ends). Each run once: wall-clock time, and CPU time (the CLI's
// included) where GNU time is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { sizeLabel } from './lib.mjs';

export const title = 'CLI run vs plain run: overhead, memory and size per tracked object';
export const order = 15;

const TIME = '/usr/bin/time';
const spawnOptions = { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 };

/** Runs a command that prints one JSON line last: wall-clock seconds, and the CPU seconds of it
 * and its children (GNU time, when installed: the machine may be shared, CPU time moves less). */
function timedRun(command, args, folder) {
  const cpuFile = join(folder, 'cpu');
  const withTime = existsSync(TIME);
  const began = performance.now();
  const r = withTime
    ? spawnSync(TIME, ['-o', cpuFile, '-f', '%U %S', command, ...args], spawnOptions)
    : spawnSync(command, args, spawnOptions);
  const seconds = (performance.now() - began) / 1000;
  const last = (r.stdout ?? '').trim().split('\n').pop();
  if (r.status !== 0 || !last?.startsWith('{')) {
    throw new Error(`${command} ${args.join(' ')} failed (status ${r.status}):\n${r.stderr}`);
  }
  let cpuSeconds = null;
  if (withTime) {
    const [user, system] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ');
    cpuSeconds = Number(user) + Number(system);
  }
  return { seconds, cpuSeconds, result: JSON.parse(last) };
}

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
      const plain = timedRun(context.python, [script, String(size)], folder);
      const captured = timedRun(
        process.execPath,
        [
          cli,
          'snapshot',
          '--python',
          context.python,
          '--quiet',
          '--at',
          `${script}:${line}`,
          '--out',
          snapshot,
          script,
          String(size),
        ],
        folder,
      );
      // The same with a summary asked for: the snapshot is then read back and analysed by the
      // CLI after the program ends (with --out alone it is not).
      const summarised = timedRun(
        process.execPath,
        [
          cli,
          'snapshot',
          '--python',
          context.python,
          '--quiet',
          '--at',
          `${script}:${line}`,
          '--json',
          join(folder, 'summary.json'),
          script,
          String(size),
        ],
        folder,
      );
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
