/**
 * Runtime validation of a `HeapView` received as JSON (embedded in the HTML report or posted to
 * the webview). The renderer trusts nothing it has not checked here: a malformed view produces a
 * message naming the first bad field, never an exception and a blank page.
 */
import type { HeapView } from '../../protocol/heapView';
import { TYPE_CATEGORIES, type TypeCategory } from '../../protocol/snapshot';
import {
  Invalid,
  arr,
  attempt,
  bool,
  fail,
  int,
  nullable,
  num,
  numbers,
  obj,
  str,
  type Obj,
} from './checks';
import { checkObjectRetained, checkRetainedSummary, checkRetainedView } from './retainedGuard';

const FINALIZER_KINDS = ['del', 'generator', 'native', 'finalize'];

export type HeapViewCheck =
  { ok: true; view: HeapView; notes: string[] } | { ok: false; error: string };

function typeCount(v: unknown, path: string): Obj {
  const o = obj(v, path);
  int(o.count, `${path}.count`);
  const byType = obj(o.byType, `${path}.byType`);
  for (const [k, n] of Object.entries(byType)) num(n, `${path}.byType[${JSON.stringify(k)}]`);
  return o;
}

function checkSummary(v: unknown): void {
  const s = obj(v, 'summary');
  if (s.schema !== 'python-heap-inspector-summary') {
    fail('summary.schema', '"python-heap-inspector-summary"', s.schema);
  }
  if (s.version !== 1) {
    throw new Invalid(
      `summary.version is ${JSON.stringify(s.version)}: this report reads version 1 (update the extension or CLI)`,
    );
  }
  const c = obj(s.capture, 'summary.capture');
  str(c.file, 'summary.capture.file');
  int(c.line, 'summary.capture.line');
  str(c.function, 'summary.capture.function');
  str(c.python, 'summary.capture.python');
  int(c.pid, 'summary.capture.pid');
  num(c.time, 'summary.capture.time');

  const h = obj(s.heap, 'summary.heap');
  for (const k of ['objects', 'tracked', 'references', 'bytes']) num(h[k], `summary.heap.${k}`);
  numbers(h.byGeneration, 'summary.heap.byGeneration');

  const u = typeCount(s.unreachable, 'summary.unreachable');
  num(u.bytes, 'summary.unreachable.bytes');

  const f = obj(s.finalizers, 'summary.finalizers');
  typeCount(f.del, 'summary.finalizers.del');
  const wf = obj(f.weakrefFinalize, 'summary.finalizers.weakrefFinalize');
  for (const k of ['pending', 'selfDefeating', 'willFire', 'atexit']) {
    int(wf[k], `summary.finalizers.weakrefFinalize.${k}`);
  }
  arr(wf.entries, 'summary.finalizers.weakrefFinalize.entries').forEach((e, i) => {
    const p = `summary.finalizers.weakrefFinalize.entries[${i}]`;
    const o = obj(e, p);
    str(o.address, `${p}.address`);
    nullable(o.referentType, `${p}.referentType`, str);
    nullable(o.referentAddress, `${p}.referentAddress`, str);
    str(o.func, `${p}.func`);
    bool(o.atexit, `${p}.atexit`);
    bool(o.selfDefeating, `${p}.selfDefeating`);
    bool(o.willFire, `${p}.willFire`);
  });

  const w = obj(s.weakrefs, 'summary.weakrefs');
  for (const k of ['total', 'dead', 'cleared', 'callbacksFired'])
    num(w[k], `summary.weakrefs.${k}`);

  arr(s.generations, 'summary.generations').forEach((g, i) => {
    const p = `summary.generations[${i}]`;
    const o = typeCount(g, p);
    int(o.generation, `${p}.generation`);
    num(o.bytes, `${p}.bytes`);
    typeCount(o.finalizers, `${p}.finalizers`);
    for (const k of ['weakrefsCleared', 'callbacksFired', 'finalizeCallbacksFired']) {
      num(o[k], `${p}.${k}`);
    }
  });

  arr(s.cycles, 'summary.cycles').forEach((cy, i) => {
    const p = `summary.cycles[${i}]`;
    const o = obj(cy, p);
    int(o.size, `${p}.size`);
    bool(o.unreachable, `${p}.unreachable`);
    const byType = obj(o.byType, `${p}.byType`);
    for (const [k, n] of Object.entries(byType)) num(n, `${p}.byType[${JSON.stringify(k)}]`);
    int(o.finalizers, `${p}.finalizers`);
    arr(o.addresses, `${p}.addresses`).forEach((a, j) => str(a, `${p}.addresses[${j}]`));
  });

  const g = obj(s.gc, 'summary.gc');
  bool(g.enabled, 'summary.gc.enabled');
  numbers(g.counts, 'summary.gc.counts');
  numbers(g.thresholds, 'summary.gc.thresholds');
  for (const k of ['debug', 'garbage', 'frozen', 'generations']) num(g[k], `summary.gc.${k}`);
  bool(g.incremental, 'summary.gc.incremental');
  if (g.schedule !== undefined) {
    const schedule = obj(g.schedule, 'summary.gc.schedule');
    bool(schedule.exact, 'summary.gc.schedule.exact');
    arr(schedule.reasons, 'summary.gc.schedule.reasons').forEach((x, i) =>
      str(x, `summary.gc.schedule.reasons[${i}]`),
    );
  }

  arr(s.warnings, 'summary.warnings').forEach((x, i) => str(x, `summary.warnings[${i}]`));

  if (s.otherThreads !== undefined) checkOtherThreads(s.otherThreads);
  if (s.retained !== undefined) checkRetainedSummary(s.retained, 'summary.retained');
}

