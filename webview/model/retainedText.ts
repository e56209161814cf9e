/**
 * What holds the memory, in words a Python developer reads at a glance: shares of the heap, a
 * leak suspect's line and its grouped content, an object's retained sizes in both notions (as
 * the editor's hover says them), the Python path of a row of the dominator tree from the
 * references along it. Pure: no DOM.
 */
import type {
  DominatorRow,
  LeakSuspect,
  ObjectRetained,
  RetainedGroup,
  RetainedSize,
} from '../../protocol/retained';
import { displayType, formatBytes, formatCount, plural } from './format';

/** `79%`, `0.4%`, `<0.1%`, `0%`. */
export function formatShare(share: number): string {
  if (!(share > 0)) return '0%';
  if (share < 0.001) return '<0.1%';
  if (share < 0.1) return `${(share * 100).toFixed(1)}%`;
  return `${Math.round(share * 100)}%`;
}

/** `417,575 objects (39.1 MiB)`. */
export function sizeText(s: RetainedSize): string {
  return `${plural(s.objects, 'object').replace(/^\d+/, formatCount(s.objects))} (${formatBytes(s.bytes)})`;
}

/** `51,947 × Session`. */
export function groupText(g: RetainedGroup): string {
  return `${formatCount(g.count)} × ${displayType(g.type)}`;
}

/** A suspect's line, in parts: where the memory accumulates, its type, what it holds. */
export interface SuspectLine {
  /** Python path of the accumulation point (null: only C code reaches it). */
  path: string | null;
  /** Its type as Python names it (`list`, `app.Registry`). */
  type: string;
  /** Its largest group of children (`51,947 × Session`), if any. */
  content: string | null;
  /** The suspect itself when it is not where the memory accumulates (`__main__.registry`). */
  holder: string | null;
}

export function suspectLine(s: LeakSuspect): SuspectLine {
  const at = s.accumulation;
  return {
    path: at.path,
    type: displayType(at.type),
    content: s.content.length > 0 ? groupText(s.content[0]) : null,
    holder: at.node !== s.node ? (s.path ?? `${displayType(s.type)} at ${s.address}`) : null,
  };
}

/** The suspect in one sentence (screen readers, tooltips). */
export function suspectSentence(s: LeakSuspect): string {
  const line = suspectLine(s);
  const where = line.path ?? `a ${line.type} only C code holds`;
  const what = line.content ? ` holds ${line.content}` : ` (${line.type})`;
  return (
    `Leak suspect: ${where}${what}: ${formatBytes(s.retained.bytes)}, ` +
    `${formatShare(s.share)} of the live heap, ${formatCount(s.retained.objects)} objects`
  );
}

/**
 * What an object retains, in both notions, as sentences: first what the next collection frees if
 * every reference to it went, then what reference counting frees at once when that differs (the
 * editor's hover says the same).
 */
export function retainedLines(r: ObjectRetained, garbage: boolean): string[] {
  const all = `Retains ${sizeText(r.retained)}`;
  if (garbage) return [`${all}: unreachable, the next gc.collect() frees them anyway`];
  if (r.atOnce.objects === r.retained.objects && r.atOnce.bytes === r.retained.bytes) {
    return [`${all}: freed at once by reference counting if every reference to it went`];
  }
  return [
    `${all}: freed by the next gc.collect() if every reference to it went`,
    r.atOnce.objects === 0
      ? 'None of them at once: it is in a reference cycle, which only the collector frees'
      : `${sizeText(r.atOnce)} of them at once by reference counting`,
  ];
}

/**
 * The Python path of a row from the references along its dominator chain, root first
 * (`__main__.__dict__`, `['registry']`, `['users']` → `__main__.registry['users']`), or null when
 * one of them has no name (reached through several of its parent's objects).
 */
export function pathFromSteps(steps: string[]): string | null {
  if (steps.length === 0 || steps.some((s) => s === '')) return null;
  let path = steps.join('');
  // A namespace's entry reads as an attribute, as Python writes it.
  path = path.replace(/\.__dict__\['([A-Za-z_][A-Za-z0-9_]*)'\]/g, '.$1');
  return path;
}

/** The references from the roots down to a row (its `via`s), when its ancestors are known. */
export function stepsTo(
  row: DominatorRow,
  byId: (id: number) => DominatorRow | undefined,
): string[] {
  const steps: string[] = [];
  const seen = new Set<number>();
  for (let r: DominatorRow | undefined = row; r && r.parent !== null; r = byId(r.parent)) {
    if (seen.has(r.id)) break;
    seen.add(r.id);
    steps.push(r.via);
    if (r.parent === -1) return steps.reverse();
  }
  return [''];
}

/**
 * Where a row is, as Python would reach it: its own path when every reference along its chain has
 * a name, else the path of its nearest ancestor that has one (`exact: false`: it is somewhere
 * inside that object, reached through several of its objects). Null when none has.
 */
export function nearestPath(
  row: DominatorRow,
  byId: (id: number) => DominatorRow | undefined,
): { path: string; exact: boolean } | null {
  const seen = new Set<number>();
  for (let r: DominatorRow | undefined = row; r && r.id >= 0; r = byId(r.parent ?? -1)) {
    if (seen.has(r.id)) break;
    seen.add(r.id);
    const path = pathFromSteps(stepsTo(r, byId));
    if (path) return { path, exact: r === row };
  }
  return null;
}

/** A row's name as the table shows it: the object's label, or the group's. */
export function rowLabel(row: DominatorRow): string {
  if (row.id === -1) return 'All live objects (the roots)';
  if (row.id === -2) return 'Unreachable: the next gc.collect() frees it';
  return row.label || displayType(row.type);
}
