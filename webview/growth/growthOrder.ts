/**
 * In which order the growth section lists what grew. Paused in a debugger, the debugger's own
 * objects (its commands, its threads' frames, strings it keeps from outside the object graph)
 * change between stops too, and by bytes they can outweigh the program's leak. The program's
 * own types and the objects its names hold come first; the debugger's come last.
 */
import type { GrowthSuspect } from '../../protocol/growth';
import { moduleKind } from '../model/filters';

function typeModule(type: string): string {
  const dot = type.lastIndexOf('.');
  return dot < 0 ? '' : type.slice(0, dot);
}

/** 0: a type of the program; 1: builtins and the standard library; 2: the debugger's. */
export function typeRank(type: string): number {
  const kind = moduleKind(typeModule(type));
  return kind === 'user' ? 0 : kind === 'debugger' ? 2 : 1;
}

/**
 * 0: held by a path of the program (`__main__.registry['users']`); 1: by another named path;
 * 2: by a frame, a thread or from outside (`<frame f>`, `<held from outside>`); 3: by the
 * debugger's modules, or of their types.
 */
export function suspectRank(s: GrowthSuspect): number {
  // `sys.modules['pkg.mod'].x` is a path from the module `pkg.mod`.
  const module = /^sys\.modules\['([^']+)'\]/.exec(s.path)?.[1] ?? s.path.split(/[.[]/)[0];
  if (typeRank(s.type) === 2 || moduleKind(module) === 'debugger') return 3;
  if (s.path.startsWith('<')) return 2;
  return moduleKind(module) === 'user' ? 0 : 1;
}

/** Indices of `suspects` in the order to list them (ties keep the server's order: most bytes first). */
export function suspectOrder(suspects: GrowthSuspect[]): number[] {
  return suspects
    .map((s, k) => ({ k, rank: suspectRank(s) }))
    .sort((a, b) => a.rank - b.rank || a.k - b.k)
    .map((e) => e.k);
}

/**
 * Types to chart, in order: those that grew at every stop before the rest, then the program's
 * before builtins before the debugger's, then by how much they grew.
 */
export function chartOrder(perStop: Record<string, number[]>): string[] {
  const everyStep = (c: number[]) => c.every((n, k) => k === 0 || n > c[k - 1]);
  return Object.entries(perStop)
    .map(([type, counts]) => ({
      type,
      steady: everyStep(counts) ? 0 : 1,
      rank: typeRank(type),
      grew: counts[counts.length - 1] - counts[0],
    }))
    .sort(
      (a, b) =>
        a.rank - b.rank || a.steady - b.steady || b.grew - a.grew || (a.type < b.type ? -1 : 1),
    )
    .map((e) => e.type);
}
