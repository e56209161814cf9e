/**
 * Format 2's reference counts and sizes as the engine's model has them: the counts were read
 * while the agent held references of its own (subtracted here), and a size of 0 stands for the
 * type's size (docs/snapshot-format.md, "Format 2").
 */
import { SECTION_V2, type TypeRecord } from '../../protocol/snapshot';
import { splitU64, type AddressMap } from './addressMap';
import { asU32 } from './snapshotColumns';
import type { Container } from './snapshotContainer';
import { columnBytes } from './snapshotDecode';
import type { SnapshotProblems } from './snapshotError';

const TWO_32 = 0x100000000;
const U32_LIMIT = 0xffffffff;

/**
 * References the agent held to each node while its count was read, beyond its list's one:
 * `held.*` (frames on the recorded stacks, the frame captured at), and for a leaf (a node after
 * the tracked ones) that is a type, the agent's type table's.
 */
export function heldReferences(
  container: Container,
  problems: SnapshotProblems,
  nodes: AddressMap,
  types: TypeRecord[],
  tracked: number,
  n: number,
): Uint32Array {
  const extra = new Uint32Array(n);
  const held = splitU64(columnBytes(container, SECTION_V2.heldAddress, problems));
  const counts = asU32(columnBytes(container, SECTION_V2.heldCount, problems));
  if (counts.length !== held.lo.length) {
    problems.corrupt('"held.address" and "held.count" have different lengths');
  }
  for (let i = 0; i < counts.length; i++) {
    const node = nodes.get(held.lo[i], held.hi[i]);
    if (node >= 0) extra[node] += counts[i];
  }
  for (const record of types) {
    if (record.address === undefined) continue;
    const node = nodes.get(record.address % TWO_32, Math.floor(record.address / TWO_32));
    if (node >= tracked) extra[node] += 1;
  }
  return extra;
}

/** The program's counts: as read, minus the agent's list's reference and `extra`, within u32. */
export function programCounts(
  read: { lo: Uint32Array; hi: Uint32Array },
  extra: Uint32Array,
): Uint32Array {
  const n = read.lo.length;
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const value = read.hi[i] * TWO_32 + read.lo[i] - 1 - extra[i];
    counts[i] = value <= 0 ? 0 : value >= U32_LIMIT ? U32_LIMIT : value;
  }
  return counts;
}

/**
 * node.size within u32 (a size beyond 4 GiB is shown as 4 GiB); 0 means the type's size (one
 * per type: measured on one instance, or the basic size where `__sizeof__` is not built in).
 */
export function sizesOfNodes(
  values: { lo: Uint32Array; hi: Uint32Array },
  nodeType: Uint32Array,
  types: TypeRecord[],
): Uint32Array {
  const n = values.lo.length;
  const typeSize = new Float64Array(types.length);
  for (let t = 0; t < types.length; t++) typeSize[t] = types[t].size ?? 0;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const size = values.hi[i] !== 0 ? U32_LIMIT : values.lo[i];
    out[i] = size !== 0 ? size : Math.min(U32_LIMIT, typeSize[nodeType[i]]);
  }
  return out;
}
