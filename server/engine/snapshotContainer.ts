/**
 * The container layer of the snapshot reader (docs/snapshot-format.md): the header, the section
 * headers, checksums and decompression. Nothing is allocated beyond what the file can back:
 *
 * - every section header is read first, without decompressing anything, and each known
 *   section's element count is checked against `meta.counts` before its bytes are touched;
 * - together, the known sections may decompress to at most MAX_EXPANSION times the file's size
 *   (real snapshots: 3 to 5 times), so a small file cannot announce gigabytes consistently;
 * - a section is inflated with its announced size as the limit, so a zlib stream that holds
 *   more than its header says stops at that size instead of filling memory.
 *
 * Unknown sections are skipped without being read (later format additions). Format 2 adds u64
 * columns, the byte-plane encoding, and columns written in chunks (sections of the same name,
 * concatenated in file order): every chunk is checked and bounded on its own, and their sum
 * against `meta.counts`.
 */
import { inflateSync } from 'node:zlib';
import {
  READABLE_FORMAT_VERSIONS,
  SECTION,
  SECTION_V2,
  SNAPSHOT_FORMAT_V1,
  SNAPSHOT_MAGIC,
  SectionDType,
  SectionEncoding,
} from '../../protocol/snapshot';
import { crc32 } from './crc32';
import type { SnapshotProblems } from './snapshotError';
import { describeBytes } from './terminalText';

/** Known sections together decompress to at most this many times the file's size (plus 1 MiB). */
export const MAX_EXPANSION = 32;
const EXPANSION_ALLOWANCE = 1 << 20;

/** Element type each known section of a format 1 file must have. */
export const EXPECTED_DTYPE: Readonly<Record<string, SectionDType>> = {
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
  [SECTION.nodeIdentity]: SectionDType.U8,
  [SECTION.identity]: SectionDType.Json,
  [SECTION.frames]: SectionDType.Json,
  [SECTION.finalizers]: SectionDType.Json,
  [SECTION.end]: SectionDType.Json,
};

/** Element type each known section of a format 2 file must have. */
export const EXPECTED_DTYPE_V2: Readonly<Record<string, SectionDType>> = {
  [SECTION.meta]: SectionDType.Json,
  [SECTION.strings]: SectionDType.Json,
  [SECTION.types]: SectionDType.Json,
  [SECTION.nodeAddress]: SectionDType.U64,
  [SECTION.nodeType]: SectionDType.U32,
  [SECTION.nodeSize]: SectionDType.U64,
  [SECTION.nodeRefcount]: SectionDType.U64,
  [SECTION.nodeFlags]: SectionDType.U8,
  [SECTION.nodeName]: SectionDType.U32,
  [SECTION.nodeEdgeCount]: SectionDType.U32,
  [SECTION_V2.nodeLabels]: SectionDType.U8,
  [SECTION_V2.edgeTarget]: SectionDType.U64,
  [SECTION_V2.dictKey]: SectionDType.U32,
  [SECTION_V2.labelNode]: SectionDType.U32,
  [SECTION_V2.labelKind]: SectionDType.U8,
  [SECTION_V2.labelName]: SectionDType.U32,
  [SECTION_V2.closureAddress]: SectionDType.U64,
  [SECTION_V2.closureCount]: SectionDType.U32,
  [SECTION_V2.closureName]: SectionDType.U32,
  [SECTION_V2.weakrefAddress]: SectionDType.U64,
  [SECTION.weakrefReferent]: SectionDType.U64,
  [SECTION.weakrefCallback]: SectionDType.U64,
  [SECTION.rootKind]: SectionDType.U8,
  [SECTION_V2.rootAddress]: SectionDType.U64,
  [SECTION.rootName]: SectionDType.U32,
  [SECTION.rootFrame]: SectionDType.U64,
  [SECTION.allocNode]: SectionDType.U32,
  [SECTION.allocFile]: SectionDType.U32,
  [SECTION.allocLine]: SectionDType.U32,
  [SECTION.nodeIdentity]: SectionDType.U8,
  [SECTION.identity]: SectionDType.Json,
  [SECTION_V2.excludedAddress]: SectionDType.U64,
  [SECTION_V2.heldAddress]: SectionDType.U64,
  [SECTION_V2.heldCount]: SectionDType.U32,
  [SECTION.frames]: SectionDType.Json,
  [SECTION.finalizers]: SectionDType.Json,
  [SECTION.end]: SectionDType.Json,
};

/** Format 2: the JSON section that may come in chunks (every column may too). */
const CHUNKED_JSON_V2: ReadonlySet<string> = new Set([SECTION.strings]);

export const ELEMENT_SIZE: Readonly<Record<number, number>> = {
  [SectionDType.U8]: 1,
  [SectionDType.I32]: 4,
  [SectionDType.U32]: 4,
  [SectionDType.F64]: 8,
  [SectionDType.Json]: 1,
  [SectionDType.U64]: 8,
};

