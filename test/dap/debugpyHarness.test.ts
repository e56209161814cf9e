/**
 * The DAP test harness never waits forever, whatever the debug adapter does: a request it never
 * answers is given up with a message that names it, and a request pending when the adapter dies
 * fails at once. When the adapter dies the session ends, as VS Code ends a session whose adapter
 * is gone: a capture in flight fails `session-ended` at once and gives the session back.
 *
 * The adapter is made silent (SIGSTOP) or killed (SIGKILL) on purpose, so each case happens the
 * same way every time.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { captureOverDap, CaptureError, ChannelLock } from '../../extension/capture';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { DebugpySession, debugpyVariants } from './debugpyHarness';
import { AGENT_DIRECTORY, freshTempDirectory, markerLine, PROGRAMS } from './paths';

const FRAMES = join(PROGRAMS, 'frames.py');
const BIG_HEAP = join(PROGRAMS, 'big_heap.py');
/** An evaluation that keeps the paused thread busy far longer than any of these tests. */
const BUSY = "__import__('time').sleep(600)";

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error, String(error));
    return error;
  }
  assert.fail('expected a failure');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const variant of debugpyVariants()) {
  const skip = variant.version === null ? `debugpy is not installed for ${variant.python}` : false;

  describe(
    `the DAP harness never waits forever — ${variant.label}`,
    { skip, ...SUITE_LIMIT },
    () => {
      test('a request the adapter never answers is given up, named', TEST_LIMIT, async () => {
        const session = await DebugpySession.launch(variant, {
          program: FRAMES,
          line: markerLine(FRAMES, 'inner'),
          cwd: PROGRAMS,
        });
        session.requestBoundMs = 2_000;
        const pid = session.adapterPid;
        try {
          process.kill(pid, 'SIGSTOP');
          const error = await failure(session.evaluate('1+1'));
          assert.match(error.message, /^debugpy did not answer "evaluate" within 2 s$/);
        } finally {
          process.kill(pid, 'SIGCONT');
          await session.close();
        }
      });

      test(
        'the adapter dies: a pending request fails at once, saying so; the session ends',
        TEST_LIMIT,
        async () => {
          const session = await DebugpySession.launch(variant, {
            program: FRAMES,
            line: markerLine(FRAMES, 'inner'),
            cwd: PROGRAMS,
          });
          try {
            const pending = failure(session.evaluate(BUSY));
            await sleep(200);
            process.kill(session.adapterPid, 'SIGKILL');
            const error = await pending;
            assert.match(
              error.message,
              /^the debug adapter was killed \(SIGKILL\) before answering "evaluate"$/,
            );
            assert.equal(session.channel.ended.aborted, true, 'the session ended with its adapter');
            // Anything asked afterwards fails at once too.
            const late = await failure(session.evaluate('1+1'));
            assert.match(
              late.message,
              /^the debug adapter was killed \(SIGKILL\) before answering "evaluate"$/,
            );
          } finally {
            await session.close();
          }
        },
      );

      test(
        'the adapter dies mid-capture: session-ended at once, the session is given back',
        TEST_LIMIT,
        async () => {
          const session = await DebugpySession.launch(variant, {
            program: BIG_HEAP,
            line: markerLine(BIG_HEAP, 'capture'),
            cwd: PROGRAMS,
          });
          try {
            const tempDirectory = freshTempDirectory();
            const capturing = failure(
              captureOverDap(session.channel, {
                frameId: session.topFrameId,
                agentDirectory: AGENT_DIRECTORY,
                tempDirectory,
                timeoutMs: 5 * 60_000,
              }),
            );
            while (session.channel.evaluateCount === 0) await sleep(5);
            process.kill(session.adapterPid, 'SIGKILL');
            const error = await capturing;
            assert.ok(error instanceof CaptureError, String(error));
            assert.equal(error.code, 'session-ended', error.message);
            assert.equal(
              ChannelLock.isHeld(session.channel),
              false,
              'nothing will answer: released',
            );
            await sleep(300); // whatever the debuggee had begun writing is removed
            assert.deepEqual(readdirSync(tempDirectory), []);
          } finally {
            await session.close();
          }
        },
      );

      test(
        'after a detach the adapter may end the program: its exit code is known',
        TEST_LIMIT,
        async () => {
          // debugpy's adapter ends a launched program that is still running DEBUGPY_PROCESS_EXIT_TIMEOUT
          // seconds after a detach (5 s in 1.6, 30 s in 1.8): here 1 s, while an evaluation runs.
          const session = await DebugpySession.launch(variant, {
            program: FRAMES,
            line: markerLine(FRAMES, 'inner'),
            cwd: PROGRAMS,
            adapterEnv: { DEBUGPY_PROCESS_EXIT_TIMEOUT: '1' },
          });
          try {
            void session.evaluate(BUSY).catch(() => undefined); // answered or not: no matter
            await sleep(200);
            await session.client.disconnectRequest({ terminateDebuggee: false });
            assert.notEqual(
              session.debuggeeExitCode,
              null,
              'the adapter said how the program ended',
            );
            assert.notEqual(session.debuggeeExitCode, 0, 'ended by the adapter, not by itself');
          } finally {
            await session.close();
          }
        },
      );
    },
  );
}
