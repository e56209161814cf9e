/**
 * The graph the dominator trees are computed on: the snapshot's strong references, plus
 *
 *   - a frame's locals as references from the frame (the frame holds them; `frameLocal` root
 *     records, which are not edges in the snapshot because CPython's frame traverse skips them),
 *   - a super-root (node `nodeCount`) whose children are the roots: the snapshot's named roots
 *     (modules, frames, threads, frame locals of frames not in the snapshot, `gc.garbage`) and
 *     every object held from outside the graph (its reference count exceeds the references to it
 *     the snapshot shows — the collector's own test, gc_refs > 0 — or it is immortal, or frozen
 *     by `gc.freeze()`),
 *   - a garbage group (node `nodeCount + 1`), the super-root's last child, whose children are the
 *     entries of what no root reaches: the objects of its strongly connected components that no
 *     other component refers to.
 *
 * Weak references are not edges (the snapshot keeps them apart); a weak reference's callback is
 * one. Everything is typed arrays.
 */
import { NodeFlag, RootKind } from '../../protocol/snapshot';
import type { Analysis } from './analysis';
import { reverseCsr, semiNcaDominators, type CsrGraph, type DominatorTree } from './dominators';
import type { HeapSnapshot } from './heapSnapshot';
import { computeScc, type SccResult } from './scc';
import { giveBack, scratchInt32, scratchUint32 } from './scratch';

const NODE_TRACKED = NodeFlag.Tracked;
const NODE_IMMORTAL = NodeFlag.Immortal;
const NODE_GENERATION_MASK = NodeFlag.GenerationMask;
const NODE_GENERATION_SHIFT = NodeFlag.GenerationShift;
const ROOT_FRAME_LOCAL = RootKind.FrameLocal;

/** Why a child of the super-root is a root. */
export const RootReason = {
  /** Not a root. */
  None: 0,
  /** A root record or a frame of the `frames` section (module, frame, thread, local, gc.garbage). */
  Named: 1,
  /** Referenced from outside the graph: its reference count exceeds the references shown. */
  External: 2,
  /** Immortal (CPython 3.12+): never freed. */
  Immortal: 3,
  /** In the permanent generation (`gc.freeze()`): the collector never examines it. */
  Frozen: 4,
} as const;

/** What the retained analysis keeps of the graph once the trees are computed. */
export interface RetainedGraphInfo {
  /** Objects plus the two virtual nodes. */
  size: number;
  /** Objects of the snapshot; the super-root is node `nodeCount`, the garbage group `nodeCount + 1`. */
  nodeCount: number;
  superRoot: number;
  garbageGroup: number;
  /** Per object: `RootReason` (0 for objects that are not roots). */
  rootReason: Uint8Array;
  /** Per object: 1 when a root reaches it by strong references, 0 for garbage. */
  live: Uint8Array;
  /** Objects no root reaches (the next collection frees them). */
  garbageCount: number;
  /** Strongly connected components of the objects with the frame-local references. */
  scc: SccResult;
  /** Per frame-local root record: 1 when it is a reference from its frame (an edge here). */
  localAsEdge: Uint8Array;
}

/** Frame-local records whose frame is in the snapshot: references from the frame. */
interface FrameLocals {
  /** Per root record: 1 when it is such a reference. */
  record: Uint8Array;
  from: Uint32Array;
  to: Uint32Array;
  /** Frame → its locals' values, frames in node order. */
  byFrame: Map<number, Uint32Array>;
}

function frameLocals(s: HeapSnapshot): FrameLocals {
  const record = new Uint8Array(s.rootCount);
  const lists = new Map<number, number[]>();
  const from: number[] = [];
  const to: number[] = [];
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] !== ROOT_FRAME_LOCAL || s.rootFrame[r] < 0) continue;
    record[r] = 1;
    const frame = s.rootFrame[r];
    from.push(frame);
    to.push(s.rootNode[r]);
    const list = lists.get(frame);
    if (list) list.push(s.rootNode[r]);
    else lists.set(frame, [s.rootNode[r]]);
  }
  const byFrame = new Map<number, Uint32Array>();
  for (const frame of [...lists.keys()].sort((a, b) => a - b)) {
    byFrame.set(frame, Uint32Array.from(lists.get(frame) ?? []));
  }
  return { record, from: Uint32Array.from(from), to: Uint32Array.from(to), byFrame };
}

