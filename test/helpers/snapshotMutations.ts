/**
 * Mutations of a real snapshot for the reader's fuzz test. Each takes a random source and a
 * split snapshot and returns the bytes of a mutated file and a one-line description (printed
 * with the seed when a case fails, so that it reproduces).
 *
 * Most mutations recompute the CRCs, so that they reach the validation behind the checksums:
 * JSON values replaced at random paths, column elements set to boundary values, header fields
 * edited, sections duplicated, removed or reordered, counts made huge, zlib streams that hold
 * more than announced. Some work on the raw bytes (truncation, bit flips) as a damaged file would.
 */
import { deflateSync } from 'node:zlib';
import { SectionDType, SectionEncoding } from '../../protocol/snapshot';
import {
  cloneSnapshot,
  elementSize,
  joinSnapshot,
  ownPayload,
  sectionName,
  setPayload,
  zlibOfZeros,
  type RawSection,
  type SplitSnapshot,
} from './snapshotSections';
import type { Random } from './random';

export interface Mutant {
  bytes: Uint8Array;
  description: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Text a hostile program could put anywhere a name goes. */
const HOSTILE_TEXT = [
  'X\u001b]0;title\u0007\u001b[2J\u001b[31mRED',
  '\u009b2J',
  'abc\u202edcba',
  'line\nbreak',
  '\ud800',
  '',
  '__proto__',
  'constructor',
  'x'.repeat(5000),
];

function randomJsonValue(r: Random, depth = 0): unknown {
  switch (r.int(depth > 1 ? 9 : 11)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, 1, -1, 2, 3, 0.5, -0.5, 1e300, -1e300, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64]);
    case 3:
      return r.int(100000);
    case 4:
      return r.pick(HOSTILE_TEXT);
    case 5:
      return String(r.int(1000));
    case 6:
      return [];
    case 7:
      return {};
    case 8:
      return -r.int(3);
    case 9:
      return [randomJsonValue(r, depth + 1), randomJsonValue(r, depth + 1)];
    default:
      return { node: randomJsonValue(r, depth + 1), name: randomJsonValue(r, depth + 1) };
  }
}

type Container = Record<string, unknown> | unknown[];

/**
 * A container to mutate, found by a random walk from the root that stops at each level with
 * probability 1/2: top-level fields (meta.gc, frames.paused) are hit as often as deep ones, and
 * a 10,000-entry array counts as one place, not 10,000.
 */
function randomContainer(r: Random, root: Container): { target: Container; path: string } {
  let target = root;
  let path = '';
  for (;;) {
    const children = Object.entries(target).filter(([, v]) => v !== null && typeof v === 'object');
    if (children.length === 0 || r.chance(0.5)) return { target, path };
    const [key, child] = r.pick(children);
    path += Array.isArray(target) ? `[${key}]` : `.${key}`;
    target = child as Container;
  }
}

function mutateJsonValue(r: Random, root: unknown): { value: unknown; what: string } {
  if (root === null || typeof root !== 'object' || r.chance(0.03)) {
    return { value: randomJsonValue(r), what: 'replaced the whole value' };
  }
  const { target, path } = randomContainer(r, root as Container);
  const keys = Object.keys(target);
  const key = keys.length > 0 ? r.pick(keys) : '0';
  const action = r.int(6);
  if (Array.isArray(target)) {
    const i = Number(key);
    if (action === 0 && target.length > 0) {
      target.splice(i, 1);
      return { value: root, what: `${path}: removed element ${i}` };
    }
    if (action === 1) {
      target.splice(i, 0, target.length > 0 ? structuredClone(target[i]) : randomJsonValue(r));
      return { value: root, what: `${path}: duplicated element ${i}` };
    }
    if (action === 2) {
      target.length = r.int(target.length + 1);
      return { value: root, what: `${path}: cut the array to ${target.length}` };
    }
    target[i] = randomJsonValue(r);
    return { value: root, what: `${path}[${i}] = ${JSON.stringify(target[i])?.slice(0, 60)}` };
  }
  if (action === 0) {
    delete target[key];
    return { value: root, what: `${path}: deleted "${key}"` };
  }
  if (action === 1) {
    target[`extra${r.int(10)}`] = randomJsonValue(r);
    return { value: root, what: `${path}: added a field` };
  }
  target[key] = randomJsonValue(r);
  return { value: root, what: `${path}.${key} = ${JSON.stringify(target[key])?.slice(0, 60)}` };
}

function boundaryValue(r: Random, dtype: number, nodes: number, strings: number): number {
  const values = [
    0,
    1,
    nodes - 1,
    nodes,
    nodes + 1,
    strings - 1,
    strings,
    0xff,
    0x7fffffff,
    0xffffffff,
    -1,
    -2,
  ];
  if (dtype === SectionDType.F64)
    values.push(NaN, Infinity, -Infinity, 0.5, -8, 2 ** 53, 2 ** 60, 1e308);
  if (dtype === SectionDType.U8)
    return r.chance(0.5) ? r.int(256) : r.pick([0, 1, 8, 9, 0x7f, 0x80, 0xff]);
  return r.chance(0.3) ? r.int(0x100000000) : r.pick(values);
}

