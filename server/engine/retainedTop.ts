/**
 * The objects that hold the memory, from the next collection's dominator tree
 * (docs/retained.md, "The top list" and "Leak suspects"):
 *
 * - `topRetainers`: the objects retaining the most bytes. Walked best first from the roots (a
 *   child never retains more than its parent, so the walk meets objects in decreasing order of
 *   retained bytes). Not listed: the program's code (modules, classes, functions, code objects),
 *   frames and namespace dicts (a module's, a class's or an instance's `__dict__`), which retain
 *   what their owner, their globals or their locals do — the data they hold is listed instead;
 *   garbage; and an object with more than `MAX_NESTING` listed objects above
 *   it in the tree, so that one long chain (a linked list) does not fill the list.
 * - `leakSuspects`: objects among the candidates retaining at least `LEAK_SUSPECT_SHARE` of the
 *   live heap, not inside one another, each with the point where its bytes accumulate.
 */
import { LEAK_SUSPECT_SHARE, type LeakSuspect, type RetainedGroup } from '../../protocol/retained';
import { EdgeKind } from '../../protocol/snapshot';
import type { HeapSnapshot } from './heapSnapshot';
import { shortTypeName } from './labels';
import type { PythonPaths } from './pythonPaths';
import type { RetainedAnalysis } from './retained';
import { countText } from './countText';

/** Objects the top list holds. */
export const TOP_RETAINERS = 50;
/** Most listed objects above a listed object in the dominator tree. */
export const MAX_NESTING = 2;
/** The accumulation point: descend while one child retains at least this share of its parent. */
export const ACCUMULATION_SHARE = 0.8;
/** Groups of a suspect's content. */
export const MAX_CONTENT_GROUPS = 5;

/**
 * A binary max-heap of nodes keyed by their retained bytes (ties: the lower node index first, so
 * that every walk is deterministic), in typed arrays that grow.
 */
export class NodeHeap {
  private nodes = new Uint32Array(1024);
  private keys = new Float64Array(1024);
  size = 0;

  push(node: number, key: number): void {
    if (this.size === this.nodes.length) {
      const nodes = new Uint32Array(this.size * 2);
      nodes.set(this.nodes);
      const keys = new Float64Array(this.size * 2);
      keys.set(this.keys);
      this.nodes = nodes;
      this.keys = keys;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p] > key || (this.keys[p] === key && this.nodes[p] < node)) break;
      this.nodes[i] = this.nodes[p];
      this.keys[i] = this.keys[p];
      i = p;
    }
    this.nodes[i] = node;
    this.keys[i] = key;
  }

  private before(a: number, b: number): boolean {
    return (
      this.keys[a] > this.keys[b] ||
      (this.keys[a] === this.keys[b] && this.nodes[a] < this.nodes[b])
    );
  }

  pop(): number {
    const top = this.nodes[0];
    const lastNode = this.nodes[--this.size];
    const lastKey = this.keys[this.size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.before(c + 1, c)) c++;
      if (!(this.keys[c] > lastKey || (this.keys[c] === lastKey && this.nodes[c] < lastNode))) {
        break;
      }
      this.nodes[i] = this.nodes[c];
      this.keys[i] = this.keys[c];
      i = c;
    }
    this.nodes[i] = lastNode;
    this.keys[i] = lastKey;
    return top;
  }
}

/** Per object: 1 for namespace dicts (some object's `__dict__`): listed as their owner. */
export function namespaceDicts(s: HeapSnapshot): Uint8Array {
  const out = new Uint8Array(s.nodeCount);
  const isName = new Uint8Array(s.strings.length);
  s.strings.forEach((text, i) => {
    if (text === '__dict__') isName[i] = 1;
  });
  const slot = EdgeKind.Slot;
  const { edgeKind, edgeName, edgeTo } = s;
  for (let e = 0; e < edgeKind.length; e++) {
    if (edgeKind[e] === slot && isName[edgeName[e]] === 1) out[edgeTo[e]] = 1;
  }
  return out;
}

const CODE_CATEGORIES = new Set<string>(['module', 'class', 'function', 'frame']);

/** What `topRetainers` and `leakSuspects` may list. */
export class RetainerCandidates {
  private readonly namespace: Uint8Array;
  /** Per type index: 1 for the program's data, 0 for code and frames. */
  private readonly dataType: Uint8Array;

  constructor(
    private readonly retained: RetainedAnalysis,
    private readonly paths: PythonPaths,
  ) {
    this.namespace = namespaceDicts(retained.snapshot);
    this.dataType = Uint8Array.from(retained.snapshot.types, (t) =>
      CODE_CATEGORIES.has(t.category) || t.name === 'builtins.code' ? 0 : 1,
    );
  }

  /**
   * A live object of the program's data that a module, frame, thread or `gc.garbage` reaches:
   * not the code (modules, classes, functions, code objects), not a frame, not a namespace dict
   * (what those hold is listed instead), not what only the interpreter's C code holds (built-in
   * types' dicts, its registries: nothing in the program can name them).
   */
  candidate(v: number): boolean {
    const r = this.retained;
    if (v >= r.nodeCount || !r.live(v) || this.namespace[v] === 1) return false;
    return this.dataType[r.snapshot.nodeType[v]] === 1 && this.paths.named(v);
  }
}

/**
 * Walks the live dominator tree best first; `visit(v, nesting)` returns whether `v` is listed
 * (nesting: listed objects above it) and whether to go below it.
 */
