/**
 * "Why is this alive?": shortest chains of strong references from the roots (modules, frame
 * locals, thread and stack frames, the paused frame, `gc.garbage`) to an object. Breadth-first
 * from all roots at once, over typed arrays.
 */
import type { RetentionPath } from '../../protocol/messages';
import { RootKind } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';
import { giveBack, scratchUint32 } from './scratch';
import type { ViewNodes } from './viewNodes';

export interface PathStep {
  node: number;
  /** The edge from the previous step's node, or -1 for the first step (the root). */
  edge: number;
  /**
   * The edge's label (`.attr`, `['key']`, `[3]` …); for the first step, the root's description
   * (`sys.modules['app']`, `local x`, `thread MainThread`, `paused frame` …).
   */
  edgeLabel: string;
}

/**
 * Root codes past the root records (`rootLabel`): `rootCount + FRAME_ROOT` is a frame listed only
 * in the `frames` section, `rootCount + OUTSIDE_ROOT` an object referenced from outside the graph.
 */
export const FRAME_ROOT = 0;
export const OUTSIDE_ROOT = 1;

/** A breadth-first tree from every root: compute once, then ask for paths to many objects. */
export class RootPaths {
  private readonly snapshot: HeapSnapshot;
  /** For reached nodes: the edge that reached it, or −(rootRecord + 2) for roots; −1 unreached. */
  private readonly via: Int32Array;
  /** For reached non-root nodes: the node the edge comes from. */
  private readonly parent: Uint32Array;
  /** With `outside`: 1 for the nodes a named root reaches (the others only from outside). */
  private named: Uint8Array | null = null;

  /**
   * With `stopAt`, the search ends as soon as that node is reached. Options: `modulesFirst`
   * searches from the modules before the other roots, so that what a module's global reaches is
   * named from its module even when a frame's local (runpy's, a debugger's: they hold
   * `__main__`'s globals) reaches it in fewer steps. `outside` (per node, non-zero for objects
   * referenced from outside the heap graph: C code, the interpreter) gives the objects no named
   * root reaches paths from those, found after every named root's.
   */
  constructor(
    snapshot: HeapSnapshot,
    stopAt = -1,
    options: { outside?: Uint8Array; modulesFirst?: boolean } = {},
  ) {
    this.snapshot = snapshot;
    const { outside, modulesFirst = false } = options;
    const n = snapshot.nodeCount;
    const via = new Int32Array(n).fill(-1);
    const parent = new Uint32Array(n);
    const queue = scratchUint32(n);
    let tail = 0;
    let done = false;
    const seed = (v: number, code: number): void => {
      if (done || v < 0 || via[v] !== -1) return;
      via[v] = -(code + 2);
      queue[tail++] = v;
      if (v === stopAt) done = true;
    };
    const edgeStart = snapshot.edgeStart;
    const edgeTo = snapshot.edgeTo;
    let head = 0;
    const search = (): void => {
      for (; head < tail && !done; head++) {
        const u = queue[head];
        const end = edgeStart[u + 1];
        for (let e = edgeStart[u]; e < end; e++) {
          const t = edgeTo[e];
          if (via[t] !== -1) continue;
          via[t] = e;
          parent[t] = u;
          queue[tail++] = t;
          if (t === stopAt) {
            done = true;
            break;
          }
        }
      }
    };
    if (modulesFirst) {
      for (let r = 0; r < snapshot.rootCount; r++) {
        if (snapshot.rootKind[r] === RootKind.Module) seed(snapshot.rootNode[r], r);
      }
      search();
    }
    for (let r = 0; r < snapshot.rootCount; r++) seed(snapshot.rootNode[r], r);
    // Frames of the `frames` section count as roots even without a root record.
    const frames = [...(snapshot.frames.paused ?? [])];
    for (const t of snapshot.frames.threads ?? []) frames.push(...(t.frames ?? []));
    for (const f of frames) seed(f.node, snapshot.rootCount + FRAME_ROOT);
    search();
    if (outside) {
      this.named = new Uint8Array(n);
      for (let k = 0; k < tail; k++) this.named[queue[k]] = 1;
      for (let v = 0; v < n; v++) if (outside[v] !== 0) seed(v, snapshot.rootCount + OUTSIDE_ROOT);
      search();
    }
    giveBack(queue);
    this.via = via;
    this.parent = parent;
  }

