/**
 * Live facts: what the latest capture says about the code in a document. Pure functions over a
 * loaded snapshot and a document outline:
 *
 * - a name (or `a.b.c`) in a frame of the paused stack → the object, its cycle, whether the next
 *   collection frees it, its finalizer, why it is alive (hover);
 * - the lines of the document that allocated objects the capture found unreachable, or stuck
 *   behind a self-defeating `weakref.finalize` (gutter decorations; needs tracemalloc);
 * - per class defined in the document: its instances, how many are in cycles, unreachable
 *   (CodeLens), and one sentence for a lint diagnostic inside that class.
 *
 * Classes are matched by the file that defines them and their `__qualname__` (`TypeRecord.file`,
 * `.qualname`), frames by their file and function. Cycles are the program's own
 * (programCycles.ts: a debugger's caches do not count).
 */
import { realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { EdgeKind, NodeFlag, RootKind } from '../../protocol/snapshot';
import type { AllocationSitesResult, LiveCaptureRef } from '../../protocol/lsp';
import { shortTypeName } from '../engine/labels';
import { localNames } from '../lint/scope';
import type { Position } from '../lint/types';
import type { DocumentOutline, OutlineScope } from './documentOutline';
import { siteAnnotation, siteHoverMarkdown, type SiteCounts } from './liveFactsText';
import type { ClassFactsResult, LiveObjectFacts, VariableFacts } from './liveFactsTypes';
import type { LoadedSnapshot } from './loadedSnapshot';
import { programCycles } from './programCycles';

// ---- paths ---------------------------------------------------------------------------------------

const canonical = new Map<string, string>();

/** A path as the file system knows it (symlinks resolved), compared case-insensitively on Windows. */
export function canonicalPath(path: string): string {
  let c = canonical.get(path);
  if (c === undefined) {
    let p = resolve(path);
    try {
      p = realpathSync.native(p);
    } catch {
      /* a file that is gone: compare as written */
    }
    c = process.platform === 'win32' ? p.toLowerCase() : p;
    if (canonical.size > 4096) canonical.clear();
    canonical.set(path, c);
  }
  return c;
}

export function samePath(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  return a === b || canonicalPath(a) === canonicalPath(b);
}

// ---- per-snapshot indexes (computed once, O(objects)) -------------------------------------------

export interface TypeStats {
  live: number;
  inCycles: number;
  unreachable: number;
  selfDefeating: number;
  finalizersPending: number;
  firstUnreachable: number;
  first: number;
}

interface Indexes {
  byType: Map<number, TypeStats>;
  selfDefeating: Uint8Array;
  /** frame node → local name → value node */
  frameLocals: Map<number, Map<string, number>>;
  /** module name → its `__dict__` node */
  moduleDicts: Map<string, number>;
}

const indexes = new WeakMap<LoadedSnapshot, Indexes>();

function indexesOf(loaded: LoadedSnapshot): Indexes {
  let ix = indexes.get(loaded);
  if (ix) return ix;
  const s = loaded.snapshot;
  const { full, finalize } = loaded.analysis;
  const scc = programCycles(s, loaded.analysis);
  const n = s.nodeCount;
  const selfDefeating = new Uint8Array(n);
  for (const v of finalize.verdicts) {
    if (v.selfDefeating && v.record.referent >= 0) selfDefeating[v.record.referent] = 1;
  }
  const byType = new Map<number, TypeStats>();
  for (let v = 0; v < n; v++) {
    const t = s.nodeType[v];
    let st = byType.get(t);
    if (!st) {
      st = {
        live: 0,
        inCycles: 0,
        unreachable: 0,
        selfDefeating: 0,
        finalizersPending: 0,
        firstUnreachable: -1,
        first: v,
      };
      byType.set(t, st);
    }
    st.live++;
    if (scc.cyclic[scc.component[v]] === 1) st.inCycles++;
    if (full.unreachable[v] === 1) {
      st.unreachable++;
      if (st.firstUnreachable < 0) st.firstUnreachable = v;
    }
    if (selfDefeating[v] === 1) st.selfDefeating++;
    if (s.hasPendingFinalizer(v)) st.finalizersPending++;
  }
  const frameLocals = new Map<number, Map<string, number>>();
  const moduleDicts = new Map<string, number>();
  for (let r = 0; r < s.rootCount; r++) {
    const kind = s.rootKind[r];
    const name = s.strings[s.rootName[r]] ?? '';
    if (kind === RootKind.FrameLocal && s.rootFrame[r] >= 0) {
      const f = s.rootFrame[r];
      let m = frameLocals.get(f);
      if (!m) frameLocals.set(f, (m = new Map()));
      if (!m.has(name)) m.set(name, s.rootNode[r]);
    } else if (kind === RootKind.Module) {
      const dict = edgeTo(loaded, s.rootNode[r], EdgeKind.Slot, '__dict__');
      if (dict >= 0) moduleDicts.set(name, dict);
    }
  }
  ix = { byType, selfDefeating, frameLocals, moduleDicts };
  indexes.set(loaded, ix);
  return ix;
}

/** The target of `v`'s first edge of `kind` named `name`, or -1. */
function edgeTo(loaded: LoadedSnapshot, v: number, kind: number, name: string): number {
  const s = loaded.snapshot;
  const end = s.edgeStart[v + 1];
  for (let e = s.edgeStart[v]; e < end; e++) {
    if (s.edgeKind[e] === kind && s.strings[s.edgeName[e]] === name) return s.edgeTo[e];
  }
  return -1;
}

/** `obj.name`: an attribute edge, or the `__dict__`'s entry. */
function attributeOf(loaded: LoadedSnapshot, v: number, name: string): number {
  const direct = edgeTo(loaded, v, EdgeKind.Attr, name);
  if (direct >= 0) return direct;
  const slot = edgeTo(loaded, v, EdgeKind.Slot, name);
  if (slot >= 0) return slot;
  const dict = edgeTo(loaded, v, EdgeKind.Slot, '__dict__');
  if (dict >= 0) return edgeTo(loaded, dict, EdgeKind.StrKey, name);
  // A module: its globals.
  if (loaded.snapshot.category(v) === 'module') {
    const d = edgeTo(loaded, v, EdgeKind.Slot, '__dict__');
    if (d >= 0) return edgeTo(loaded, d, EdgeKind.StrKey, name);
  }
  return -1;
}

/** The module (name and `__dict__` node) whose `__file__` is `path`. */
function moduleOfFile(loaded: LoadedSnapshot, path: string): { name: string; dict: number } | null {
  const s = loaded.snapshot;
  for (const [name, dict] of indexesOf(loaded).moduleDicts) {
    const file = edgeTo(loaded, dict, EdgeKind.StrKey, '__file__');
    if (file >= 0 && samePath(s.name(file), path)) return { name, dict };
  }
  return null;
}

// ---- answers -------------------------------------------------------------------------------------

export function captureRef(loaded: LoadedSnapshot): LiveCaptureRef {
  const c = loaded.snapshot.meta.capture;
  const fn = c.function === '<module>' ? 'module level' : `${c.function}()`;
  return {
    snapshotId: loaded.id,
    where: `${fn} · ${basename(c.file)}:${c.line}`,
    allocationsRecorded: !!loaded.snapshot.allocNode,
  };
}

/** Does the capture know anything about this file (a class defined in it, a frame in it, its module)? */
export function captureKnowsFile(loaded: LoadedSnapshot, path: string): boolean {
  const s = loaded.snapshot;
  if (s.frames.paused.some((f) => samePath(f.file, path))) return true;
  if (s.types.some((t) => samePath(t.file, path))) return true;
  return moduleOfFile(loaded, path) !== null;
}

/** Type indexes of the classes defined in `path`, by qualname. */
function typesOfFile(loaded: LoadedSnapshot, path: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  loaded.snapshot.types.forEach((t, i) => {
    if (!t.file || !samePath(t.file, path)) return;
    const q = t.qualname ?? t.name.slice(t.name.lastIndexOf('.') + 1);
    const list = out.get(q);
    if (list) list.push(i);
    else out.set(q, [i]);
  });
  return out;
}

/** Instances of the class `qualname` defined in `path` (every type record that matches). */
export function classStats(loaded: LoadedSnapshot, path: string, qualname: string): TypeStats {
  const total: TypeStats = {
    live: 0,
    inCycles: 0,
    unreachable: 0,
    selfDefeating: 0,
    finalizersPending: 0,
    firstUnreachable: -1,
    first: -1,
  };
  const { byType } = indexesOf(loaded);
  for (const t of typesOfFile(loaded, path).get(qualname) ?? []) {
    const st = byType.get(t);
    if (!st) continue;
    total.live += st.live;
    total.inCycles += st.inCycles;
    total.unreachable += st.unreachable;
    total.selfDefeating += st.selfDefeating;
    total.finalizersPending += st.finalizersPending;
    if (total.firstUnreachable < 0) total.firstUnreachable = st.firstUnreachable;
    if (total.first < 0) total.first = st.first;
  }
  return total;
}

export function classFacts(
  loaded: LoadedSnapshot,
  path: string,
  outline: DocumentOutline,
): ClassFactsResult {
  const classes = outline.classes.map((c) => {
    const st = classStats(loaded, path, c.qualname);
    const focus = st.firstUnreachable >= 0 ? st.firstUnreachable : st.first;
    return {
      qualname: c.qualname,
      range: c.nameRange,
      live: st.live,
      inCycles: st.inCycles,
      unreachable: st.unreachable,
      selfDefeating: st.selfDefeating,
      finalizersPending: st.finalizersPending,
      focus: focus >= 0 ? loaded.snapshot.addressHex(focus) : null,
    };
  });
  return { capture: captureRef(loaded), classes };
}

export function objectFacts(loaded: LoadedSnapshot, v: number): LiveObjectFacts {
  const s = loaded.snapshot;
  const { generations } = loaded.analysis;
  const scc = programCycles(s, loaded.analysis);
  const node = loaded.viewNode(v);
  const component = scc.component[v];
  const inCycle = scc.cyclic[component] === 1;
  let freedByGeneration: number | null = null;
  for (let g = 0; g < generations.length; g++) {
    if (generations[g].unreachable[v] === 1) {
      freedByGeneration = g;
      break;
    }
  }
  const facts: LiveObjectFacts = {
    address: node.address,
    type: node.type,
    label: node.label,
    size: node.size,
    refcount: node.refcount,
    generation: node.generation,
    inCycle,
    cycleSize: inCycle ? scc.size[component] : 0,
    unreachable: node.unreachable,
    freedByGeneration,
    finalizer: node.finalizer,
    finalized: (s.nodeFlags[v] & NodeFlag.Finalized) !== 0,
    selfDefeating: indexesOf(loaded).selfDefeating[v] === 1,
    ...retainedFacts(loaded, v),
  };
  if (node.allocation) facts.allocation = node.allocation;
  return facts;
}

function retainedFacts(
  loaded: LoadedSnapshot,
  v: number,
): Pick<LiveObjectFacts, 'retained' | 'atOnce'> {
  const { retained, atOnce } = loaded.retained.objectRetained(v);
  return { retained, atOnce };
}

function pathFacts(loaded: LoadedSnapshot, v: number): VariableFacts['path'] {
  const path = loaded.retentionPath(v);
  if (!path) return null;
  return {
    root: path.root,
    steps: path.steps.map((step) => ({ label: step.label, type: shortTypeName(step.node.type) })),
  };
}

/** Follows `parts[1..]` as attributes from `start`. */
function follow(loaded: LoadedSnapshot, start: number, parts: string[]): number {
  let v = start;
  for (const part of parts.slice(1)) {
    if (v < 0) return -1;
    v = attributeOf(loaded, v, part);
  }
  return v;
}

/**
 * The object of the name (or attribute chain) at `position` in the document `path`: looked up
 * in the frame of the paused stack that runs the function around the position (the innermost
 * such frame), then in the module's globals.
 */
export function variableFacts(
  loaded: LoadedSnapshot,
  path: string,
  outline: DocumentOutline,
  position: Position,
): VariableFacts | null {
  const expr = outline.expressionAt(position);
  if (!expr) return null;
  const s = loaded.snapshot;
  const { frameLocals } = indexesOf(loaded);
  const fn = outline.functionAt(position);
  const found = (v: number, scope: VariableFacts['scope']): VariableFacts | null =>
    v < 0
      ? null
      : {
          capture: captureRef(loaded),
          expression: expr.text,
          range: expr.range,
          scope,
          object: objectFacts(loaded, v),
          path: pathFacts(loaded, v),
        };
  const frames = s.frames.paused;
  // A name the function binds (a parameter, an assignment…) is local everywhere in it.
  const scope = fn ? localNames(fn.node) : null;
  const isLocal = !!scope && scope.locals.has(expr.parts[0]) && !scope.globals.has(expr.parts[0]);
  let running = false;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (f.node < 0 || !samePath(f.file, path)) continue;
    if (f.function === '<module>') {
      if (fn !== null) continue;
    } else {
      const runs: OutlineScope | null = outline.functionForFrame(
        f.function,
        Math.max(0, f.line - 1),
      );
      if (!runs || runs !== fn) continue;
    }
    running = true;
    const local = frameLocals.get(f.node)?.get(expr.parts[0]);
    if (local !== undefined) {
      return found(follow(loaded, local, expr.parts), {
        kind: 'frame',
        index: i,
        function: f.function,
        line: f.line,
      });
    }
    break; // the innermost frame of that function: the name is not bound there (yet), or global
  }
  // In a function that is not on the stack, or a local not bound yet: nothing to show.
  if (fn !== null && (!running || isLocal)) return null;
  const module = moduleOfFile(loaded, path);
  if (!module) return null;
  const global = edgeTo(loaded, module.dict, EdgeKind.StrKey, expr.parts[0]);
  if (global < 0) return null;
  return found(follow(loaded, global, expr.parts), { kind: 'module', module: module.name });
}

