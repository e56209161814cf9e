/**
 * Which objects of a capture are the very objects of the previous capture of the same process
 * (docs/growth.md). An address alone cannot say: the allocator hands a freed object's memory to
 * the next object of that size. The agent knows it exactly for objects with weak references (its
 * `node.identity` column); for the others this module infers it from both snapshots:
 *
 *   same address, same type, not younger in the collector's generations, and held by an object
 *   already known to be the same through the same reference (attribute, key, index, local,
 *   slot) — or named by the same root (a module, a thread, a frame of the same function).
 *
 * The inference starts from the objects the agent matched exactly and spreads along references.
 * It can be wrong in one way only: an object without weak references replaced, between the two
 * captures, by a new one of the same type that got its memory and is held in the same place
 * through the same name (`self.items = []` again, or a frame of a new call of the same function
 * at the same address). The diff says how many objects were matched by inference.
 */
import { EdgeKind, NodeIdentity, RootKind } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';

/** How an object of the later capture was found (or not) in the earlier one. */
export const Match = {
  /** Not in the earlier capture: no object of that type had its address. */
  New: 0,
  /** The agent's weak reference still referred to it. */
  Exact: 1,
  /** Inferred (same address, type and holder through the same reference). */
  Inferred: 2,
  /** New although an object of the earlier capture had its address (freed, memory reused). */
  ReusedAddress: 3,
} as const;
export type Match = (typeof Match)[keyof typeof Match];

export interface PairMatch {
  /** Per node of the later capture: the earlier capture's node it is, or −1 (new). */
  earlier: Int32Array;
  how: Uint8Array;
  counts: { exact: number; inferred: number; new: number; reusedAddress: number };
}

/** Thrown when two snapshots cannot be compared object by object; the message is one line. */
export class IdentityError extends Error {}

/** Why `after` cannot be compared with `before` object by object, or null when it can. */
export function consecutiveProblem(before: HeapSnapshot, after: HeapSnapshot): string | null {
  const b = before.identity;
  const a = after.identity;
  const where = (s: HeapSnapshot) =>
    `${s.meta.capture.file}:${s.meta.capture.line} (pid ${s.meta.capture.pid})`;
  if (!b || !a) {
    return `${where(!a ? after : before)} was captured by an agent that keeps no identity record: capture again with this version`;
  }
  if (a.process !== b.process) {
    return `the snapshots come from different processes (${where(before)}, ${where(after)}): compare captures of one run or one debug session`;
  }
  if (a.previous !== b.capture) {
    const previous = a.previous === null ? 'none' : `capture ${a.previous}`;
    return `capture ${a.capture} was compared by the agent with ${previous}, not with capture ${b.capture}: give every capture in between, in order`;
  }
  return null;
}

/** Matches the nodes of `after` with those of `before`, the capture just before it. */
export function matchConsecutive(before: HeapSnapshot, after: HeapSnapshot): PairMatch {
  const problem = consecutiveProblem(before, after);
  if (problem !== null) throw new IdentityError(problem);
  const n = after.nodeCount;
  const earlier = new Int32Array(n).fill(-1);
  const how = new Uint8Array(n);
  // The candidate for an unrecorded object: the earlier node at its address, if plausible.
  const candidate = new Int32Array(n).fill(-1);
  const atAddress = new Map<number, number>();
  for (let u = 0; u < before.nodeCount; u++) atAddress.set(before.nodeAddress[u], u);
  const identity = after.nodeIdentity!;
  const compareGenerations = !after.meta.gc.incremental;
  const queue: number[] = [];
  for (let v = 0; v < n; v++) {
    const u = atAddress.get(after.nodeAddress[v]);
    const state = identity[v];
    if (state === NodeIdentity.Same && u !== undefined) {
      earlier[v] = u;
      how[v] = Match.Exact;
      queue.push(v);
      continue;
    }
    if (u === undefined || state === NodeIdentity.New) {
      how[v] = Match.New;
      continue;
    }
    how[v] = Match.ReusedAddress;
    if (state === NodeIdentity.Reused || state === NodeIdentity.Same) continue;
    if (before.typeName(u) !== after.typeName(v)) continue;
    // An object never moves to a younger generation: a younger one is a new object.
    const gu = before.generation(u);
    const gv = after.generation(v);
    if (compareGenerations && gu !== null && gv !== null && gv < gu) continue;
    candidate[v] = u;
  }
  for (const v of rootEvidence(before, after, candidate)) accept(v);
  const localsOf = frameLocals(after);
  const earlierLocals = frameLocalKeys(before);
  spread();
  // What nothing in either graph refers to is held from outside it (C code, a static type's
  // namespace, the interpreter): the same address and type there is taken as the same object.
  const referredAfter = referred(after);
  const referredBefore = referred(before);
  for (let v = 0; v < n; v++) {
    if (candidate[v] >= 0 && !referredAfter[v] && !referredBefore[candidate[v]]) accept(v);
  }
  spread();
  const counts = { exact: 0, inferred: 0, new: 0, reusedAddress: 0 };
  for (let v = 0; v < n; v++) {
    if (how[v] === Match.Exact) counts.exact++;
    else if (how[v] === Match.Inferred) counts.inferred++;
    else if (how[v] === Match.New) counts.new++;
    else counts.reusedAddress++;
  }
  return { earlier, how, counts };

  function spread(): void {
    while (queue.length > 0) {
      const p = queue.pop()!;
      const earlierEdges = edgeKeys(before, earlier[p]);
      for (let e = after.edgeStart[p]; e < after.edgeStart[p + 1]; e++) {
        const v = after.edgeTo[e];
        if (candidate[v] < 0) continue;
        if (earlierEdges.has(edgeKey(after, e, candidate[v]))) accept(v);
      }
      for (const [name, v] of localsOf.get(p) ?? []) {
        if (candidate[v] >= 0 && earlierLocals.has(localKey(earlier[p], name, candidate[v]))) {
          accept(v);
        }
      }
    }
  }

  function accept(v: number): void {
    if (candidate[v] < 0) return;
    earlier[v] = candidate[v];
    how[v] = Match.Inferred;
    candidate[v] = -1;
    queue.push(v);
  }
}

