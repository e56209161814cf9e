/**
 * Names a program chooses reach the CLI's output: a class named "X\x1b]0;title\x07\x1b[2J…"
 * printed raw would retitle and clear the terminal of whoever reads the summary. A real program
 * puts escape sequences (C0, C1 and bidi controls) in a class name, a module name, a dict key, a
 * thread name, a function name and a weakref.finalize callback name; every command's stdout
 * and stderr must then hold none of those characters raw — and still show the names, escaped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findPython } from '../../scripts/python.mjs';
import { UNSAFE_TERMINAL_TEXT } from '../helpers/terminalSafety';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'heap-inspector.js');
const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'hi-escapes-'));

// The hostile text: OSC retitle ended by BEL, clear screen, red, a C1 CSI, a bidi override.
const PROGRAM = String.raw`import sys
import threading
import types
import weakref

ESC = "\x1b]0;pwned-title\x07\x1b[2J\x1b[31mRED\x9b2J\u202eevil"

module = types.ModuleType("mod" + ESC)
sys.modules[module.__name__] = module
Hostile = type("X" + ESC, (), {"__module__": module.__name__})


def flush(self):
    pass


flush.__qualname__ = "flush" + ESC
Hostile.flush = flush


def ring():
    h = Hostile()
    h.__dict__["key" + ESC] = h
    return h


rings = [ring() for _ in range(3)]
del rings
kept = Hostile()
finalizer = weakref.finalize(kept, kept.flush)
release = threading.Event()
worker = threading.Thread(target=release.wait, name="thread" + ESC, daemon=True)
worker.start()


def work():
    x = 1
    return x  # the capture point


work.__code__ = work.__code__.replace(co_name="work" + ESC)
work()
release.set()
finalizer.detach()
`;
const AT_LINE = PROGRAM.split('\n').findIndex((l) => l.includes('the capture point')) + 1;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertTerminalSafe(what: string, output: string): void {
  for (const line of output.split('\n')) {
    assert.doesNotMatch(
      line,
      UNSAFE_TERMINAL_TEXT,
      `${what} prints raw control characters: ${JSON.stringify(line)}`,
    );
  }
}

describe('program-derived text on the terminal', () => {
  const script = join(work, 'hostile_names.py');
  writeFileSync(script, PROGRAM);
  const snap = join(work, 'hostile.heapsnap');

  it('snapshot: the text summary (stderr) and --json - (stdout)', () => {
    const r = cli([
      'snapshot',
      '--python',
      python,
      '--at',
      `${script}:${AT_LINE}`,
      '--out',
      snap,
      '--json',
      '-',
      script,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assertTerminalSafe('snapshot stderr', r.stderr);
    assertTerminalSafe('snapshot stdout', r.stdout);
    // The names are there, escaped as Python writes them.
    assert.match(
      r.stderr,
      /3 mod\\x1b\]0;pwned-title\\x07\\x1b\[2J\\x1b\[31mRED\\x9b2J\\u202eevil\.X\\x1b/,
    );
    assert.match(r.stderr, /flush\\x1b\]0;pwned-title.* keeps its mod\\x1b.*\.X\\x1b.* alive/);
    assert.match(r.stderr, /in work\\x1b\]0;pwned-title/);
    // The JSON is still the same data once parsed.
    const summary = JSON.parse(r.stdout);
    assert.equal(
      summary.unreachable.byType[
        `mod\u001b]0;pwned-title\u0007\u001b[2J\u001b[31mRED\u009b2J\u202eevil.X\u001b]0;pwned-title\u0007\u001b[2J\u001b[31mRED\u009b2J\u202eevil`
      ],
      3,
    );
  });

  it('report: text, --json -', () => {
    let r = cli(['report', snap]);
    assert.equal(r.status, 0, r.stderr);
    assertTerminalSafe('report stdout', r.stdout);
    assertTerminalSafe('report stderr', r.stderr);
    assert.match(r.stdout, /The next gc\.collect\(\) frees \d+ unreachable objects/);
    r = cli(['report', '--json', '-', snap]);
    assert.equal(r.status, 0, r.stderr);
    assertTerminalSafe('report --json - stdout', r.stdout);
  });

  it('step: the comparison (stderr) and --json - (stdout)', () => {
    const r = cli([
      'step',
      '--python',
      python,
      '--at',
      `${script}:${AT_LINE}`,
      '--json',
      '-',
      script,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assertTerminalSafe('step stderr', r.stderr);
    assertTerminalSafe('step stdout', r.stdout);
    assert.match(r.stderr, /predicted unreachable: .*mod\\x1b/);
  });

  it('an error that names the file escapes the name', () => {
    const path = join(work, 'bad\u001b[2Jname\u0007.heapsnap');
    writeFileSync(path, 'not a snapshot');
    const r = cli(['report', path]);
    assert.equal(r.status, 2);
    assertTerminalSafe('report stderr', r.stderr);
    assert.match(r.stderr, /bad\\x1b\[2Jname\\x07\.heapsnap is not a heap snapshot/);
  });
});
