/**
 * Format 2 (docs/snapshot-format.md) into the engine's model (`SnapshotData`, format 1's
 * columns): the work the agent no longer does inside the program, done here after it resumed.
 *
 * - Addresses to nodes: every reference, weak reference, root, frame and finalizer record names
 *   its object by address; an AddressMap (typed-array hash) maps them. References to the agent's
 *   own objects (`excluded.address`) and to objects that are not nodes (another thread made them
 *   after the listing) are dropped, as the agent dropped the former in format 1.
 * - Labels, from recorded facts (labelsFromFacts.ts).
 * - Flags the agent leaves to the reader: immortal (a count at or above 2^30 on 3.12+) and in
 *   `gc.garbage` (the references of gc.garbage's own node).
 * - The string table, written in chunks with repeats, is merged: one index per text.
 *
 * Every count and index is checked before it is used; what comes out is checked again by
 * `checkColumns`, like format 1's.
 */
import {
  EdgeKind,
  NodeFlag,
  RootKind,
  SECTION,
  SECTION_V2,
  type FinalizeRecord,
  type FrameRecord,
  type FrameRecordV2,
  type FramesSection,
  type SnapshotMeta,
  type TypeRecord,
} from '../../protocol/snapshot';
import { AddressMap, splitU64 } from './addressMap';
import { heldReferences, programCounts, sizesOfNodes } from './snapshotV2Counts';
import type { SnapshotData } from './heapSnapshot';
import { applyClosureNames, labelsFromFacts, PLAN_CODE } from './labelsFromFacts';
import { checkColumnCounts, type CountKey } from './snapshotColumnCounts';
import { asU32, asU8 } from './snapshotColumns';
import type { Container } from './snapshotContainer';
import { columnBytes, jsonChunks, jsonSection } from './snapshotDecode';
import type { SnapshotProblems } from './snapshotError';
import { checkMeta } from './snapshotJsonSections';
import {
  checkFinalizersV2,
  checkFramesV2,
  checkStringChunks,
  checkTypesV2,
} from './snapshotJsonSectionsV2';

/** Addresses are below 2^53: the high word below 2^21. */
const HIGH_WORD_LIMIT = 0x200000;
const TWO_32 = 0x100000000;
/** 3.12+: immortal objects report a count at or above this. */
const IMMORTAL_FLOOR = 2 ** 30;
const NODE_IMMORTAL = NodeFlag.Immortal;
const NODE_IN_GC_GARBAGE = NodeFlag.InGcGarbage;
const ROOT_GC_GARBAGE = RootKind.GcGarbage;

/** Which `meta.counts` entry each format 2 column's total length must equal. */
const COLUMN_COUNT_V2: Readonly<Record<string, CountKey>> = {
  [SECTION.nodeAddress]: 'nodes',
  [SECTION.nodeType]: 'nodes',
  [SECTION.nodeSize]: 'nodes',
  [SECTION.nodeRefcount]: 'nodes',
  [SECTION.nodeFlags]: 'nodes',
  [SECTION.nodeName]: 'nodes',
  [SECTION.nodeEdgeCount]: 'nodes',
  [SECTION_V2.nodeLabels]: 'nodes',
  [SECTION_V2.edgeTarget]: 'edges',
  [SECTION_V2.weakrefAddress]: 'weakrefs',
  [SECTION.weakrefReferent]: 'weakrefs',
  [SECTION.weakrefCallback]: 'weakrefs',
  [SECTION.rootKind]: 'roots',
  [SECTION_V2.rootAddress]: 'roots',
  [SECTION.rootName]: 'roots',
  [SECTION.rootFrame]: 'roots',
};

