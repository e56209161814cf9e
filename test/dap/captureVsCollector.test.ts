/**
 * A capture over DAP against the real collector, under both debugpy versions: stop a program at a
 * breakpoint, capture exactly as the extension does, then run `gc.collect()` with
 * DEBUG_COLLECTABLE in the same debugged process. The objects the engine predicts unreachable
 * must be exactly the ones the collector lists (by address and by type), and the capture must
 * leave nothing behind: not in the frame's variables, `sys.path`, `sys.modules` (beyond the
 * agent's own), the temporary directory, or as garbage.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { captureOverDap, type DapCaptureResult } from '../../extension/capture';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import {
  COLLECT_EXPRESSION,
  parseCollect,
  pausedFrameLocals,
  predict,
  type Prediction,
} from './collectorCheck';
import { DebugpySession, debugpyVariants } from './debugpyHarness';
import {
  AGENT_DIRECTORY,
  freshTempDirectory,
  markerLine,
  PROGRAMS,
  SCENARIOS,
  scenarioLine,
} from './paths';

const SCENARIO_NAMES = [
  'self_reference.py',
  'two_node_cycle.py',
  'generator_finally.py',
  'weakref_finalize.py',
];
// large_heap.py is not among them: its garbage is young, and under a debugger the debugger's own
// allocations while paused trigger young collections that free it before anyone looks (the
// capture then rightly finds nothing). big_heap.py keeps its garbage in the oldest generation.
const FRAMES = join(PROGRAMS, 'frames.py');
const BIG_HEAP = join(PROGRAMS, 'big_heap.py');

const LIST_MODULES = "'\\n'.join(sorted(__import__('sys').modules))";
const LIST_PATH = "'\\n'.join(__import__('sys').path)";
// The modules the agent's bootstrap recorded as loaded by it (not by the program).
const AGENT_LOADED =
  "'\\n'.join(__import__('sys').modules['_heap_inspector_agent'].__dict__['loaded_modules'])";

/** What the user (or the program) could see of the debuggee, before and after a capture. */
async function observable(session: DebugpySession, frameIds: number[]) {
  const scopes: Record<number, Record<string, string[]>> = {};
  for (const id of frameIds) scopes[id] = await session.scopeNames(id);
  return {
    scopes,
    path: await session.evaluate(LIST_PATH),
    modules: (await session.evaluate(LIST_MODULES)).split('\n'),
  };
}

/** Capture at `frameId`, then check everything a capture promises; returns the prediction. */
async function captureAndCheck(
  t: TestContext,
  session: DebugpySession,
  frameId: number,
): Promise<{ result: DapCaptureResult; prediction: Prediction }> {
  const frameIds = session.frames.slice(0, 2).map((frame) => frame.id);
  const before = await observable(session, frameIds);
  const tempDirectory = freshTempDirectory();
  const result = await captureOverDap(session.channel, {
    frameId,
    agentDirectory: AGENT_DIRECTORY,
    tempDirectory,
  });
  assert.deepEqual(readdirSync(tempDirectory), [], 'nothing left in the temporary directory');
  assert.ok(result.bytes.length > 64 * 1024, `a snapshot over 64 KB (${result.bytes.length} B)`);
  assert.equal(result.snapshotPath, undefined);
  const prediction = predict(result.bytes); // parses and validates every section

  const after = await observable(session, frameIds);
  assert.deepEqual(after.scopes, before.scopes, 'the frames show the same variables');
  assert.equal(after.path, before.path, 'sys.path unchanged');
  const added = after.modules.filter((name) => !before.modules.includes(name));
  const agentLoaded = (await session.evaluate(AGENT_LOADED)).split('\n').filter(Boolean);
  const unexpected = added.filter(
    (name) => !name.startsWith('_heap_inspector_agent') && !agentLoaded.includes(name),
  );
  assert.deepEqual(unexpected, [], 'no modules but the agent and those it loaded');

  // The truth: the collector, in the same process, right after the capture.
  const collected = parseCollect(await session.evaluate(COLLECT_EXPRESSION));
  assert.deepEqual(
    collected.collectionsBefore,
    result.meta.gcCollections,
    'no automatic collection ran between the capture and the check',
  );
  assert.deepEqual(prediction.addresses, collected.addresses, 'the same objects, by address');
  assert.deepEqual(sorted(prediction.byShortType), sorted(collected.byType), 'the same types');
  t.diagnostic(
    `${result.meta.nodes} nodes, ${result.bytes.length} B, pause ${result.seconds.toFixed(3)} s; ` +
      `unreachable ${JSON.stringify(prediction.byType)}`,
  );
  return { result, prediction };
}

function sorted(record: Record<string, number>): [string, number][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

function mainTypes(byType: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(byType).filter(([name]) => name.startsWith('__main__.')),
  );
}

