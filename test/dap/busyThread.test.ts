/**
 * A capture while a thread the debugger does not pause keeps running, with a real debugpy: a
 * daemon thread spins in a pure-Python loop in library code (`justMyCode` and a `rules` entry
 * that excludes its folder, so pydevd neither stops there nor pauses that thread), and the main
 * thread stops at a breakpoint. Such a thread always wants the GIL: whatever switch interval the
 * capture leaves in force is how long everyone else (the capture, pydevd's own threads) may wait
 * for it. The capture must complete, the debuggee must keep answering, and the program's own
 * switch interval must be in force afterwards — also when the debugger detaches mid-capture.
 *
 * Bounded waits (BOUND_MS): a capture of this program takes about a second here, and the longest
 * any thread waits for the GIL is one switch interval (the program's 4 ms, or the agent's bounded
 * interval for its walk); a raised interval of the kind the bound guards against (1000 s) cannot
 * end within it by chance, a correct capture cannot come near it even on a loaded machine. A wait
 * that gives up stops (waiting.ts): nothing is left running to keep the test process alive.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  captureOverDap,
  CaptureError,
  ChannelLock,
  type DapCaptureResult,
} from '../../extension/capture';
import { pythonString } from '../../extension/capture/pythonLiteral';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { predict } from './collectorCheck';
import { DebugpySession, debugpyVariants, type DebugpyVariant } from './debugpyHarness';
import { AGENT_DIRECTORY, freshTempDirectory, markerLine, PROGRAMS } from './paths';
import { sleep, waitUntil, within as withinBound } from './waiting';

const PROGRAM = join(PROGRAMS, 'busy_thread.py');
const LIBRARY = join(PROGRAMS, 'busy_library');
/** busy_thread.py's own switch interval (PROGRAM_INTERVAL there), as Python's repr prints it. */
const PROGRAM_INTERVAL = '0.004';
const BOUND_MS = 60_000;

const INTERVAL = "repr(__import__('sys').getswitchinterval())";
const TURNS = "repr(__import__('sys').modules['spinner'].TURNS[0])";
const HOOK_PRESENT = "'_heap_inspector_agent.debugger_hook' in __import__('sys').modules";

function launch(variant: DebugpyVariant, args?: string[]): Promise<DebugpySession> {
  return DebugpySession.launch(variant, {
    program: PROGRAM,
    line: markerLine(PROGRAM, 'capture'),
    cwd: PROGRAMS,
    args,
    rules: [{ path: LIBRARY, include: false }],
    // After a detach debugpy's adapter ends a launched program that has not ended by itself
    // within DEBUGPY_PROCESS_EXIT_TIMEOUT (5 s in 1.6, 30 s in 1.8). The detach test needs the
    // program to finish the capture and go on, which can take longer than 5 s on a loaded
    // machine: it gets the same bound as everything else here.
    adapterEnv: { DEBUGPY_PROCESS_EXIT_TIMEOUT: String(BOUND_MS / 1000) },
  });
}

/** `promise`, or a failure saying what did not happen within BOUND_MS. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return withinBound(promise, what, BOUND_MS);
}

let marks = 0;
/**
 * Whether `condition` holds in the debuggee, asked with an evaluation without a frame: pydevd
 * runs it on its own command thread, not on the paused one, so it is answered while an
 * evaluation on the paused thread still runs — if that thread gets the GIL. debugpy 1.6 runs such
 * an evaluation with `exec` and returns no value: the answer comes back through a file.
 */
async function holdsInDebuggee(session: DebugpySession, condition: string): Promise<boolean> {
  const mark = join(freshTempDirectory(), `mark-${++marks}`);
  await session.evaluateWithoutFrame(
    `open(${pythonString(mark)}, 'w').close() if ${condition} else None`,
  );
  return existsSync(mark);
}

/** The spinner keeps running while the main thread is paused: the premise of these tests. */
async function assertSpinnerRuns(session: DebugpySession): Promise<void> {
  const first = Number(await session.evaluate(TURNS));
  await sleep(100);
  const second = Number(await session.evaluate(TURNS));
  assert.ok(second > first, `the library thread is not paused (${first} → ${second} turns)`);
}

