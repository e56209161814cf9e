/**
 * `npm test` (scripts/test.mjs) ends, whatever a test file does: a file that hangs, or whose
 * process never exits after its tests (a timer or a child process left running), fails by name
 * once past the per-file limit; past the whole run's limit everything is stopped and the files
 * still running are named; Ctrl-C stops the run and every process in it. The limits are given
 * in seconds here (HEAP_INSPECTOR_TEST_FILE_LIMIT, HEAP_INSPECTOR_TEST_RUN_LIMIT), so that each
 * case takes seconds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';

const ROOT = join(__dirname, '..', '..');
const fixtures = mkdtempSync(join(tmpdir(), 'hi-test-runner-'));
after(() => rmSync(fixtures, { recursive: true, force: true }));

/** A test file outside test/; `shown` is how scripts/test.mjs names it (from the repository). */
function fixture(name: string, source: string): { path: string; shown: string } {
  const path = join(fixtures, name);
  writeFileSync(path, source);
  return { path, shown: relative(ROOT, path) };
}

const pattern = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const LEFTOVER_TIMER = fixture(
  'leftover-timer.test.ts',
  `import { test } from 'node:test';
test('passes, and leaves a timer running', () => {
  setInterval(() => undefined, 1000);
});
`,
);

const NEVER_ENDS = fixture(
  'never-ends.test.ts',
  `import { test } from 'node:test';
test('waits for ever', async () => {
  setInterval(() => undefined, 1000);
  await new Promise(() => undefined);
});
`,
);

/** Starts a child that would run for ten minutes, writes its pid to $PID_FILE, waits for ever. */
const WITH_CHILD = fixture(
  'with-child.test.ts',
  `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
test('a child process, then waits for ever', async () => {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  writeFileSync(process.env.PID_FILE!, String(child.pid));
  await new Promise(() => undefined);
});
`,
);

interface Run {
  status: number | null;
  output: string;
}

/**
 * Runs scripts/test.mjs on `files`, in a process group of its own so that a run that does not
 * end can be stopped whole. `during` may act on the running run (send it a signal, say).
 */
async function runTests(
  files: string[],
  env: Record<string, string>,
  during?: (pid: number) => Promise<void>,
): Promise<Run> {
  // Without NODE_TEST_CONTEXT: node's runner, seeing it, would take the run for a nested one
  // and run no file.
  const outer = { ...process.env };
  delete outer.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'test.mjs'), ...files], {
    cwd: ROOT,
    env: { ...outer, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await during?.(child.pid!);
  // Several times the limits these runs are given: a run that lasts this long never ends.
  const boundMs = 120_000;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>(
    (resolve) => (timer = setTimeout(() => resolve('late'), boundMs)),
  );
  const status = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (status === 'late') {
    process.kill(-child.pid!, 'SIGKILL');
    assert.fail(`the test run did not end within ${boundMs / 1000} s:\n${output}`);
  }
  return { status, output };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (at most a minute) until `condition` holds, or fails saying `what` did not happen. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(condition(), what);
}

describe('npm test ends, whatever a test file does', SUITE_LIMIT, () => {
  test(
    'a file left running after its tests, a test that never ends: failed, by name',
    TEST_LIMIT,
    async () => {
      const run = await runTests([LEFTOVER_TIMER.path, NEVER_ENDS.path], {
        HEAP_INSPECTOR_TEST_FILE_LIMIT: '5',
      });
      assert.equal(run.status, 1, run.output);
      // node's runner names a file by its full path.
      for (const file of [LEFTOVER_TIMER.path, NEVER_ENDS.path]) {
        assert.match(
          run.output,
          new RegExp(`✖ ${pattern(file)} .*\\n\\s*'test timed out after 5000ms'`),
          run.output,
        );
      }
      assert.match(run.output, /^1 passed, 2 failed, 0 skipped$/m);
    },
  );

  test(
    "past the whole run's limit: stopped, the file named, no process left",
    TEST_LIMIT,
    async () => {
      const pidFile = join(fixtures, 'run-limit.pid');
      const run = await runTests([WITH_CHILD.path], {
        HEAP_INSPECTOR_TEST_RUN_LIMIT: '5',
        PID_FILE: pidFile,
      });
      assert.equal(run.status, 1, run.output);
      assert.match(
        run.output,
        new RegExp(
          `passed its limit of 5 s \\(HEAP_INSPECTOR_TEST_RUN_LIMIT\\) and was stopped in the TypeScript tests; still running: ${pattern(WITH_CHILD.shown)}\\.`,
        ),
      );
      assert.match(run.output, /^0 passed, 1 failed, 0 skipped$/m);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await until(() => !alive(pid), `the test's child (pid ${pid}) is stopped too`);
    },
  );

  test('Ctrl-C: the run stops (status 130), with every process in it', TEST_LIMIT, async () => {
    const pidFile = join(fixtures, 'ctrl-c.pid');
    const run = await runTests([WITH_CHILD.path], { PID_FILE: pidFile }, async (pid) => {
      await until(
        () => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '',
        'the test file started',
      );
      process.kill(pid, 'SIGINT');
    });
    assert.equal(run.status, 130, run.output);
    assert.match(run.output, /\(stopped by SIGINT\)$/m);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await until(() => !alive(pid), `the test's child (pid ${pid}) is stopped too`);
  });
});
