/**
 * The extension's two ways of running a file under the runner (Inspect Heap Here without a
 * debugger, and the stepper's re-run) report what happened to the program as the CLI does, learn
 * a capture's outcome from the runner rather than from the program's own output, and leave no
 * program running when the extension host dies. They import no `vscode`, so they run here.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToLine } from '../../extension/run/agentRunner';
import { runAndCollect } from '../../extension/stepper/runnerCollection';
import { CaptureFailure } from '../../extension/debug/captureAdapter';
import { findPython as findPythonInfo } from '../../cli/python';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { ROOT, eventually, processAlive, writeScript } from './support';
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

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
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
    assert.ok(error instanceof CaptureFailure);
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
    assert.ok(error instanceof CaptureFailure);
    assert.equal(error.kind, 'agent-failed');
    assert.match(
      error.message,
      /^The capture failed: OSError: .*capture\.heapsnap is a folder; give a file name$/,
    );
  });
});

describe("the stepper's re-run (runAndCollect)", SUITE_LIMIT, () => {
  it('names the signal that killed the program', TEST_LIMIT, async () => {
    const script = writeScript(work, 'step-segv.py', SEGFAULT);
    const error = await failureOf(
      runAndCollect({
        python,
        script,
        file: script,
        line: 3,
        generation: 2,
        tempDirectory: temp(),
      }),
    );
    assert.equal((error as { code?: string }).code, 'program-ended');
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
      const result = await runAndCollect({
        python,
        script,
        file: script,
        line: 4,
        generation: 2,
        tempDirectory: temp(),
      });
      assert.equal(result.real.generation, 2);
    },
  );
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
      `import { runToLine } from ${JSON.stringify(join(ROOT, 'extension', 'run', 'agentRunner.ts'))};`,
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
