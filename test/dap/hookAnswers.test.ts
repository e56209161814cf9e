/**
 * The debugger hook's answers (agent/heap_inspector_agent/debugger_hook.py `_padded`): one line of
 * JSON padded with spaces past a loopback TCP segment, so that pydevd's reply is not held back by
 * Nagle's algorithm (microsoft/debugpy#2054). pydevd keeps what an evaluate returned until the
 * program resumes: a second and third capture at the same stop must not show the earlier answers
 * as objects of the heap (the hook hands its last answers to the agent as its own).
 *
 *   node --import tsx --test test/dap/hookAnswers.test.ts
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { captureOverDap } from '../../extension/capture/index';
import { readSnapshot } from '../../server/engine/index';
import { DebugpySession, debugpyVariants } from './debugpyHarness';
import { AGENT_DIRECTORY, freshTempDirectory, markerLine, PROGRAMS } from './paths';

const PROGRAM = join(PROGRAMS, 'gc_flags.py');
const variants = debugpyVariants().filter((v) => v.version);

describe("the hook's padded answers", { skip: variants.length === 0 }, () => {
  for (const variant of variants) {
    test(`${variant.label}: three captures at one stop; none shows an earlier answer`, async () => {
      const session = await DebugpySession.launch(variant, {
        program: PROGRAM,
        line: markerLine(PROGRAM, 'capture'),
        cwd: PROGRAMS,
      });
      try {
        const capture = () =>
          captureOverDap(session.channel, {
            frameId: session.topFrameId,
            agentDirectory: AGENT_DIRECTORY,
            tempDirectory: freshTempDirectory(),
          });
        const answers: string[] = [];
        let last = await capture();
        for (let i = 0; i < 2; i++) last = await capture();
        const snapshot = readSnapshot(last.bytes, 'the third capture');
        for (let node = 0; node < snapshot.nodeSize.length; node++) {
          const name = snapshot.strings[snapshot.nodeName[node]] ?? '';
          // A padded answer (a short one, the call expression's "no-hook", is the expression's
          // own constant, which pydevd's compiled expressions keep).
          if (name.startsWith('{"status"') && Number(snapshot.nodeSize[node]) >= 70000) {
            answers.push(`${name.slice(0, 40)}… (${snapshot.nodeSize[node]} B)`);
          }
        }
        assert.deepEqual(answers, [], 'an earlier answer of the hook is in the snapshot');
        // What the hook answers is padded: checked where it is read (statusAndErrors.test.ts)
        // and here through the adapter, whole.
        const raw = await session.evaluate(
          '__import__("sys").modules["_heap_inspector_agent.debugger_hook"]._json({"status": "ok"})',
        );
        assert.equal(raw.length, 70000);
        assert.deepEqual(JSON.parse(raw), { status: 'ok' });
      } finally {
        await session.close();
      }
    });
  }
});