/** Per node: 1 when an edge or a root refers to it. */
function referred(s: HeapSnapshot): Uint8Array {
  const found = new Uint8Array(s.nodeCount);
  for (let e = 0; e < s.edgeCount; e++) found[s.edgeTo[e]] = 1;
  for (let r = 0; r < s.rootCount; r++) found[s.rootNode[r]] = 1;
  return found;
}

/** `target, kind, label` of an edge, comparable across snapshots (labels as text). */
function edgeKey(s: HeapSnapshot, e: number, target: number): string {
  const kind = s.edgeKind[e];
  const name = kind === EdgeKind.Index ? String(s.edgeName[e]) : (s.strings[s.edgeName[e]] ?? '');
  return `${target}\u0000${kind}\u0000${name}`;
}

function edgeKeys(s: HeapSnapshot, node: number): Set<string> {
  const keys = new Set<string>();
  for (let e = s.edgeStart[node]; e < s.edgeStart[node + 1]; e++) {
    keys.add(edgeKey(s, e, s.edgeTo[e]));
  }
  return keys;
}

/** Frame node -> [local name, node] of the frame-local roots of `s`. */
function frameLocals(s: HeapSnapshot): Map<number, [string, number][]> {
  const found = new Map<number, [string, number][]>();
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] !== RootKind.FrameLocal || s.rootFrame[r] < 0) continue;
    const frame = s.rootFrame[r];
    let list = found.get(frame);
    if (!list) found.set(frame, (list = []));
    list.push([s.strings[s.rootName[r]] ?? '', s.rootNode[r]]);
  }
  return found;
}

const localKey = (frame: number, name: string, node: number): string =>
  `${frame}\u0000${name}\u0000${node}`;

function frameLocalKeys(s: HeapSnapshot): Set<string> {
  const keys = new Set<string>();
  for (let r = 0; r < s.rootCount; r++) {
    if (s.rootKind[r] === RootKind.FrameLocal) {
      keys.add(localKey(s.rootFrame[r], s.strings[s.rootName[r]] ?? '', s.rootNode[r]));
    }
  }
  return keys;
}

/** Candidates named by the same root in both captures (a module, a thread, a frame). */
function rootEvidence(before: HeapSnapshot, after: HeapSnapshot, candidate: Int32Array): number[] {
  const named = new Set<string>();
  const key = (s: HeapSnapshot, r: number, node: number) =>
    `${s.rootKind[r]}\u0000${s.strings[s.rootName[r]] ?? ''}\u0000${node}`;
  for (let r = 0; r < before.rootCount; r++) {
    if (before.rootKind[r] !== RootKind.FrameLocal) named.add(key(before, r, before.rootNode[r]));
  }
  const found: number[] = [];
  for (let r = 0; r < after.rootCount; r++) {
    const v = after.rootNode[r];
    if (after.rootKind[r] === RootKind.FrameLocal || candidate[v] < 0) continue;
    if (named.has(key(after, r, candidate[v]))) found.push(v);
  }
  return found;
}