function setNumber(s: RawSection, i: number, v: number): void {
  const dv = new DataView(s.payload.buffer, s.payload.byteOffset, s.payload.byteLength);
  switch (s.dtype) {
    case SectionDType.U8:
      dv.setUint8(i, v & 0xff);
      break;
    case SectionDType.I32:
      dv.setInt32(i * 4, v | 0, true);
      break;
    case SectionDType.U32:
      dv.setUint32(i * 4, v >>> 0, true);
      break;
    case SectionDType.F64:
      dv.setFloat64(i * 8, v, true);
      break;
  }
}

function jsonSections(s: SplitSnapshot): RawSection[] {
  return s.sections.filter((x) => x.dtype === SectionDType.Json);
}

function columnSections(s: SplitSnapshot): RawSection[] {
  return s.sections.filter((x) => x.dtype !== SectionDType.Json && x.payload.length > 0);
}

function countOf(s: SplitSnapshot, key: string): number {
  const meta = s.sections.find((x) => sectionName(x) === 'meta');
  try {
    return Number(
      (JSON.parse(decoder.decode(meta!.payload)) as { counts: Record<string, number> }).counts[key],
    );
  } catch {
    return 0;
  }
}

/** The CRC-valid mutations: they edit sections, then the file is joined with fresh CRCs. */
const SECTION_MUTATIONS: ((r: Random, s: SplitSnapshot) => string)[] = [
  function jsonValue(r, s) {
    const sec = r.pick(jsonSections(s));
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(sec.payload));
    } catch {
      parsed = null;
    }
    const { value, what } = mutateJsonValue(r, parsed);
    setPayload(sec, encoder.encode(JSON.stringify(value) ?? 'null'));
    return `${sectionName(sec)}: ${what}`;
  },
  function jsonText(r, s) {
    const sec = r.pick(jsonSections(s));
    const bytes = Array.from(sec.payload);
    const at = r.int(bytes.length + 1);
    const what = r.int(3);
    if (what === 0) bytes.splice(at, 1 + r.int(8));
    else if (what === 1)
      bytes.splice(
        at,
        0,
        ...encoder.encode(r.pick(['[', ']', '{', '}', ',', '"', '\\', '0', 'null', '\u00ff'])),
      );
    else if (at < bytes.length) bytes[at] = r.int(256);
    setPayload(sec, new Uint8Array(bytes));
    return `${sectionName(sec)}: text edited at ${at}`;
  },
  function columnElements(r, s) {
    const sec = r.pick(columnSections(s));
    const n = sec.payload.length / elementSize(sec.dtype);
    const nodes = countOf(s, 'nodes');
    const strings = 1000;
    const k = 1 + r.int(r.chance(0.2) ? n : 4);
    ownPayload(sec);
    for (let j = 0; j < k; j++)
      setNumber(sec, r.int(n), boundaryValue(r, sec.dtype, nodes, strings));
    return `${sectionName(sec)}: ${k} element(s) set`;
  },
  function columnLength(r, s) {
    const sec = r.pick(columnSections(s));
    const size = elementSize(sec.dtype);
    const delta = r.pick([-2, -1, 1, 2]);
    const n = Math.max(0, sec.payload.length / size + delta);
    const payload = new Uint8Array(n * size);
    payload.set(sec.payload.subarray(0, Math.min(payload.length, sec.payload.length)));
    setPayload(sec, payload, r.chance(0.5)); // or the header keeps the old count
    return `${sectionName(sec)}: ${delta > 0 ? '+' : ''}${delta} element(s)`;
  },
  function headerField(r, s) {
    const sec = r.pick(s.sections);
    switch (r.int(5)) {
      case 0:
        sec.dtype = r.pick([0, 1, 2, 3, 4, 5, 6, 255]);
        return `${sectionName(sec)}: dtype ${sec.dtype}`;
      case 1:
        sec.encoding = r.pick([0, 1, 2, 255]);
        sec.stored = undefined;
        return `${sectionName(sec)}: encoding ${sec.encoding}`;
      case 2:
        sec.count = r.pick([
          0n,
          1n,
          sec.count - 1n,
          sec.count + 1n,
          2n ** 32n,
          2n ** 53n,
          2n ** 53n + 1n,
          2n ** 64n - 1n,
        ]);
        if (sec.count < 0n) sec.count = 0n;
        return `${sectionName(sec)}: count ${sec.count}`;
      case 3:
        sec.storedLength = r.pick([0n, 1n, 2n ** 40n, 2n ** 64n - 1n]);
        return `${sectionName(sec)}: stored length ${sec.storedLength}`;
      default:
        sec.name = encoder.encode(
          r.pick(['', 'end', 'meta', 'node.type', 'x'.repeat(300), '\u001b[2J', 'node.typ']),
        );
        return `a section renamed "${decoder.decode(sec.name).slice(0, 20)}"`;
    }
  },
  function sectionOrder(r, s) {
    const i = r.int(s.sections.length);
    switch (r.int(4)) {
      case 0:
        s.sections.splice(i, 0, { ...s.sections[i] });
        return `${sectionName(s.sections[i])} duplicated`;
      case 1: {
        const [gone] = s.sections.splice(i, 1);
        return `${sectionName(gone)} removed`;
      }
      case 2: {
        const j = r.int(s.sections.length);
        [s.sections[i], s.sections[j]] = [s.sections[j], s.sections[i]];
        return `sections ${i} and ${j} swapped`;
      }
      default: {
        const payload = encoder.encode(JSON.stringify(randomJsonValue(r)));
        s.sections.splice(i, 0, {
          name: encoder.encode(r.pick(['future', 'x\u0000\u00ff', 'meta2'])),
          dtype: r.int(256),
          encoding: r.int(3),
          count: BigInt(r.pick([0, payload.length, 2 ** 50])),
          payload,
        });
        return `unknown section inserted at ${i}`;
      }
    }
  },
  function hugeCounts(r, s) {
    const key = r.pick(['nodes', 'edges', 'weakrefs', 'roots'] as const);
    const huge = r.pick([2 ** 24, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 40]);
    const meta = s.sections.find((x) => sectionName(x) === 'meta');
    let value: { counts?: Record<string, number> } | null = null;
    try {
      value = JSON.parse(decoder.decode(meta?.payload)) as { counts?: Record<string, number> };
    } catch {
      // An earlier mutation broke meta: the columns still get their huge counts.
    }
    if (meta && value && typeof value.counts === 'object' && value.counts !== null) {
      value.counts[key] = huge;
      setPayload(meta, encoder.encode(JSON.stringify(value)));
    }
    const prefix = { nodes: 'node.', edges: 'edge.', weakrefs: 'weakref.', roots: 'root.' }[key];
    for (const sec of s.sections) {
      if (sectionName(sec).startsWith(prefix) && r.chance(0.8)) {
        sec.count = BigInt(huge);
        sec.encoding = SectionEncoding.Zlib;
        sec.stored = deflateSync(new Uint8Array(64));
      }
    }
    return `meta.counts.${key} and its columns = ${huge}`;
  },
  function zlibBomb(r, s) {
    const sec = r.pick(s.sections);
    sec.encoding = SectionEncoding.Zlib;
    sec.stored = zlibOfZeros(r.pick([1, 4, 16]) << 20);
    return `${sectionName(sec)}: zlib stream of zeros, ${sec.stored.length} bytes`;
  },
  function recompressed(r, s) {
    for (const sec of s.sections) {
      sec.encoding = r.chance(0.5) ? SectionEncoding.Raw : SectionEncoding.Zlib;
      sec.stored = undefined;
    }
    return 'every section re-encoded (raw or zlib at random): a valid file';
  },
];

