/**
 * Retained sizes against reality. For each program in programs/retained/ (caches, sessions,
 * trees with parent pointers, a ring, a deep chain, objects shared between globals) on every
 * installed CPython, with automatic collection on and off:
 *
 * - the CLI captures the heap at the line marked `# heap-inspector: capture` (summary JSON and
 *   snapshot);
 * - plain `python` runs the same program and, at that line, `_measure.py` deletes each global named
 *   on the `# check:` line in a forked child, runs `gc.collect()` and counts the collector-tracked
 *   objects that really disappeared;
 * - that count equals the engine's: the global's object's retained `tracked` when the module's
 *   dict is the only reference to it from outside what it retains, else 0 — and every such
 *   global that retains more than the 50th entry of `retained.top` is in it, at `__main__.name`,
 *   with the same `tracked`.
 *
 * A dominator algorithm that counted an object shared by two globals in both, or what a weak
 * reference points to, or garbage, would fail here. Each run starts from a fresh copy of the
 * folder with PYTHONHASHSEED fixed, and the CLI compiles its runner into a private cache.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RootKind } from '../../protocol/snapshot';
import { analyze, type HeapSnapshot } from '../../server/engine/index';
import { retainedQueries } from '../../server/engine/retainedQueries';
import { installedInterpreters } from '../helpers/interpreters';
import { CheckedPrograms, globalNode } from './globalChecks';

const PROGRAMS = join(__dirname, '..', 'programs', 'collector', 'retained');
const checked = new CheckedPrograms(PROGRAMS);

/** What `_measure.py` prints: `garbage` is what the collection frees with nothing deleted. */
interface Measured {
  garbage: number;
  freed: Record<string, number>;
}

/**
 * What deleting the global frees, by the engine: everything its object retains when every
 * other reference to the object comes from inside that (a tree's parent pointers), else nothing.
 */
function freedByDeleting(s: HeapSnapshot, name: string, q: ReturnType<typeof retainedQueries>) {
  const { dict, node } = globalNode(s, name);
  const r = q.retained;
  let fromDict = 0;
  let elsewhere = 0;
  for (let e = 0; e < s.edgeCount; e++) {
    if (s.edgeTo[e] !== node) continue;
    const from = s.edgeSource(e);
    if (from === dict) fromDict++;
    else if (!r.retains(node, from)) elsewhere++;
  }
  for (let k = 0; k < s.rootCount; k++) {
    if (s.rootKind[k] === RootKind.FrameLocal && s.rootNode[k] === node) elsewhere++;
  }
  const sole = fromDict === 1 && elsewhere === 0 && r.graph.rootReason[node] === 0;
  return {
    node,
    sole,
    tracked: r.nextCollection.tracked[node],
    bytes: r.nextCollection.bytes[node],
  };
}

const found = installedInterpreters();
const all = checked.list();

describe(
  'retained sizes: deleting a global frees what the engine says',
  { skip: found.length === 0 },
  () => {
    it('has programs to run', () => {
      assert.ok(all.length >= 4, `only ${all.length} programs in ${PROGRAMS}`);
      assert.ok(all.every((p) => p.line > 0 && p.names.length > 0));
    });
    for (const { label, python } of found) {
      for (const program of all) {
        for (const collector of ['on', 'off'] as const) {
          it(`CPython ${label}: ${program.file}, automatic collection ${collector}`, (t) => {
            const { summary, snapshot } = checked.captureWithSummary(python, program, collector);
            const schedule = summary.gc.schedule;
            if (collector === 'on' && schedule && !schedule.exact) {
              t.skip(
                `the runner could not reproduce python's collections: ${schedule.reasons.join('; ')}`,
              );
              return;
            }
            const measured = checked.measure<Measured>(python, program, collector);
            const q = retainedQueries(analyze(snapshot));
            const top = summary.retained?.top ?? [];
            assert.equal(top.length, 50, 'the top list holds 50 objects');
            const smallest = top[top.length - 1].bytes;
            const report: string[] = [];
            let sole = 0;
            for (const name of program.names) {
              const engine = freedByDeleting(snapshot, name, q);
              const expected = engine.sole ? engine.tracked : 0;
              report.push(`${name}: measured ${measured.freed[name]}, engine ${expected}`);
              assert.equal(
                measured.freed[name],
                expected,
                `del ${name}; gc.collect() freed ${measured.freed[name]} tracked objects, the engine says ${expected} (${engine.sole ? 'sole reference' : 'held elsewhere too'})`,
              );
              if (!engine.sole) continue;
              sole++;
              const entry = top.find((e) => e.address === snapshot.addressHex(engine.node));
              if (engine.bytes > smallest) {
                assert.ok(entry, `${name} (${engine.bytes} bytes) is not in retained.top`);
              }
              if (entry) {
                assert.equal(entry.path, `__main__.${name}`);
                assert.equal(entry.tracked, engine.tracked, `${name}: tracked in the summary`);
              }
            }
            assert.ok(sole >= 2, 'most checked globals are their object’s only reference');
            t.diagnostic(`${report.join(', ')}; garbage freed anyway: ${measured.garbage}`);
          });
        }
      }
    }
  },
);
