/**
 * Reads the binary snapshot container (docs/snapshot-format.md) into a HeapSnapshot: columns become
 * typed arrays over the (decompressed) section bytes, copied only when misaligned. Every way a file
 * can be wrong ends in one SnapshotError whose message says what to do about it.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { inflateSync } from 'node:zlib';
import {
  EdgeKind,
  SECTION,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  SectionDType,
  SectionEncoding,
  type FinalizeRecord,
  type FramesSection,
  type SnapshotMeta,
  type TypeRecord,
} from '../../protocol/snapshot';
import { crc32 } from './crc32';
import { HeapSnapshot, type SnapshotData } from './heapSnapshot';

// The protocol's flag objects read once: hot loops must not go through a module binding
// (under tsx every access to an imported object is a getter call).
const EDGE_INDEX = EdgeKind.Index;

export type SnapshotErrorCode =
  'unreadable' | 'not-a-snapshot' | 'unsupported-version' | 'truncated' | 'corrupt';

/** The one error the reader throws. `code` says which kind; the message says what to do. */
export class SnapshotError extends Error {
  readonly code: SnapshotErrorCode;
  constructor(code: SnapshotErrorCode, message: string) {
    super(message);
    this.name = 'SnapshotError';
    this.code = code;
  }
}

const RECAPTURE = 'capture the snapshot again';
const CORRUPT_ADVICE = `${RECAPTURE}; if it happens again, report it with the agent version`;

/** Element type each known section must have. */
const EXPECTED_DTYPE: Record<string, SectionDType> = {
  [SECTION.meta]: SectionDType.Json,
  [SECTION.strings]: SectionDType.Json,
  [SECTION.types]: SectionDType.Json,
  [SECTION.nodeAddress]: SectionDType.F64,
  [SECTION.nodeType]: SectionDType.U32,
  [SECTION.nodeSize]: SectionDType.U32,
  [SECTION.nodeRefcount]: SectionDType.U32,
  [SECTION.nodeFlags]: SectionDType.U8,
  [SECTION.nodeName]: SectionDType.U32,
  [SECTION.nodeEdgeCount]: SectionDType.U32,
  [SECTION.edgeTo]: SectionDType.U32,
  [SECTION.edgeKind]: SectionDType.U8,
  [SECTION.edgeName]: SectionDType.U32,
  [SECTION.weakrefNode]: SectionDType.U32,
  [SECTION.weakrefReferent]: SectionDType.I32,
  [SECTION.weakrefCallback]: SectionDType.I32,
  [SECTION.rootKind]: SectionDType.U8,
  [SECTION.rootNode]: SectionDType.U32,
  [SECTION.rootName]: SectionDType.U32,
  [SECTION.rootFrame]: SectionDType.I32,
  [SECTION.allocNode]: SectionDType.U32,
  [SECTION.allocFile]: SectionDType.U32,
  [SECTION.allocLine]: SectionDType.U32,
  [SECTION.frames]: SectionDType.Json,
  [SECTION.finalizers]: SectionDType.Json,
  [SECTION.end]: SectionDType.Json,
};

const ELEMENT_SIZE: Record<number, number> = {
  [SectionDType.U8]: 1,
  [SectionDType.I32]: 4,
  [SectionDType.U32]: 4,
  [SectionDType.F64]: 8,
  [SectionDType.Json]: 1,
};

/** Bytes of a section header after the name: dtype, encoding, crc, count, stored length. */
const HEADER_TAIL = 1 + 1 + 4 + 8 + 8;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

interface Section {
  name: string;
  dtype: number;
  count: number;
  /** Decoded (decompressed) bytes. */
  bytes: Uint8Array;
}

/** Reads and validates a snapshot file. */
export function readSnapshotFile(path: string): HeapSnapshot {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SnapshotError(
      'unreadable',
      `cannot read ${path}: ${(e as Error).message} — check the path`,
    );
  }
  return readSnapshot(bytes, path);
}

/**
 * Parses and validates a snapshot. `source` names the input in error messages (a file path).
 * Throws SnapshotError on anything malformed; unknown sections are ignored.
 */
