/**
 * What goes wrong during a capture over DAP, with a real debugpy: a second capture while one
 * runs, cancelling, a timeout, the thread resuming, the session ending during or before the
 * capture, a stale frame, a temporary directory nobody can write to (here, or for a debuggee
 * running as another user). Each must give its CaptureError code, leave no file behind, and leave
 * the debuggee as it was (still paused, able to capture again).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import {
  callAgentOverDap,
  captureOverDap,
  CaptureError,
  ChannelLock,
  type CaptureErrorCode,
} from '../../extension/capture';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { DebugpySession, debugpyVariants, type DebugpyVariant } from './debugpyHarness';
import { AGENT_DIRECTORY, freshTempDirectory, markerLine, PROGRAMS } from './paths';

const BIG_HEAP = join(PROGRAMS, 'big_heap.py');
const FRAMES = join(PROGRAMS, 'frames.py');

async function rejectsWith(
  promise: Promise<unknown>,
  code: CaptureErrorCode,
): Promise<CaptureError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CaptureError, `a CaptureError, not ${String(error)}`);
    assert.equal(error.code, code, `${error.message} [${error.detail}]`);
    assert.ok(!error.message.includes('\n'), 'a one-line message');
    return error;
  }
  assert.fail(`expected a CaptureError ${code}`);
}

function launchBig(variant: DebugpyVariant, wrapper?: string[]): Promise<DebugpySession> {
  return DebugpySession.launch(variant, {
    program: BIG_HEAP,
    line: markerLine(BIG_HEAP, 'capture'),
    cwd: PROGRAMS,
    wrapper,
  });
}

function capture(session: DebugpySession, tempDirectory: string, extra: object = {}) {
  return captureOverDap(session.channel, {
    frameId: session.topFrameId,
    agentDirectory: AGENT_DIRECTORY,
    tempDirectory,
    ...extra,
  });
}

/** Until the debuggee has answered every evaluate of an abandoned capture. */
async function settled(session: DebugpySession): Promise<void> {
  for (let i = 0; i < 600 && ChannelLock.isHeld(session.channel); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(!ChannelLock.isHeld(session.channel), 'the session lock is released');
}

const SWITCH_INTERVAL = "repr(__import__('sys').getswitchinterval())";

/** Paused as before: the stack is there, the switch interval is CPython's default (big_heap.py
 * does not set one), and a capture works. */
async function stillPausedAndCapturing(session: DebugpySession): Promise<void> {
  const frames = await session.client.stackTraceRequest({ threadId: session.threadId });
  assert.equal(frames.body.stackFrames[0].line, session.frames[0].line);
  assert.equal(await session.evaluate(SWITCH_INTERVAL), '0.005');
  const tempDirectory = freshTempDirectory();
  const result = await capture(session, tempDirectory);
  assert.ok(result.meta.nodes > 100_000);
  assert.deepEqual(readdirSync(tempDirectory), []);
}

for (const variant of debugpyVariants()) {
  const skip = variant.version === null ? `debugpy is not installed for ${variant.python}` : false;

  describe(`capture faults — ${variant.label}`, { skip, ...SUITE_LIMIT }, () => {
    test(
      'a second capture while one runs is rejected; the first completes',
      TEST_LIMIT,
      async () => {
        const session = await launchBig(variant);
        try {
          const tempDirectory = freshTempDirectory();
          const first = capture(session, tempDirectory);
          await rejectsWith(capture(session, tempDirectory), 'busy');
          await rejectsWith(
            callAgentOverDap(session.channel, {
              frameId: session.topFrameId,
              agentDirectory: AGENT_DIRECTORY,
              module: 'gcstate',
              function: 'read_state',
            }),
            'busy',
          );
          assert.ok((await first).bytes.length > 0);
          assert.deepEqual(readdirSync(tempDirectory), []);
          await stillPausedAndCapturing(session);
        } finally {
          await session.close();
        }
      },
    );

    test(
      'cancelling: rejected at once, the debuggee finishes, stays paused, no file',
      TEST_LIMIT,
      async (t) => {
        const session = await launchBig(variant);
        try {
          const tempDirectory = freshTempDirectory();
          const controller = new AbortController();
          const running = capture(session, tempDirectory, { signal: controller.signal });
          await new Promise((resolve) => setTimeout(resolve, 150));
          const cancelledAt = performance.now();
          controller.abort();
          await rejectsWith(running, 'cancelled');
          const rejectedAfter = performance.now() - cancelledAt;
          // The evaluation is still running in the debuggee: the session stays locked until then.
          await rejectsWith(capture(session, freshTempDirectory()), 'busy');
          const waitedFrom = performance.now();
          await settled(session);
          const answeredAfter = performance.now() - cancelledAt;
          assert.ok(rejectedAfter < answeredAfter, 'rejected without waiting for the debuggee');
          t.diagnostic(
            `rejected ${rejectedAfter.toFixed(0)} ms after the cancel; the debuggee answered ` +
              `${(performance.now() - waitedFrom).toFixed(0)} ms after that`,
          );
          assert.deepEqual(readdirSync(tempDirectory), []);
          await stillPausedAndCapturing(session);
        } finally {
          await session.close();
        }
      },
    );

    test('an already-aborted signal: nothing is sent', TEST_LIMIT, async () => {
      const session = await launchBig(variant);
      try {
        const before = session.channel.evaluateCount;
        await rejectsWith(
          capture(session, freshTempDirectory(), { signal: AbortSignal.abort() }),
          'cancelled',
        );
        assert.equal(session.channel.evaluateCount, before);
      } finally {
        await session.close();
      }
    });

    test('a timeout: rejected, then the same clean-up as a cancel', TEST_LIMIT, async () => {
      const session = await launchBig(variant);
      try {
        const tempDirectory = freshTempDirectory();
        const error = await rejectsWith(
          capture(session, tempDirectory, { timeoutMs: 200 }),
          'timeout',
        );
        assert.match(error.message, /within 0\.2 s/);
        await settled(session);
        assert.deepEqual(readdirSync(tempDirectory), []);
        await stillPausedAndCapturing(session);
      } finally {
        await session.close();
      }
    });

    test(
      'a timeout longer than a timer can wait (24.8 days) is not a timeout at once',
      TEST_LIMIT,
      async () => {
        // The setting is in seconds, without a maximum: 3,000,000 s is 3e9 ms, past Node's longest
        // timer (2^31 - 1 ms), which Node would fire after 1 ms instead.
        const session = await DebugpySession.launch(variant, {
          program: FRAMES,
          line: markerLine(FRAMES, 'inner'),
          cwd: PROGRAMS,
        });
        try {
          const result = await capture(session, freshTempDirectory(), { timeoutMs: 3_000_000_000 });
          assert.equal(result.meta.frame.function, 'inner');
        } finally {
          await session.close();
        }
      },
    );

    test('the thread resumes during the capture', TEST_LIMIT, async () => {
      const session = await launchBig(variant);
      try {
        const tempDirectory = freshTempDirectory();
        const terminated = session.client.waitForEvent('terminated', 60_000);
        const outcome = rejectsWith(capture(session, tempDirectory), 'thread-resumed');
        await new Promise((resolve) => setTimeout(resolve, 150));
        await session.resume();
        await outcome;
        await terminated; // the program ran on to its end
        await settled(session);
        assert.deepEqual(readdirSync(tempDirectory), []);
      } finally {
        await session.close();
      }
    });

    test('the session ends during the capture', TEST_LIMIT, async () => {
      const session = await launchBig(variant);
      try {
        const tempDirectory = freshTempDirectory();
        const outcome = rejectsWith(capture(session, tempDirectory), 'session-ended');
        await new Promise((resolve) => setTimeout(resolve, 150));
        await session.client.disconnectRequest({ terminateDebuggee: true });
        await outcome;
        assert.ok(!ChannelLock.isHeld(session.channel), 'released at once: nothing will answer');
        // The debuggee was killed mid-capture: whatever it had begun writing is removed.
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(readdirSync(tempDirectory), []);
      } finally {
        await session.close();
      }
    });

    test('a capture requested after the session ended', TEST_LIMIT, async () => {
      const session = await DebugpySession.launch(variant, {
        program: FRAMES,
        line: markerLine(FRAMES, 'inner'),
        cwd: PROGRAMS,
      });
      try {
        const frameId = session.topFrameId;
        await session.continueToEnd();
        const tempDirectory = freshTempDirectory();
        await rejectsWith(capture(session, tempDirectory), 'session-ended');
        // A channel that was not told (no `interrupted`): the adapter's answer says the same.
        const bare = { evaluate: session.channel.evaluate.bind(session.channel) };
        await rejectsWith(
          captureOverDap(bare, { frameId, agentDirectory: AGENT_DIRECTORY, tempDirectory }),
          'session-ended',
        );
        assert.deepEqual(readdirSync(tempDirectory), []);
      } finally {
        await session.close();
      }
    });

    test('a frame that is not paused (a stale or unknown frame id)', TEST_LIMIT, async () => {
      const session = await DebugpySession.launch(variant, {
        program: FRAMES,
        line: markerLine(FRAMES, 'inner'),
        cwd: PROGRAMS,
      });
      try {
        const tempDirectory = freshTempDirectory();
        await rejectsWith(
          captureOverDap(session.channel, {
            frameId: 987_654,
            agentDirectory: AGENT_DIRECTORY,
            tempDirectory,
          }),
          'not-paused',
        );
        assert.deepEqual(readdirSync(tempDirectory), []);
      } finally {
        await session.close();
      }
    });

    test('a temporary directory that cannot be written', TEST_LIMIT, async (t) => {
      const readOnly = join(freshTempDirectory(), 'read-only');
      mkdirSync(readOnly);
      chmodSync(readOnly, 0o555);
      const immutable = process.getuid?.() === 0;
      if (immutable && spawnSync('chattr', ['+i', readOnly]).status !== 0) {
        t.skip('running as root without chattr: no directory is read-only to root');
        return;
      }
      const session = await DebugpySession.launch(variant, {
        program: FRAMES,
        line: markerLine(FRAMES, 'inner'),
        cwd: PROGRAMS,
      });
      try {
        const error = await rejectsWith(capture(session, readOnly), 'cannot-write');
        assert.ok(error.message.includes(readOnly));
        assert.equal(session.channel.evaluateCount, 0, 'found out before asking the debuggee');
        assert.deepEqual(readdirSync(readOnly), []);
        const result = await capture(session, freshTempDirectory());
        assert.equal(result.meta.frame.function, 'inner');
      } finally {
        if (immutable) spawnSync('chattr', ['-i', readOnly]);
        await session.close();
      }
    });

    test(
      'an agent directory without the debugger hook: refused before anything is sent',
      TEST_LIMIT,
      async () => {
        const session = await DebugpySession.launch(variant, {
          program: FRAMES,
          line: markerLine(FRAMES, 'inner'),
          cwd: PROGRAMS,
        });
        try {
          const incomplete = join(freshTempDirectory(), 'heap_inspector_agent');
          cpSync(AGENT_DIRECTORY, incomplete, { recursive: true });
          rmSync(join(incomplete, 'debugger_hook.py'));
          const tempDirectory = freshTempDirectory();
          const error = await rejectsWith(
            captureOverDap(session.channel, {
              frameId: session.topFrameId,
              agentDirectory: incomplete,
              tempDirectory,
            }),
            'agent-missing',
          );
          assert.ok(error.message.includes(join(incomplete, 'debugger_hook.py')), error.message);
          await rejectsWith(
            callAgentOverDap(session.channel, {
              frameId: session.topFrameId,
              agentDirectory: incomplete,
              module: 'gcstate',
              function: 'read_state',
            }),
            'agent-missing',
          );
          assert.equal(session.channel.evaluateCount, 0, 'found out before asking the debuggee');
          assert.equal(ChannelLock.isHeld(session.channel), false, 'the session is not held');
          assert.deepEqual(readdirSync(tempDirectory), []);
          const result = await capture(session, freshTempDirectory());
          assert.equal(result.meta.frame.function, 'inner');
        } finally {
          await session.close();
        }
      },
    );

    test('keepFile: the snapshot stays until dispose()', TEST_LIMIT, async () => {
      const session = await DebugpySession.launch(variant, {
        program: FRAMES,
        line: markerLine(FRAMES, 'inner'),
        cwd: PROGRAMS,
      });
      try {
        const tempDirectory = freshTempDirectory();
        const result = await capture(session, tempDirectory, { keepFile: true });
        assert.ok(result.snapshotPath && existsSync(result.snapshotPath));
        assert.deepEqual(
          new Uint8Array(readFileSync(result.snapshotPath)),
          new Uint8Array(result.bytes),
        );
        assert.equal((statSync(dirname(result.snapshotPath)).mode & 0o777).toString(8), '700');
        await result.dispose();
        assert.deepEqual(readdirSync(tempDirectory), []);
      } finally {
        await session.close();
      }
    });

    test(
      'agent functions for the stepper: a call, and an unknown function',
      TEST_LIMIT,
      async () => {
        const session = await DebugpySession.launch(variant, {
          program: FRAMES,
          line: markerLine(FRAMES, 'inner'),
          cwd: PROGRAMS,
        });
        try {
          const call = (fn: string) =>
            callAgentOverDap(session.channel, {
              frameId: session.topFrameId,
              agentDirectory: AGENT_DIRECTORY,
              module: 'gcstate',
              function: fn,
            });
          // Before any capture: installs the hook and loads the agent.
          const state = (await call('read_state')).value as { enabled: boolean; counts: number[] };
          assert.equal(state.enabled, true);
          assert.equal(state.counts.length, 3);
          await rejectsWith(call('no_such_function'), 'agent-failed');
          const result = await capture(session, freshTempDirectory());
          assert.equal(result.meta.hookInstalled, false);
          assert.equal(result.meta.agentLoaded, false);
        } finally {
          await session.close();
        }
      },
    );
  });
}

// The debuggee runs as another user (nobody) and cannot write into this user's private directory:
// the failure comes from inside the debuggee. Needs root (setpriv) and an interpreter that user
// can run: Debian's /usr/bin/python3 with its python3-debugpy.
const debian = debugpyVariants()[0];
const asNobody =
  process.getuid?.() !== 0
    ? 'needs root to run the debuggee as another user'
    : debian.version === null
      ? 'needs Debian python3-debugpy'
      : spawnSync('setpriv', [
            '--reuid=65534',
            '--regid=65534',
            '--clear-groups',
            debian.python,
            '-c',
            'import debugpy',
          ]).status !== 0
        ? 'setpriv cannot run python3 as nobody here'
        : false;

test(
  'a debuggee that cannot write the snapshot (another user)',
  { skip: asNobody, ...TEST_LIMIT },
  async () => {
    const session = await DebugpySession.launch(debian, {
      program: FRAMES,
      line: markerLine(FRAMES, 'inner'),
      cwd: PROGRAMS,
      wrapper: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
    });
    try {
      const tempDirectory = freshTempDirectory();
      chmodSync(tempDirectory, 0o755); // nobody may enter it, not write in the private directory
      const error = await rejectsWith(capture(session, tempDirectory), 'cannot-write');
      assert.match(error.detail ?? '', /Permission denied|EACCES/);
      assert.deepEqual(readdirSync(tempDirectory), []);
    } finally {
      await session.close();
    }
  },
);

// The debuggee (as nobody) cannot read the debugger hook that this machine's user can: the
// install expression answers as the hook does when it cannot read the agent, and installs nothing.
test(
  'a debuggee that cannot read the debugger hook (another user)',
  { skip: asNobody, ...TEST_LIMIT },
  async () => {
    const agentDirectory = join(freshTempDirectory(), 'heap_inspector_agent');
    cpSync(AGENT_DIRECTORY, agentDirectory, { recursive: true });
    chmodSync(dirname(agentDirectory), 0o755);
    chmodSync(agentDirectory, 0o755);
    for (const name of readdirSync(agentDirectory)) chmodSync(join(agentDirectory, name), 0o644);
    chmodSync(join(agentDirectory, 'debugger_hook.py'), 0o600);
    const session = await DebugpySession.launch(debian, {
      program: FRAMES,
      line: markerLine(FRAMES, 'inner'),
      cwd: PROGRAMS,
      wrapper: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
    });
    try {
      const tempDirectory = freshTempDirectory();
      const error = await rejectsWith(
        captureOverDap(session.channel, {
          frameId: session.topFrameId,
          agentDirectory,
          tempDirectory,
        }),
        'agent-missing',
      );
      assert.ok(error.message.includes(agentDirectory), error.message);
      assert.match(
        error.detail ?? '',
        /cannot read the debugger hook \(PermissionError, errno 13\)/,
      );
      assert.equal(session.channel.evaluateCount, 2, 'the call, then the install');
      assert.equal(
        await session.evaluate(
          "'_heap_inspector_agent.debugger_hook' in __import__('sys').modules",
        ),
        'False',
      );
      assert.equal(await session.evaluate("__import__('gc').isenabled()"), 'True');
      assert.equal(await session.evaluate(SWITCH_INTERVAL), '0.005');
      assert.deepEqual(readdirSync(tempDirectory), []);
    } finally {
      await session.close();
    }
  },
);
