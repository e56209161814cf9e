/**
 * More of the graph around one object, for the webview's "expand" (protocol/messages.ts
 * `requestNeighbourhood` → `neighbourhood`), and a session object that answers both of the
 * webview's requests for one snapshot.
 */
import type { HeapView, ViewEdge } from '../../protocol/heapView';
import type { Neighbourhood, RetentionPath } from '../../protocol/messages';
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './heapSnapshot';
import { RootPaths, retentionPath } from './paths';
import { toViewEdge, ViewNodes, type Reference } from './viewNodes';

/** Most objects one expansion adds. */
export const DEFAULT_NEIGHBOURHOOD_LIMIT = 60;

/**
 * The referents (or referrers) of `center`, the most interesting first (unreachable objects,
 * instances, containers … classes and atoms last), at most `limit` of them, with the references
 * from/to `center` and the references among them.
 */
export function neighbourhood(
  nodes: ViewNodes,
  center: number,
  direction: 'referents' | 'referrers',
  limit = DEFAULT_NEIGHBOURHOOD_LIMIT,
): Neighbourhood {
  if (!nodes.valid(center)) return { center, direction, nodes: [], edges: [], total: 0 };
  const refs = direction === 'referents' ? nodes.referents(center) : nodes.referrers(center);
  const other = (r: Reference): number => (direction === 'referents' ? r.to : r.from);
  const distinct = new Set<number>();
  for (const r of refs) if (other(r) !== center) distinct.add(other(r));
  const chosen = new Set<number>();
  for (const r of nodes.ranked(refs, other)) {
    if (chosen.size >= limit) break;
    const o = other(r);
    if (o !== center) chosen.add(o);
  }
  const edges: ViewEdge[] = refs
    .filter((r) => other(r) === center || chosen.has(other(r)))
    .map(toViewEdge);
  for (const u of chosen) {
    for (const r of nodes.referents(u)) {
      if (r.to !== center && chosen.has(r.to)) edges.push(toViewEdge(r));
    }
  }
  return {
    center,
    direction,
    nodes: [...chosen].map((v) => nodes.node(v)),
    edges,
    total: distinct.size,
  };
}

/**
 * Answers the webview's requests for one snapshot: `path` ("Why is this alive?") and
 * `neighbourhood` (expand). Node `cycle` indices match `view.cycles` when the view is given.
 * The breadth-first search from the roots runs once, on the first path request.
 */
export class ViewSession {
  readonly nodes: ViewNodes;
  private rootPaths: RootPaths | null = null;

  constructor(snapshot: HeapSnapshot, analysis: Analysis, view?: HeapView) {
    const slot = new Int32Array(analysis.scc.count).fill(-1);
    for (const c of view?.cycles ?? []) {
      const first = c.members[0];
      if (first !== undefined && first >= 0 && first < snapshot.nodeCount) {
        slot[analysis.scc.component[first]] = c.id;
      }
    }
    this.nodes = new ViewNodes(snapshot, analysis, slot);
  }

  path(node: number): RetentionPath | null {
    if (!this.nodes.valid(node)) return null;
    this.rootPaths ??= new RootPaths(this.nodes.snapshot);
    return retentionPath(this.nodes, this.rootPaths, node);
  }

  neighbourhood(
    node: number,
    direction: 'referents' | 'referrers',
    limit = DEFAULT_NEIGHBOURHOOD_LIMIT,
  ): Neighbourhood {
    return neighbourhood(this.nodes, node, direction, limit);
  }
}
