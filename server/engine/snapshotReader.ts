/**
 * Reads a snapshot file (docs/snapshot-format.md) into a HeapSnapshot: columns become typed
 * arrays over the decoded section bytes, copied only when misaligned. This is the one way a
 * snapshot gets into the engine (the CLI's `report` and `step`, the language server, hence the
 * extension's "Open Heap Snapshot…"), and it trusts nothing in the file: every way a file can be
 * wrong ends in one SnapshotError whose message is one line saying what to do, and whatever it
 * accepts the engine can analyse without meeting a value of the wrong type or out of range.
 *
 *   snapshotContainer    header, section headers, checksums, bounded decompression
 *   snapshotDecode       decoded sections: JSON parsed, columns with their chunks joined
 *   snapshotJson         JSON sections: a shape scan before parsing
 *   snapshotJsonSections meta, strings, types, frames, finalizers, end, field by field
 *   snapshotColumns      typed arrays and the values in them
 *   snapshotReaderV2     format 2: addresses mapped to nodes, labels derived from recorded facts
 *
 * Both formats end in the same model (`SnapshotData`, format 1's columns), checked by the same
 * `checkColumns`.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { kMaxLength } from 'node:buffer';
import { SECTION, SNAPSHOT_FORMAT_V1 } from '../../protocol/snapshot';
import { HeapSnapshot, type SnapshotData } from './heapSnapshot';
import { checkColumnCounts, type CountKey } from './snapshotColumnCounts';
import { asF64, asI32, asU32, asU8, checkColumns } from './snapshotColumns';
import { checkExpansion, readContainer, type Container } from './snapshotContainer';
import { columnBytes, jsonSection, requireSections } from './snapshotDecode';
import { SnapshotError, SnapshotProblems } from './snapshotError';
import { readSnapshotV2 } from './snapshotReaderV2';
import {
  checkEnd,
  checkFinalizers,
  checkFrames,
  checkIdentity,
  checkMeta,
  checkStrings,
  checkTypes,
} from './snapshotJsonSections';

export { SnapshotError, type SnapshotErrorCode } from './snapshotError';

/** Opening without blocking: a named pipe with no writer would otherwise hang the open itself. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Reads and validates a snapshot file. Only regular files are read. */
export function readSnapshotFile(path: string): HeapSnapshot {
  return readSnapshot(readRegularFile(path), path);
}

