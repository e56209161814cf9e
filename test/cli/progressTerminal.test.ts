/**
 * The capture's progress on a terminal: `snapshot` and `step` run with standard error on a
 * pseudo-terminal (test/programs/cli/pty_run.py) show the phase and percent on one line, rewritten
 * in place and cleared at the end, and the program's own output is exactly what plain python
 * prints; with standard error piped, nothing of it appears.
 *
 * No clock decides anything here: the program's audit hook holds the capture inside its walk (the
 * first bulk `gc.get_referents`) until the terminal has shown the line, which it does once the
 * capture has lasted a second. A quick capture showing nothing is progressLine.test.ts's. The
 * capture runs on the pure-Python kernel: its walk reads references with one audited
 * `gc.get_referents` per chunk, where the hook can hold it; the native kernel reads them in C,
 * with no event in the walk to hold it at (and the progress line is the CLI's, whichever kernel).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findPython } from '../../scripts/python.mjs';
import { CLI, runCli, writeScript } from './support';

const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'hi-progress-'));
after(() => rmSync(work, { recursive: true, force: true }));
const PTY_RUN = join(__dirname, '..', 'programs', 'cli', 'pty_run.py');
/** Every run on the pure-Python kernel, whose walk the program's audit hook can hold. */
const HELD = { ...process.env, HEAP_INSPECTOR_ACCELERATOR: 'off' };

// Holds the capture's first bulk read of references (tens of thousands of objects in one call)
// until the file named by argv[1] exists, or argv[2] seconds (default 120) have passed. Says
// which descriptors it has after the line that it did not have before: none.
const PROGRAM = `import os, sys, time
RELEASE = sys.argv[1]
LIMIT = float(sys.argv[2]) if len(sys.argv) > 2 else 120
HELD = []


def hold(event, args):
    if event == "gc.get_referents" and len(args[0]) > 10000 and not HELD:
        HELD.append(1)
        deadline = time.monotonic() + LIMIT
        while not os.path.exists(RELEASE) and time.monotonic() < deadline:
            time.sleep(0.01)


sys.addaudithook(hold)
data = [[i] for i in range(100000)]
FDS = set(os.listdir("/proc/self/fd"))
print("before the capture")
sys.stderr.write("on stderr before\\n")
pass  # CAPTURE
print("after the capture; descriptors added:", sorted(set(os.listdir("/proc/self/fd")) - FDS))
sys.stderr.write("on stderr after\\n")
`;
const script = writeScript(work, 'held.py', PROGRAM);
const line = PROGRAM.split('\n').indexOf('pass  # CAPTURE') + 1;
const LINE_DRAWN = String.raw`\r\x1b\[2Kheap-inspector: capturing the heap: reading references \d+% \(\d+ s\)`;
/* eslint-disable no-control-regex -- the terminal's control sequences are what is tested */
/** The line as drawn: erase the line, then the text up to the next carriage return. */
const DRAWING = /\r\x1b\[2Kheap-inspector: capturing the heap[^\r]*/g;
const ERASE = /\r\x1b\[2K/g;
/** Anything of the progress line: its text or an escape sequence. */
const ANY_PROGRESS = /capturing the heap|\x1b/;
/* eslint-enable no-control-regex */

/** What plain python prints for the program (nothing is held: no capture). */
function plainRun(): { stdout: string; stderr: string } {
  const r = spawnSync(python, [script, join(work, 'unused')], { cwd: work, encoding: 'latin1' });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

interface PtyRun {
  status: number;
  stdout: string;
  terminal: string;
  seen: boolean;
  timedOut: boolean;
}

function onTerminal(command: string, release: string): PtyRun {
  const spec = {
    command: [
      process.execPath,
      CLI,
      command,
      '--python',
      python,
      '--at',
      `${script}:${line}`,
      script,
      release,
    ],
    cwd: work,
    columns: 120,
    release,
    waitFor: LINE_DRAWN,
    timeoutSeconds: 300,
  };
  const r = spawnSync(python, [PTY_RUN, JSON.stringify(spec)], { encoding: 'utf8', env: HELD });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PtyRun;
}

/** The terminal's text without the progress line: its drawings and the erasures between them. */
function withoutProgress(terminal: string): string {
  return terminal.replace(DRAWING, '').replace(ERASE, '');
}

describe('progress on a terminal', () => {
  for (const command of ['snapshot', 'step']) {
    it(`${command}: the phase and percent on one line, cleared at the end; the program's output untouched`, () => {
      const plain = plainRun();
      const release = join(work, `release-${command}`);
      const r = onTerminal(command, release);
      assert.equal(r.timedOut, false, `the run did not end: ${JSON.stringify(r.terminal)}`);
      assert.ok(r.seen, `no progress line on the terminal: ${JSON.stringify(r.terminal)}`);
      assert.equal(r.status, 0, r.terminal);
      // The line is drawn in place (never a new line) and erased once the capture ends: the
      // program's next output starts where the line was.
      const drawings = r.terminal.match(DRAWING) ?? [];
      assert.ok(drawings.length >= 1);
      assert.ok(
        drawings.every((d) => !d.includes('\n')),
        JSON.stringify(drawings),
      );
      const afterLast = r.terminal.slice(r.terminal.lastIndexOf(drawings[drawings.length - 1]));
      assert.ok(
        afterLast.startsWith(drawings[drawings.length - 1] + '\r\x1b[2Kon stderr after\n'),
        JSON.stringify(afterLast.slice(0, 200)),
      );
      // Standard output (a pipe here) and standard error, byte for byte python's, the CLI's own
      // text after the program's.
      assert.equal(r.stdout, plain.stdout);
      const rest = withoutProgress(r.terminal);
      assert.ok(rest.startsWith(plain.stderr), JSON.stringify(rest.slice(0, 300)));
      assert.doesNotMatch(rest.slice(plain.stderr.length), ANY_PROGRESS);
    });
  }

  // Where nothing may show, the capture is held for 3 s (long enough for a line to appear).
  it("piped: no progress, and the output is python's byte for byte", () => {
    const plain = plainRun();
    const r = runCli(
      [
        'snapshot',
        '--python',
        python,
        '--at',
        `${script}:${line}`,
        script,
        join(work, 'never'),
        '3',
      ],
      { cwd: work, env: HELD },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, plain.stdout);
    assert.ok(r.stderr.startsWith(plain.stderr), r.stderr);
    assert.doesNotMatch(r.stderr, ANY_PROGRESS);
  });

  it('--quiet on a terminal: no progress line', () => {
    const spec = {
      command: [
        process.execPath,
        CLI,
        'snapshot',
        '--quiet',
        '--python',
        python,
        '--at',
        `${script}:${line}`,
        script,
        join(work, 'never'),
        '3',
      ],
      cwd: work,
      timeoutSeconds: 300,
    };
    const r = JSON.parse(
      spawnSync(python, [PTY_RUN, JSON.stringify(spec)], {
        encoding: 'utf8',
        env: HELD,
      }).stdout.trim(),
    ) as PtyRun;
    assert.equal(r.status, 0, r.terminal);
    assert.equal(r.terminal, plainRun().stderr);
  });
});