function checkOtherThreads(v: unknown): void {
  const o = obj(v, 'summary.otherThreads');
  for (const k of ['cpuSeconds', 'readSeconds', 'ended', 'changedObjects']) {
    num(o[k], `summary.otherThreads.${k}`);
  }
  bool(o.mayMixMoments, 'summary.otherThreads.mayMixMoments');
  if (o.notice !== null) str(o.notice, 'summary.otherThreads.notice');
  arr(o.threads, 'summary.otherThreads.threads').forEach((t, i) => {
    const p = `summary.otherThreads.threads[${i}]`;
    const thread = obj(t, p);
    num(thread.ident, `${p}.ident`);
    str(thread.name, `${p}.name`);
    num(thread.cpuSeconds, `${p}.cpuSeconds`);
  });
}

function check(data: unknown): string[] {
  const notes: string[] = [];
  const v = obj(data, 'the heap view');
  checkSummary(v.summary);

  const nodes = arr(v.nodes, 'nodes');
  const cycles = arr(v.cycles, 'cycles');
  const ids = new Set<number>();
  nodes.forEach((n, i) => {
    const id = checkNode(n, `nodes[${i}]`, cycles.length);
    if (ids.has(id)) throw new Invalid(`nodes[${i}].id ${id} appears twice`);
    ids.add(id);
  });

  const edges = arr(v.edges, 'edges');
  const kept: unknown[] = [];
  edges.forEach((e, i) => {
    const o = checkEdge(e, `edges[${i}]`);
    if (ids.has(o.from) && ids.has(o.to)) kept.push(e);
  });
  if (kept.length !== edges.length) {
    const dropped = edges.length - kept.length;
    notes.push(
      `${dropped} reference${dropped === 1 ? '' : 's'} to objects outside this view ${dropped === 1 ? 'is' : 'are'} not drawn.`,
    );
    v.edges = kept;
  }

  cycles.forEach((c, i) => {
    const p = `cycles[${i}]`;
    const o = obj(c, p);
    int(o.id, `${p}.id`);
    int(o.size, `${p}.size`);
    bool(o.unreachable, `${p}.unreachable`);
    const members = arr(o.members, `${p}.members`);
    members.forEach((m, j) => int(m, `${p}.members[${j}]`));
    const inView = members.filter((m) => ids.has(m as number));
    if (inView.length !== members.length) o.members = inView;
  });

  if (v.truncated !== null) {
    const t = obj(v.truncated, 'truncated');
    int(t.shown, 'truncated.shown');
    int(t.total, 'truncated.total');
  }

  if (v.types !== undefined) {
    arr(v.types, 'types').forEach((t, i) => {
      const p = `types[${i}]`;
      const o = obj(t, p);
      str(o.type, `${p}.type`);
      str(o.module, `${p}.module`);
      category(o.category, `${p}.category`);
      for (const k of ['count', 'bytes', 'inCycles', 'unreachable', 'finalizers']) {
        num(o[k], `${p}.${k}`);
      }
    });
  }
  if (v.pausedFrame !== undefined) nullable(v.pausedFrame, 'pausedFrame', int);
  if (v.retained !== undefined) checkRetainedView(v.retained, 'retained');
  if (v.context !== undefined) {
    const c = obj(v.context, 'context');
    arr(c.nodes, 'context.nodes').forEach((n, i) => {
      const id = checkNode(n, `context.nodes[${i}]`, cycles.length);
      if (ids.has(id)) throw new Invalid(`context.nodes[${i}].id ${id} is also in nodes`);
      ids.add(id);
    });
    arr(c.edges, 'context.edges').forEach((e, i) => checkEdge(e, `context.edges[${i}]`));
    arr(c.pathTree, 'context.pathTree').forEach((l, i) => {
      const o = obj(l, `context.pathTree[${i}]`);
      int(o.node, `context.pathTree[${i}].node`);
      int(o.parent, `context.pathTree[${i}].parent`);
      str(o.label, `context.pathTree[${i}].label`);
    });
    for (const k of ['unrooted', 'completeReferrers', 'completeReferents']) {
      arr(c[k], `context.${k}`).forEach((x, i) => int(x, `context.${k}[${i}]`));
    }
  }
  return notes;
}