/**
 * The objects' CSR with each frame's locals after its own edges (the snapshot's own arrays when
 * no frame has locals). A copy is scratch (scratch.ts): `ownsArrays` says to give it back.
 */
function objectCsr(
  s: HeapSnapshot,
  locals: FrameLocals,
): { start: Uint32Array; to: Uint32Array; ownsArrays: boolean } {
  const n = s.nodeCount;
  if (locals.from.length === 0) return { start: s.edgeStart, to: s.edgeTo, ownsArrays: false };
  // Each frame's count of locals, then running totals with the snapshot's counts.
  const start = scratchUint32(n + 1, true);
  for (let i = 0; i < locals.from.length; i++) start[locals.from[i] + 1]++;
  const edgeCount = s.nodeEdgeCount;
  for (let v = 0; v < n; v++) start[v + 1] += start[v] + edgeCount[v];
  // The snapshot's edges in runs between the frames, each frame's locals after its edges.
  const to = scratchUint32(start[n]);
  let from = 0;
  for (const [frame, values] of locals.byFrame) {
    to.set(s.edgeTo.subarray(s.edgeStart[from], s.edgeStart[frame + 1]), start[from]);
    to.set(values, start[frame] + s.nodeEdgeCount[frame]);
    from = frame + 1;
  }
  to.set(s.edgeTo.subarray(s.edgeStart[from], s.edgeStart[n]), start[from]);
  return { start, to, ownsArrays: true };
}

/**
 * The roots, in the order the dominator search visits them: named roots in record order (modules
 * first, as the agent writes them), the frames of the `frames` section, then the objects held
 * from outside, in node order.
 */
function rootsOf(
  s: HeapSnapshot,
  localAsEdge: Uint8Array,
  predStart: Uint32Array,
): { list: Uint32Array; reason: Uint8Array } {
  const n = s.nodeCount;
  const reason = new Uint8Array(n);
  const list: number[] = [];
  const named = (v: number): void => {
    if (v >= 0 && v < n && reason[v] === 0) {
      reason[v] = RootReason.Named;
      list.push(v);
    }
  };
  for (let r = 0; r < s.rootCount; r++) {
    // A local whose frame is in the snapshot is held by that frame: the frame is the root.
    named(localAsEdge[r] === 1 ? s.rootFrame[r] : s.rootNode[r]);
  }
  for (const f of s.frames.paused ?? []) named(f.node);
  for (const t of s.frames.threads ?? []) for (const f of t.frames ?? []) named(f.node);

  // References the snapshot shows: every edge (from tracked and untracked objects alike: an
  // untracked tuple's reference is as real as a list's) and every frame-local record. The
  // objects' reverse CSR counts the edges and the locals held by frames in the snapshot; a local
  // of a frame not in the snapshot makes its object a named root above, never tested here.
  const refcount = s.nodeRefcount;
  const flags = s.nodeFlags;
  for (let v = 0; v < n; v++) {
    if (reason[v] !== 0) continue;
    const f = flags[v];
    let why = 0;
    if ((f & NODE_IMMORTAL) !== 0) why = RootReason.Immortal;
    else if (refcount[v] > predStart[v + 1] - predStart[v]) why = RootReason.External;
    else if ((f & NODE_TRACKED) !== 0 && (f & NODE_GENERATION_MASK) >> NODE_GENERATION_SHIFT === 3)
      why = RootReason.Frozen;
    if (why !== 0) {
      reason[v] = why;
      list.push(v);
    }
  }
  return { list: Uint32Array.from(list), reason };
}

/**
 * The SCCs of the objects with the frame → local references. The analysis's SCCs (snapshot
 * edges only) stay valid unless a local closes a cycle: its value reaches its frame. Tarjan
 * numbers components in reverse topological order, so a reference from component a to b with
 * a ≥ b closes nothing, and for the others only objects of components numbered from the frame's
 * up to the value's can lie on such a path: that is all the search visits. When a cycle is
 * found, the components are computed again with the locals.
 */