export function readSnapshot(bytes: Uint8Array, source = 'the input'): HeapSnapshot {
  const fail = (code: SnapshotErrorCode, what: string, advice: string): never => {
    throw new SnapshotError(code, `${source} ${what} — ${advice}`);
  };
  const truncated = (what: string): never =>
    fail(
      'truncated',
      `is truncated: ${what}`,
      `the capture was interrupted or the file was cut short; ${RECAPTURE}`,
    );
  const corrupt = (what: string): never => fail('corrupt', `is corrupt: ${what}`, CORRUPT_ADVICE);

  const len = bytes.length;
  const magicLen = SNAPSHOT_MAGIC.length;
  for (let i = 0; i < Math.min(len, magicLen); i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC.charCodeAt(i)) {
      fail(
        'not-a-snapshot',
        `is not a heap snapshot (it does not start with "${SNAPSHOT_MAGIC}")`,
        'pass a .pyheap file written by the heap-inspector agent',
      );
    }
  }
  if (len < magicLen + 4) truncated(`${len} bytes, shorter than the ${magicLen + 4}-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(magicLen, true);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    fail(
      'unsupported-version',
      `was written by snapshot format ${version}; this heap-inspector reads format ${SNAPSHOT_FORMAT_VERSION}`,
      'update heap-inspector or re-capture with a matching agent',
    );
  }

  const sections = new Map<string, Section>();
  let sectionCount = 0;
  let end: unknown = undefined;
  let off = magicLen + 4;
  for (;;) {
    if (off + 2 > len) truncated(`it has no "${SECTION.end}" section`);
    const nameLen = dv.getUint16(off, true);
    if (off + 2 + nameLen + HEADER_TAIL > len) {
      truncated(`the header of section #${sectionCount + 1} at byte ${off} is cut short`);
    }
    let name = '';
    for (let i = 0; i < nameLen; i++) name += String.fromCharCode(bytes[off + 2 + i]);
    let p = off + 2 + nameLen;
    const dtype = bytes[p];
    const encoding = bytes[p + 1];
    const storedCrc = dv.getUint32(p + 2, true);
    const count = readU64(dv, p + 6);
    const stored = readU64(dv, p + 14);
    p += HEADER_TAIL;
    if (count === null || stored === null || p + stored > len) {
      truncated(
        `section "${name}" needs ${stored ?? 'more than 2^53'} bytes at byte ${p} but only ${len - p} remain`,
      );
    }
    const storedBytes = bytes.subarray(p, p + (stored as number));
    off = p + (stored as number);

    const expected = EXPECTED_DTYPE[name];
    if (expected === undefined) {
      sectionCount++;
      continue; // unknown section: a later format addition, ignored
    }
    if (dtype !== expected) {
      corrupt(`section "${name}" has element type ${dtype}, expected ${expected}`);
    }
    const actualCrc = crc32(storedBytes);
    if (actualCrc !== storedCrc) {
      corrupt(
        `section "${name}" fails its CRC-32 check (stored 0x${hex8(storedCrc)}, computed 0x${hex8(actualCrc)})`,
      );
    }
    let decoded: Uint8Array;
    if (encoding === SectionEncoding.Raw) {
      decoded = storedBytes;
    } else if (encoding === SectionEncoding.Zlib) {
      try {
        decoded = inflateSync(storedBytes);
      } catch (e) {
        return corrupt(`section "${name}" does not decompress (${(e as Error).message})`);
      }
    } else {
      return corrupt(`section "${name}" has unknown encoding ${encoding}`);
    }
    const size = ELEMENT_SIZE[dtype];
    if (decoded.length !== (count as number) * size) {
      corrupt(
        `section "${name}" holds ${decoded.length} bytes, but its header announces ${count} element(s) of ${size} byte(s)`,
      );
    }
    if (name === SECTION.end) {
      end = parseJson(decoded, name, corrupt);
      break;
    }
    if (sections.has(name)) corrupt(`section "${name}" appears twice`);
    sections.set(name, { name, dtype, count: count as number, bytes: decoded });
    sectionCount++;
  }
  const endSections = (end as { sections?: unknown } | null)?.sections;
  if (
    typeof endSections === 'number' &&
    endSections !== sectionCount &&
    endSections !== sectionCount + 1
  ) {
    corrupt(`the "end" section counts ${endSections} sections but the file has ${sectionCount}`);
  }

  const json = <T>(name: string, fallback?: T): T => {
    const s = sections.get(name);
    if (s === undefined) {
      if (fallback !== undefined) return fallback;
      return corrupt(`required section "${name}" is missing`);
    }
    return parseJson(s.bytes, name, corrupt) as T;
  };
  const column = <C>(name: string, make: (s: Section) => C, empty: C, optional: boolean): C => {
    const s = sections.get(name);
    if (s === undefined) {
      if (optional) return empty;
      return corrupt(`required section "${name}" is missing`);
    }
    return make(s);
  };
  const u8 = (name: string, optional = false) =>
    column(
      name,
      (s) => new Uint8Array(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength),
      new Uint8Array(0),
      optional,
    );
  const u32 = (name: string, optional = false) =>
    column(name, (s) => new Uint32Array(...aligned(s, 4), s.count), new Uint32Array(0), optional);
  const i32 = (name: string, optional = false) =>
    column(name, (s) => new Int32Array(...aligned(s, 4), s.count), new Int32Array(0), optional);
  const f64 = (name: string) =>
    column(name, (s) => new Float64Array(...aligned(s, 8), s.count), new Float64Array(0), false);

  const meta = json<SnapshotMeta>(SECTION.meta);
  if (meta === null || typeof meta !== 'object' || typeof meta.counts !== 'object') {
    corrupt('the "meta" section has no "counts"');
  }
  const strings = json<string[]>(SECTION.strings);
  if (!Array.isArray(strings)) corrupt('the "strings" section is not an array');
  const types = json<TypeRecord[]>(SECTION.types);
  if (!Array.isArray(types)) corrupt('the "types" section is not an array');
  for (let t = 0; t < types.length; t++) {
    const r = types[t];
    if (r === null || typeof r !== 'object' || typeof r.name !== 'string') {
      corrupt(`type record ${t} has no name`);
    }
    if (typeof r.flags !== 'number') r.flags = 0;
    if (typeof r.category !== 'string') r.category = 'other';
  }

  const data: SnapshotData = {
    meta,
    strings,
    types,
    nodeAddress: f64(SECTION.nodeAddress),
    nodeType: u32(SECTION.nodeType),
    nodeSize: u32(SECTION.nodeSize),
    nodeRefcount: u32(SECTION.nodeRefcount),
    nodeFlags: u8(SECTION.nodeFlags),
    nodeName: u32(SECTION.nodeName),
    nodeEdgeCount: u32(SECTION.nodeEdgeCount),
    edgeTo: u32(SECTION.edgeTo),
    edgeKind: u8(SECTION.edgeKind),
    edgeName: u32(SECTION.edgeName),
    weakrefNode: u32(SECTION.weakrefNode, true),
    weakrefReferent: i32(SECTION.weakrefReferent, true),
    weakrefCallback: i32(SECTION.weakrefCallback, true),
    rootKind: u8(SECTION.rootKind, true),
    rootNode: u32(SECTION.rootNode, true),
    rootName: u32(SECTION.rootName, true),
    rootFrame: i32(SECTION.rootFrame, true),
    frames: json<FramesSection>(SECTION.frames, { paused: [], threads: [] }),
    finalizers: json<FinalizeRecord[]>(SECTION.finalizers, []),
  };
  if (sections.has(SECTION.allocNode)) {
    data.allocNode = u32(SECTION.allocNode);
    data.allocFile = u32(SECTION.allocFile);
    data.allocLine = u32(SECTION.allocLine);
    const a = data.allocNode.length;
    if (data.allocFile.length !== a || data.allocLine.length !== a) {
      corrupt('the alloc.* columns have different lengths');
    }
    for (let i = 0; i < a; i++) {
      if (data.allocNode[i] >= meta.counts.nodes || data.allocFile[i] >= strings.length) {
        corrupt(`allocation record ${i} points outside the snapshot`);
      }
    }
  }
  validate(data, corrupt);
  return new HeapSnapshot(data);
}

