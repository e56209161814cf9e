/**
 * The reference cycles of the program's own objects, for the live facts: the snapshot's strongly
 * connected components without the references the debugger's own objects hold (debugpy and the
 * pydevd it bundles: instances of classes defined in their modules).
 *
 * Why: while a program is paused under debugpy, pydevd keeps what the Variables view (or a hover)
 * read — its frames tracker holds one variable object per value shown — and those objects are
 * reachable from `sys.modules`. A value reaches `sys.modules` back through its class and module,
 * so every value the view showed would seem to sit in one cycle of tens of thousands of objects:
 * a cycle that exists only while the debugger holds it, that goes when the program resumes, and
 * that says nothing about the program. Whether the next collection frees an object is not
 * decided here: references that keep something alive count there, the debugger's included.
 */
import { computeScc, type SccResult } from '../engine/scc';
import type { HeapSnapshot } from '../engine/heapSnapshot';
import type { Analysis } from '../engine/analysis';

/** Modules of debugpy and of the pydevd it bundles (`pydevd`, `_pydevd_bundle.…`, `_pydev_bundle.…`). */
const DEBUGGER_TYPE = /^(?:debugpy|pydevd|pydevd_\w+|pydev_\w+|_pydevd_\w+|_pydev_\w+)\./;

const cache = new WeakMap<HeapSnapshot, SccResult>();

/** The components with the debugger's references left out; the snapshot's own when it has none. */
export function programCycles(snapshot: HeapSnapshot, analysis: Analysis): SccResult {
  let result = cache.get(snapshot);
  if (result) return result;
  const debuggerType = snapshot.types.map((t) => DEBUGGER_TYPE.test(t.name));
  result = analysis.scc;
  if (debuggerType.some(Boolean)) {
    const n = snapshot.nodeCount;
    const start = new Uint32Array(n + 1);
    for (let v = 0; v < n; v++) {
      const kept = debuggerType[snapshot.nodeType[v]]
        ? 0
        : snapshot.edgeStart[v + 1] - snapshot.edgeStart[v];
      start[v + 1] = start[v] + kept;
    }
    const to = new Uint32Array(start[n]);
    for (let v = 0; v < n; v++) {
      if (debuggerType[snapshot.nodeType[v]]) continue;
      to.set(snapshot.edgeTo.subarray(snapshot.edgeStart[v], snapshot.edgeStart[v + 1]), start[v]);
    }
    result = computeScc(n, start, to);
  }
  cache.set(snapshot, result);
  return result;
}
