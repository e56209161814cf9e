/**
 * What the CLI does before it has anything to show: a `snapshot --quiet --out` run prints no
 * numbers, so it makes no number formatter (making the first one loads ICU's data, about 0.01 s
 * of every start; a preloaded module counts the formatters made); and V8's compiled code of the
 * bundle is kept in the runner cache (cli/start.ts), private, per command, reused, and never
 * given to V8 damaged.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, runCli, writeScript } from './support';
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

  describe("V8's compiled code of the CLI", () => {
    const xdg = join(work, 'xdg');
    const cache = join(xdg, 'heap-inspector', 'runner');
    const env = { ...process.env, XDG_CACHE_HOME: xdg };

    function compiledFiles(): string[] {
      return existsSync(cache)
        ? readdirSync(cache)
            .filter((n) => n.endsWith('.v8'))
            .sort()
        : [];
    }

    function quietSnapshot() {
      const out = join(work, 'kept.snapshot');
      const r = runCli(
        ['snapshot', '--python', python, '--quiet', '--at', `${script}:3`, '--out', out, script],
        { cwd: work, env },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.ok(existsSync(out));
    }

    it('is kept after a run, private, one file per command, and reused', () => {
      quietSnapshot();
      const files = compiledFiles();
      assert.equal(files.length, 1, files.join(', '));
      assert.match(files[0], /^cli-\w+-snapshot\.v8$/);
      const kept = lstatSync(join(cache, files[0]));
      assert.equal(kept.mode & 0o077, 0, 'only we can read it');
      quietSnapshot();
      assert.equal(lstatSync(join(cache, files[0])).mtimeMs, kept.mtimeMs, 'reused, not rewritten');
      const version = runCli(['--version'], { cwd: work, env });
      assert.equal(version.status, 0);
      assert.equal(compiledFiles().length, 1, 'a run without a command keeps nothing');
    });

    it('a word that names no command leaves no file', () => {
      const before = compiledFiles();
      const r = runCli(['snapshott'], { cwd: work, env });
      assert.equal(r.status, 2);
      assert.deepEqual(compiledFiles(), before);
    });

    it('a damaged file is not given to V8: the run works and the file is written again', () => {
      const name = compiledFiles().find((n) => n.endsWith('-snapshot.v8'));
      assert.ok(name);
      const path = join(cache, name);
      const data = readFileSync(path);
      for (let i = 2000; i < data.length - 100; i += 997) data[i] ^= 0x5a;
      writeFileSync(path, data);
      quietSnapshot();
      assert.notDeepEqual(readFileSync(path), data, 'written again');
      quietSnapshot();
    });

    it('the bundle has no dynamic import(), which a compiled script cannot run on Node 20', () => {
      const bundle = readFileSync(join(ROOT, 'dist', 'cli-main.js'), 'utf8');
      assert.doesNotMatch(bundle, /\bimport\(/);
    });
  });
});
