/**
 * Checks of what holds the memory (protocol/retained.ts) as the page receives it: the summary's
 * `retained`, a view's `retained` (its type rows, its part of the dominator tree, whose embedded
 * children and type tops must be rows it holds), an object's `ViewNode.retained`, and the pages
 * of rows the language server answers through the extension. Throws `Invalid` naming the field.
 */
import type { DominatorRowPage } from '../../protocol/retained';
import { GARBAGE_ROW, ROOTS_ROW } from '../../protocol/retained';
import { Invalid, arr, attempt, bool, count, fail, int, nullable, num, obj, str } from './checks';

function size(v: unknown, p: string): void {
  const o = obj(v, p);
  count(o.objects, `${p}.objects`);
  count(o.tracked, `${p}.tracked`);
  num(o.bytes, `${p}.bytes`);
}

/** A row id: a node id (0 or more), `ROOTS_ROW` or `GARBAGE_ROW`. */
function rowId(v: unknown, p: string): number {
  const id = int(v, p);
  if (id < 0 && id !== ROOTS_ROW && id !== GARBAGE_ROW) {
    fail(p, `a node id, ${ROOTS_ROW} (roots) or ${GARBAGE_ROW} (garbage)`, v);
  }
  return id;
}

/** `ViewNode.retained`. */
export function checkObjectRetained(v: unknown, p: string): void {
  const o = obj(v, p);
  size(o.retained, `${p}.retained`);
  size(o.atOnce, `${p}.atOnce`);
  const interval = arr(o.interval, `${p}.interval`);
  if (interval.length !== 2) fail(`${p}.interval`, 'two numbers', interval);
  const a = int(interval[0], `${p}.interval[0]`);
  const b = int(interval[1], `${p}.interval[1]`);
  if (b < a) throw new Invalid(`${p}.interval ends before it starts`);
  rowId(o.dominator, `${p}.dominator`);
}

function checkRow(v: unknown, p: string): number {
  const o = obj(v, p);
  const id = rowId(o.id, `${p}.id`);
  if (o.parent !== null) rowId(o.parent, `${p}.parent`);
  nullable(o.address, `${p}.address`, str);
  str(o.type, `${p}.type`);
  str(o.label, `${p}.label`);
  str(o.via, `${p}.via`);
  num(o.size, `${p}.size`);
  size(o.retained, `${p}.retained`);
  size(o.atOnce, `${p}.atOnce`);
  bool(o.tracked, `${p}.tracked`);
  if (o.entries !== undefined) size(o.entries, `${p}.entries`);
  count(o.childCount, `${p}.childCount`);
  if (o.children !== undefined) {
    arr(o.children, `${p}.children`).forEach((c, i) => rowId(c, `${p}.children[${i}]`));
  }
  if (o.rest !== undefined) size(o.rest, `${p}.rest`);
  return id;
}

function checkTop(v: unknown, p: string): void {
  const o = obj(v, p);
  str(o.address, `${p}.address`);
  str(o.type, `${p}.type`);
  nullable(o.path, `${p}.path`, str);
  count(o.objects, `${p}.objects`);
  count(o.tracked, `${p}.tracked`);
  num(o.bytes, `${p}.bytes`);
}

function checkSuspect(v: unknown, p: string): void {
  const o = obj(v, p);
  count(o.node, `${p}.node`);
  str(o.address, `${p}.address`);
  str(o.type, `${p}.type`);
  nullable(o.path, `${p}.path`, str);
  size(o.retained, `${p}.retained`);
  num(o.share, `${p}.share`);
  const a = obj(o.accumulation, `${p}.accumulation`);
  count(a.node, `${p}.accumulation.node`);
  str(a.address, `${p}.accumulation.address`);
  str(a.type, `${p}.accumulation.type`);
  nullable(a.path, `${p}.accumulation.path`, str);
  size(a.retained, `${p}.accumulation.retained`);
  arr(o.content, `${p}.content`).forEach((g, i) => {
    const q = `${p}.content[${i}]`;
    const c = obj(g, q);
    str(c.type, `${q}.type`);
    count(c.count, `${q}.count`);
    num(c.bytes, `${q}.bytes`);
    count(c.objects, `${q}.objects`);
  });
  str(o.text, `${p}.text`);
}

