// The native accelerator (agent/accel/) against the pure-Python kernel, as a user sees it:
// - per size, `heap-inspector snapshot` on the synthetic heap of cli_overhead_heap.py (automatic
//   collection on) with the accelerator and with HEAP_INSPECTOR_ACCELERATOR=off, next to the
//   program run plainly: (CLI run − plain run) ÷ a full gc.collect() in that program, and the
//   memory the capture adds in the program (peak RSS after the line − RSS before it) per tracked
//   object. The accelerator is built into the runner cache first (the CLI's own first run).
// - the debugger pause at about 100,000 tracked objects (test/programs/dap/big_heap.py under the
//   pip debugpy), the accelerator found by the debugger hook in the runner cache, and without it.
// Each run once, wall-clock time. Runnable alone: `node scripts/bench/accelerator.bench.mjs`.
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { sizeLabel, timedRun } from './lib.mjs';

export const title =
  'native accelerator vs pure-Python kernel: CLI overhead, memory, debugger pause';
export const order = 16;

const LATER_CAPTURES = 3;

/** The kernel a snapshot says read the heap, and the reason when it was the pure one. */
function kernelOf(readSnapshot, path) {
  const snapshot = readSnapshot(readFileSync(path), path);
  const kernel = snapshot.meta.capture?.kernel ?? { name: '?' };
  return kernel.reason ? `${kernel.name} (${kernel.reason})` : kernel.name;
}