function validate(d: SnapshotData, corrupt: (what: string) => never): void {
  const counts = d.meta.counts;
  const expectLength = (name: string, actual: number, expected: number, countName: string) => {
    if (actual !== expected) {
      corrupt(`column "${name}" has ${actual} entries but meta.counts.${countName} is ${expected}`);
    }
  };
  const N = counts.nodes;
  const E = counts.edges;
  const W = counts.weakrefs ?? 0;
  const R = counts.roots ?? 0;
  expectLength(SECTION.nodeAddress, d.nodeAddress.length, N, 'nodes');
  expectLength(SECTION.nodeType, d.nodeType.length, N, 'nodes');
  expectLength(SECTION.nodeSize, d.nodeSize.length, N, 'nodes');
  expectLength(SECTION.nodeRefcount, d.nodeRefcount.length, N, 'nodes');
  expectLength(SECTION.nodeFlags, d.nodeFlags.length, N, 'nodes');
  expectLength(SECTION.nodeName, d.nodeName.length, N, 'nodes');
  expectLength(SECTION.nodeEdgeCount, d.nodeEdgeCount.length, N, 'nodes');
  expectLength(SECTION.edgeTo, d.edgeTo.length, E, 'edges');
  expectLength(SECTION.edgeKind, d.edgeKind.length, E, 'edges');
  expectLength(SECTION.edgeName, d.edgeName.length, E, 'edges');
  expectLength(SECTION.weakrefNode, d.weakrefNode.length, W, 'weakrefs');
  expectLength(SECTION.weakrefReferent, d.weakrefReferent.length, W, 'weakrefs');
  expectLength(SECTION.weakrefCallback, d.weakrefCallback.length, W, 'weakrefs');
  expectLength(SECTION.rootKind, d.rootKind.length, R, 'roots');
  expectLength(SECTION.rootNode, d.rootNode.length, R, 'roots');
  expectLength(SECTION.rootName, d.rootName.length, R, 'roots');
  expectLength(SECTION.rootFrame, d.rootFrame.length, R, 'roots');

  const T = d.types.length;
  const S = d.strings.length;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    sum += d.nodeEdgeCount[i];
    if (d.nodeType[i] >= T) {
      corrupt(`node ${i} has type index ${d.nodeType[i]}, but there are only ${T} types`);
    }
    if (d.nodeName[i] >= S) {
      corrupt(`node ${i} has name index ${d.nodeName[i]}, but there are only ${S} strings`);
    }
  }
  if (sum !== E) corrupt(`the sum of node.edgeCount is ${sum}, but there are ${E} edges`);
  for (let e = 0; e < E; e++) {
    if (d.edgeTo[e] >= N) {
      corrupt(`edge ${e} points to node ${d.edgeTo[e]}, but there are only ${N} nodes`);
    }
    if (d.edgeKind[e] !== EDGE_INDEX && d.edgeName[e] >= S) {
      corrupt(`edge ${e} has name index ${d.edgeName[e]}, but there are only ${S} strings`);
    }
  }
  const optionalNode = (what: string, v: number) => {
    if (!Number.isInteger(v) || v < -1 || v >= N) {
      corrupt(`${what} is node ${v}, but there are only ${N} nodes`);
    }
  };
  const node = (what: string, v: number) => {
    if (!Number.isInteger(v) || v < 0 || v >= N) {
      corrupt(`${what} is node ${v}, but there are only ${N} nodes`);
    }
  };
  for (let w = 0; w < W; w++) {
    node(`weak reference ${w}`, d.weakrefNode[w]);
    optionalNode(`the referent of weak reference ${w}`, d.weakrefReferent[w]);
    optionalNode(`the callback of weak reference ${w}`, d.weakrefCallback[w]);
  }
  for (let r = 0; r < R; r++) {
    node(`root ${r}`, d.rootNode[r]);
    optionalNode(`the frame of root ${r}`, d.rootFrame[r]);
    if (d.rootName[r] >= S) {
      corrupt(`root ${r} has name index ${d.rootName[r]}, but there are only ${S} strings`);
    }
  }
  if (!Array.isArray(d.finalizers)) corrupt('the "finalizers" section is not an array');
  d.finalizers.forEach((f, i) => {
    node(`weakref.finalize entry ${i}`, f.node);
    optionalNode(`the referent of weakref.finalize entry ${i}`, f.referent);
    optionalNode(`the func of weakref.finalize entry ${i}`, f.func);
    optionalNode(`the args of weakref.finalize entry ${i}`, f.args);
    optionalNode(`the kwargs of weakref.finalize entry ${i}`, f.kwargs);
  });
  const frames = d.frames;
  if (frames === null || typeof frames !== 'object')
    corrupt('the "frames" section is not an object');
  frames.paused ??= [];
  frames.threads ??= [];
  frames.paused.forEach((f, i) => optionalNode(`paused frame ${i}`, f.node));
  frames.threads.forEach((t) =>
    (t.frames ?? []).forEach((f, i) => optionalNode(`frame ${i} of thread ${t.name}`, f.node)),
  );
}

function readU64(dv: DataView, at: number): number | null {
  const lo = dv.getUint32(at, true);
  const hi = dv.getUint32(at + 4, true);
  if (hi >= 0x200000) return null; // beyond 2^53
  return hi * 0x100000000 + lo;
}

function hex8(v: number): string {
  return v.toString(16).padStart(8, '0');
}

function parseJson(bytes: Uint8Array, name: string, corrupt: (what: string) => never): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return corrupt(`section "${name}" is not valid UTF-8 JSON (${(e as Error).message})`);
  }
}

/** `[buffer, byteOffset]` where a little-endian typed array of `size`-byte elements can start. */
function aligned(s: Section, size: number): [ArrayBuffer, number] {
  const b = s.bytes;
  if (LITTLE_ENDIAN_HOST && b.byteOffset % size === 0)
    return [b.buffer as ArrayBuffer, b.byteOffset];
  const copy = new Uint8Array(b.byteLength);
  if (LITTLE_ENDIAN_HOST) {
    copy.set(b);
  } else {
    for (let i = 0; i < b.byteLength; i += size) {
      for (let k = 0; k < size; k++) copy[i + k] = b[i + size - 1 - k];
    }
  }
  return [copy.buffer, 0];
}
