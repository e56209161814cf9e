/**
 * What the CLI does before it has anything to show: a `snapshot --quiet --out` run prints no
 * numbers, so it makes no number formatter (making the first one loads ICU's data, about 0.01 s
 * of every start). A preloaded module counts the formatters made.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, writeScript } from './support';
import { findPython } from '../../scripts/python.mjs';

describe('work done at start-up', () => {
  const work = mkdtempSync(join(tmpdir(), 'hi-startup-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const counted = join(work, 'formatters.txt');
  const preload = writeScript(
    work,
    'count-formatters.js',
    [
      "const fs = require('node:fs');",
      'let made = 0;',
      'const Original = Intl.NumberFormat;',
      'Intl.NumberFormat = function (...args) { made++; return new Original(...args); };',
      `process.on('exit', () => fs.writeFileSync(${JSON.stringify(counted)}, String(made)));`,
    ].join('\n'),
  );
  const python = findPython();
  const script = writeScript(work, 'small.py', 'x = [1]\nx.append(x)\ny = 2\n');

  function formattersMade(args: string[]): number {
    rmSync(counted, { force: true });
    const r = spawnSync(process.execPath, ['--require', preload, CLI, ...args], {
      cwd: work,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return Number(readFileSync(counted, 'utf8'));
  }

  it('--version makes none', () => {
    assert.equal(formattersMade(['--version']), 0);
  });

  it('a quiet snapshot kept in a file makes none', () => {
    const out = join(work, 'kept.snapshot');
    assert.equal(
      formattersMade([
        'snapshot',
        '--python',
        python,
        '--quiet',
        '--at',
        `${script}:3`,
        '--out',
        out,
        script,
      ]),
      0,
    );
  });

  it('the text summary makes one, when it prints numbers', () => {
    assert.ok(formattersMade(['snapshot', '--python', python, '--at', `${script}:3`, script]) >= 1);
  });
});
