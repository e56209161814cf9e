// Runs every test suite and ends with one line CI can read: "N passed, N failed[, N skipped]".
//   - TypeScript tests: test/**/*.test.ts under node's test runner (tsx loader).
//   - Python agent tests: test/agent/test_*.py under pytest, when pytest is importable.
// Pass file or directory filters as arguments to run a subset: `npm test -- test/engine`. A test
// file named outside test/ runs as given.
//
// A hang becomes a failure that says what hung, never a run that does not end:
//   - each test file has a limit (node's --test-timeout, which node 20 applies to a file as a
//     whole): a file whose tests hang, or whose process does not exit once they are done (a timer
//     or a child process left running), is stopped, reported as cancelled, and the run goes on;
//   - the whole run has a limit: past it every process of the run is stopped, and the test files
//     still running are named.
// Both are far above what a correct run takes (about 7 minutes on 2 cores, 25 minutes next to
// other test runs; the slowest file about 4 minutes); CI stops a run at 90 minutes.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { findPython } from './python.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).map((f) => relative(root, resolve(process.cwd(), f)));

/** A limit in seconds from the environment, or the default. */
function limitSeconds(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!(value > 0)) {
    console.error(`${name} must be a number of seconds above 0 (got "${text}")`);
    process.exit(2);
  }
  return value;
}
const FILE_LIMIT_S = limitSeconds('HEAP_INSPECTOR_TEST_FILE_LIMIT', 40 * 60);
const RUN_LIMIT_S = limitSeconds('HEAP_INSPECTOR_TEST_RUN_LIMIT', 75 * 60);
const deadline = Date.now() + RUN_LIMIT_S * 1000;

function walk(dir, out) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(relative(root, p));
  }
  return out;
}
const all = walk(join(root, 'test'), []);
const selected = (f) => filters.length === 0 || filters.some((x) => f.startsWith(x));
const named = filters.filter((f) => f.startsWith('..') && existsSync(join(root, f)));
const tsTests = [...all.filter((f) => f.endsWith('.test.ts') && selected(f)), ...named].sort();
// test/lint holds Python files that are lint inputs, never tests, whatever their names.
const isLintInput = (f) => f.startsWith('test/lint/');
const pyTests = all
  .filter((f) => /(^|\/)test_[^/]+\.py$/.test(f) && !isLintInput(f) && selected(f))
  .sort();

let passed = 0;
let failed = 0;
let skipped = 0;
/** The signal (Ctrl-C, SIGTERM) that stopped the run, passed on to the step running then. */
let stoppedBy = null;

/** node's --test-timeout exists from 20.11 (and 21.2). */
function supportsTestTimeout() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 21 || (major === 21 && minor >= 2) || (major === 20 && minor >= 11);
}

/** The processes below `pid` (Linux /proc; none elsewhere), with their command lines. */
function descendants(pid) {
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children = new Map();
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      let argv = [];
      try {
        argv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
      } catch {
        // gone meanwhile
      }
      found.push({ pid: child, argv });
      queue.push(child);
    }
  }
  return found;
}

/** The test files that processes below `pid` run: node's runner runs each in a process of its
 * own, with the file as its last argument. */
function testFilesRunning(below) {
  const files = below
    .filter(({ argv }) => !argv.includes('--test'))
    .flatMap(({ argv }) => argv.filter((arg) => arg.endsWith('.test.ts')))
    .map((file) => relative(root, resolve(root, file)));
  return [...new Set(files)];
}

/**
 * Runs `command` (`what`, in messages) in its own process group, its output passed through (and
 * its stdout kept when `options.stdio[1]` is 'pipe'). Past the run's deadline it names what is
 * still running, stops every process of the step and resolves with `timedOut`. Ctrl-C and
 * SIGTERM are passed on to the step.
 */
function runStep(what, command, args, options) {
  return new Promise((resolveStep) => {
    const child = spawn(command, args, { ...options, detached: true });
    let stdout = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      process.stdout.write(chunk);
    });
    const forward = (signal) => {
      if (signal !== 'SIGKILL') stoppedBy = signal;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        const below = descendants(child.pid);
        const files = testFilesRunning(below);
        console.error(
          `The test run passed its limit of ${RUN_LIMIT_S} s (HEAP_INSPECTOR_TEST_RUN_LIMIT) ` +
            `and was stopped in ${what}; still running: ${files.length > 0 ? files.join(', ') : what}.`,
        );
        forward('SIGKILL');
        for (const { pid } of below) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone, or in the group already killed
          }
        }
      },
      Math.max(0, deadline - Date.now()),
    );
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolveStep({ status, signal, timedOut, stdout });
    });
  });
}

if (tsTests.length > 0) {
  const tap = join(mkdtempSync(join(tmpdir(), 'hi-test-')), 'node.tap');
  const r = await runStep(
    'the TypeScript tests',
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      ...(supportsTestTimeout() ? [`--test-timeout=${FILE_LIMIT_S * 1000}`] : []),
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...tsTests,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled');
  skipped += count('skipped') + count('todo');
  if (r.timedOut) failed += 1;
  else if (r.status !== 0 && count('fail') + count('cancelled') === 0) failed += 1; // the runner itself failed
}

if (pyTests.length > 0 && stoppedBy === null && Date.now() < deadline) {
  const python = findPython();
  const probe = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`pytest is not importable by ${python}: run "node scripts/ensure-test-deps.mjs"`);
    failed += 1;
  } else {
    const r = await runStep(
      'the Python agent tests',
      python,
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...pyTests],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const num = (k) => Number((last.match(new RegExp(`(\\d+) ${k}`)) ?? [])[1] ?? 0);
    passed += num('passed');
    failed += num('failed') + num('error');
    skipped += num('skipped');
    if (r.timedOut) failed += 1;
    else if (r.status !== 0 && num('failed') + num('error') === 0) failed += 1;
  }
} else if (pyTests.length > 0 && stoppedBy === null) {
  console.error('The Python agent tests did not run: the run had reached its limit.');
  failed += 1;
}

const stopped = stoppedBy === null ? '' : ` (stopped by ${stoppedBy})`;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped${stopped}`);
// A stopped run ends as the shell expects of a command stopped by that signal.
process.exit(stoppedBy === 'SIGINT' ? 130 : stoppedBy !== null ? 143 : failed > 0 ? 1 : 0);
