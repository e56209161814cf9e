/**
 * "Freed at once" against reality. Each program in test/programs/collector/atonce/ keeps its memory in module
 * globals the way applications do: instances of classes defined in the module (so nearly every
 * object is in one reference cycle through the class, its methods and the module's globals),
 * caches, a tree with parent pointers below a global, objects a second global also holds. On
 * every installed CPython, with automatic collection off:
 *
 * - the CLI captures the heap at the line marked `# heap-inspector: capture`;
 * - plain `python` runs the same program and, at that line, `_measure.py` deletes each global
 *   named on the `# check:` line in a forked child and counts the collector-tracked objects that
 *   disappeared with no collection at all: what reference counting alone freed;
 * - that count equals the engine's `atOnce.tracked` for the global's object when the module's
 *   dict holds its only reference, else 0 (deleting one of several references frees nothing).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze } from '../../server/engine/index';
import { releasedDuringCapture } from '../../server/engine/releasedDuringCapture';
import { retainedQueries } from '../../server/engine/retainedQueries';
import { installedInterpreters } from '../helpers/interpreters';
import { CheckedPrograms, globalNode } from './globalChecks';

const PROGRAMS = join(__dirname, '..', 'programs', 'collector', 'atonce');
const checked = new CheckedPrograms(PROGRAMS);

/** What `_measure.py` prints: `baseline` is what counting alone changes. */
interface Measured {
  baseline: number;
  freed: Record<string, number>;
}

const found = installedInterpreters();
const all = checked.list();

describe('freed at once: deleting a global with the collector off frees what the engine says', () => {
  it('has programs to run', () => {
    assert.ok(all.length >= 1 && all.every((p) => p.line > 0 && p.names.length > 0));
  });
  for (const { label, python } of found) {
    for (const program of all) {
      it(`CPython ${label}: ${program.file}`, (t) => {
        const snapshot = checked.capture(python, program, 'off');
        const measured = checked.measure<Measured>(python, program, 'off');
        assert.equal(measured.baseline, 0, 'counting the objects changes nothing by itself');
        const freed = measured.freed;
        const q = retainedQueries(analyze(snapshot));
        const refcount = releasedDuringCapture(snapshot).refcount;
        const report: string[] = [];
        const wrong: string[] = [];
        let sole = 0;
        for (const name of program.names) {
          const { dict, node } = globalNode(snapshot, name);
          let fromDict = 0;
          for (let k = snapshot.edgeStart[dict]; k < snapshot.edgeStart[dict + 1]; k++)
            if (snapshot.edgeTo[k] === node) fromDict++;
          const only = fromDict === 1 && refcount[node] === 1;
          const engine = only ? q.objectRetained(node).atOnce.tracked : 0;
          if (only) sole++;
          report.push(`${name}: measured ${freed[name]}, engine ${engine}`);
          if (freed[name] !== engine)
            wrong.push(`${name} (measured ${freed[name]}, engine ${engine})`);
        }
        t.diagnostic(report.join(', '));
        assert.deepEqual(
          wrong,
          [],
          `del <global> freed other than the engine's atOnce.tracked: ${report.join(', ')}`,
        );
        assert.ok(sole >= 3, 'most checked globals are their object’s only reference');
      });
    }
  }
});