function category(v: unknown, path: string): TypeCategory {
  if (!TYPE_CATEGORIES.includes(v as TypeCategory)) {
    fail(path, `one of ${TYPE_CATEGORIES.join(', ')}`, v);
  }
  return v as TypeCategory;
}

/** Checks one ViewNode; returns its id. */
function checkNode(n: unknown, p: string, cycleCount: number): number {
  const o = obj(n, p);
  const id = int(o.id, `${p}.id`);
  str(o.address, `${p}.address`);
  str(o.type, `${p}.type`);
  category(o.category, `${p}.category`);
  str(o.label, `${p}.label`);
  num(o.size, `${p}.size`);
  num(o.refcount, `${p}.refcount`);
  nullable(o.generation, `${p}.generation`, int);
  bool(o.unreachable, `${p}.unreachable`);
  const cycle = nullable(o.cycle, `${p}.cycle`, int);
  if (cycle !== null && (cycle < 0 || cycle >= cycleCount)) {
    throw new Invalid(`${p}.cycle is ${cycle} but the view has ${cycleCount} cycles`);
  }
  if (o.finalizer !== null && !FINALIZER_KINDS.includes(o.finalizer as string)) {
    fail(`${p}.finalizer`, `null or one of ${FINALIZER_KINDS.join(', ')}`, o.finalizer);
  }
  bool(o.selfDefeating, `${p}.selfDefeating`);
  bool(o.root, `${p}.root`);
  if (o.module !== undefined) str(o.module, `${p}.module`);
  if (o.referrerCount !== undefined) int(o.referrerCount, `${p}.referrerCount`);
  if (o.referentCount !== undefined) int(o.referentCount, `${p}.referentCount`);
  if (o.retained !== undefined) checkObjectRetained(o.retained, `${p}.retained`);
  if (o.allocation !== undefined) {
    const a = obj(o.allocation, `${p}.allocation`);
    str(a.file, `${p}.allocation.file`);
    int(a.line, `${p}.allocation.line`);
  }
  return id;
}

function checkEdge(e: unknown, p: string): { from: number; to: number } {
  const o = obj(e, p);
  const from = int(o.from, `${p}.from`);
  const to = int(o.to, `${p}.to`);
  str(o.label, `${p}.label`);
  bool(o.weak, `${p}.weak`);
  return { from, to };
}

/**
 * Checks objects and references received outside a HeapView (a path, a neighbourhood).
 * `cycleCount` is the number of cycles of the view they belong to. Null when valid.
 */
export function checkNodesAndEdges(
  nodes: unknown,
  edges: unknown,
  cycleCount: number,
  where: string,
): string | null {
  return attempt(() => {
    arr(nodes, `${where}.nodes`).forEach((n, i) =>
      checkNode(n, `${where}.nodes[${i}]`, cycleCount),
    );
    arr(edges, `${where}.edges`).forEach((e, i) => checkEdge(e, `${where}.edges[${i}]`));
  });
}

/** Checks one ViewNode (see checkNodesAndEdges). */
export function checkViewNode(n: unknown, cycleCount: number, where: string): string | null {
  return attempt(() => {
    checkNode(n, where, cycleCount);
  });
}

/**
 * Checks that `data` (the result of JSON.parse) is a HeapView this renderer can draw. Edges and
 * cycle members that refer to objects outside the view are dropped (with a note), since a view
 * is a cut of the heap; anything else malformed is an error naming the field.
 */
export function validateHeapView(data: unknown): HeapViewCheck {
  try {
    const notes = check(data);
    return { ok: true, view: data as HeapView, notes };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    return { ok: false, error: `unexpected error while checking the data: ${String(e)}` };
  }
}

/** Type guard form of validateHeapView (may drop dangling edges from `data`). */
export function isHeapView(data: unknown): data is HeapView {
  return validateHeapView(data).ok;
}
