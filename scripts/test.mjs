// Runs every test suite and ends with one line CI can read: "N passed, N failed[, N skipped]".
//   - TypeScript tests: test/**/*.test.ts under node's test runner (tsx loader).
//   - Python agent tests: test/agent/test_*.py under pytest, when pytest is importable.
// Pass file or directory filters as arguments to run a subset: `npm test -- test/engine`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { findPython } from './python.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).map((f) => relative(root, join(process.cwd(), f)));

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
const tsTests = all.filter((f) => f.endsWith('.test.ts') && selected(f)).sort();
// test/lint holds Python files that are lint inputs, never tests, whatever their names.
const isLintInput = (f) => f.startsWith('test/lint/');
const pyTests = all
  .filter((f) => /(^|\/)test_[^/]+\.py$/.test(f) && !isLintInput(f) && selected(f))
  .sort();

let passed = 0;
let failed = 0;
let skipped = 0;

if (tsTests.length > 0) {
  const tap = join(mkdtempSync(join(tmpdir(), 'hi-test-')), 'node.tap');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
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
  if (r.status !== 0 && count('fail') === 0) failed += 1; // the runner itself failed
}

if (pyTests.length > 0) {
  const python = findPython();
  const probe = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`pytest is not importable by ${python}: run "node scripts/ensure-test-deps.mjs"`);
    failed += 1;
  } else {
    const r = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...pyTests], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.stdout.write(r.stdout);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const num = (k) => Number((last.match(new RegExp(`(\\d+) ${k}`)) ?? [])[1] ?? 0);
    passed += num('passed');
    failed += num('failed') + num('error');
    skipped += num('skipped');
    if (r.status !== 0 && num('failed') + num('error') === 0) failed += 1;
  }
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
