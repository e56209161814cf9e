/**
 * The extension's runner process (extension/run/withRunner.ts), for both of its users —
 * Inspect Heap Here without a debugger, and the stepper's re-run that collects — reports what
 * happened to the program as the CLI does, learns a capture's outcome from the runner rather
 * than from the program's own output, stops the program when cancelled, and leaves no program
 * running when the extension host dies. It imports no `vscode`, so it runs here.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureFailure } from '../../extension/captureFailure';
import { runToLine } from '../../extension/run/withRunner';
import { findPython as findPythonInfo } from '../../cli/python';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { ROOT, eventually, processAlive, writeScript } from '../cli/support';
import { findPython } from '../../scripts/python.mjs';

const python = findPythonInfo(findPython());
const work = mkdtempSync(join(tmpdir(), 'hi-ext-runner-'));
after(() => rmSync(work, { recursive: true, force: true }));

const SEGFAULT = 'import ctypes\nctypes.string_at(0)\nx = 1\n';
const SPOOF =
  'import sys\nsys.stderr.write("heap-inspector: the capture failed: not really\\n")\nx = [1]\ny = 2\n';
const BLOCK_SNAPSHOT = [
  'import os',
  'argv = open("/proc/self/cmdline", "rb").read().split(b"\\0")',
  'os.mkdir(argv[argv.index(b"--out") + 1])',
  'x = 1',
  '',
].join('\n');

function temp(): string {
  return mkdtempSync(join(work, 'run-'));
}

async function failureOf(promise: Promise<unknown>): Promise<CaptureFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CaptureFailure, `a CaptureFailure, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

describe('Inspect Heap Here without a debugger (runToLine)', SUITE_LIMIT, () => {
  it('names the signal that killed the program', TEST_LIMIT, async () => {
    const script = writeScript(work, 'segv.py', SEGFAULT);
    const error = await failureOf(
      runToLine({
        python,
        script,
        file: script,
        line: 3,
        tempDirectory: temp(),
        afterCapture: 'stop',
      }),
    );
    assert.equal(error.kind, 'program-ended');
    assert.match(
      error.message,
      /^The program was killed by SIGSEGV \(segmentation fault\) before reaching segv\.py:3\./,
    );
  });

  it(
    "is not fooled by a program that prints the runner's failure message",
    TEST_LIMIT,
    async () => {
      const script = writeScript(work, 'spoof.py', SPOOF);
      const result = await runToLine({
        python,
        script,
        file: script,
        line: 4,
        tempDirectory: temp(),
        afterCapture: 'finish',
      });
      assert.ok(existsSync(result.snapshotPath));
    },
  );

  it('reports a capture that failed as such', TEST_LIMIT, async () => {
    const script = writeScript(work, 'blocked.py', BLOCK_SNAPSHOT);
    const error = await failureOf(
      runToLine({
        python,
        script,
        file: script,
        line: 4,
        tempDirectory: temp(),
        afterCapture: 'stop',
      }),
    );
    assert.equal(error.kind, 'agent-failed');
    assert.match(
      error.message,
      /^The capture failed: OSError: .*capture\.heapsnap is a folder; give a file name$/,
    );
  });
});

describe("the stepper's re-run (runToLine with collect)", SUITE_LIMIT, () => {
  it('names the signal that killed the program', TEST_LIMIT, async () => {
    const script = writeScript(work, 'step-segv.py', SEGFAULT);
    const error = await failureOf(
      runToLine({
        python,
        script,
        file: script,
        line: 3,
        collect: { generation: 2 },
        tempDirectory: temp(),
        afterCapture: 'stop',
      }),
    );
    assert.equal(error.kind, 'program-ended');
    assert.match(
      error.message,
      /^The program was killed by SIGSEGV \(segmentation fault\) before the collection at step-segv\.py:3\./,
    );
  });

  it(
    "is not fooled by a program that prints the runner's failure message",
    TEST_LIMIT,
    async () => {
      const script = writeScript(work, 'step-spoof.py', SPOOF);
      const result = await runToLine({
        python,
        script,
        file: script,
        line: 4,
        collect: { generation: 2 },
        tempDirectory: temp(),
        afterCapture: 'stop',
      });
      assert.equal((result.record as { generation?: unknown }).generation, 2);
    },
  );
});

describe('cancelling', SUITE_LIMIT, () => {
  for (const collect of [undefined, { generation: 2 }]) {
    const who = collect ? "the stepper's re-run" : 'Inspect Heap Here';
    it(`${who}: the program is stopped, the failure says cancelled`, TEST_LIMIT, async () => {
      const script = writeScript(
        work,
        `wait-${collect ? 'collect' : 'capture'}.py`,
        'import os, time\nprint("pid=%d" % os.getpid(), flush=True)\ntime.sleep(600)\nx = 1\n',
      );
      const controller = new AbortController();
      let out = '';
      const running = runToLine({
        python,
        script,
        file: script,
        line: 4,
        collect,
        tempDirectory: temp(),
        afterCapture: 'stop',
        signal: controller.signal,
        output: (text) => (out += text),
      });
      assert.ok(await eventually(() => /pid=\d+/.test(out)), 'the program did not start');
      const pid = Number(/pid=(\d+)/.exec(out)![1]);
      controller.abort();
      const error = await failureOf(running);
      assert.equal(error.kind, 'cancelled');
      assert.equal(
        error.message,
        collect
          ? 'Cancelled: the run of the program for the collection was stopped (it was a new process; nothing else changed).'
          : 'Capture cancelled.',
      );
      assert.ok(await eventually(() => !processAlive(pid)), `the program (pid ${pid}) still runs`);
    });
  }
});

describe('the extension host killed while the program runs', SUITE_LIMIT, () => {
  it('takes the program with it', TEST_LIMIT, async () => {
    const script = writeScript(
      work,
      'long.py',
      'import os, time\nprint("pid=%d" % os.getpid(), flush=True)\ntime.sleep(600)\nx = 1\n',
    );
    const host = join(work, 'host.ts');
    const tempDirectory = temp();
    const code = [
      `import { runToLine } from ${JSON.stringify(join(ROOT, 'extension', 'run', 'withRunner.ts'))};`,
      `import { findPython } from ${JSON.stringify(join(ROOT, 'cli', 'python.ts'))};`,
      `void runToLine({ python: findPython(${JSON.stringify(python.executable)}), script: ${JSON.stringify(script)},`,
      `  file: ${JSON.stringify(script)}, line: 4, tempDirectory: ${JSON.stringify(tempDirectory)},`,
      `  afterCapture: 'stop', output: (t: string) => process.stdout.write(t) }).catch(() => {});`,
    ].join('\n');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(host, code);
    const child = spawn(process.execPath, ['--import', 'tsx', host], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    let pid = 0;
    try {
      assert.ok(await eventually(() => /pid=\d+/.test(out)), 'the program did not start');
      pid = Number(/pid=(\d+)/.exec(out)![1]);
      child.kill('SIGKILL');
      assert.ok(
        await eventually(() => !processAlive(pid), 60_000),
        `the program (pid ${pid}) outlived the host`,
      );
    } finally {
      if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }
  });
});