export function readSnapshotV2(container: Container, problems: SnapshotProblems): SnapshotData {
  const meta = checkMeta(jsonSection(container, SECTION.meta, problems), problems);
  checkColumnCounts(container, problems, meta.counts, COLUMN_COUNT_V2, ['nodes']);
  const fileStrings = checkStringChunks(
    jsonChunks(container, SECTION.strings, problems, true),
    problems,
  );
  const types = checkTypesV2(jsonSection(container, SECTION.types, problems), problems);
  const column = (name: string) => columnBytes(container, name, problems);
  const u32 = (name: string) => asU32(column(name));

  // Nodes.
  const address = splitU64(column(SECTION.nodeAddress));
  const N = address.lo.length;
  const nodeType = u32(SECTION.nodeType);
  const nodeName = u32(SECTION.nodeName);
  const nodeEdgeCount = u32(SECTION.nodeEdgeCount);
  const nodeLabels = asU8(column(SECTION_V2.nodeLabels));
  const nodeFlags = new Uint8Array(asU8(column(SECTION.nodeFlags)));
  const nodeAddress = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    if (address.hi[i] >= HIGH_WORD_LIMIT) {
      problems.corrupt(`node ${i} has an address at or above 2^53, which is not an object address`);
    }
    nodeAddress[i] = address.hi[i] * TWO_32 + address.lo[i];
    if (nodeType[i] >= types.length) {
      problems.corrupt(
        `node ${i} has type index ${nodeType[i]}, but there are only ${types.length} types`,
      );
    }
  }
  const nodes = new AddressMap(address.lo, address.hi, (first, second) =>
    problems.corrupt(`nodes ${first} and ${second} have the same address`),
  );
  const nodeRefcount = programCounts(
    splitU64(column(SECTION.nodeRefcount)),
    heldReferences(container, problems, nodes, types, meta.counts.tracked, N),
  );
  const nodeSize = sizesOfNodes(splitU64(column(SECTION.nodeSize)), nodeType, types);
  const mapAddress = (value: number): number => {
    if (value === 0) return -1;
    return nodes.get(value % TWO_32, Math.floor(value / TWO_32));
  };

  // References: targets mapped, labels derived, the dropped ones counted off.
  const edgeStart = new Float64Array(N + 1);
  let total = 0;
  for (let i = 0; i < N; i++) {
    edgeStart[i] = total;
    total += nodeEdgeCount[i];
  }
  edgeStart[N] = total;
  const target = splitU64(column(SECTION_V2.edgeTarget));
  const E = target.lo.length;
  if (total !== E)
    problems.corrupt(`the sum of node.edgeCount is ${total}, but there are ${E} edges`);
  const excluded = excludedAddresses(splitU64(column(SECTION_V2.excludedAddress)));
  const targetNode = new Int32Array(E);
  let dropped = 0;
  let unlisted = 0;
  for (let e = 0; e < E; e++) {
    const node = nodes.get(target.lo[e], target.hi[e]);
    targetNode[e] = node;
    if (node < 0) {
      dropped++;
      if (!excluded.has(target.hi[e] * TWO_32 + target.lo[e])) unlisted++;
    }
  }
  const strings = new StringMerger(fileStrings);
  const typePlan = new Int8Array(types.length).fill(-1);
  const typeLo = new Uint32Array(types.length);
  const typeHi = new Uint32Array(types.length);
  const typeAttributes: (Uint32Array | undefined)[] = [];
  for (let t = 0; t < types.length; t++) {
    const record = types[t];
    if (record.labels !== undefined) typePlan[t] = PLAN_CODE[record.labels];
    const a = record.address ?? 0;
    typeLo[t] = a % TWO_32;
    typeHi[t] = Math.floor(a / TWO_32);
    typeAttributes.push(
      record.attributes === undefined
        ? undefined
        : Uint32Array.from(record.attributes, strings.fileIndexOf),
    );
  }
  const labelNode = u32(SECTION_V2.labelNode);
  const labels = labelsFromFacts(
    {
      nodeType,
      nodeLabels,
      edgeStart,
      targetNode,
      targetLo: target.lo,
      targetHi: target.hi,
      typePlan,
      typeLo,
      typeHi,
      typeAttributes,
      dictKey: u32(SECTION_V2.dictKey),
      labelNode,
      labelKind: asU8(column(SECTION_V2.labelKind)),
      labelName: u32(SECTION_V2.labelName),
      classString: strings.fileIndexOf('__class__'),
      dictString: strings.fileIndexOf('__dict__'),
    },
    problems,
  );
  const kept = E - dropped;
  const edgeTo = new Uint32Array(kept);
  const edgeKind = new Uint8Array(kept);
  const edgeName = new Uint32Array(kept);
  const keptCount = new Uint32Array(N);
  let out = 0;
  for (let node = 0; node < N; node++) {
    const before = out;
    const end = edgeStart[node + 1];
    for (let e = edgeStart[node]; e < end; e++) {
      const to = targetNode[e];
      if (to < 0) continue;
      edgeTo[out] = to;
      edgeKind[out] = labels.kind[e];
      edgeName[out] = labels.name[e];
      out++;
    }
    keptCount[node] = out - before;
  }
  const finalStart = new Uint32Array(N + 1);
  for (let i = 0, acc = 0; i < N; i++) {
    finalStart[i] = acc;
    acc += keptCount[i];
    finalStart[i + 1] = acc;
  }
  const closureAddresses = splitU64(column(SECTION_V2.closureAddress));
  const closureCounts = u32(SECTION_V2.closureCount);
  if (closureCounts.length !== closureAddresses.lo.length) {
    problems.corrupt('"closure.count" and "closure.address" have different lengths');
  }
  const closureNodes = new Int32Array(closureCounts.length);
  for (let i = 0; i < closureNodes.length; i++) {
    closureNodes[i] = nodes.get(closureAddresses.lo[i], closureAddresses.hi[i]);
  }
  applyClosureNames(
    closureNodes,
    closureCounts,
    u32(SECTION_V2.closureName),
    finalStart,
    edgeKind,
    edgeName,
    problems,
  );
  // Every string index in the labels becomes the merged table's (Index edges hold numbers).
  const indexKind = EdgeKind.Index;
  for (let e = 0; e < kept; e++) {
    if (edgeKind[e] !== indexKind) edgeName[e] = strings.remap(edgeName[e], problems);
  }
  for (let i = 0; i < N; i++) nodeName[i] = strings.remap(nodeName[i], problems);

  // Weak references: referent and callback by address (0: none).
  const weakAddress = splitU64(column(SECTION_V2.weakrefAddress));
  const weakReferent = splitU64(column(SECTION.weakrefReferent));
  const weakCallback = splitU64(column(SECTION.weakrefCallback));
  const W = weakAddress.lo.length;
  const weakrefNode = new Uint32Array(W);
  const weakrefReferent = new Int32Array(W);
  const weakrefCallback = new Int32Array(W);
  for (let w = 0; w < W; w++) {
    const node = nodes.get(weakAddress.lo[w], weakAddress.hi[w]);
    if (node < 0) problems.corrupt(`weak reference ${w} is not a node`);
    weakrefNode[w] = node;
    weakrefReferent[w] =
      weakReferent.lo[w] === 0 && weakReferent.hi[w] === 0
        ? -1
        : nodes.get(weakReferent.lo[w], weakReferent.hi[w]);
    weakrefCallback[w] =
      weakCallback.lo[w] === 0 && weakCallback.hi[w] === 0
        ? -1
        : nodes.get(weakCallback.lo[w], weakCallback.hi[w]);
  }

  // Roots: those whose object is a node (an agent's module, a local that is nothing else's is not).
  const rootKindAll = asU8(column(SECTION.rootKind));
  const rootAddress = splitU64(column(SECTION_V2.rootAddress));
  const rootNameAll = u32(SECTION.rootName);
  const rootFrameAll = splitU64(column(SECTION.rootFrame));
  const rootKind: number[] = [];
  const rootNode: number[] = [];
  const rootName: number[] = [];
  const rootFrame: number[] = [];
  for (let r = 0; r < rootKindAll.length; r++) {
    const node = nodes.get(rootAddress.lo[r], rootAddress.hi[r]);
    if (node < 0) continue;
    rootKind.push(rootKindAll[r]);
    rootNode.push(node);
    rootName.push(strings.remap(rootNameAll[r], problems));
    const frameLo = rootFrameAll.lo[r];
    const frameHi = rootFrameAll.hi[r];
    rootFrame.push(frameLo === 0 && frameHi === 0 ? -1 : nodes.get(frameLo, frameHi));
  }

  // Flags left to the reader.
  if (
    meta.python.version[0] > 3 ||
    (meta.python.version[0] === 3 && meta.python.version[1] >= 12)
  ) {
    for (let i = 0; i < N; i++)
      if (nodeRefcount[i] >= IMMORTAL_FLOOR) nodeFlags[i] |= NODE_IMMORTAL;
  }
  for (let r = 0; r < rootKind.length; r++) {
    if (rootKind[r] !== ROOT_GC_GARBAGE) continue;
    const garbage = rootNode[r];
    for (let e = finalStart[garbage]; e < finalStart[garbage + 1]; e++) {
      nodeFlags[edgeTo[e]] |= NODE_IN_GC_GARBAGE;
    }
  }

  const data: SnapshotData = {
    meta: withCounts(meta, kept, rootKind.length, unlisted),
    strings: strings.merged,
    types: types.map(withoutFormat2Fields),
    nodeAddress,
    nodeType,
    nodeSize,
    nodeRefcount,
    nodeFlags,
    nodeName,
    nodeEdgeCount: keptCount,
    edgeTo,
    edgeKind,
    edgeName,
    weakrefNode,
    weakrefReferent,
    weakrefCallback,
    rootKind: Uint8Array.from(rootKind),
    rootNode: Uint32Array.from(rootNode),
    rootName: Uint32Array.from(rootName),
    rootFrame: Int32Array.from(rootFrame),
    frames: container.sections.has(SECTION.frames)
      ? framesToNodes(
          checkFramesV2(jsonSection(container, SECTION.frames, problems), problems),
          mapAddress,
        )
      : { paused: [], threads: [] },
    finalizers: container.sections.has(SECTION.finalizers)
      ? finalizersToNodes(
          jsonSection(container, SECTION.finalizers, problems),
          mapAddress,
          problems,
        )
      : [],
  };
  if (container.sections.has(SECTION.allocNode)) {
    data.allocNode = u32(SECTION.allocNode);
    data.allocFile = u32(SECTION.allocFile).map((s) => strings.remap(s, problems));
    data.allocLine = u32(SECTION.allocLine);
    if (
      data.allocFile.length !== data.allocNode.length ||
      data.allocLine.length !== data.allocNode.length
    ) {
      problems.corrupt('the alloc.* columns have different lengths');
    }
  }
  return data;
}

