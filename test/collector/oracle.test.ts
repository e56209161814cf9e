/**
 * The product's central claim, checked against the real collector: for every scenario, what the
 * CLI predicts a gc.collect(generation) at the line would find unreachable equals, type by type,
 * what CPython's collector itself reports there (DEBUG_COLLECTABLE), and so do the finalizers
 * that run and the weakref.finalize callbacks that fire.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findPython } from '../../scripts/python.mjs';
import { byShortName, runCli, runOracle, runPlainCollect, scenarios } from './scenarioRuns';

const python = findPython();

describe('collector prediction equals the real collector', () => {
  for (const [script, scenario] of Object.entries(scenarios())) {
    for (const run of scenario.runs) {
      it(`${script} at ${scenario.at}, gc.collect(${run.generation}), hit ${run.hit}`, () => {
        const oracle = runOracle(python, script, scenario.at, run);
        const cli = runCli(python, script, scenario.at, run);
        assert.ok(cli.summary, `no summary from the CLI:\n${cli.stderr}`);
        const predicted = cli.summary.generations.find((g) => g.generation === run.generation);
        assert.ok(predicted, `no prediction for generation ${run.generation}`);
        assert.deepEqual(predicted.byType, oracle.collected.byType, 'unreachable objects by type');
        assert.equal(predicted.count, oracle.collected.count);
        assert.deepEqual(
          predicted.finalizers.byType,
          oracle.finalizers.byType,
          'finalizers by type',
        );
        assert.equal(
          predicted.finalizeCallbacksFired,
          oracle.finalizeCallbacksFired.length,
          'weakref.finalize callbacks fired',
        );
        if (run.generation === 2) {
          assert.deepEqual(cli.summary.unreachable.byType, oracle.collected.byType);
          const fired = cli.summary.finalizers.weakrefFinalize.entries
            .filter((e) => e.willFire)
            .map((e) => e.func.split('.').pop())
            .sort();
          assert.deepEqual(fired, [...oracle.finalizeCallbacksFired].sort());
        }
      });
    }
  }
});

describe('collector prediction equals plain python with gc.collect() inserted at the line', () => {
  for (const [script, scenario] of Object.entries(scenarios())) {
    const run = scenario.runs.find((r) => r.generation === 2 && r.hit === 1);
    if (!run || scenario.at.includes('/')) continue;
    it(`${script} at ${scenario.at}`, () => {
      const plain = runPlainCollect(python, script, scenario.at);
      const cli = runCli(python, script, scenario.at, run);
      assert.ok(cli.summary, `no summary from the CLI:\n${cli.stderr}`);
      assert.deepEqual(byShortName(cli.summary.unreachable.byType), plain);
    });
  }
});
