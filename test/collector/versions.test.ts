/**
 * The same fidelity check on every CPython 3.8+ this machine has besides the default one
 * (pyenv installs them under ~/.pyenv/versions): the agent reads version-specific memory
 * layouts, stops at lines through version-specific mechanisms, and must agree with each
 * version's own collector. A subset of scenarios keeps this quick; docs/versions.md records
 * what ran where.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { byShortName, runCli, runOracle, runPlainCollect, scenarios } from './scenarioRuns';
import { installedInterpreters, type Interpreter } from '../helpers/interpreters';

const SUBSET = [
  'two_node_cycle.py',
  'slots_cycle.py',
  'generator_finally.py',
  'coroutine_cycle.py',
  'exception_traceback.py',
  'weak_caches.py',
  'weakref_finalize.py',
  'generations.py',
  'paused_frame_locals.py',
  'hostile_dunders.py',
];

const interpreters = (): Interpreter[] => installedInterpreters({ system: false });

const found = interpreters();
const all = scenarios();

describe('collector prediction on every installed CPython', { skip: found.length === 0 }, () => {
  for (const { version, python } of found) {
    for (const script of SUBSET) {
      const scenario = all[script];
      it(`CPython ${version}: ${script}`, () => {
        for (const run of scenario.runs) {
          const oracle = runOracle(python, script, scenario.at, run);
          const cli = runCli(python, script, scenario.at, run);
          assert.ok(cli.summary, `no summary from the CLI:\n${cli.stderr}`);
          const predicted = cli.summary.generations.find((g) => g.generation === run.generation);
          assert.deepEqual(
            predicted?.byType,
            oracle.collected.byType,
            `gc.collect(${run.generation})`,
          );
          assert.deepEqual(predicted?.finalizers.byType, oracle.finalizers.byType);
          if (run.generation === 2 && run.hit === 1) {
            assert.deepEqual(
              byShortName(cli.summary.unreachable.byType),
              runPlainCollect(python, script, scenario.at),
            );
          }
        }
      });
    }
  }
});