/** Bytes of a section header after the name: dtype, encoding, crc, count, stored length. */
const HEADER_TAIL = 1 + 1 + 4 + 8 + 8;
const HEADER_LENGTH = SNAPSHOT_MAGIC.length + 4;
/** Known section names are short; a longer name is unknown without building it. */
const LONGEST_KNOWN_NAME = Math.max(
  ...[...Object.keys(EXPECTED_DTYPE), ...Object.keys(EXPECTED_DTYPE_V2)].map((n) => n.length),
);

/** One stored piece of a known section (format 2 columns may have several). */
export interface SectionHeader {
  name: string;
  dtype: SectionDType;
  encoding: number;
  crc: number;
  /** Elements (for JSON: decoded bytes). */
  count: number;
  storedStart: number;
  storedLength: number;
}

/** A known section: its chunks in file order (one, except for format 2's chunked ones). */
export interface Section {
  name: string;
  dtype: SectionDType;
  chunks: SectionHeader[];
  /** Elements of all chunks together (for JSON: decoded bytes). */
  count: number;
}

/** The file's known sections by name, not yet decoded. */
export interface Container {
  bytes: Uint8Array;
  version: number;
  sections: Map<string, Section>;
  /** Sections in the file (every chunk counts), `end` included. */
  sectionCount: number;
}