function walkBestFirst(
  r: RetainedAnalysis,
  visit: (v: number, nesting: number) => { listed: boolean; descend: boolean; stop: boolean },
): void {
  const bytes = r.nextCollection.bytes;
  const nesting = new Uint8Array(r.graph.size);
  const heap = new NodeHeap();
  const { childStart, childList } = r.tree;
  const pushChildren = (v: number, depth: number): void => {
    for (let k = childStart[v]; k < childStart[v + 1]; k++) {
      const c = childList[k];
      if (c === r.garbageGroup) continue;
      nesting[c] = depth;
      heap.push(c, bytes[c]);
    }
  };
  pushChildren(r.superRoot, 0);
  while (heap.size > 0) {
    const v = heap.pop();
    const { listed, descend, stop } = visit(v, nesting[v]);
    if (stop) return;
    if (descend) pushChildren(v, Math.min(255, nesting[v] + (listed ? 1 : 0)));
  }
}

/** The objects retaining the most bytes, largest first (see the module comment). */
export function topRetainers(
  r: RetainedAnalysis,
  candidates: RetainerCandidates,
  limit = TOP_RETAINERS,
): number[] {
  const out: number[] = [];
  if (limit <= 0) return out;
  walkBestFirst(r, (v, nesting) => {
    if (!candidates.candidate(v)) return { listed: false, descend: true, stop: false };
    out.push(v);
    // Below an object with MAX_NESTING listed objects above it, nothing can be listed.
    return { listed: true, descend: nesting < MAX_NESTING, stop: out.length >= limit };
  });
  return out;
}

/** The live heap's bytes: what the roots keep alive. */
export function liveBytes(r: RetainedAnalysis): number {
  return r.nextCollection.bytes[r.superRoot] - r.nextCollection.bytes[r.garbageGroup];
}

/** Descend from `v` while one child retains most of its parent's bytes. */
export function accumulationPoint(r: RetainedAnalysis, v: number): number {
  const bytes = r.nextCollection.bytes;
  const { childStart, childList } = r.tree;
  let at = v;
  for (;;) {
    let best = -1;
    for (let k = childStart[at]; k < childStart[at + 1]; k++) {
      const c = childList[k];
      if (best < 0 || bytes[c] > bytes[best]) best = c;
    }
    if (best < 0 || bytes[best] < ACCUMULATION_SHARE * bytes[at]) return at;
    at = best;
  }
}

/** The children of `v` in the dominator tree grouped by type name, most bytes first. */
export function childGroups(
  r: RetainedAnalysis,
  v: number,
  limit = MAX_CONTENT_GROUPS,
): RetainedGroup[] {
  const s = r.snapshot;
  const { childStart, childList } = r.tree;
  const { bytes, objects } = r.nextCollection;
  // Per type index first (a list's million items cost no string or map look-up each), then
  // types sharing a name added together. The sums are of whole numbers: exact in any order.
  const typeCount = s.types.length;
  const count = new Uint32Array(typeCount);
  const byteSum = new Float64Array(typeCount);
  const objectSum = new Float64Array(typeCount);
  const nodeType = s.nodeType;
  for (let k = childStart[v]; k < childStart[v + 1]; k++) {
    const c = childList[k];
    if (c >= r.nodeCount) continue;
    const t = nodeType[c];
    count[t]++;
    byteSum[t] += bytes[c];
    objectSum[t] += objects[c];
  }
  const groups = new Map<string, RetainedGroup>();
  for (let t = 0; t < typeCount; t++) {
    if (count[t] === 0) continue;
    const type = s.types[t].name;
    let g = groups.get(type);
    if (!g) groups.set(type, (g = { type, count: 0, bytes: 0, objects: 0 }));
    g.count += count[t];
    g.bytes += byteSum[t];
    g.objects += objectSum[t];
  }
  return [...groups.values()]
    .sort((a, b) => b.bytes - a.bytes || b.count - a.count || (a.type < b.type ? -1 : 1))
    .slice(0, limit);
}

const number = { format: countText }; // made on first use (countText.ts)

/** `__main__.registry['users'] → list → 48,211 × app.Session`. */
export function suspectText(
  path: string | null,
  accumulationType: string,
  content: RetainedGroup[],
): string {
  const parts = [path ?? '<held from outside>', shortTypeName(accumulationType)];
  if (content.length > 0) {
    const type = content[0].type.replace(/^builtins\./, '');
    parts.push(`${number.format(content[0].count)} × ${type}`);
  }
  return parts.join(' → ');
}

/** Leak suspects, largest first. */
export function leakSuspects(
  r: RetainedAnalysis,
  candidates: RetainerCandidates,
  paths: PythonPaths,
  share = LEAK_SUSPECT_SHARE,
): LeakSuspect[] {
  const s = r.snapshot;
  const live = liveBytes(r);
  const threshold = share * live;
  const found: number[] = [];
  const bytes = r.nextCollection.bytes;
  walkBestFirst(r, (v) => {
    if (bytes[v] < threshold || live <= 0) return { listed: false, descend: false, stop: true };
    if (candidates.candidate(v)) {
      found.push(v);
      return { listed: true, descend: false, stop: false };
    }
    return { listed: false, descend: true, stop: false };
  });
  const size = (v: number) => ({
    objects: r.nextCollection.objects[v],
    tracked: r.nextCollection.tracked[v],
    bytes: bytes[v],
  });
  return found.map((v) => {
    const at = accumulationPoint(r, v);
    const atPath = at === v ? paths.pathOf(v) : paths.pathOf(at);
    const content = childGroups(r, at);
    return {
      node: v,
      address: s.addressHex(v),
      type: s.typeName(v),
      path: paths.pathOf(v),
      retained: size(v),
      share: bytes[v] / live,
      accumulation: {
        node: at,
        address: s.addressHex(at),
        type: s.typeName(at),
        path: atPath,
        retained: size(at),
      },
      content,
      text: suspectText(atPath, s.typeName(at), content),
    };
  });
}