/** Allocation sites (tracemalloc) in `path` of unreachable or self-defeating objects, by line. */
export function allocationSites(loaded: LoadedSnapshot, path: string): AllocationSitesResult {
  const s = loaded.snapshot;
  const capture = captureRef(loaded);
  if (!s.allocNode || !s.allocFile || !s.allocLine) return { capture, sites: [] };
  const { full } = loaded.analysis;
  const scc = programCycles(s, loaded.analysis);
  const { selfDefeating } = indexesOf(loaded);
  const fileMatches = new Map<number, boolean>();
  const byLine = new Map<number, SiteCounts>();
  for (let i = 0; i < s.allocNode.length; i++) {
    const v = s.allocNode[i];
    const unreachable = full.unreachable[v] === 1;
    const stuck = selfDefeating[v] === 1;
    if (!unreachable && !stuck) continue;
    const f = s.allocFile[i];
    let match = fileMatches.get(f);
    if (match === undefined) fileMatches.set(f, (match = samePath(s.strings[f], path)));
    if (!match) continue;
    const line = Math.max(0, s.allocLine[i] - 1);
    let site = byLine.get(line);
    if (!site) {
      site = { line, unreachable: 0, selfDefeating: 0, byType: {}, objects: [] };
      byLine.set(line, site);
    }
    if (unreachable) site.unreachable++;
    if (stuck) site.selfDefeating++;
    const type = s.typeName(v);
    site.byType[type] = (site.byType[type] ?? 0) + 1;
    if (site.objects.length < 20) {
      const node = loaded.viewNode(v);
      const c = scc.component[v];
      site.objects.push({
        address: node.address,
        type: node.type,
        label: node.label,
        unreachable,
        selfDefeating: stuck,
        finalizer: node.finalizer,
        cycleSize: scc.cyclic[c] === 1 ? scc.size[c] : 0,
      });
    }
  }
  const sites = [...byLine.values()].sort((a, b) => a.line - b.line);
  return {
    capture,
    sites: sites.map((site) => ({
      ...site,
      annotation: siteAnnotation(site),
      hover: siteHoverMarkdown(site, capture),
    })),
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What a lint diagnostic inside class `qualname` can add from the capture: a sentence for the
 * message when something is wrong right now, and a line for its related information.
 */
export function diagnosticFact(
  loaded: LoadedSnapshot,
  path: string,
  qualname: string,
  code: string,
): { suffix: string | null; related: string } | null {
  const st = classStats(loaded, path, qualname);
  const name = qualname.slice(qualname.lastIndexOf('.') + 1);
  const where = captureRef(loaded).where;
  const related =
    st.live === 0
      ? `Latest capture (${where}): no ${name} instance is alive.`
      : `Latest capture (${where}): ${plural(st.live, `${name} instance`)} alive, ` +
        `${st.inCycles} in reference cycles, ${st.unreachable} unreachable` +
        (st.selfDefeating > 0
          ? `, ${st.selfDefeating} kept alive by their own weakref.finalize`
          : '') +
        '.';
  let suffix: string | null = null;
  if (code === 'HI007' && st.selfDefeating > 0) {
    suffix =
      `Right now ${plural(st.selfDefeating, `instance`)} of ${name} ` +
      `${st.selfDefeating === 1 ? 'is' : 'are'} kept alive by ${st.selfDefeating === 1 ? 'its' : 'their'} own weakref.finalize (${where}).`;
  } else if (st.unreachable > 0) {
    suffix =
      `Right now ${plural(st.unreachable, 'instance')} of ${name} ` +
      `${st.unreachable === 1 ? 'is' : 'are'} in unreachable cycles, waiting for the collector (${where}).`;
  }
  return { suffix, related };
}

/** The collector is off in the capture (`gc.isenabled()` was False): for HI011. */
export function collectorDisabled(loaded: LoadedSnapshot): boolean {
  return loaded.snapshot.meta.gc.enabled === false;
}