/** The agent's own objects' addresses, as numbers (exact below 2^53; others never match). */
function excludedAddresses(words: { lo: Uint32Array; hi: Uint32Array }): Set<number> {
  const set = new Set<number>();
  for (let i = 0; i < words.lo.length; i++) set.add(words.hi[i] * TWO_32 + words.lo[i]);
  return set;
}

/**
 * The file's string table (chunks, with repeats across chunks) merged into one index per text,
 * and texts the reader adds (`__class__`, attribute names) given an index of the file's kind.
 */
class StringMerger {
  readonly merged: string[] = [];
  private readonly byText = new Map<string, number>();
  private table: Uint32Array;
  private size: number;

  constructor(file: string[]) {
    this.size = file.length;
    this.table = new Uint32Array(file.length + 16);
    for (let i = 0; i < file.length; i++) this.table[i] = this.add(file[i]);
  }

  private add(text: string): number {
    let index = this.byText.get(text);
    if (index === undefined) {
      index = this.merged.length;
      this.merged.push(text);
      this.byText.set(text, index);
    }
    return index;
  }

  /** A file-kind index for `text` (one is made when the file has no such text). */
  readonly fileIndexOf = (text: string): number => {
    if (this.size === this.table.length) {
      const larger = new Uint32Array(this.table.length * 2);
      larger.set(this.table);
      this.table = larger;
    }
    this.table[this.size] = this.add(text);
    return this.size++;
  };