function expectedMainTypes(scenario: string): Record<string, number> {
  const expected = JSON.parse(readFileSync(join(SCENARIOS, 'expected.json'), 'utf8')) as {
    scenarios: Record<
      string,
      { runs: { generation: number; hit: number; collected: { byType: Record<string, number> } }[] }
    >;
  };
  const run = expected.scenarios[scenario].runs.find((r) => r.generation === 2 && r.hit === 1)!;
  return mainTypes(run.collected.byType);
}

for (const variant of debugpyVariants()) {
  const skip = variant.version === null ? `debugpy is not installed for ${variant.python}` : false;

  describe(`capture over DAP vs the collector — ${variant.label}`, { skip, ...SUITE_LIMIT }, () => {
    for (const scenario of SCENARIO_NAMES) {
      test(scenario, TEST_LIMIT, async (t) => {
        const session = await DebugpySession.launch(variant, {
          program: join(SCENARIOS, scenario),
          line: scenarioLine(scenario),
          cwd: SCENARIOS,
        });
        try {
          const { result, prediction } = await captureAndCheck(t, session, session.topFrameId);
          assert.equal(result.meta.frame.resolvedBy, 'pydevd');
          assert.equal(result.meta.frame.file, join(SCENARIOS, scenario));
          assert.equal(result.meta.frame.line, session.frames[0].line);
          assert.equal(result.meta.hookInstalled, true);
          assert.equal(result.meta.agentLoaded, true);
          // Not vacuous: the program's own garbage is there, as the plain-python oracle says.
          assert.deepEqual(mainTypes(prediction.byType), expectedMainTypes(scenario));
          await session.continueToEnd();
        } finally {
          await session.close();
        }
      });
    }

    test('a heap of ~100,000 objects, captured twice (the pause)', TEST_LIMIT, async (t) => {
      const session = await DebugpySession.launch(variant, {
        program: BIG_HEAP,
        line: markerLine(BIG_HEAP, 'capture'),
        cwd: PROGRAMS,
      });
      try {
        const first = await captureAndCheck(t, session, session.topFrameId);
        assert.deepEqual(mainTypes(first.prediction.byType), { '__main__.Ring': 1000 });
        // The second capture: hook installed, agent loaded; only the short call expression.
        const second = await captureAndCheck(t, session, session.topFrameId);
        assert.equal(second.result.meta.hookInstalled, false);
        assert.equal(second.result.meta.agentLoaded, false);
        t.diagnostic(
          `pause: first ${first.result.seconds.toFixed(3)} s (installs the hook, loads the agent), ` +
            `then ${second.result.seconds.toFixed(3)} s; agent ${second.result.meta.captureSeconds.toFixed(3)} s`,
        );
        await session.continueToEnd();
      } finally {
        await session.close();
      }
    });

    test('a caller up the stack: its frame is "here"', TEST_LIMIT, async (t) => {
      const session = await DebugpySession.launch(variant, {
        program: FRAMES,
        line: markerLine(FRAMES, 'inner'),
        cwd: PROGRAMS,
      });
      try {
        assert.deepEqual(
          session.frames.slice(0, 2).map((frame) => frame.name),
          ['inner', 'outer'],
        );
        const { result, prediction } = await captureAndCheck(t, session, session.frames[1].id);
        assert.equal(result.meta.frame.function, 'outer');
        assert.equal(result.meta.frame.line, session.frames[1].line);
        assert.equal(prediction.pausedFunction, 'outer');
        const locals = pausedFrameLocals(result.bytes);
        assert.ok(locals.includes('local_outer'), `outer's locals are roots: ${locals}`);
        assert.ok(!locals.includes('local_inner'), 'inner is not the paused frame');
        assert.deepEqual(mainTypes(prediction.byType), { '__main__.Node': 2 });

        // And the innermost frame, in the same process: the hook is installed, the agent loaded.
        const again = await captureAndCheck(t, session, session.frames[0].id);
        assert.equal(again.result.meta.frame.function, 'inner');
        assert.equal(again.result.meta.hookInstalled, false);
        assert.equal(again.result.meta.agentLoaded, false);
        assert.ok(pausedFrameLocals(again.result.bytes).includes('local_inner'));
        await session.continueToEnd();
      } finally {
        await session.close();
      }
    });

    test("a generator's own frame", TEST_LIMIT, async (t) => {
      const session = await DebugpySession.launch(variant, {
        program: FRAMES,
        line: markerLine(FRAMES, 'generator'),
        cwd: PROGRAMS,
      });
      try {
        assert.equal(session.frames[0].name, 'producer');
        const { result, prediction } = await captureAndCheck(t, session, session.topFrameId);
        assert.equal(result.meta.frame.function, 'producer');
        assert.equal(prediction.pausedFunction, 'producer');
        assert.ok(pausedFrameLocals(result.bytes).includes('local_generator'));
        assert.deepEqual(mainTypes(prediction.byType), { '__main__.Node': 3 });
        await session.continueToEnd();
      } finally {
        await session.close();
      }
    });
  });
}