for (const variant of debugpyVariants()) {
  const skip = variant.version === null ? `debugpy is not installed for ${variant.python}` : false;

  const options = { skip, ...SUITE_LIMIT };
  describe(`a busy thread the debugger does not pause — ${variant.label}`, options, () => {
    test(
      'the capture completes, the debuggee answers during and after it, its interval is the program’s',
      TEST_LIMIT,
      async (t) => {
        const session = await launch(variant);
        try {
          await assertSpinnerRuns(session);
          assert.equal(await session.evaluate(INTERVAL), PROGRAM_INTERVAL);
          const tempDirectory = freshTempDirectory();
          let finished = false;
          const capturing = captureOverDap(session.channel, {
            frameId: session.topFrameId,
            agentDirectory: AGENT_DIRECTORY,
            tempDirectory,
            timeoutMs: BOUND_MS,
          }).finally(() => (finished = true));
          capturing.catch(() => undefined); // awaited below
          // While the capture runs on the paused thread, pydevd's command thread answers an
          // evaluation without a frame: the debuggee's other threads get the GIL.
          while (session.channel.evaluateCount < 2 && !finished) await sleep(5);
          const answered = await within(
            holdsInDebuggee(session, '1 + 1 == 2'),
            'an evaluate (no frame) sent during the capture',
          );
          const answeredBeforeCapture = !finished;
          assert.equal(answered, true);
          const result: DapCaptureResult = await capturing;
          assert.equal(result.meta.hookInstalled, true);
          assert.deepEqual(
            Object.entries(predict(result.bytes).byType).filter(([name]) =>
              name.startsWith('__main__.'),
            ),
            [['__main__.Pair', 200]],
          );
          assert.deepEqual(readdirSync(tempDirectory), []);
          // Right after: the paused thread answers, with the program's own switch interval.
          assert.equal(await within(session.evaluate('1+1'), 'an evaluate after the capture'), '2');
          assert.equal(await session.evaluate(INTERVAL), PROGRAM_INTERVAL);
          await assertSpinnerRuns(session);
          t.diagnostic(
            `capture ${result.seconds.toFixed(2)} s (agent ${result.meta.captureSeconds.toFixed(2)} s); ` +
              `the evaluate sent during it was answered ${answeredBeforeCapture ? 'before' : 'after'} the capture's own answer`,
          );
          // And again, with the hook installed (the short call only).
          const again = await captureOverDap(session.channel, {
            frameId: session.topFrameId,
            agentDirectory: AGENT_DIRECTORY,
            tempDirectory,
            timeoutMs: BOUND_MS,
          });
          assert.equal(again.meta.hookInstalled, false);
          assert.equal(await session.evaluate(INTERVAL), PROGRAM_INTERVAL);
        } finally {
          await session.close();
        }
      },
    );

    test(
      'a timeout: rejected at once; once the debuggee finishes, it answers, with the program’s interval',
      TEST_LIMIT,
      async () => {
        const session = await launch(variant);
        try {
          await assertSpinnerRuns(session);
          const tempDirectory = freshTempDirectory();
          try {
            await captureOverDap(session.channel, {
              frameId: session.topFrameId,
              agentDirectory: AGENT_DIRECTORY,
              tempDirectory,
              timeoutMs: 300,
            });
            assert.fail('a capture of ~100,000 objects does not finish within 0.3 s');
          } catch (error) {
            assert.ok(error instanceof CaptureError && error.code === 'timeout', String(error));
          }
          // The evaluation goes on in the debuggee (it cannot be interrupted); the session is
          // usable again once it has answered.
          await waitUntil(
            () => !ChannelLock.isHeld(session.channel),
            'the debuggee finishing the capture after the timeout',
            BOUND_MS,
          );
          assert.equal(await session.evaluate('1+1'), '2');
          assert.equal(await session.evaluate(INTERVAL), PROGRAM_INTERVAL);
          assert.deepEqual(readdirSync(tempDirectory), []);
          await assertSpinnerRuns(session);
        } finally {
          await session.close();
        }
      },
    );

    test(
      'a detach mid-capture: the program goes on, with its own switch interval',
      TEST_LIMIT,
      async (t) => {
        const report = join(freshTempDirectory(), 'report.json');
        const session = await launch(variant, [report]);
        try {
          await assertSpinnerRuns(session);
          let settled = false;
          const capturing = captureOverDap(session.channel, {
            frameId: session.topFrameId,
            agentDirectory: AGENT_DIRECTORY,
            tempDirectory: freshTempDirectory(),
            timeoutMs: BOUND_MS,
          }).then(
            () => 'ok',
            (error: unknown) => (error instanceof CaptureError ? error.code : String(error)),
          );
          void capturing.then(() => (settled = true));
          // Detach once the install evaluation is certainly running on the paused thread (its
          // module exists), long before the capture ends (it loads the agent, then walks ~100,000
          // objects).
          await waitUntil(
            () => holdsInDebuggee(session, HOOK_PRESENT),
            'the hook being installed',
            BOUND_MS,
            5,
          );
          assert.equal(settled, false, 'the capture was still running when the debugger detached');
          const detachedAt = performance.now();
          await session.client.disconnectRequest({ terminateDebuggee: false });
          // The adapter may still relay the capture's answer before it ends the session.
          const outcome = await capturing;
          const answerAfter = performance.now() - detachedAt;
          assert.ok(['ok', 'session-ended'].includes(outcome), outcome);
          // The program finishes the capture, goes on, reports and ends (the adapter said so before
          // it answered the detach; a program it had to end would not have reported).
          await waitUntil(
            () => existsSync(report) || session.debuggeeExitCode !== null,
            'the program reaching the line after the breakpoint',
            BOUND_MS,
          );
          assert.ok(
            existsSync(report),
            `the program ended (exit code ${session.debuggeeExitCode}) before the line after ` +
              'the breakpoint: did the adapter end it (DEBUGPY_PROCESS_EXIT_TIMEOUT)?',
          );
          await session.close();
          const after = JSON.parse(readFileSync(report, 'utf8')) as {
            interval: number;
            agentLoaded: boolean;
          };
          assert.equal(after.agentLoaded, true, 'the capture ran in the program');
          assert.equal(String(after.interval), PROGRAM_INTERVAL);
          t.diagnostic(
            `the capture, as the extension saw it: ${outcome}, ${answerAfter.toFixed(0)} ms after the detach`,
          );
        } finally {
          await session.close();
        }
      },
    );
  });
}
