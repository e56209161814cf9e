/**
 * `heap-inspector pytest`, run for real on the example suite and on a suite made here: leaking
 * tests fail with a report of at most 15 lines (type, count, holder, creation line), clean tests
 * pass exactly as under plain pytest, nothing calls gc.collect() while a test is judged, a test
 * that cannot run twice is not judged (a warning says so), resurrection is caught.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findPython } from '../../scripts/python.mjs';
import { ROOT, runCli, writeScript } from './support';

const work = mkdtempSync(join(tmpdir(), 'hi-pytest-gate-'));
const python = findPython();
const hasPytest = spawnSync(python, ['-c', 'import pytest']).status === 0;

/** The failure blocks of pytest's report: test name -> its lines. */
function failures(output: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of output.split('\n')) {
    const header = /^_{3,} (\S+) _{3,}$/.exec(line);
    if (header) {
      blocks.set(header[1], (current = []));
    } else if (/^={3,}/.test(line)) {
      current = null;
    } else if (current) {
      current.push(line);
    }
  }
  return blocks;
}

const SUITE = `import pytest

kept = []
graveyard = []


class Phoenix:
    def __del__(self):
        graveyard.append(self)  # resurrected by its own finalizer


def test_resurrects():
    Phoenix()


def test_cannot_run_twice(tmp_path):
    marker = tmp_path / "once"
    assert not marker.exists()
    marker.write_text("done")


def test_clean_dicts():
    d = {str(i): [i] for i in range(50)}
    assert len(d) == 50


def test_failing_for_its_own_reasons():
    assert 1 == 2


@pytest.mark.no_heap_gate
def test_left_out():
    kept.append(object())
`;

const CONFTEST = `import gc

calls = []
judging = [False]
_real_collect = gc.collect


def _spy(*args, **kwargs):
    if judging[0]:
        calls.append(args)
    return _real_collect(*args, **kwargs)


gc.collect = _spy


import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    judging[0] = True
    yield
    judging[0] = False


def pytest_sessionfinish(session):
    with open("collect-calls.txt", "w") as out:
        out.write(str(len(calls)))
`;

describe(
  'heap-inspector pytest',
  { skip: !hasPytest && `pytest is not installed for ${python}` },
  () => {
    after(() => rmSync(work, { recursive: true, force: true }));
    const example = join(work, 'example');
    cpSync(join(ROOT, 'examples', 'pytest_gate'), example, { recursive: true });
    writeScript(example, 'conftest.py', CONFTEST);
    const gated = runCli(['pytest', '--python', python, '-p', 'no:cacheprovider', '-q'], {
      cwd: example,
    });

    it('fails the two leaking tests of the example suite, in at most 15 lines each', () => {
      assert.equal(gated.status, 1, gated.stdout + gated.stderr);
      const blocks = failures(gated.stdout);
      assert.deepEqual([...blocks.keys()].sort(), [
        'test_connection_left_in_a_cycle',
        'test_login_keeps_every_session',
      ]);
      for (const lines of blocks.values()) {
        assert.ok(lines.filter((l) => l.trim()).length <= 15, lines.join('\n'));
      }
      const login = blocks.get('test_login_keeps_every_session')!.join('\n');
      assert.match(
        login,
        /1 × test_service\.Session held by test_service\._audit_log \(created at test_service\.py:15\)/,
      );
      const connection = blocks.get('test_connection_left_in_a_cycle')!.join('\n');
      assert.match(
        connection,
        /1 × test_service\.Connection in a reference cycle \(created at test_service\.py:38\)/,
      );
      assert.match(gated.stdout, /2 failed, 3 passed/);
    });

    it('never calls gc.collect() while a test is judged', () => {
      assert.equal(readFileSync(join(example, 'collect-calls.txt'), 'utf8'), '0');
    });

    it('lets clean tests pass exactly as plain pytest does', () => {
      const args = ['-p', 'no:cacheprovider', '-q', '-k', 'clean'];
      const plain = spawnSync(python, ['-m', 'pytest', ...args], {
        cwd: example,
        encoding: 'utf8',
      });
      const withGate = runCli(['pytest', '--python', python, ...args], { cwd: example });
      assert.equal(withGate.status, plain.status);
      const summary = (text: string) => /\d+ passed[^\n]*?(?= in )/.exec(text)?.[0];
      assert.equal(summary(withGate.stdout), summary(plain.stdout));
      assert.equal(summary(withGate.stdout), '3 passed, 2 deselected');
    });

    it('catches resurrection, leaves alone tests that cannot run twice, keeps real failures', () => {
      const suite = join(work, 'suite');
      cpSync(example, suite, { recursive: true, filter: (p) => !p.endsWith('test_service.py') });
      writeScript(suite, 'test_more.py', SUITE);
      const r = runCli(['pytest', '--python', python, '-p', 'no:cacheprovider', '-q', '-rw'], {
        cwd: suite,
      });
      const blocks = failures(r.stdout);
      assert.deepEqual(
        [...blocks.keys()].sort(),
        ['test_failing_for_its_own_reasons', 'test_resurrects'],
        r.stdout,
      );
      assert.match(blocks.get('test_resurrects')!.join('\n'), /resurrected by their finalizer/);
      assert.match(blocks.get('test_failing_for_its_own_reasons')!.join('\n'), /assert 1 == 2/);
      assert.match(r.stdout, /not judged: the test failed when run again/);
      assert.match(r.stdout, /2 failed, 3 passed/);
    });

    it('says in one line when pytest is missing', () => {
      const bare = spawnSync(python, ['-m', 'venv', '--without-pip', join(work, 'bare')]);
      assert.equal(bare.status, 0);
      const r = runCli(['pytest', '--python', join(work, 'bare', 'bin', 'python')], { cwd: work });
      assert.equal(r.status, 2);
      assert.match(
        r.stderr.trim(),
        /^heap-inspector: pytest is not installed for .*: give the interpreter/,
      );
    });
  },
);