  /** The merged index of file index `index`. */
  remap(index: number, problems: SnapshotProblems): number {
    if (index >= this.size) {
      problems.corrupt(`a string index is ${index}, but there are only ${this.size} strings`);
    }
    return this.table[index];
  }
}

function withCounts(
  meta: SnapshotMeta,
  edges: number,
  roots: number,
  unlisted: number,
): SnapshotMeta {
  const warnings =
    unlisted > 0
      ? [
          ...meta.warnings,
          `${unlisted} reference(s) to objects that were not listed when the heap was read (made by other threads meanwhile) were left out`,
        ]
      : meta.warnings;
  return { ...meta, counts: { ...meta.counts, edges, roots }, warnings };
}

/** A type record as format 1 has it (the labelling facts have been used). */
function withoutFormat2Fields(record: TypeRecord): TypeRecord {
  const copy = { ...record };
  delete copy.address;
  delete copy.size;
  delete copy.labels;
  delete copy.attributes;
  return copy;
}

function framesToNodes(
  frames: ReturnType<typeof checkFramesV2>,
  mapAddress: (address: number) => number,
): FramesSection {
  const toNode = (f: FrameRecordV2): FrameRecord => ({
    node: mapAddress(f.address),
    file: f.file,
    line: f.line,
    function: f.function,
  });
  return {
    paused: frames.paused.map(toNode),
    threads: frames.threads.map((t) => ({
      ident: t.ident,
      name: t.name,
      current: t.current,
      frames: t.frames.map(toNode),
    })),
  };
}

/** Finalizer records by node; one whose `weakref.finalize` object is not a node is left out. */
function finalizersToNodes(
  value: unknown,
  mapAddress: (address: number) => number,
  problems: SnapshotProblems,
): FinalizeRecord[] {
  const records: FinalizeRecord[] = [];
  for (const f of checkFinalizersV2(value, problems)) {
    const node = mapAddress(f.address);
    if (node < 0) continue;
    records.push({
      node,
      referent: mapAddress(f.referent),
      func: mapAddress(f.func),
      args: mapAddress(f.args),
      kwargs: mapAddress(f.kwargs),
      atexit: f.atexit,
      index: f.index,
      funcName: f.funcName,
    });
  }
  return records;
}