async function cliRows(context, readSnapshot, out) {
  const script = join(context.root, 'scripts', 'bench', 'cli_overhead_heap.py');
  const line = readFileSync(script, 'utf8').split('\n').indexOf('pass  # CAPTURE') + 1;
  const cli = join(context.root, 'bin', 'heap-inspector.js');
  const pure = { ...process.env, HEAP_INSPECTOR_ACCELERATOR: 'off' };
  const accelerated = { ...process.env };
  delete accelerated.HEAP_INSPECTOR_ACCELERATOR;
  const folder = mkdtempSync(join(tmpdir(), 'hi-bench-accel-'));
  try {
    // The CLI's first run for this interpreter builds the accelerator into the runner cache.
    const tiny = join(folder, 'tiny.py');
    writeFileSync(tiny, 'x = 1\nprint("{}")\n');
    const first = timedRun(
      process.execPath,
      [cli, 'snapshot', '--python', context.python, '--quiet', '--at', `${tiny}:2`, tiny],
      { env: accelerated },
    );
    out.push({
      group: 'accelerator',
      metric: 'first CLI run (builds the accelerator unless cached)',
      value: Number(first.seconds.toFixed(2)),
      unit: 's',
    });
    for (const size of context.sizes) {
      context.log(`${sizeLabel(size)} tracked objects: plain, accelerated and pure CLI runs`);
      const plain = timedRun(context.python, [script, String(size)]);
      const runs = {};
      for (const [name, env] of [
        ['accelerator', accelerated],
        ['pure Python', pure],
      ]) {
        const snapshot = join(folder, `${name === 'pure Python' ? 'pure' : 'native'}.heapsnap`);
        const run = timedRun(
          process.execPath,
          [
            cli,
            'snapshot',
            '--python',
            context.python,
            '--quiet',
            '--at',
            `${script}:${line}`,
          ].concat(['--out', snapshot, script, String(size)]),
          { env },
        );
        runs[name] = {
          ...run,
          kernel: kernelOf(readSnapshot, snapshot),
          bytes: statSync(snapshot).size,
        };
        rmSync(snapshot, { force: true });
      }
      const collect = plain.result.fullCollectSeconds;
      const group = `accelerator, CLI ${sizeLabel(size)}`;
      const row = (metric, value, unit, extra = {}) =>
        out.push({ group, metric, value, unit, ...extra });
      row('plain run', Number(plain.seconds.toFixed(3)), 's');
      row('full gc.collect() in the program', collect, 's');
      for (const [name, run] of Object.entries(runs)) {
        const tracked = run.result.tracked;
        const overhead = (run.seconds - plain.seconds) / collect;
        const perTracked = (run.result.captureRssAddedKb * 1024) / tracked;
        const limit = name === 'accelerator' ? 8 : 20;
        row(`${name}: run under heap-inspector snapshot`, Number(run.seconds.toFixed(3)), 's', {
          note: `kernel: ${run.kernel}; ${tracked.toLocaleString('en-US')} tracked objects`,
        });
        row(`${name}: (CLI run − plain run) ÷ gc.collect()`, Number(overhead.toFixed(1)), '×', {
          target: `≤ ${limit}×`,
          ok: overhead <= limit,
        });
        row(`${name}: memory added per tracked object`, Number(perTracked.toFixed(1)), 'B', {
          target: '≤ 100 B',
          ok: perTracked <= 100,
        });
        row(
          `${name}: snapshot bytes per tracked object`,
          Number((run.bytes / tracked).toFixed(1)),
          'B',
        );
      }
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function pauseRows(context, readSnapshot, out) {
  const here = import.meta.url;
  const harness = await tsImport(join(context.root, 'test', 'dap', 'debugpyHarness.ts'), here);
  const { captureOverDap } = await tsImport(
    join(context.root, 'extension', 'capture', 'index.ts'),
    here,
  );
  const accel = await tsImport(
    join(context.root, 'server', 'runner', 'debuggeeAccelerator.ts'),
    here,
  );
  const { markerLine } = await tsImport(join(context.root, 'test', 'dap', 'paths.ts'), here);
  const programs = join(context.root, 'test', 'programs', 'dap');
  const program = join(programs, 'big_heap.py');
  const agentDirectory = join(context.root, 'agent', 'heap_inspector_agent');
  const variant = harness.debugpyVariants().find((v) => v.python !== '/usr/bin/python3');
  const group = 'accelerator, debugger pause (debugpy wheel)';
  if (!variant || variant.version === null) {
    out.push({ group, metric: 'capture pause', value: null, unit: 's', note: 'no debugpy' });
    return;
  }
  const executable = spawnSync(variant.python, ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).stdout.trim();
  const built = await accel.prepareDebuggeeAccelerator(executable);
  context.log(`debugger pause: accelerator in the cache for ${executable}: ${built}`);
  const session = await harness.DebugpySession.launch(variant, {
    program,
    line: markerLine(program, 'capture'),
    cwd: programs,
  });
  const tempDirectory = mkdtempSync(join(tmpdir(), 'hi-bench-accel-dap-'));
  try {
    const capture = (accelerator) =>
      captureOverDap(session.channel, {
        frameId: session.topFrameId,
        agentDirectory,
        tempDirectory,
        accelerator,
      });
    const variants = [
      ['accelerator', accel.debuggeeAcceleratorArgument()],
      ['pure Python', 'reason:turned off for the benchmark'],
    ];
    await capture(variants[0][1]); // installs the hook, loads the agent and the accelerator
    // What an evaluate with a short answer costs under this debugpy: on Linux about 0.045 s, from
    // pydevd sending each response's header and body in two writes on a socket without
    // TCP_NODELAY (microsoft/debugpy#2054). The hook pads its answer past one TCP segment, which
    // goes at once (debugger_hook.py _padded): for comparison, not part of the pauses below.
    const floor = [];
    for (let i = 0; i < LATER_CAPTURES; i++) {
      const started = performance.now();
      await session.evaluate('None');
      floor.push((performance.now() - started) / 1000);
    }
    floor.sort((a, b) => a - b);
    const floorSeconds = floor[Math.floor(floor.length / 2)];
    out.push({
      group,
      metric: `debugpy's round trip for a short answer, e.g. None (median of ${LATER_CAPTURES})`,
      value: Number(floorSeconds.toFixed(3)),
      unit: 's',
      note: "microsoft/debugpy#2054; the hook's padded answer avoids it",
    });
    for (const [name, argument] of variants) {
      const later = [];
      for (let i = 0; i < LATER_CAPTURES; i++) later.push(await capture(argument));
      later.sort((a, b) => a.seconds - b.seconds);
      const median = later[Math.floor(later.length / 2)];
      const snapshot = readSnapshot(median.bytes, 'the benchmark capture');
      const kernel = snapshot.meta.capture?.kernel?.name ?? '?';
      out.push({
        group,
        metric: `${name}: capture pause (median of ${LATER_CAPTURES})`,
        value: Number(median.seconds.toFixed(3)),
        unit: 's',
        note: `kernel: ${kernel}; ${snapshot.meta.counts.tracked.toLocaleString('en-US')} tracked objects`,
        ...(name === 'accelerator' ? { target: '≤ 0.3 s', ok: median.seconds <= 0.3 } : {}),
      });
      out.push({
        group,
        metric: `${name}: in the debuggee (the hook's own clock)`,
        value: Number((median.meta.hookSeconds ?? 0).toFixed(3)),
        unit: 's',
        note: `the agent's capture ${median.meta.captureSeconds.toFixed(3)} s of it`,
      });
    }
  } finally {
    await session.close();
    rmSync(tempDirectory, { recursive: true, force: true });
  }
}

export default async function rows(context) {
  const { readSnapshot } = await tsImport(
    join(context.root, 'server', 'engine', 'index.ts'),
    import.meta.url,
  );
  const out = [];
  await cliRows(context, readSnapshot, out);
  await pauseRows(context, readSnapshot, out);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = new URL('../..', import.meta.url).pathname;
  const sizes = (process.argv[2] ?? '1000000').split(',').map(Number);
  const result = await rows({
    root,
    python: process.env.HEAP_INSPECTOR_PYTHON ?? 'python3',
    sizes,
    log: (message) => console.error(`[bench] ${message}`),
  });
  for (const row of result) console.log(JSON.stringify(row));
}
