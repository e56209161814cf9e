/** The whole heap by type: the webview's type table (protocol/heapView.ts `ViewTypeRow`). */
import type { ViewTypeRow } from '../../protocol/heapView';
import type { Analysis } from './analysis';
import type { HeapSnapshot } from './heapSnapshot';
import { typeModule } from './viewNodes';

/** Most rows: the types with the most objects, and every type with unreachable objects. */
export const MAX_TYPE_ROWS = 5000;

export function typeTable(
  snapshot: HeapSnapshot,
  analysis: Analysis,
  maxRows = MAX_TYPE_ROWS,
): ViewTypeRow[] {
  const t = snapshot.types.length;
  const count = new Uint32Array(t);
  const bytes = new Float64Array(t);
  const inCycles = new Uint32Array(t);
  const unreachable = new Uint32Array(t);
  const finalizers = new Uint32Array(t);
  const { scc, full } = analysis;
  for (let v = 0; v < snapshot.nodeCount; v++) {
    const k = snapshot.nodeType[v];
    count[k]++;
    bytes[k] += snapshot.nodeSize[v];
    if (scc.cyclic[scc.component[v]] === 1) inCycles[k]++;
    if (full.unreachable[v] === 1) unreachable[k]++;
    if (snapshot.hasPendingFinalizer(v)) finalizers[k]++;
  }
  const rows: ViewTypeRow[] = [];
  for (let k = 0; k < t; k++) {
    if (count[k] === 0) continue;
    const type = snapshot.types[k];
    rows.push({
      type: type.name,
      module: typeModule(type.name, type.module),
      category: type.category,
      count: count[k],
      bytes: bytes[k],
      inCycles: inCycles[k],
      unreachable: unreachable[k],
      finalizers: finalizers[k],
    });
  }
  rows.sort(
    (a, b) => b.unreachable - a.unreachable || b.count - a.count || (a.type < b.type ? -1 : 1),
  );
  if (rows.length <= maxRows) return rows;
  return rows.slice(0, Math.max(maxRows, rows.filter((r) => r.unreachable > 0).length));
}
