/**
 * A self-defeating weakref.finalize reached through a class attribute (programs/
 * finalize_through_class.py), on every installed CPython: the program run by plain python shows
 * what the collector does (the callback does not run at gc.collect(), only at exit), and the
 * CLI's capture at the gc.collect() line must say the same: self-defeating, does not fire, while
 * the other finalizer fires at that collection.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Summary } from '../../protocol/summary';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const PROGRAM = join(__dirname, '..', 'programs', 'cli', 'finalize_through_class.py');
const AT =
  readFileSync(PROGRAM, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('the capture point')) + 1;
const work = mkdtempSync(join(tmpdir(), 'hi-finalize-class-'));
const interpreters = [
  ...['3.8.18', '3.9.18', '3.10.13', '3.11.7', '3.12.1', '3.13.0'].map((v) =>
    join(homedir(), '.pyenv', 'versions', v, 'bin', 'python'),
  ),
  '/usr/bin/python3',
];

describe('weakref.finalize holding its object through a class attribute', () => {
  for (const python of interpreters) {
    test(python, { skip: !existsSync(python) }, () => {
      // CPython itself: the callback survives gc.collect() and runs at exit.
      const plain = spawnSync(python, [PROGRAM], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(plain.status, 0, plain.stderr);
      assert.equal(plain.stdout, 'after gc.collect(): s1 pending | s2 ran\nflush ran for s1\n');

      const json = join(work, `${python.replace(/\W+/g, '_')}.json`);
      const r = spawnSync(
        process.execPath,
        [CLI, 'snapshot', '--python', python, '--at', `${PROGRAM}:${AT}`, '--json', json, PROGRAM],
        { encoding: 'utf8', timeout: 300_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, plain.stdout, 'the program behaves as under plain python');
      const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
      const entries = summary.finalizers.weakrefFinalize.entries;
      const flush = entries.find((e) => e.func.endsWith('bind_model.<locals>.flush'));
      const close = entries.find((e) => e.func.endsWith('close_session'));
      assert.ok(flush && close, JSON.stringify(entries));
      assert.deepEqual(
        { selfDefeating: flush.selfDefeating, willFire: flush.willFire },
        { selfDefeating: true, willFire: false },
      );
      assert.deepEqual(
        { selfDefeating: close.selfDefeating, willFire: close.willFire },
        { selfDefeating: false, willFire: true },
      );
      assert.match(r.stderr, /bind_model\.<locals>\.flush keeps its __main__\.Session alive/);
    });
  }
});
