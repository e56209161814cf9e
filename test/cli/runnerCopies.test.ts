/**
 * Two copies of heap-inspector on one machine (a CLI checkout and the VS Code extension, or two
 * versions) share the user's runner cache. Compiled code names the source files it came from, and
 * the agent recognises its runner's frames by those names: a runner compiled by one copy and run
 * by the other would put the runner's own frames (and what they hold) into the program's heap.
 * Each copy must get its own compiled files, and the snapshots must be the same from either copy.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, writeScript } from './support';
import type { Summary } from '../../protocol/summary';

const work = mkdtempSync(join(tmpdir(), 'hi-runner-copies-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A second installation: the bundled CLI and the agent, as a package carries them. */
function copyInstallation(): string {
  const copy = join(work, 'copy');
  mkdirSync(copy);
  for (const part of ['bin', 'dist', 'agent', 'package.json']) {
    cpSync(join(ROOT, part), join(copy, part), {
      recursive: true,
      filter: (source) => !source.includes('__pycache__'),
    });
  }
  return copy;
}

function summaryFrom(installation: string, cache: string, script: string): Summary {
  const out = join(work, `summary-${readdirSync(work).length}.json`);
  const run = spawnSync(
    process.execPath,
    [
      join(installation, 'bin', 'heap-inspector.js'),
      'snapshot',
      '--at',
      `${script}:9`,
      '--json',
      out,
      '--quiet',
      script,
    ],
    {
      cwd: work,
      env: { ...process.env, XDG_CACHE_HOME: cache },
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(readFileSync(out, 'utf8')) as Summary;
}

describe('two installations sharing one runner cache', () => {
  it('each runs its own compiled runner, and both see the same heap', () => {
    const cache = join(work, 'cache');
    mkdirSync(cache, { mode: 0o700 });
    const script = writeScript(
      work,
      'program.py',
      [
        'class Node:',
        '    def __init__(self):',
        '        self.me = self',
        '',
        '',
        'def make():',
        '    Node()',
        'make()',
        'x = 1',
        '',
      ].join('\n'),
    );
    const copy = copyInstallation();
    const first = summaryFrom(ROOT, cache, script);
    const second = summaryFrom(copy, cache, script);
    const runners = readdirSync(join(cache, 'heap-inspector', 'runner')).filter((name) =>
      name.startsWith('heap_inspector_run-'),
    );
    assert.equal(runners.length, 2, `one compiled runner per installation: ${runners.join(', ')}`);
    // The same program, the same line: the same objects, whichever copy captured them (their
    // bytes differ by the length of the copies' paths, which some of the runner's strings hold).
    const counts = (s: Summary) => ({ ...s.heap, bytes: undefined });
    assert.deepEqual(counts(second), counts(first));
    assert.deepEqual(second.unreachable.byType, first.unreachable.byType);
    assert.deepEqual(second.unreachable.byType, { '__main__.Node': 1 });
  });
});
