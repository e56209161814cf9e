/**
 * tracemalloc's records in the `.heapsnapshot` export, in the sections V8 fills when it tracks
 * allocations. tracemalloc gives each object the file and line of the innermost Python frame that
 * allocated it (docs/snapshot-format.md, `alloc.*`); it records no function name, no column and no
 * deeper stack. So:
 *
 * - `locations`: every object with a record, at its file (a script id per file) and line. V8
 *   writes these 0-based, as here. Both viewers read them; they are always written.
 * - `trace_function_infos` and `trace_tree` (only when asked): one function info per allocating
 *   line, named `file.py:42` (the name tracemalloc does not give), 1-based as V8 writes them;
 *   a tree of depth one under V8's `(root)`, whose counts and sizes are those of the objects
 *   still alive in the snapshot (V8 counts every allocation, freed ones too); each object's
 *   `trace_node_id` is its line's node. Chrome DevTools then offers its Allocation view and the
 *   allocation stack of each object. VS Code's parser rejects a non-empty trace tree (it reads
 *   `trace_tree` as a flat list, V8 nests it), hence the choice.
 */
import type { HeapSnapshot } from './heapSnapshot';
import type { ExportStrings } from './heapsnapshotNames';

/** V8's allocation tracker starts its trace node ids at 1, the root's. */
const ROOT_TRACE_NODE = 1;

export interface AllocationTraces {
  /** Objects with a tracemalloc record, in node order. */
  objects: Uint32Array;
  /** Per entry of `objects`: its allocating line's index (into `sites`). */
  siteOfObject: Uint32Array;
  sites: AllocationSite[];
  /** Files, by script id − 1. */
  scripts: string[];
}

export interface AllocationSite {
  /** String index of the file. */
  file: number;
  /** 1-based, as tracemalloc gives it. */
  line: number;
  scriptId: number;
  /** Objects of the snapshot allocated here, and their self sizes. */
  count: number;
  size: number;
}

/** tracemalloc's records grouped by allocating line; null when the program ran without it. */
export function allocationTraces(s: HeapSnapshot): AllocationTraces | null {
  const { allocNode, allocFile, allocLine } = s;
  if (!allocNode || !allocFile || !allocLine || allocNode.length === 0) return null;
  const siteOfNode = new Int32Array(s.nodeCount).fill(-1);
  const sites: AllocationSite[] = [];
  const scriptOfFile = new Map<number, number>();
  const scripts: string[] = [];
  const siteByPlace = new Map<string, number>();
  for (let i = 0; i < allocNode.length; i++) {
    const v = allocNode[i];
    if (v >= s.nodeCount || siteOfNode[v] >= 0) continue;
    const file = allocFile[i];
    const line = allocLine[i];
    const place = `${file}:${line}`;
    let site = siteByPlace.get(place);
    if (site === undefined) {
      let scriptId = scriptOfFile.get(file);
      if (scriptId === undefined) {
        scripts.push(s.strings[file] ?? '');
        scriptId = scripts.length;
        scriptOfFile.set(file, scriptId);
      }
      site = sites.length;
      sites.push({ file, line, scriptId, count: 0, size: 0 });
      siteByPlace.set(place, site);
    }
    sites[site].count++;
    sites[site].size += s.nodeSize[v];
    siteOfNode[v] = site;
  }
  const objects: number[] = [];
  const siteOfObject: number[] = [];
  for (let v = 0; v < s.nodeCount; v++) {
    if (siteOfNode[v] < 0) continue;
    objects.push(v);
    siteOfObject.push(siteOfNode[v]);
  }
  return {
    objects: Uint32Array.from(objects),
    siteOfObject: Uint32Array.from(siteOfObject),
    sites,
    scripts,
  };
}

/** `/srv/app/views.py` → `views.py` (POSIX or Windows paths). */
function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1) || '?';
}

/** The trace node id of a site (the root is 1, the sites follow in order). */
export function traceNodeId(site: number): number {
  return ROOT_TRACE_NODE + 1 + site;
}

/**
 * `trace_function_infos`: V8's `(root)` first, then one per site:
 * function_id, name, script_name, script_id, line, column (1-based; 0: unknown).
 */
export function traceFunctionInfos(traces: AllocationTraces, strings: ExportStrings): number[] {
  const infos = [0, strings.intern('(root)'), 0, 0, 0, 0];
  traces.sites.forEach((site, k) => {
    const file = traces.scripts[site.scriptId - 1];
    infos.push(
      k + 1,
      strings.intern(`${fileName(file)}:${site.line}`),
      site.file,
      site.scriptId,
      site.line,
      0,
    );
  });
  return infos;
}

/**
 * `trace_tree` as V8 writes it, nested: `[id, function_info_index, count, size, [children…]]`,
 * the root (function info 0) with one child per site.
 */
export function traceTreeJson(traces: AllocationTraces): string {
  const children = traces.sites.map(
    (site, k) => `${traceNodeId(k)},${k + 1},${site.count},${site.size},[]`,
  );
  return `[${ROOT_TRACE_NODE},0,0,0,[${children.join(',')}]]`;
}
