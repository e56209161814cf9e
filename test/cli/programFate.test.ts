/**
 * The CLI says what happened to the program, truthfully, with the shell's exit statuses: killed
 * by a signal (named, 128+N), a capture that failed (its own message and status 5), Ctrl-C (the
 * program gets one SIGINT, as under python; the CLI ends as python does), and a killed CLI leaves
 * no program running and, after the next run, no scratch folder.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { eventually, lastLine, processAlive, runCli, startCli, writeScript } from './support';
import { findPython } from '../../scripts/python.mjs';

const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'hi-fate-'));
after(() => rmSync(work, { recursive: true, force: true }));

const SEGFAULT = 'import ctypes\nctypes.string_at(0)\nx = 1\n';
/** Makes the capture fail: a folder where the snapshot file must go (found in the runner's argv). */
const BLOCK_SNAPSHOT = [
  'import os',
  'argv = open("/proc/self/cmdline", "rb").read().split(b"\\0")',
  'os.mkdir(argv[argv.index(b"--out") + 1])',
  'x = 1',
  '',
].join('\n');

function snapshot(script: string, line: number, extra: string[] = [], scriptArgs: string[] = []) {
  return runCli(
    ['snapshot', '--python', python, '--at', `${script}:${line}`, ...extra, script, ...scriptArgs],
    { cwd: work },
  );
}

function step(script: string, line: number) {
  return runCli(['step', '--python', python, '--at', `${script}:${line}`, script], { cwd: work });
}

describe('snapshot: the program killed by a signal', () => {
  it('SIGSEGV before the line: named, status 139', () => {
    const r = snapshot(writeScript(work, 'segv.py', SEGFAULT), 3);
    assert.equal(r.status, 139, r.stderr);
    assert.match(
      lastLine(r.stderr),
      /^heap-inspector: the program was killed by SIGSEGV \(segmentation fault\) before reaching .*segv\.py:3; no snapshot was written$/,
    );
  });

  it('a program that kills itself with SIGTERM: status 143, said', () => {
    const script = writeScript(
      work,
      'term.py',
      'import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\nx = 1\n',
    );
    const r = snapshot(script, 3);
    assert.equal(r.status, 143, r.stderr);
    assert.match(
      lastLine(r.stderr),
      /the program was killed by SIGTERM \(terminated\) before reaching/,
    );
  });

  it('a program that kills itself with SIGKILL: status 137, said', () => {
    const script = writeScript(
      work,
      'kill.py',
      'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\nx = 1\n',
    );
    const r = snapshot(script, 3);
    assert.equal(r.status, 137, r.stderr);
    assert.match(
      lastLine(r.stderr),
      /the program was killed by SIGKILL \(killed\) before reaching/,
    );
  });

  it('SIGSEGV after the capture: the outputs are written, then the crash is said', () => {
    const script = writeScript(
      work,
      'segv-after.py',
      'x = [1]\ny = 2\nimport ctypes\nctypes.string_at(0)\n',
    );
    const out = join(work, 'segv-after.json');
    const r = snapshot(script, 2, ['--json', out, '--quiet']);
    assert.equal(r.status, 139, r.stderr);
    assert.ok(existsSync(out));
    assert.match(
      lastLine(r.stderr),
      /the program was killed by SIGSEGV \(segmentation fault\) after the capture/,
    );
  });

  it('os._exit before the line: said by the CLI (the runner cannot), with the status', () => {
    let r = snapshot(writeScript(work, 'exit0.py', 'import os\nos._exit(0)\nx = 1\n'), 3);
    assert.equal(r.status, 3, r.stderr);
    assert.match(
      lastLine(r.stderr),
      /^heap-inspector: no snapshot: the program ended \(status 0\) without reaching .*exit0\.py:3$/,
    );
    r = snapshot(writeScript(work, 'exit4.py', 'import os\nos._exit(4)\nx = 1\n'), 3);
    assert.equal(r.status, 4, r.stderr);
    assert.match(
      lastLine(r.stderr),
      /no snapshot: the program ended \(status 4\) without reaching .*exit4\.py:3$/,
    );
  });
});

describe('snapshot: a capture that fails is not "line not reached"', () => {
  it('the --out folder vanishes before the line: "the capture failed", status 5', () => {
    const outdir = join(work, 'gone', 'outdir');
    mkdirSync(outdir, { recursive: true });
    const script = writeScript(
      work,
      'vanish.py',
      'import shutil, sys\nshutil.rmtree(sys.argv[1])\nx = 1\n',
    );
    const r = snapshot(script, 3, ['--out', join(outdir, 's.heapsnap')], [outdir]);
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /heap-inspector: the capture failed: FileNotFoundError/);
    assert.match(
      lastLine(r.stderr),
      /^heap-inspector: no snapshot: the capture at .*vanish\.py:3 failed \(see above\)$/,
    );
    assert.doesNotMatch(r.stderr, /not reached/);
  });

  it('the snapshot path is taken by a folder: status 5; a program that then fails keeps its status', () => {
    let r = snapshot(writeScript(work, 'blocked.py', BLOCK_SNAPSHOT), 4);
    assert.equal(r.status, 5, r.stderr);
    assert.match(lastLine(r.stderr), /the capture at .*blocked\.py:4 failed/);
    r = snapshot(
      writeScript(work, 'blocked-fails.py', BLOCK_SNAPSHOT + 'raise SystemExit(9)\n'),
      4,
    );
    assert.equal(r.status, 9, r.stderr);
    assert.match(lastLine(r.stderr), /the capture at .*blocked-fails\.py:4 failed/);
  });
});

