/**
 * The loop that keeps an object in a reference cycle: the shortest closed path of strong
 * references from it back to it. Used for the verdict's sentence about a cycle and for the
 * details' "the loop that keeps it alive". Pure: no DOM.
 */
import type { ViewEdge } from '../../protocol/heapView';

/**
 * Breadth-first from `start` over the strong references `out` gives, staying among the objects
 * `inside` accepts, until a reference leads back to `start`. Returns the references in order
 * (the first leaves `start`, the last returns to it), or null when no such loop is known.
 */
export function shortestLoop(
  start: number,
  out: (id: number) => readonly ViewEdge[] | undefined,
  inside: (id: number) => boolean,
): ViewEdge[] | null {
  const prev = new Map<number, ViewEdge>();
  const queue = [start];
  const seen = new Set<number>([start]);
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head];
    for (const e of out(u) ?? []) {
      if (e.weak || !inside(e.to)) continue;
      if (e.to === start) {
        const path = [e];
        let cur = u;
        while (cur !== start) {
          const p = prev.get(cur) as ViewEdge;
          path.unshift(p);
          cur = p.from;
        }
        return path;
      }
      if (!seen.has(e.to)) {
        seen.add(e.to);
        prev.set(e.to, e);
        queue.push(e.to);
      }
    }
  }
  return null;
}
