/**
 * The native accelerator in a program paused under a real debugpy: the extension does not know the
 * debuggee's interpreter, so it passes the cache and prebuilt folders (debuggeeAccelerator.ts); the
 * first capture with nothing built for that interpreter reads the heap with the pure-Python kernel
 * and says so in one line, the extension then builds for the interpreter the hook reported, and
 * the next capture in the same pause uses it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { captureOverDap } from '../../extension/capture';
import { readSnapshot } from '../../server/engine';
import { prepareDebuggeeAccelerator } from '../../server/runner/debuggeeAccelerator';
import { DebugpySession, debugpyVariants } from './debugpyHarness';
import { AGENT_DIRECTORY, freshTempDirectory, SCENARIOS, scenarioLine } from './paths';

const NOT_USED = 'the native accelerator was not used (';
// Caches of our own, one per test (a build for one 3.11 also fits another 3.11):
// runnerCacheFolder() reads XDG_CACHE_HOME at each call.
const cacheHomes = mkdtempSync(join(tmpdir(), 'hi-debuggee-accel-'));
after(() => rmSync(cacheHomes, { recursive: true, force: true }));

describe('the debuggee finds the accelerator built for its own interpreter', () => {
  for (const variant of debugpyVariants()) {
    test(
      variant.label,
      { skip: variant.version === null && 'debugpy is not installed' },
      async () => {
        process.env.XDG_CACHE_HOME = mkdtempSync(join(cacheHomes, 'cache-'));
        const program = join(SCENARIOS, 'two_node_cycle.py');
        const session = await DebugpySession.launch(variant, {
          program,
          line: scenarioLine('two_node_cycle.py'),
          cwd: SCENARIOS,
        });
        try {
          const capture = async () => {
            const result = await captureOverDap(session.channel, {
              frameId: session.topFrameId,
              agentDirectory: AGENT_DIRECTORY,
              tempDirectory: freshTempDirectory(),
            });
            const warnings = readSnapshot(result.bytes).meta.warnings ?? [];
            return { meta: result.meta, lines: warnings.filter((w) => w.startsWith(NOT_USED)) };
          };
          const first = await capture();
          assert.equal(first.meta.accelerated, false);
          assert.deepEqual(first.lines, [
            `${NOT_USED}none is built for this interpreter yet): the heap was read by the pure-Python kernel`,
          ]);
          const executable = first.meta.executable ?? '';
          assert.ok(executable.length > 0, 'the hook reports its interpreter');
          // captureOverDap started this build in the background; waiting for it is the test's.
          assert.equal(await prepareDebuggeeAccelerator(executable), true);
          const second = await capture();
          assert.equal(second.meta.accelerated, true);
          assert.deepEqual(second.lines, []);
          assert.equal(second.meta.nodes > 0, true);
        } finally {
          await session.close();
        }
      },
    );
  }
});
