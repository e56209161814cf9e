/**
 * The real collection's bookkeeping (agent/heap_inspector_agent/collect.py `collect_and_record`,
 * what the stepper runs in the program) leaves the program's collector as it was: debug flags,
 * enabled or not, gc.garbage (the same list; only what the program's own DEBUG_SAVEALL puts there
 * is added, and reported), sys.stderr and gc.callbacks — also when a finalizer raises.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findPython } from '../../scripts/python.mjs';
import { ROOT } from './scenarioRuns';

interface Case {
  name: string;
  flags: boolean;
  enabled: boolean;
  sameGarbageList: boolean;
  garbageAdded: number;
  reportedGarbageAdded: number;
  stderr: boolean;
  callbacks: boolean;
  collected: Record<string, number>;
  output: string;
  gcWasEnabled: boolean;
}

describe('collect_and_record restores what it changes', () => {
  it('flags, enabled state, gc.garbage, sys.stderr, gc.callbacks', () => {
    const r = spawnSync(
      findPython(),
      [
        join(__dirname, '..', 'programs', 'collector', 'collect_settings.py'),
        join(ROOT, 'agent', 'heap_inspector_agent'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const cases = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Case);
    assert.equal(cases.length, 4);
    for (const c of cases) {
      assert.equal(c.flags, true, `${c.name}: debug flags restored`);
      assert.equal(c.enabled, true, `${c.name}: enabled state restored`);
      assert.equal(c.sameGarbageList, true, `${c.name}: gc.garbage is the same list`);
      assert.equal(c.stderr, true, `${c.name}: sys.stderr restored`);
      assert.equal(c.callbacks, true, `${c.name}: gc.callbacks restored`);
      assert.equal(c.garbageAdded, c.reportedGarbageAdded, `${c.name}: what was added is reported`);
    }
    const [plain, disabled, saveall, raises] = cases;
    assert.deepEqual(plain.collected, { '__main__.Node': 2 });
    assert.equal(plain.garbageAdded, 0, 'nothing added to gc.garbage without DEBUG_SAVEALL');
    assert.equal(disabled.gcWasEnabled, false, 'the program had disabled the collector');
    assert.equal(disabled.garbageAdded, 0);
    // The program's own DEBUG_SAVEALL: the collected objects go to gc.garbage, as without us.
    assert.equal(saveall.garbageAdded, 2);
    assert.match(raises.output, /Exception ignored in/);
    assert.deepEqual(raises.collected, { '__main__.Raises': 1 });
  });
});