describe('step: the same outcomes', () => {
  it('SIGSEGV before the line: named, status 139', () => {
    const r = step(writeScript(work, 'step-segv.py', SEGFAULT), 3);
    assert.equal(r.status, 139, r.stderr);
    assert.match(
      lastLine(r.stderr),
      /the program was killed by SIGSEGV \(segmentation fault\) before reaching/,
    );
  });

  it('a capture that fails: status 5, said', () => {
    const r = step(writeScript(work, 'step-blocked.py', BLOCK_SNAPSHOT), 4);
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /heap-inspector: the capture failed: /);
    assert.match(
      lastLine(r.stderr),
      /^heap-inspector: nothing to step through: the capture at .*step-blocked\.py:4 failed \(see above\)$/,
    );
  });
});

describe('Ctrl-C', SUITE_LIMIT, () => {
  it(
    'ends the CLI as it ends python: the traceback, atexit handlers, killed by SIGINT (130)',
    TEST_LIMIT,
    async () => {
      const script = writeScript(
        work,
        'interrupted.py',
        [
          'import atexit, time',
          'atexit.register(lambda: print("atexit ran", flush=True))',
          'print("ready", flush=True)',
          'time.sleep(600)',
          'x = 1',
          '',
        ].join('\n'),
      );
      const cli = startCli(['snapshot', '--python', python, '--at', `${script}:5`, script], {
        cwd: work,
        detached: true, // a process group of its own, as a shell gives a foreground job
      });
      try {
        assert.ok(await eventually(() => cli.stdout().includes('ready')), cli.stderr());
        process.kill(-cli.child.pid!, 'SIGINT'); // what the terminal does on Ctrl-C
        const end = await cli.ended;
        assert.deepEqual(end, { code: null, signal: 'SIGINT' }, cli.stderr());
        assert.match(cli.stderr(), /KeyboardInterrupt/);
        assert.doesNotMatch(
          cli.stderr(),
          /heap_inspector_run/,
          'no runner frames in the traceback',
        );
        assert.match(cli.stdout(), /atexit ran/);
        assert.match(
          lastLine(cli.stderr()),
          /the program was interrupted \(SIGINT\) before reaching/,
        );
      } finally {
        try {
          process.kill(-cli.child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  );
});

describe('a killed CLI', SUITE_LIMIT, () => {
  const script = writeScript(
    work,
    'long.py',
    'import os, time\nprint("pid=%d" % os.getpid(), flush=True)\ntime.sleep(600)\nx = 1\n',
  );

  /** Starts the CLI on long.py, kills it with SIGKILL once the program runs: is the program gone? */
  async function killWhileRunning(env: NodeJS.ProcessEnv, interpreter: string): Promise<void> {
    const cli = startCli(['snapshot', '--python', interpreter, '--at', `${script}:4`, script], {
      cwd: work,
      env,
    });
    let pid = 0;
    try {
      assert.ok(await eventually(() => /pid=\d+/.test(cli.stdout())), cli.stderr());
      pid = Number(/pid=(\d+)/.exec(cli.stdout())![1]);
      assert.ok(processAlive(pid));
      cli.child.kill('SIGKILL');
      await cli.exited;
      assert.ok(
        await eventually(() => !processAlive(pid), 60_000),
        `the program (pid ${pid}) outlived the CLI`,
      );
    } finally {
      if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  }

  it(
    'SIGKILL: the program is gone soon after; the next run removes the scratch folder left',
    TEST_LIMIT,
    async () => {
      const tmp = join(work, 'tmp-killed');
      mkdirSync(tmp);
      const env = { ...process.env, TMPDIR: tmp };
      await killWhileRunning(env, python);
      const scratch = (): string[] =>
        readdirSync(tmp).filter(
          (name) => name.startsWith('heap-inspector-') && !/^heap-inspector-\d+$/.test(name),
        );
      assert.equal(scratch().length, 1, 'the killed run leaves its scratch folder (documented)');
      const next = writeScript(work, 'next.py', 'x = [1]\ny = 2\n');
      const r = runCli(['snapshot', '--python', python, '--at', `${next}:2`, '--quiet', next], {
        cwd: work,
        env,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(scratch(), [], 'the next run removes what the killed run left');
    },
  );

  it('SIGKILL on a system without setpriv: the program is gone too', TEST_LIMIT, async () => {
    const executable = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).stdout.trim();
    // No setpriv on this PATH (nor anything else): the CLI finds none.
    await killWhileRunning({ ...process.env, PATH: join(work, 'empty-path') }, executable);
  });
});
