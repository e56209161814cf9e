// The pause "Inspect Heap Here" adds to a program paused under debugpy: from the capture's first
// `evaluate` request to its last response, measured through a real adapter
// (`python -m debugpy.adapter`) exactly as the extension captures (extension/capture/). A heap of
// about 100,000 tracked objects (test/dap/programs/big_heap.py plus the debugger's own), for each
// debugpy found: Debian's python3-debugpy 1.6 (/usr/bin/python3) and the pip wheel (python3).
//
// The first capture in a process also installs the debugger hook and loads the agent; later ones
// send one short call. Runnable alone: `node scripts/bench/debugpy-pause.bench.mjs`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

export const title = 'debugger pause: a capture over DAP under debugpy';
export const order = 40;

const LATER_CAPTURES = 3;

export default async function rows(context) {
  const here = import.meta.url;
  const harness = await tsImport(join(context.root, 'test', 'dap', 'debugpyHarness.ts'), here);
  const { captureOverDap } = await tsImport(
    join(context.root, 'extension', 'capture', 'index.ts'),
    here,
  );
  const { readSnapshot } = await tsImport(join(context.root, 'server', 'engine', 'index.ts'), here);
  const programs = join(context.root, 'test', 'dap', 'programs');
  const program = join(programs, 'big_heap.py');
  const { markerLine } = await tsImport(join(context.root, 'test', 'dap', 'paths.ts'), here);
  const agentDirectory = join(context.root, 'agent', 'heap_inspector_agent');
  const out = [];
  for (const variant of harness.debugpyVariants()) {
    const group = `debugger pause, ${variant.label.replace(/ \(.*/, '')}`;
    if (variant.version === null) {
      out.push({
        group,
        metric: 'capture pause',
        value: null,
        unit: 's',
        note: `no debugpy for ${variant.python}`,
      });
      continue;
    }
    context.log(`${variant.label}: launching ${program}`);
    const session = await harness.DebugpySession.launch(variant, {
      program,
      line: markerLine(program, 'capture'),
      cwd: programs,
    });
    const tempDirectory = mkdtempSync(join(tmpdir(), 'hi-bench-dap-'));
    try {
      const capture = () =>
        captureOverDap(session.channel, {
          frameId: session.topFrameId,
          agentDirectory,
          tempDirectory,
        });
      const first = await capture();
      const later = [];
      for (let i = 0; i < LATER_CAPTURES; i++) later.push(await capture());
      later.sort((a, b) => a.seconds - b.seconds);
      const median = later[Math.floor(later.length / 2)];
      const snapshot = readSnapshot(median.bytes, 'the benchmark capture');
      const row = (metric, value, unit, extra = {}) =>
        out.push({ group, metric, value, unit, ...extra });
      row('tracked objects', snapshot.meta.counts.tracked, '', {
        note: `${median.meta.nodes.toLocaleString('en-US')} objects in the snapshot, debugpy ${variant.version}`,
      });
      row('first capture pause', first.seconds, 's', {
        note: 'installs the debugger hook and loads the agent',
      });
      row(`capture pause (median of ${LATER_CAPTURES})`, median.seconds, 's');
      row('agent walk + write, in the debuggee', median.meta.captureSeconds, 's');
      const recorded = snapshot.meta.capture;
      if (typeof recorded.cpuSeconds === 'number') {
        // The walk's CPU time (writing excluded): steadier than wall-clock on a shared machine.
        row('agent walk, CPU time in the debuggee', Number(recorded.cpuSeconds.toFixed(3)), 's', {
          note: `wall ${recorded.seconds.toFixed(3)} s, then writing ${(recorded.writeSeconds ?? 0).toFixed(3)} s`,
        });
      }
      row('snapshot size', median.bytes.length, 'bytes');
    } finally {
      await session.close();
      rmSync(tempDirectory, { recursive: true, force: true });
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = new URL('../..', import.meta.url).pathname;
  const result = await rows({ root, log: (message) => console.error(`[bench] ${message}`) });
  for (const row of result) console.log(JSON.stringify(row));
}