function sccWithLocals(s: HeapSnapshot, analysis: Analysis, locals: FrameLocals): SccResult {
  const comp = analysis.scc.component;
  const n = s.nodeCount;
  let mark: Int32Array | null = null;
  // The searches' stack grows with what they visit (usually a few objects).
  let stack = new Uint32Array(1024);
  for (let i = 0; i < locals.from.length; i++) {
    const frame = locals.from[i];
    const value = locals.to[i];
    const low = comp[frame];
    if (low >= comp[value]) continue;
    mark ??= scratchInt32(n, true);
    let sp = 0;
    stack[sp++] = value;
    mark[value] = i + 1;
    while (sp > 0) {
      const u = stack[--sp];
      if (u === frame) {
        giveBack(mark);
        return computeScc(n, ...withLocals(s, locals));
      }
      const extra = locals.byFrame.get(u);
      const visit = (t: number): void => {
        if (mark![t] !== i + 1 && comp[t] >= low) {
          mark![t] = i + 1;
          if (sp === stack.length) {
            const grown = new Uint32Array(stack.length * 2);
            grown.set(stack);
            stack = grown;
          }
          stack[sp++] = t;
        }
      };
      for (let e = s.edgeStart[u], end = s.edgeStart[u + 1]; e < end; e++) visit(s.edgeTo[e]);
      if (extra) extra.forEach(visit);
    }
  }
  if (mark) giveBack(mark);
  return analysis.scc;
}

/** The objects' CSR with the locals (only to compute components again). */
function withLocals(s: HeapSnapshot, locals: FrameLocals): [Uint32Array, Uint32Array] {
  const csr = objectCsr(s, locals);
  return [csr.start, csr.to];
}

/**
 * The graph's dominator tree (rooted at the super-root) and what the retained analysis keeps of
 * the graph. Liveness comes from the dominator search itself: it reaches the garbage group last,
 * after every object a root reaches, so the objects it has not numbered then are the garbage, and
 * the garbage group's children are computed at that moment (`semiNcaDominators`'s
 * `barrierSuccessors`). The graph's arrays are dropped on return.
 */
export function retainedDominators(
  s: HeapSnapshot,
  analysis: Analysis,
): { info: RetainedGraphInfo; dom: DominatorTree } {
  const n = s.nodeCount;
  const locals = frameLocals(s);
  const objects = objectCsr(s, locals);
  const reverse = reverseCsr(n, objects.start, objects.to);
  const roots = rootsOf(s, locals.record, reverse.predStart);
  const scc = sccWithLocals(s, analysis, locals);

  // The super-root (n) and the garbage group (n + 1) are not in the CSR: the super-root's
  // children are the roots, then the garbage group (last: see semiNcaDominators), whose children
  // are given when the search reaches it.
  const rootEdges = new Uint32Array(roots.list.length + 1);
  rootEdges.set(roots.list);
  rootEdges[roots.list.length] = n + 1;
  const size = n + 2;
  const graph: CsrGraph = { size, start: objects.start, to: objects.to, ...reverse };
  const live = new Uint8Array(n);
  let garbageCount = 0;
  const garbageEntries = (num: Int32Array): Uint32Array => {
    const garbage: number[] = [];
    for (let v = 0; v < n; v++) {
      if (num[v] >= 0) live[v] = 1;
      else garbage.push(v);
    }
    garbageCount = garbage.length;
    return garbageGroupChildren(s, scc, garbage);
  };
  const dom = semiNcaDominators(graph, n, n + 1, garbageEntries, rootEdges);
  // The graph is read no more: its arrays serve the next passes (scratch.ts).
  giveBack(reverse.predStart, reverse.predFrom);
  if (objects.ownsArrays) giveBack(objects.start, objects.to);
  return {
    info: {
      size,
      nodeCount: n,
      superRoot: n,
      garbageGroup: n + 1,
      rootReason: roots.reason,
      live,
      garbageCount,
      scc,
      localAsEdge: locals.record,
    },
    dom,
  };
}

/**
 * The garbage group's children: garbage in components no other component refers to. No live
 * object refers to garbage (and a frame with locals is a root), so only references among
 * garbage can mark a component.
 */
function garbageGroupChildren(s: HeapSnapshot, scc: SccResult, garbage: number[]): Uint32Array {
  if (garbage.length === 0) return new Uint32Array(0);
  const edgeStart = s.edgeStart;
  const edgeTo = s.edgeTo;
  const referred = new Uint8Array(scc.count);
  const comp = scc.component;
  for (const u of garbage) {
    for (let e = edgeStart[u], end = edgeStart[u + 1]; e < end; e++) {
      const t = edgeTo[e];
      if (comp[t] !== comp[u]) referred[comp[t]] = 1;
    }
  }
  return Uint32Array.from(garbage.filter((v) => referred[comp[v]] === 0));
}