  /** A named root (not only a reference from outside the graph) reaches the object. */
  reachedByName(node: number): boolean {
    return this.named ? this.named[node] === 1 : this.reachable(node);
  }

  /** The object is reachable from a root by strong references. */
  reachable(node: number): boolean {
    return this.via[node] !== -1;
  }

  /**
   * The root its path starts from: a root record index, or `rootCount + FRAME_ROOT` /
   * `rootCount + OUTSIDE_ROOT`; −1 when no root reaches it.
   */
  rootOf(node: number): number {
    if (node < 0 || node >= this.snapshot.nodeCount || this.via[node] === -1) return -1;
    let v = node;
    while (this.via[v] >= 0) v = this.parent[v];
    return -this.via[v] - 2;
  }

  /**
   * One step of the tree: the node one step closer to a root and the reference from it (−1 and
   * the root's description for a root), or null when no root reaches `node`.
   */
  link(node: number): { parent: number; label: string } | null {
    if (node < 0 || node >= this.snapshot.nodeCount) return null;
    const via = this.via[node];
    if (via === -1) return null;
    if (via >= 0) return { parent: this.parent[node], label: this.snapshot.edgeLabel(via) };
    return { parent: -1, label: rootLabel(this.snapshot, -via - 2) };
  }

  /** The shortest path from a root to `node`, root first, or null when no root reaches it. */
  pathTo(node: number): PathStep[] | null {
    if (node < 0 || node >= this.snapshot.nodeCount || this.via[node] === -1) return null;
    const steps: PathStep[] = [];
    let v = node;
    while (this.via[v] >= 0) {
      const e = this.via[v];
      steps.push({ node: v, edge: e, edgeLabel: this.snapshot.edgeLabel(e) });
      v = this.parent[v];
    }
    steps.push({ node: v, edge: -1, edgeLabel: rootLabel(this.snapshot, -this.via[v] - 2) });
    return steps.reverse();
  }
}

/** Shortest chain of strong references from any root to `target`, or null if none reaches it. */
export function shortestPathFromRoots(snapshot: HeapSnapshot, target: number): PathStep[] | null {
  return new RootPaths(snapshot, target).pathTo(target);
}

/**
 * Description of root record `r` (`rootCount + FRAME_ROOT`: a frame listed only in `frames`;
 * `rootCount + OUTSIDE_ROOT`: referenced from outside the heap graph).
 */
export function rootLabel(snapshot: HeapSnapshot, r: number): string {
  if (r === snapshot.rootCount + OUTSIDE_ROOT) return 'held from outside';
  if (r >= snapshot.rootCount) return 'frame';
  const name = snapshot.strings[snapshot.rootName[r]] ?? '';
  switch (snapshot.rootKind[r]) {
    case RootKind.Module:
      return `sys.modules['${name}']`;
    case RootKind.FrameLocal:
      return `local ${name}`;
    case RootKind.Thread:
      return `thread ${name}`;
    case RootKind.PausedFrame:
      return 'paused frame';
    case RootKind.StackFrame:
      return name ? `frame ${name}` : 'frame';
    case RootKind.GcGarbage:
      return 'gc.garbage';
    default:
      return name || 'root';
  }
}

/**
 * "Why is this alive?" in the webview's terms (protocol/messages.ts): the shortest path from a
 * root to `target` with a `ViewNode` per step, or null when no root reaches it.
 */
export function retentionPath(
  nodes: ViewNodes,
  paths: RootPaths,
  target: number,
): RetentionPath | null {
  const steps = paths.pathTo(target);
  if (!steps) return null;
  return {
    target,
    root: steps[0].edgeLabel,
    steps: steps.map((s, i) => ({ node: nodes.node(s.node), label: i === 0 ? '' : s.edgeLabel })),
  };
}
