// Helpers shared by the benchmark modules (scripts/bench/*.bench.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** Runs a command that prints one JSON line last; returns the parsed object. */
export function runJson(command, args, options = {}) {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeout ?? 30 * 60 * 1000,
    cwd: options.cwd,
  });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  const lines = (r.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1];
  if (r.status !== 0 || !last?.startsWith('{')) {
    throw new Error(
      `${command} ${args.join(' ')} failed (status ${r.status}):\n${r.stderr}${r.stdout}`,
    );
  }
  return JSON.parse(last);
}

/** `100000` → `100k`, `2000000` → `2M`. */
export function sizeLabel(size) {
  if (size >= 1e6 && size % 1e5 === 0) return `${size / 1e6}M`;
  if (size >= 1e3 && size % 1e3 === 0) return `${size / 1e3}k`;
  return String(size);
}

export function snapshotPath(context, size) {
  const dir = join(context.resultsDir, 'snapshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `heap-${sizeLabel(size)}.heapsnap`);
}

/** Runs the agent benchmark for one heap size (capture_vs_floor.py) and records its snapshot. */
export function captureHeap(context, size) {
  const out = snapshotPath(context, size);
  const script = join(context.root, 'scripts', 'bench', 'capture_vs_floor.py');
  const result = runJson(context.python, [script, String(size), out]);
  context.snapshots.set(size, out);
  return result;
}

/** A snapshot of a heap of `size` tracked objects: this run's, else a fresh capture. */
export function snapshotFor(context, size) {
  const known = context.snapshots.get(size);
  if (known && existsSync(known)) return known;
  context.log(`capturing a ${sizeLabel(size)}-object heap for the engine`);
  captureHeap(context, size);
  return context.snapshots.get(size);
}

const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command that prints one JSON line last: its wall-clock seconds, the CPU seconds of it
 * and its children when `cpuFolder` is given and GNU time is installed (else null: the machine
 * may be shared, and CPU time moves less), and the parsed line.
 */
export function timedRun(command, args, { env = process.env, cpuFolder } = {}) {
  const cpuFile = cpuFolder === undefined ? undefined : join(cpuFolder, 'cpu');
  const withTime = cpuFile !== undefined && existsSync(GNU_TIME);
  const began = performance.now();
  const r = withTime
    ? spawnSync(GNU_TIME, ['-o', cpuFile, '-f', '%U %S', command, ...args], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env,
      })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
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
