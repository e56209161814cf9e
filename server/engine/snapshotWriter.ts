/**
 * Writes the binary snapshot container (docs/snapshot-format.md) in format 1, whose columns are
 * the model's (`SnapshotData`): the inverse of snapshotReader. Used by tests to hand-build
 * snapshots (it writes what it is given verbatim, no validation, so tests can also build
 * deliberately broken files), and to turn any snapshot into format 1 as the engine reads it
 * (test/helpers/snapshotToFormat1.ts, for the agent's Python tests).
 */
import { deflateSync } from 'node:zlib';
import {
  SECTION,
  SNAPSHOT_FORMAT_V1,
  SNAPSHOT_MAGIC,
  SectionDType,
  SectionEncoding,
} from '../../protocol/snapshot';
import { crc32 } from './crc32';
import type { SnapshotData } from './heapSnapshot';

/** One section to write: `payload` is the decoded bytes; `count` the element count. */
export interface SectionInput {
  name: string;
  dtype: SectionDType;
  payload: Uint8Array;
  count: number;
  encoding?: SectionEncoding;
}

export interface WriteOptions {
  /** Compress every section with zlib (default: false, raw). */
  compress?: boolean;
  /** Format version written in the header (default: 1, the format of `SnapshotData`'s columns). */
  version?: number;
  /** Extra sections written before `end` (e.g. an unknown future section). */
  extraSections?: SectionInput[];
}

export function writeSnapshot(data: SnapshotData, options: WriteOptions = {}): Uint8Array {
  const encoding = options.compress ? SectionEncoding.Zlib : SectionEncoding.Raw;
  const col = (name: string, dtype: SectionDType, a: ArrayBufferView & { length: number }) => ({
    name,
    dtype,
    payload: new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    count: a.length,
    encoding,
  });
  const json = (name: string, value: unknown): SectionInput => {
    const payload = new TextEncoder().encode(JSON.stringify(value));
    return { name, dtype: SectionDType.Json, payload, count: payload.length, encoding };
  };
  const sections: SectionInput[] = [
    json(SECTION.meta, data.meta),
    json(SECTION.strings, data.strings),
    json(SECTION.types, data.types),
    col(SECTION.nodeAddress, SectionDType.F64, data.nodeAddress),
    col(SECTION.nodeType, SectionDType.U32, data.nodeType),
    col(SECTION.nodeSize, SectionDType.U32, data.nodeSize),
    col(SECTION.nodeRefcount, SectionDType.U32, data.nodeRefcount),
    col(SECTION.nodeFlags, SectionDType.U8, data.nodeFlags),
    col(SECTION.nodeName, SectionDType.U32, data.nodeName),
    col(SECTION.nodeEdgeCount, SectionDType.U32, data.nodeEdgeCount),
    col(SECTION.edgeTo, SectionDType.U32, data.edgeTo),
    col(SECTION.edgeKind, SectionDType.U8, data.edgeKind),
    col(SECTION.edgeName, SectionDType.U32, data.edgeName),
    col(SECTION.weakrefNode, SectionDType.U32, data.weakrefNode),
    col(SECTION.weakrefReferent, SectionDType.I32, data.weakrefReferent),
    col(SECTION.weakrefCallback, SectionDType.I32, data.weakrefCallback),
    col(SECTION.rootKind, SectionDType.U8, data.rootKind),
    col(SECTION.rootNode, SectionDType.U32, data.rootNode),
    col(SECTION.rootName, SectionDType.U32, data.rootName),
    col(SECTION.rootFrame, SectionDType.I32, data.rootFrame),
    ...(data.allocNode && data.allocFile && data.allocLine
      ? [
          col(SECTION.allocNode, SectionDType.U32, data.allocNode),
          col(SECTION.allocFile, SectionDType.U32, data.allocFile),
          col(SECTION.allocLine, SectionDType.U32, data.allocLine),
        ]
      : []),
    json(SECTION.frames, data.frames),
    json(SECTION.finalizers, data.finalizers),
    ...(options.extraSections ?? []),
  ];
  sections.push(json(SECTION.end, { sections: sections.length }));
  return writeContainer(sections, options.version ?? SNAPSHOT_FORMAT_V1);
}

/** Magic, version, then each section as given (the caller supplies `end`). */
export function writeContainer(sections: SectionInput[], version: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(SNAPSHOT_MAGIC.length + 4);
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) header[i] = SNAPSHOT_MAGIC.charCodeAt(i);
  new DataView(header.buffer).setUint32(SNAPSHOT_MAGIC.length, version, true);
  parts.push(header);
  for (const s of sections) parts.push(...encodeSection(s));
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A section's header and stored bytes. */
export function encodeSection(s: SectionInput): [Uint8Array, Uint8Array] {
  const encoding = s.encoding ?? SectionEncoding.Raw;
  const stored =
    encoding === SectionEncoding.Zlib ? new Uint8Array(deflateSync(s.payload)) : s.payload;
  const name = s.name;
  const header = new Uint8Array(2 + name.length + 1 + 1 + 4 + 8 + 8);
  const dv = new DataView(header.buffer);
  dv.setUint16(0, name.length, true);
  for (let i = 0; i < name.length; i++) header[2 + i] = name.charCodeAt(i);
  const p = 2 + name.length;
  header[p] = s.dtype;
  header[p + 1] = encoding;
  dv.setUint32(p + 2, crc32(stored), true);
  dv.setBigUint64(p + 6, BigInt(s.count), true);
  dv.setBigUint64(p + 14, BigInt(stored.length), true);
  return [header, stored];
}
