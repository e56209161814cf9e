/**
 * `heap-inspector step`: the prediction against the real collection in the same process, object
 * by object (addresses), for every scenario and generation — including resurrection, generators,
 * coroutines, weakref callbacks, weakref.finalize, objects spread over generations.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPython } from '../../scripts/python.mjs';
import { ROOT, SCENARIOS, scenarios } from './scenarioRuns';
import type { CollectionComparison } from '../../protocol/stepper';

const python = findPython();
const CLI = join(ROOT, 'bin', 'heap-inspector.js');

function step(script: string, at: string, generation: number, hit: number) {
  const dir = mkdtempSync(join(tmpdir(), 'hi-step-'));
  try {
    const out = join(dir, 'step.json');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'step',
        '--python',
        python,
        '--generation',
        String(generation),
        '--hit',
        String(hit),
        '--at',
        at,
        '--json',
        out,
        script,
      ],
      { cwd: SCENARIOS, encoding: 'utf8', timeout: 300_000 },
    );
    let report: CollectionComparison | null = null;
    try {
      report = JSON.parse(readFileSync(out, 'utf8')) as CollectionComparison;
    } catch {
      report = null;
    }
    return { status: r.status, stderr: r.stderr, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('step: prediction equals the real collection, address for address', () => {
  for (const [script, scenario] of Object.entries(scenarios())) {
    for (const run of scenario.runs) {
      it(`${script}: gc.collect(${run.generation}), hit ${run.hit}`, () => {
        const r = step(script, scenario.at, run.generation, run.hit);
        assert.ok(r.report, `no step report:\n${r.stderr}`);
        assert.deepEqual(r.report.mismatch, { onlyPredicted: [], onlyCollected: [] });
        assert.equal(r.report.match, true);
        assert.deepEqual(r.report.predicted.byType, r.report.collected.byType);
        assert.deepEqual(r.report.finalizers.predicted, r.report.finalizers.ran);
        assert.deepEqual(r.report.finalizeCallbacks.predicted, r.report.finalizeCallbacks.fired);
        assert.equal(r.report.phases.length, 9);
        const unreachable = r.report.phases.find((p) => p.id === 'unreachable');
        assert.equal(unreachable?.count, r.report.collected.count);
        // Only a finalizer can make an unreachable object reachable again.
        if (Object.keys(r.report.finalizers.ran).length === 0)
          assert.deepEqual(r.report.resurrected, [], 'no finalizer ran: nothing resurrected');
      });
    }
  }
});

describe('step: what the user is told', () => {
  it('prints the phases and the verdict, and says when the program disabled gc', () => {
    const r = step('gc_disabled.py', scenarios()['gc_disabled.py'].at, 2, 1);
    assert.equal(r.report?.gcWasEnabled, false);
    assert.match(r.stderr, / 1\. Reference counts copied/);
    assert.match(r.stderr, / 9\. Cleared and freed/);
    assert.match(r.stderr, /✓ the same objects, address for address/);
    assert.match(r.stderr, /the program had disabled automatic collection/);
  });

  it('shows what a raising finalizer printed, and the collection still completes', () => {
    const r = step('del_raises.py', scenarios()['del_raises.py'].at, 2, 1);
    assert.equal(r.report?.match, true);
    assert.match(r.stderr, /Exception ignored in/);
    assert.match(r.report?.finalizerOutput ?? '', /Exception ignored in/);
  });

  it('reports resurrected objects: those a finalizer brought back, and only those', () => {
    const r = step('resurrection.py', scenarios()['resurrection.py'].at, 2, 1);
    assert.ok(r.report, r.stderr);
    const { collected, returned, resurrected } = r.report;
    // fawkes (its __del__ puts it in GRAVEYARD) and what it holds survive; "old" had no finalizer
    // left and is freed. The collector's own count: from 3.9 on, gc.collect() returns how many of
    // the objects it listed it freed (no weak reference is involved here); the rest survived.
    // CPython 3.8 keeps every object of a collection in which any was resurrected (and counts
    // them all).
    const survived = r.report.capture.python.startsWith('3.8.')
      ? collected.count
      : collected.count - returned;
    assert.ok(survived > 0 && survived <= collected.count);
    assert.equal(resurrected.length, survived, JSON.stringify(resurrected));
    for (const address of resurrected)
      assert.ok(collected.addresses.includes(address), `${address} was collected`);
  });

  it('reports nothing resurrected when no finalizer ran, whatever took the freed memory', () => {
    // weakref_finalize.py's garbage holds a list; the memory of a freed list is the next list's
    // (CPython keeps freed lists for reuse), and the agent makes lists right after collecting.
    for (const generation of [0, 2]) {
      const r = step('weakref_finalize.py', scenarios()['weakref_finalize.py'].at, generation, 1);
      assert.ok(r.report, r.stderr);
      assert.equal(r.report.collected.byType['builtins.list'], 1);
      assert.deepEqual(r.report.finalizers.ran, {});
      assert.deepEqual(r.report.resurrected, [], `gc.collect(${generation})`);
    }
  });

  it('rejects a bad --generation', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'step', '--generation', '3', '--at', 'x.py:1', 'x.py'],
      { cwd: SCENARIOS, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--generation must be 0, 1 or 2 \(got "3"\)/);
  });
});