function readRegularFile(path: string): Uint8Array {
  const unreadable = (why: string, advice = 'check the path'): never => {
    throw new SnapshotError('unreadable', `cannot read ${path}: ${why} — ${advice}`);
  };
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    return unreadable((e as Error).message);
  }
  try {
    let stat: Stats;
    try {
      stat = fstatSync(fd);
    } catch (e) {
      return unreadable((e as Error).message);
    }
    if (stat.isDirectory()) unreadable('it is a folder', 'give the snapshot file inside it');
    if (!stat.isFile()) {
      unreadable(
        `it is ${specialFileKind(stat)}, not a file`,
        'give a snapshot file saved with --out',
      );
    }
    if (stat.size > kMaxLength) {
      unreadable(
        `it is ${stat.size} bytes, more than this reader can hold (${kMaxLength})`,
        'no snapshot is that large: check the path',
      );
    }
    const bytes = new Uint8Array(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      let n: number;
      try {
        n = readSync(fd, bytes, filled, bytes.length - filled, null);
      } catch (e) {
        return unreadable((e as Error).message);
      }
      if (n === 0) break; // the file shrank while being read: what is there is judged as it is
      filled += n;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

function specialFileKind(stat: Stats): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Parses and validates a snapshot. `source` names the input in error messages (a file path).
 * Throws SnapshotError on anything malformed; unknown sections are ignored.
 */
export function readSnapshot(bytes: Uint8Array, source = 'the input'): HeapSnapshot {
  const problems = new SnapshotProblems(source);
  const container = readContainer(bytes, problems);
  checkExpansion(container, problems);
  const end = checkEnd(jsonSection(container, SECTION.end, problems), problems);
  // Agents count every section including `end`; the test writer counts the others.
  const counted = container.sectionCount;
  if (end.sections !== counted && end.sections !== counted - 1) {
    problems.corrupt(
      `the "end" section counts ${end.sections} sections but the file has ${counted}`,
    );
  }
  requireSections(container, problems, [SECTION.meta, SECTION.strings, SECTION.types]);
  const data =
    container.version === SNAPSHOT_FORMAT_V1
      ? readFormat1(container, problems)
      : readSnapshotV2(container, problems);
  readIdentity(container, problems, data);
  checkColumns(data, problems);
  return new HeapSnapshot(data);
}

function readFormat1(container: Container, problems: SnapshotProblems): SnapshotData {
  const json = (name: string, flatStrings = false): unknown =>
    jsonSection(container, name, problems, flatStrings);
  const meta = checkMeta(json(SECTION.meta), problems);
  const counts = meta.counts;
  checkColumnCounts(container, problems, counts, COLUMN_COUNT, ['nodes', 'edges']);

  const strings = checkStrings(json(SECTION.strings, true), problems);
  const types = checkTypes(json(SECTION.types), problems);
  const decoded = (name: string): Uint8Array => columnBytes(container, name, problems);
  const N = counts.nodes;
  const data: SnapshotData = {
    meta,
    strings,
    types,
    nodeAddress: asF64(decoded(SECTION.nodeAddress)),
    nodeType: asU32(decoded(SECTION.nodeType)),
    nodeSize: asU32(decoded(SECTION.nodeSize)),
    nodeRefcount: asU32(decoded(SECTION.nodeRefcount)),
    nodeFlags: asU8(decoded(SECTION.nodeFlags)),
    nodeName: asU32(decoded(SECTION.nodeName)),
    nodeEdgeCount: asU32(decoded(SECTION.nodeEdgeCount)),
    edgeTo: asU32(decoded(SECTION.edgeTo)),
    edgeKind: asU8(decoded(SECTION.edgeKind)),
    edgeName: asU32(decoded(SECTION.edgeName)),
    weakrefNode: asU32(decoded(SECTION.weakrefNode)),
    weakrefReferent: asI32(decoded(SECTION.weakrefReferent)),
    weakrefCallback: asI32(decoded(SECTION.weakrefCallback)),
    rootKind: asU8(decoded(SECTION.rootKind)),
    rootNode: asU32(decoded(SECTION.rootNode)),
    rootName: asU32(decoded(SECTION.rootName)),
    rootFrame: asI32(decoded(SECTION.rootFrame)),
    frames: container.sections.has(SECTION.frames)
      ? checkFrames(json(SECTION.frames), N, problems)
      : { paused: [], threads: [] },
    finalizers: container.sections.has(SECTION.finalizers)
      ? checkFinalizers(json(SECTION.finalizers), N, problems)
      : [],
  };
  if (container.sections.has(SECTION.allocNode)) {
    data.allocNode = asU32(decoded(SECTION.allocNode));
    data.allocFile = asU32(decoded(SECTION.allocFile));
    data.allocLine = asU32(decoded(SECTION.allocLine));
  }
  return data;
}

/**
 * The optional `node.identity` column and `identity` section (the same in both formats): they
 * come together, one value per node.
 */
function readIdentity(container: Container, problems: SnapshotProblems, data: SnapshotData): void {
  const column = container.sections.get(SECTION.nodeIdentity);
  if ((column !== undefined) !== container.sections.has(SECTION.identity)) {
    problems.corrupt('"node.identity" and "identity" come together, and one is missing');
  }
  if (column === undefined) return;
  if (column.count !== data.nodeAddress.length) {
    problems.corrupt(
      `section "node.identity" announces ${column.count} elements but there are ${data.nodeAddress.length} nodes`,
    );
  }
  data.identity = checkIdentity(jsonSection(container, SECTION.identity, problems), problems);
  data.nodeIdentity = asU8(columnBytes(container, SECTION.nodeIdentity, problems));
}

/** Which `meta.counts` entry each column's length must equal. */
/** The columns of format 1 and the count each is measured against (node and edge columns are
 * required). */
const COLUMN_COUNT: Readonly<Record<string, CountKey>> = {
  [SECTION.nodeAddress]: 'nodes',
  [SECTION.nodeType]: 'nodes',
  [SECTION.nodeSize]: 'nodes',
  [SECTION.nodeRefcount]: 'nodes',
  [SECTION.nodeFlags]: 'nodes',
  [SECTION.nodeName]: 'nodes',
  [SECTION.nodeEdgeCount]: 'nodes',
  [SECTION.edgeTo]: 'edges',
  [SECTION.edgeKind]: 'edges',
  [SECTION.edgeName]: 'edges',
  [SECTION.weakrefNode]: 'weakrefs',
  [SECTION.weakrefReferent]: 'weakrefs',
  [SECTION.weakrefCallback]: 'weakrefs',
  [SECTION.rootKind]: 'roots',
  [SECTION.rootNode]: 'roots',
  [SECTION.rootName]: 'roots',
  [SECTION.rootFrame]: 'roots',
};
