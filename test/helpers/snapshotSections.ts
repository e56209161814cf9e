/**
 * Section-level surgery on snapshot files, for tests that build malformed snapshots from real
 * ones: split a file into its sections (decoded), change any header field or payload, and join
 * them again with fresh CRCs so that a mutation reaches the reader's validation instead of
 * stopping at the checksum. Parsing here is the test's own, independent of the reader.
 */
import { constants, deflateRawSync, deflateSync, inflateSync } from 'node:zlib';
import { SectionDType, SectionEncoding, SECTION } from '../../protocol/snapshot';
import { crc32 } from '../../server/engine/crc32';

export interface RawSection {
  /** The name's bytes (any bytes: tests write names a real writer never would). */
  name: Uint8Array;
  dtype: number;
  encoding: number;
  /** Element count as the header states it (for JSON: the decoded byte length). */
  count: bigint;
  /** Decoded bytes. */
  payload: Uint8Array;
  /**
   * The stored bytes to write instead of encoding `payload`: the original ones after a split
   * (so that unchanged sections are not compressed again), or a ready-made zlib stream. Every
   * helper here that changes `payload` or `encoding` clears it.
   */
  stored?: Uint8Array;
  /** Stored length to announce instead of the true one. */
  storedLength?: bigint;
  /** CRC to write instead of the computed one. */
  crc?: number;
}