/** Damage that does not care about checksums: what a disk or a copy could do. */
const BYTE_MUTATIONS: ((r: Random, bytes: Uint8Array) => Mutant)[] = [
  function truncate(r, bytes) {
    const at = r.chance(0.3) ? r.int(64) : r.int(bytes.length);
    return { bytes: bytes.subarray(0, at), description: `cut at ${at}` };
  },
  function bitFlips(r, bytes) {
    const copy = bytes.slice();
    const k = 1 + r.int(8);
    const near = r.chance(0.5) ? Math.min(4096, copy.length) : copy.length;
    for (let j = 0; j < k; j++) copy[r.int(near)] ^= 1 << r.int(8);
    return { bytes: copy, description: `${k} bit flip(s) in the first ${near} bytes` };
  },
];

/** JSON values and column elements are where validation is needed most: picked more often. */
const WEIGHTED_MUTATIONS = [
  SECTION_MUTATIONS[0],
  SECTION_MUTATIONS[0],
  SECTION_MUTATIONS[0],
  SECTION_MUTATIONS[2],
  ...SECTION_MUTATIONS,
];

export function mutate(r: Random, base: SplitSnapshot): Mutant {
  const s = cloneSnapshot(base);
  const steps: string[] = [];
  const rounds = 1 + (r.chance(0.25) ? r.int(3) : 0);
  for (let k = 0; k < rounds; k++) steps.push(r.pick(WEIGHTED_MUTATIONS)(r, s));
  let bytes = joinSnapshot(s);
  if (r.chance(0.15)) {
    const damaged = r.pick(BYTE_MUTATIONS)(r, bytes);
    bytes = damaged.bytes;
    steps.push(damaged.description);
  }
  return { bytes, description: steps.join('; ') };
}
