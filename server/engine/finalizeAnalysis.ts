/**
 * `weakref.finalize` analysis. A finalize entry is self-defeating when its callback (func, args or
 * kwargs) holds its referent strongly: the registry keeps the callback alive, the callback keeps
 * the referent alive, so the referent never dies and the callback only runs at exit.
 *
 * The search follows every strong reference from func, args and kwargs — bound methods to their
 * instance, instances to their class, classes to their namespace and bases, closures, defaults —
 * with two exceptions, both places where everything meets:
 *
 * - a module and its `__dict__` (its globals): every function reaches them through
 *   `__globals__`, and from there the whole program; that is the program holding the referent,
 *   not the callback;
 * - the finalize registry (`weakref.finalize._registry`): reached from any finalize object
 *   through its class, it holds every entry's callback; another entry's callback holding the
 *   referent does not make this one self-defeating.
 *
 * Weak references are not edges, so they never count.
 */
import { EdgeKind } from '../../protocol/snapshot';
import type { FinalizeRecord } from '../../protocol/snapshot';
import type { CollectionResult } from './collectorPrediction';
import type { HeapSnapshot } from './heapSnapshot';

// The protocol's flag objects read once: hot loops must not go through a module binding
// (under tsx every access to an imported object is a getter call).
const EDGE_SLOT = EdgeKind.Slot;
const EDGE_KEY_OBJECT = EdgeKind.KeyObject;

export interface FinalizeVerdict {
  /** Index into `snapshot.finalizers`. */
  index: number;
  record: FinalizeRecord;
  /** func, args or kwargs holds the referent strongly. */
  selfDefeating: boolean;
  /** Which part of the callback holds it, when self-defeating. */
  via: 'func' | 'args' | 'kwargs' | null;
  /** Nodes from the holding part (func, args or kwargs) to the referent, both included. */
  chain: number[];
  /** Edges along `chain` (`chain.length − 1` of them). */
  chainEdges: number[];
  /** The next full collection frees the referent, so the callback fires. */
  willFire: boolean;
}

export interface FinalizeAnalysis {
  verdicts: FinalizeVerdict[];
  selfDefeating: number;
  willFire: number;
}

/**
 * Nodes the self-defeating search never enters: modules, module `__dict__`s (dicts referenced by
 * a module through a `__dict__` slot edge), and the finalize registry (the dict whose keys are
 * the finalize objects).
 */
export function barrierNodes(snapshot: HeapSnapshot): Uint8Array {
  const n = snapshot.nodeCount;
  const barrier = new Uint8Array(n);
  const moduleType = new Uint8Array(snapshot.types.length);
  snapshot.types.forEach((t, i) => {
    if (t.category === 'module') moduleType[i] = 1;
  });
  const finalizeObject = new Uint8Array(n);
  for (const record of snapshot.finalizers) finalizeObject[record.node] = 1;
  const dunderDict = snapshot.strings.indexOf('__dict__');
  for (let v = 0; v < n; v++) {
    const isModule = moduleType[snapshot.nodeType[v]] === 1;
    if (isModule) barrier[v] = 1;
    const end = snapshot.edgeStart[v + 1];
    for (let e = snapshot.edgeStart[v]; e < end; e++) {
      const kind = snapshot.edgeKind[e];
      const to = snapshot.edgeTo[e];
      if (
        isModule &&
        kind === EDGE_SLOT &&
        dunderDict >= 0 &&
        snapshot.edgeName[e] === dunderDict
      ) {
        barrier[to] = 1;
      } else if (kind === EDGE_KEY_OBJECT && finalizeObject[to] === 1) {
        barrier[v] = 1;
      }
    }
  }
  return barrier;
}

export function analyzeFinalizers(
  snapshot: HeapSnapshot,
  full: CollectionResult,
): FinalizeAnalysis {
  const records = snapshot.finalizers;
  const verdicts: FinalizeVerdict[] = [];
  let selfDefeating = 0;
  let willFire = 0;
  if (records.length === 0) return { verdicts, selfDefeating, willFire };

  const n = snapshot.nodeCount;
  const barrier = barrierNodes(snapshot);
  // One set of BFS arrays for all records; `stamp` tells which search last visited a node.
  const stamp = new Uint32Array(n);
  const parentEdge = new Int32Array(n);
  const parentNode = new Int32Array(n);
  const queue = new Uint32Array(n);
  let epoch = 0;

  const search = (start: number, target: number): number[] | null => {
    if (start < 0 || target < 0) return null;
    if (start === target) return [start];
    if (barrier[start] === 1) return null;
    epoch++;
    let head = 0;
    let tail = 0;
    stamp[start] = epoch;
    parentNode[start] = -1;
    queue[tail++] = start;
    while (head < tail) {
      const u = queue[head++];
      const end = snapshot.edgeStart[u + 1];
      for (let e = snapshot.edgeStart[u]; e < end; e++) {
        const t = snapshot.edgeTo[e];
        if (stamp[t] === epoch) continue;
        if (t !== target && barrier[t] === 1) continue;
        stamp[t] = epoch;
        parentNode[t] = u;
        parentEdge[t] = e;
        if (t === target) {
          const path: number[] = [];
          for (let v = t; v !== start; v = parentNode[v]) path.push(v, parentEdge[v]);
          path.push(start);
          return path.reverse();
        }
        queue[tail++] = t;
      }
    }
    return null;
  };

  records.forEach((record, index) => {
    let via: FinalizeVerdict['via'] = null;
    let chain: number[] = [];
    let chainEdges: number[] = [];
    for (const part of ['func', 'args', 'kwargs'] as const) {
      const found = search(record[part], record.referent);
      if (found !== null) {
        via = part;
        // `found` alternates node, edge, node, …
        chain = found.filter((_, i) => i % 2 === 0);
        chainEdges = found.filter((_, i) => i % 2 === 1);
        break;
      }
    }
    const fires = record.referent >= 0 && full.unreachable[record.referent] === 1;
    if (via !== null) selfDefeating++;
    if (fires) willFire++;
    verdicts.push({
      index,
      record,
      selfDefeating: via !== null,
      via,
      chain,
      chainEdges,
      willFire: fires,
    });
  });
  return { verdicts, selfDefeating, willFire };
}