export interface SplitSnapshot {
  version: number;
  sections: RawSection[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function sectionName(s: RawSection): string {
  return decoder.decode(s.name);
}

/** Splits a well-formed snapshot into its sections, payloads decompressed. */
export function splitSnapshot(bytes: Uint8Array): SplitSnapshot {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  const sections: RawSection[] = [];
  let off = 12;
  while (off < bytes.length) {
    const nameLen = dv.getUint16(off, true);
    const name = bytes.slice(off + 2, off + 2 + nameLen);
    let p = off + 2 + nameLen;
    const dtype = bytes[p];
    const encoding = bytes[p + 1];
    const count = dv.getBigUint64(p + 6, true);
    const stored = Number(dv.getBigUint64(p + 14, true));
    p += 22;
    const raw = bytes.subarray(p, p + stored);
    const payload =
      encoding === SectionEncoding.Zlib ? new Uint8Array(inflateSync(raw)) : raw.slice();
    sections.push({ name, dtype, encoding, count, payload, stored: raw });
    off = p + stored;
  }
  return { version, sections };
}

/** Compressed payloads, by identity: clones share unchanged payloads, so each is deflated once. */
const deflated = new WeakMap<Uint8Array, Uint8Array>();

function deflateOnce(payload: Uint8Array): Uint8Array {
  let stored = deflated.get(payload);
  if (stored === undefined) {
    stored = new Uint8Array(deflateSync(payload));
    deflated.set(payload, stored);
  }
  return stored;
}

/** Joins sections into a file; CRCs are computed unless a section says otherwise. */
export function joinSnapshot(split: SplitSnapshot): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(12);
  head.set(encoder.encode('PYHEAPSN'));
  new DataView(head.buffer).setUint32(8, split.version, true);
  parts.push(head);
  for (const s of split.sections) {
    const stored =
      s.stored ?? (s.encoding === SectionEncoding.Zlib ? deflateOnce(s.payload) : s.payload);
    const header = new Uint8Array(2 + s.name.length + 22);
    const dv = new DataView(header.buffer);
    dv.setUint16(0, s.name.length, true);
    header.set(s.name, 2);
    const p = 2 + s.name.length;
    header[p] = s.dtype;
    header[p + 1] = s.encoding;
    dv.setUint32(p + 2, s.crc ?? crc32(stored), true);
    dv.setBigUint64(p + 6, s.count, true);
    dv.setBigUint64(p + 14, s.storedLength ?? BigInt(stored.length), true);
    parts.push(header, stored);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function findSection(split: SplitSnapshot, name: string): RawSection {
  const found = split.sections.find((s) => sectionName(s) === name);
  if (!found) throw new Error(`no section ${name}`);
  return found;
}

/**
 * A copy whose sections can be edited without touching the original. Payloads are shared until
 * written: change one through `setPayload`, `setElement` or `ownPayload`, never in place.
 */
export function cloneSnapshot(split: SplitSnapshot): SplitSnapshot {
  return {
    version: split.version,
    sections: split.sections.map((s) => ({ ...s, name: s.name.slice() })),
  };
}

/** Gives the section its own copy of its payload, to edit in place (its stored bytes go). */
export function ownPayload(s: RawSection): Uint8Array {
  s.payload = s.payload.slice();
  s.stored = undefined;
  return s.payload;
}

/** The parsed JSON of a JSON section. */
export function jsonOf(split: SplitSnapshot, name: string): unknown {
  return JSON.parse(decoder.decode(findSection(split, name).payload));
}

/** Replaces a JSON section's value (count follows the new byte length). */
export function setJson(split: SplitSnapshot, name: string, value: unknown): void {
  const s = findSection(split, name);
  s.payload = encoder.encode(JSON.stringify(value));
  s.count = BigInt(s.payload.length);
  s.stored = undefined;
}

/** Edits a JSON section in place through a callback that may mutate or replace the value. */
export function editJson(
  split: SplitSnapshot,
  name: string,
  edit: (value: Record<string, unknown>) => unknown,
): void {
  const value = jsonOf(split, name) as Record<string, unknown>;
  const replaced = edit(value);
  setJson(split, name, replaced === undefined ? value : replaced);
}

/** A column's payload as a DataView, for editing elements in place (little-endian). */
export function columnView(split: SplitSnapshot, name: string): DataView {
  const s = findSection(split, name);
  return new DataView(s.payload.buffer, s.payload.byteOffset, s.payload.byteLength);
}

/** Sets element `i` of a column, whatever its element type. */
export function setElement(split: SplitSnapshot, name: string, i: number, value: number): void {
  const s = findSection(split, name);
  ownPayload(s);
  const dv = columnView(split, name);
  switch (s.dtype) {
    case SectionDType.U8:
      dv.setUint8(i, value);
      break;
    case SectionDType.I32:
      dv.setInt32(i * 4, value, true);
      break;
    case SectionDType.U32:
      dv.setUint32(i * 4, value, true);
      break;
    case SectionDType.F64:
      dv.setFloat64(i * 8, value, true);
      break;
    default:
      throw new Error(`${name} is not a column`);
  }
}

export function elementSize(dtype: number): number {
  return dtype === SectionDType.F64
    ? 8
    : dtype === SectionDType.U8 || dtype === SectionDType.Json
      ? 1
      : 4;
}

export const COLUMN_SECTIONS = Object.values(SECTION).filter(
  (n) =>
    ![
      SECTION.meta,
      SECTION.strings,
      SECTION.types,
      SECTION.frames,
      SECTION.finalizers,
      SECTION.end,
    ].includes(n as never),
);

/**
 * A zlib stream of `n` zero bytes (a multiple of 1 MiB) built without holding them: one
 * compressed 1 MiB block repeated, as deflate allows. 1 GiB takes about 1 MB.
 */
export function zlibOfZeros(n: number): Uint8Array {
  const chunk = 1 << 20;
  const block = deflateRawSync(new Uint8Array(chunk), { finishFlush: constants.Z_SYNC_FLUSH });
  const parts: Uint8Array[] = [new Uint8Array([0x78, 0x9c])];
  for (let i = 0; i < n / chunk; i++) parts.push(block);
  parts.push(deflateRawSync(new Uint8Array(0)));
  // Adler-32 of zeros: A stays 1, B adds 1 per byte.
  const adler = new Uint8Array(4);
  new DataView(adler.buffer).setUint32(0, (((n % 65521) << 16) | 1) >>> 0);
  parts.push(adler);
  const out = new Uint8Array(parts.reduce((k, p) => k + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Replaces a section's decoded bytes; `count` follows unless `keepCount`. */
export function setPayload(s: RawSection, payload: Uint8Array, keepCount = false): void {
  s.payload = payload;
  s.stored = undefined;
  if (!keepCount) s.count = BigInt(payload.length / elementSize(s.dtype));
}