/** `Summary.retained` (also the first part of `HeapView.retained`). */
export function checkRetainedSummary(v: unknown, p: string): void {
  const o = obj(v, p);
  if (o.notion !== 'nextCollection') fail(`${p}.notion`, '"nextCollection"', o.notion);
  const t = obj(o.totals, `${p}.totals`);
  for (const k of ['heap', 'live', 'garbage']) size(t[k], `${p}.totals.${k}`);
  count(t.roots, `${p}.totals.roots`);
  arr(o.top, `${p}.top`).forEach((e, i) => checkTop(e, `${p}.top[${i}]`));
  arr(o.suspects, `${p}.suspects`).forEach((e, i) => checkSuspect(e, `${p}.suspects[${i}]`));
}

/** `HeapView.retained`: rows each once, embedded children and type tops among them. */
export function checkRetainedView(v: unknown, p: string): void {
  checkRetainedSummary(v, p);
  const o = obj(v, p);
  arr(o.types, `${p}.types`).forEach((t, i) => {
    const q = `${p}.types[${i}]`;
    const r = obj(t, q);
    str(r.type, `${q}.type`);
    for (const k of ['count', 'retainedObjects', 'tops']) count(r[k], `${q}.${k}`);
    for (const k of ['bytes', 'retainedBytes']) num(r[k], `${q}.${k}`);
  });
  const tree = arr(o.tree, `${p}.tree`);
  const ids = new Set<number>();
  tree.forEach((row, i) => {
    const id = checkRow(row, `${p}.tree[${i}]`);
    if (ids.has(id)) throw new Invalid(`${p}.tree[${i}].id ${id} appears twice`);
    ids.add(id);
  });
  tree.forEach((row, i) => {
    for (const c of (row as { children?: number[] }).children ?? []) {
      if (!ids.has(c)) throw new Invalid(`${p}.tree[${i}].children names ${c}, which is no row`);
    }
  });
  const tops = obj(o.typeTops, `${p}.typeTops`);
  for (const [type, list] of Object.entries(tops)) {
    const q = `${p}.typeTops[${JSON.stringify(type)}]`;
    arr(list, q).forEach((id, i) => {
      if (!ids.has(rowId(id, `${q}[${i}]`))) throw new Invalid(`${q}[${i}] is no row`);
    });
  }
  bool(o.complete, `${p}.complete`);
}

function checkPage(v: unknown, p: string): DominatorRowPage {
  const o = obj(v, p);
  count(o.total, `${p}.total`);
  count(o.offset, `${p}.offset`);
  const rows = arr(o.rows, `${p}.rows`);
  rows.forEach((r, i) => checkRow(r, `${p}.rows[${i}]`));
  if ((o.offset as number) + rows.length > (o.total as number)) {
    throw new Invalid(`${p} holds rows past its total`);
  }
  if (o.rest !== undefined) size(o.rest, `${p}.rest`);
  return o as unknown as DominatorRowPage;
}

/** A `DominatorChildren` answer (null allowed: no such row); an error message or null. */
export function dominatorChildrenProblem(v: unknown, p = 'page'): string | null {
  return attempt(() => {
    if (v === null) return;
    checkPage(v, p);
    checkRow(obj(v, p).parent, `${p}.parent`);
  });
}

/** A `TypeTops` answer; an error message or null. */
export function typeTopsProblem(v: unknown, p = 'page'): string | null {
  return attempt(() => {
    checkPage(v, p);
    str(obj(v, p).type, `${p}.type`);
  });
}
