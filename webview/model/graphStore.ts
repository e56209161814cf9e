/**
 * Everything the webview knows about the heap: the view's objects, the embedded neighbourhood,
 * and what expansions and paths brought in since; references in and out of each object; the
 * tree of paths from the roots. Pure: no DOM.
 */
import type { HeapView, ViewEdge, ViewNode } from '../../protocol/heapView';
import type { Neighbourhood, RetentionPath } from '../../protocol/messages';
import { shortestLoop } from './shortestLoop';

export interface PathStepInfo {
  node: ViewNode;
  /** The reference leading to this step (empty for the root). */
  label: string;
}

export interface PathInfo {
  target: number;
  root: string;
  steps: PathStepInfo[];
}

function edgeKey(e: ViewEdge): string {
  return `${e.from}>${e.to}>${e.weak ? 'w' : 's'}>${e.label}`;
}

export class GraphStore {
  readonly view: HeapView;
  readonly nodes = new Map<number, ViewNode>();
  readonly out = new Map<number, ViewEdge[]>();
  readonly in = new Map<number, ViewEdge[]>();
  /** The view's own objects (what the first graph shows). */
  readonly base: number[];
  readonly byAddress = new Map<string, number>();
  private readonly keys = new Set<string>();
  private readonly links = new Map<number, { parent: number; label: string }>();
  private readonly unrooted = new Set<number>();
  private readonly completeOut = new Set<number>();
  private readonly completeIn = new Set<number>();
  private readonly paths = new Map<number, PathInfo | null>();

  constructor(view: HeapView) {
    this.view = view;
    this.base = view.nodes.map((n) => n.id);
    this.add(view.nodes, view.edges);
    const c = view.context;
    if (c) {
      this.add(c.nodes, c.edges);
      for (const l of c.pathTree) this.links.set(l.node, { parent: l.parent, label: l.label });
      for (const u of c.unrooted) this.unrooted.add(u);
      for (const id of c.completeReferents) this.completeOut.add(id);
      for (const id of c.completeReferrers) this.completeIn.add(id);
    }
  }

  get hasContext(): boolean {
    return this.view.context !== undefined;
  }

  add(nodes: ViewNode[], edges: ViewEdge[]): void {
    for (const n of nodes) {
      if (!this.nodes.has(n.id)) {
        this.nodes.set(n.id, n);
        this.out.set(n.id, []);
        this.in.set(n.id, []);
        if (!this.byAddress.has(n.address)) this.byAddress.set(n.address, n.id);
      }
    }
    for (const e of edges) {
      if (!this.nodes.has(e.from) || !this.nodes.has(e.to)) continue;
      const k = edgeKey(e);
      if (this.keys.has(k)) continue;
      this.keys.add(k);
      this.out.get(e.from)?.push(e);
      this.in.get(e.to)?.push(e);
    }
  }

  /** Merges an answer from the extension; returns the ids it brought. */
  addNeighbourhood(nb: Neighbourhood): number[] {
    this.add(nb.nodes, nb.edges);
    if (nb.nodes.length >= nb.total) {
      (nb.direction === 'referents' ? this.completeOut : this.completeIn).add(nb.center);
    }
    return nb.nodes.map((n) => n.id);
  }

  addPath(p: RetentionPath | null, target: number): void {
    if (!p) {
      this.paths.set(target, null);
      return;
    }
    const nodes = p.steps.map((s) => s.node);
    const edges: ViewEdge[] = [];
    for (let i = 1; i < p.steps.length; i++) {
      edges.push({
        from: p.steps[i - 1].node.id,
        to: p.steps[i].node.id,
        label: p.steps[i].label,
        weak: false,
      });
    }
    this.add(nodes, edges);
    this.paths.set(target, {
      target,
      root: p.root,
      steps: p.steps.map((s) => ({ node: this.nodes.get(s.node.id) ?? s.node, label: s.label })),
    });
  }

  /** The known referents (or referrers) of a node, and whether that is all of them. */
  neighbours(
    id: number,
    direction: 'referents' | 'referrers',
  ): { ids: number[]; edges: ViewEdge[]; complete: boolean; total: number } {
    const edges = (direction === 'referents' ? this.out.get(id) : this.in.get(id)) ?? [];
    const ids: number[] = [];
    const seen = new Set<number>();
    for (const e of edges) {
      const o = direction === 'referents' ? e.to : e.from;
      if (o === id || seen.has(o)) continue;
      seen.add(o);
      ids.push(o);
    }
    const n = this.nodes.get(id);
    const count = direction === 'referents' ? n?.referentCount : n?.referrerCount;
    const complete =
      (direction === 'referents' ? this.completeOut : this.completeIn).has(id) ||
      (count !== undefined && edges.length >= count);
    return { ids, edges, complete, total: count ?? edges.length };
  }

  /**
   * The path from a root known without asking anyone: from the embedded tree, an earlier
   * answer, or (when the view embeds nothing) a breadth-first search over the known references
   * from the view's roots. `undefined`: not known here.
   */
  knownPath(target: number): PathInfo | null | undefined {
    if (this.paths.has(target)) return this.paths.get(target);
    if (this.links.has(target)) {
      const steps: PathStepInfo[] = [];
      let u = target;
      let root = '';
      const seen = new Set<number>();
      while (!seen.has(u)) {
        seen.add(u);
        const l = this.links.get(u);
        const node = this.nodes.get(u);
        if (!l || !node) return undefined;
        if (l.parent < 0) {
          steps.push({ node, label: '' });
          root = l.label;
          break;
        }
        steps.push({ node, label: l.label });
        u = l.parent;
      }
      if (!root) return undefined;
      return { target, root, steps: steps.reverse() };
    }
    if (this.unrooted.has(target)) return null;
    if (this.hasContext) return undefined;
    return this.searchPath(target);
  }

  /** Breadth-first over the known strong references, from the known roots. */
  private searchPath(target: number): PathInfo | null | undefined {
    const t = this.nodes.get(target);
    if (!t) return undefined;
    if (t.unreachable) return null;
    const prev = new Map<number, ViewEdge | null>();
    const queue: number[] = [];
    for (const n of this.nodes.values()) {
      if (n.root && !n.unreachable) {
        prev.set(n.id, null);
        queue.push(n.id);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const u = queue[head];
      if (u === target) break;
      for (const e of this.out.get(u) ?? []) {
        if (e.weak || prev.has(e.to)) continue;
        prev.set(e.to, e);
        queue.push(e.to);
      }
    }
    if (!prev.has(target)) return undefined;
    const steps: PathStepInfo[] = [];
    let u = target;
    for (;;) {
      const e = prev.get(u);
      const node = this.nodes.get(u) as ViewNode;
      if (!e) {
        steps.push({ node, label: '' });
        break;
      }
      steps.push({ node, label: e.label });
      u = e.from;
    }
    steps.reverse();
    const root = steps[0].node;
    return {
      target,
      root: root.category === 'module' ? `sys.modules['${root.label}']` : `root ${root.label}`,
      steps,
    };
  }

  /**
   * How an unreachable object's cycle closes: the shortest loop of strong references through it
   * among the known objects of its strongly connected component (same `cycle`), or null.
   */
  loopThrough(id: number): ViewEdge[] | null {
    const start = this.nodes.get(id);
    if (!start) return null;
    return shortestLoop(
      id,
      (u) => this.out.get(u),
      (u) => {
        const n = this.nodes.get(u);
        return n !== undefined && (start.cycle === null ? u === id : n.cycle === start.cycle);
      },
    );
  }
}