/** Checks the magic and the version, then reads every section header up to `end`. */
export function readContainer(bytes: Uint8Array, problems: SnapshotProblems): Container {
  const len = bytes.length;
  const magicLen = SNAPSHOT_MAGIC.length;
  for (let i = 0; i < Math.min(len, magicLen); i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC.charCodeAt(i)) {
      problems.fail(
        'not-a-snapshot',
        `is not a heap snapshot (it does not start with "${SNAPSHOT_MAGIC}")`,
        'pass a .heapsnap file written by heap-inspector',
      );
    }
  }
  if (len < HEADER_LENGTH) {
    problems.truncated(`${len} bytes, shorter than the ${HEADER_LENGTH}-byte header`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(magicLen, true);
  if (!READABLE_FORMAT_VERSIONS.includes(version)) {
    problems.fail(
      'unsupported-version',
      `was written by snapshot format ${version}; this heap-inspector reads formats ${READABLE_FORMAT_VERSIONS.join(' and ')}`,
      'update heap-inspector or re-capture with a matching agent',
    );
  }
  const v1 = version === SNAPSHOT_FORMAT_V1;
  const expectedDtypes = v1 ? EXPECTED_DTYPE : EXPECTED_DTYPE_V2;

  const sections = new Map<string, Section>();
  let sectionCount = 0;
  let off = HEADER_LENGTH;
  for (;;) {
    if (off + 2 > len) problems.truncated(`it has no "${SECTION.end}" section`);
    const nameLen = dv.getUint16(off, true);
    const nameBytes = bytes.subarray(off + 2, Math.min(len, off + 2 + nameLen));
    const shown = describeBytes(nameBytes);
    if (off + 2 + nameLen + HEADER_TAIL > len) {
      problems.truncated(
        `the header of section #${sectionCount + 1} ("${shown}") at byte ${off} is cut short`,
      );
    }
    let p = off + 2 + nameLen;
    const dtype = bytes[p];
    const encoding = bytes[p + 1];
    const crc = dv.getUint32(p + 2, true);
    const count = readU64(dv, p + 6);
    const stored = readU64(dv, p + 14);
    p += HEADER_TAIL;
    if (stored === null || p + stored > len) {
      problems.truncated(
        `section "${shown}" needs ${stored ?? readBigU64(dv, p - 8)} bytes at byte ${p} but only ${len - p} remain`,
      );
    }
    off = p + stored;
    sectionCount++;
    const name = nameLen <= LONGEST_KNOWN_NAME ? latin1(nameBytes) : '';
    const expected = expectedDtypes[name];
    if (expected === undefined) continue; // an unknown section: a later format addition
    const existing = sections.get(name);
    if (existing !== undefined && (v1 || !chunked(name, expected))) {
      problems.corrupt(`section "${name}" appears twice`);
    }
    if (dtype !== expected) {
      problems.corrupt(`section "${name}" has element type ${dtype}, expected ${expected}`);
    }
    const known =
      encoding === SectionEncoding.Raw ||
      encoding === SectionEncoding.Zlib ||
      (!v1 && encoding === SectionEncoding.ZlibPlanes && dtype !== SectionDType.Json);
    if (!known) {
      problems.corrupt(`section "${name}" has unknown encoding ${encoding}`);
    }
    if (count === null) {
      problems.corrupt(`section "${name}" announces ${readBigU64(dv, p - 16)} elements`);
    }
    if (encoding === SectionEncoding.Raw && stored !== count * ELEMENT_SIZE[dtype]) {
      problems.corrupt(
        `section "${name}" holds ${stored} bytes, but its header announces ${count} element(s) of ${ELEMENT_SIZE[dtype]} byte(s)`,
      );
    }
    const chunk = { name, dtype, encoding, crc, count, storedStart: p, storedLength: stored };
    if (existing === undefined) {
      sections.set(name, { name, dtype, chunks: [chunk], count });
    } else {
      existing.chunks.push(chunk);
      existing.count += count;
      if (existing.count > Number.MAX_SAFE_INTEGER) {
        problems.corrupt(`section "${name}" announces more than 2^53 elements in all`);
      }
    }
    if (name === SECTION.end) break;
  }
  if (off !== len) problems.corrupt(`${len - off} bytes follow its "${SECTION.end}" section`);
  return { bytes, version, sections, sectionCount };
}

/** Format 2: whether section `name` may come in several chunks. */
function chunked(name: string, dtype: SectionDType): boolean {
  return dtype !== SectionDType.Json || CHUNKED_JSON_V2.has(name);
}

/** Refuses a file whose known sections would decompress to far more than it could hold. */
export function checkExpansion(container: Container, problems: SnapshotProblems): void {
  let total = 0;
  for (const s of container.sections.values()) total += s.count * ELEMENT_SIZE[s.dtype];
  const limit = MAX_EXPANSION * container.bytes.length + EXPANSION_ALLOWANCE;
  if (total > limit) {
    problems.corrupt(
      `its sections would decompress to ${total} bytes, more than ${MAX_EXPANSION} times the file's size (${container.bytes.length} bytes)`,
    );
  }
}

/** A section's decoded bytes, its chunks one after another (see `decodeChunk`). */
export function decodeSection(
  container: Container,
  section: Section,
  problems: SnapshotProblems,
): Uint8Array {
  if (section.chunks.length === 1) return decodeChunk(container, section.chunks[0], problems);
  const out = new Uint8Array(section.count * ELEMENT_SIZE[section.dtype]);
  let at = 0;
  for (const chunk of section.chunks) {
    const decoded = decodeChunk(container, chunk, problems);
    out.set(decoded, at);
    at += decoded.length;
  }
  return out;
}

/** One chunk's decoded bytes: checksum verified, inflated to exactly the announced size. */
export function decodeChunk(
  container: Container,
  section: SectionHeader,
  problems: SnapshotProblems,
): Uint8Array {
  const { name } = section;
  const stored = container.bytes.subarray(
    section.storedStart,
    section.storedStart + section.storedLength,
  );
  const actual = crc32(stored);
  if (actual !== section.crc) {
    problems.corrupt(
      `section "${name}" fails its CRC-32 check (stored 0x${hex8(section.crc)}, computed 0x${hex8(actual)})`,
    );
  }
  const elementSize = ELEMENT_SIZE[section.dtype];
  const size = section.count * elementSize;
  if (section.encoding === SectionEncoding.Raw) return stored;
  let decoded: Uint8Array;
  try {
    // At least 1: zlib refuses a limit of 0. An empty section must then inflate to nothing.
    // One output chunk a byte longer than the announced size: the bytes land in one buffer,
    // with no list of 16 KB chunks copied together at the end (the limit still stops a bomb).
    decoded = inflateSync(stored, {
      maxOutputLength: Math.max(1, size),
      chunkSize: Math.max(64, size + 1),
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      return problems.corrupt(
        `section "${name}" decompresses to more than the ${size} bytes its header announces`,
      );
    }
    return problems.corrupt(`section "${name}" does not decompress (${zlibReason(e)})`);
  }
  if (decoded.length !== size) {
    problems.corrupt(
      `section "${name}" holds ${decoded.length} bytes, but its header announces ${section.count} element(s) of ${elementSize} byte(s)`,
    );
  }
  return section.encoding === SectionEncoding.ZlibPlanes && elementSize > 1
    ? fromPlanes(decoded, elementSize, section.count)
    : decoded;
}

/** Elements back from their byte planes (the inverse of the agent's `writer.byte_planes`). */
export function fromPlanes(planes: Uint8Array, size: number, count: number): Uint8Array {
  const out = new Uint8Array(planes.length);
  for (let b = 0; b < size; b++) {
    const plane = b * count;
    for (let i = 0, o = b; i < count; i++, o += size) out[o] = planes[plane + i];
  }
  return out;
}

function zlibReason(e: unknown): string {
  // zlib's own messages are fixed English sentences ("incorrect header check"); nothing of the file.
  const message = e instanceof Error ? e.message : String(e);
  return message.length > 80 ? message.slice(0, 80) : message;
}

function readU64(dv: DataView, at: number): number | null {
  const lo = dv.getUint32(at, true);
  const hi = dv.getUint32(at + 4, true);
  if (hi >= 0x200000) return null; // beyond 2^53
  return hi * 0x100000000 + lo;
}

function readBigU64(dv: DataView, at: number): string {
  return dv.getBigUint64(at, true).toString();
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function hex8(v: number): string {
  return v.toString(16).padStart(8, '0');
}
