/**
 * The CLI's contract with its user: clear one-line errors, the right exit status, nothing
 * half-written — for every kind of bad input the issue lists, against real interpreters.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPython } from '../../scripts/python.mjs';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'hi-cli-'));

function cli(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function script(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

/** The last line of stderr is ours: one line, prefixed. */
function ourMessage(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines[lines.length - 1];
}

const pyenv = (version: string) => `/root/.pyenv/versions/${version}/bin/python`;

describe('heap-inspector snapshot: bad input', () => {
  const ok = script('ok.py', 'import sys\nx = [1]\nprint("hello from the program")\nsys.exit(5)\n');

  it('passes the program output and exit status through', () => {
    const r = cli(['snapshot', '--python', python, '--at', `${ok}:3`, '--json', 'out.json', ok]);
    assert.equal(r.status, 5);
    assert.match(r.stdout, /hello from the program/);
    assert.ok(existsSync(join(work, 'out.json')));
  });

  it('rejects a missing interpreter', () => {
    const r = cli(['snapshot', '--python', '/no/such/python', '--at', `${ok}:2`, ok]);
    assert.equal(r.status, 2);
    assert.match(
      ourMessage(r.stderr),
      /^heap-inspector: cannot run Python "\/no\/such\/python": install CPython 3\.8\+ or pass --python PATH$/,
    );
  });

  it('rejects Python 2', { skip: !existsSync(pyenv('2.7.18')) }, () => {
    const r = cli(['snapshot', '--python', pyenv('2.7.18'), '--at', `${ok}:2`, ok]);
    assert.equal(r.status, 2);
    assert.match(ourMessage(r.stderr), /is not Python 3 .* needs CPython 3\.8\+/);
  });

  it('rejects Python older than 3.8', { skip: !existsSync(pyenv('3.7.16')) }, () => {
    const r = cli(['snapshot', '--python', pyenv('3.7.16'), '--at', `${ok}:2`, ok]);
    assert.equal(r.status, 2);
    assert.match(
      ourMessage(r.stderr),
      /is Python 3\.7\.16, too old: heap-inspector needs CPython 3\.8\+/,
    );
  });

  it('rejects a missing script, a missing --at file, a line past the end, a malformed --at', () => {
    let r = cli(['snapshot', '--python', python, '--at', `${ok}:2`, 'missing.py']);
    assert.equal(r.status, 2);
    assert.equal(ourMessage(r.stderr), 'heap-inspector: script not found: missing.py');
    r = cli(['snapshot', '--python', python, '--at', 'nowhere.py:2', ok]);
    assert.equal(
      ourMessage(r.stderr),
      'heap-inspector: --at nowhere.py:2: file nowhere.py not found',
    );
    r = cli(['snapshot', '--python', python, '--at', `${ok}:99`, ok]);
    assert.match(ourMessage(r.stderr), /has only 5 lines$/);
    r = cli(['snapshot', '--python', python, '--at', 'ok.py', ok]);
    assert.match(ourMessage(r.stderr), /--at must be FILE:LINE with a line number from 1/);
    r = cli(['snapshot', '--python', python, ok]);
    assert.match(ourMessage(r.stderr), /--at FILE:LINE is required/);
  });

  it('says when the line is never reached, writes nothing, exits 3', () => {
    const never = script('never.py', 'def unused():\n    return 1\n\nprint("done")\n');
    const r = cli([
      'snapshot',
      '--python',
      python,
      '--at',
      `${never}:2`,
      '--html',
      'never.html',
      '--json',
      'never.json',
      never,
    ]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /never\.py:2 was never reached; no snapshot was written/);
    assert.ok(!existsSync(join(work, 'never.html')) && !existsSync(join(work, 'never.json')));
  });

  it('shows the program traceback, then our message, when it crashes before the line', () => {
    const crash = script('crash.py', 'def boom():\n    raise KeyError("nope")\n\nboom()\nx = 1\n');
    const r = cli([
      'snapshot',
      '--python',
      python,
      '--at',
      `${crash}:5`,
      '--json',
      'crash.json',
      crash,
    ]);
    assert.equal(r.status, 1);
    const traceback = r.stderr.indexOf('Traceback (most recent call last):');
    const ours = r.stderr.indexOf('was never reached');
    assert.ok(traceback >= 0 && ours > traceback, r.stderr);
    assert.match(r.stderr, /File ".*crash\.py", line 4, in <module>/);
    assert.doesNotMatch(r.stderr, /heap_inspector_run/, 'the runner hides its own frames');
    assert.ok(!existsSync(join(work, 'crash.json')));
  });

  it('reports a syntax error as python does', () => {
    const broken = script('broken.py', 'x = (\n');
    const r = cli(['snapshot', '--python', python, '--at', `${broken}:1`, broken]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /SyntaxError/);
  });

  it('checks output paths before running the program', () => {
    const r = cli([
      'snapshot',
      '--python',
      python,
      '--at',
      `${ok}:2`,
      '--html',
      '/no/such/folder/r.html',
      ok,
    ]);
    assert.equal(r.status, 2);
    assert.doesNotMatch(r.stdout, /hello from the program/, 'the program must not run');
    assert.match(
      ourMessage(r.stderr),
      /--html \/no\/such\/folder\/r\.html: folder \/no\/such\/folder does not exist/,
    );
  });

  it('moves a breakpoint on a blank line to the next statement, and says so', () => {
    const spaced = script('spaced.py', 'a = [1]\n\n\nb = [2]\n');
    const r = cli([
      'snapshot',
      '--python',
      python,
      '--at',
      `${spaced}:2`,
      '--json',
      'spaced.json',
      spaced,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /spaced\.py:2 starts no statement; stopping at line 4 instead/);
    const summary = JSON.parse(readFileSync(join(work, 'spaced.json'), 'utf8'));
    assert.equal(summary.capture.line, 4);
  });
});

describe('heap-inspector report: bad snapshots', () => {
  it('rejects a file that is not a snapshot', () => {
    const path = join(work, 'not-a-snapshot.bin');
    writeFileSync(path, 'hello');
    const r = cli(['report', path]);
    assert.equal(r.status, 2);
    assert.match(ourMessage(r.stderr), /not-a-snapshot\.bin:? .*not a heap snapshot/i);
  });

  it('rejects a truncated snapshot and one from another format version', () => {
    const ok = script('small.py', 'x = [1]\ny = 2\n');
    const snap = join(work, 'small.heapsnap');
    assert.equal(
      cli(['snapshot', '--python', python, '--at', `${ok}:2`, '--out', snap, '--quiet', ok]).status,
      0,
    );
    const bytes = readFileSync(snap);
    const truncated = join(work, 'truncated.heapsnap');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    let r = cli(['report', truncated]);
    assert.equal(r.status, 2);
    assert.match(ourMessage(r.stderr), /truncated/i);
    const future = Buffer.from(bytes);
    future.writeUInt32LE(99, 8);
    const futurePath = join(work, 'future.heapsnap');
    writeFileSync(futurePath, future);
    r = cli(['report', futurePath]);
    assert.match(ourMessage(r.stderr), /format 99/);
  });

  it('prints the text summary of a good snapshot', () => {
    const ok = script('good.py', 'class A:\n    pass\na = A()\na.me = a\ndel a\nz = 1\n');
    const snap = join(work, 'good.heapsnap');
    assert.equal(
      cli(['snapshot', '--python', python, '--at', `${ok}:6`, '--out', snap, '--quiet', ok]).status,
      0,
    );
    const r = cli(['report', snap]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /The next gc\.collect\(\) frees 1 unreachable objects .*1 __main__\.A/);
  });
});
