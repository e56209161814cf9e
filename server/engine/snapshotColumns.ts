/**
 * The column sections of a snapshot as typed arrays, and the checks that make every value in
 * them safe to use as it is: indices in range, kinds the format defines, addresses that are
 * addresses. Values that only describe the program (sizes, reference counts, flags) are taken
 * as they are: the analysis reports what they imply, whatever they are.
 */
import { endianness } from 'node:os';
import { EdgeKind, LAST_NODE_IDENTITY, RootKind } from '../../protocol/snapshot';
import type { SnapshotData } from './heapSnapshot';
import type { SnapshotProblems } from './snapshotError';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';
/** Addresses are stored as f64: exact below 2^53, which every real address is. */
const ADDRESS_LIMIT = 2 ** 53;
const EDGE_INDEX = EdgeKind.Index;
// Read once: under the TypeScript loader an imported binding read in a loop is a getter call.
const LAST_IDENTITY = LAST_NODE_IDENTITY;
const LAST_EDGE_KIND = Math.max(...Object.values(EdgeKind));
const FIRST_ROOT_KIND = Math.min(...Object.values(RootKind));
const LAST_ROOT_KIND = Math.max(...Object.values(RootKind));

/** `[buffer, byteOffset]` where a little-endian typed array of `size`-byte elements can start. */
function aligned(bytes: Uint8Array, size: number): [ArrayBuffer, number] {
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % size === 0) {
    return [bytes.buffer as ArrayBuffer, bytes.byteOffset];
  }
  const copy = new Uint8Array(bytes.byteLength);
  if (LITTLE_ENDIAN_HOST) {
    copy.set(bytes);
  } else {
    for (let i = 0; i < bytes.byteLength; i += size) {
      for (let k = 0; k < size; k++) copy[i + k] = bytes[i + size - 1 - k];
    }
  }
  return [copy.buffer, 0];
}

export const asU8 = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
export const asU32 = (b: Uint8Array) => new Uint32Array(...aligned(b, 4), b.byteLength / 4);
export const asI32 = (b: Uint8Array) => new Int32Array(...aligned(b, 4), b.byteLength / 4);
export const asF64 = (b: Uint8Array) => new Float64Array(...aligned(b, 8), b.byteLength / 8);

/**
 * Checks every column value against the others. Column lengths already equal the counts in
 * `meta` (the container layer checks each section's count before decoding it).
 */
export function checkColumns(d: SnapshotData, problems: SnapshotProblems): void {
  const corrupt = (what: string) => problems.corrupt(what);
  const N = d.nodeAddress.length;
  const E = d.edgeTo.length;
  const T = d.types.length;
  const S = d.strings.length;

  let sum = 0;
  for (let i = 0; i < N; i++) {
    const address = d.nodeAddress[i];
    if (!(Number.isInteger(address) && address >= 0 && address < ADDRESS_LIMIT)) {
      corrupt(`node ${i} has address ${address}, which is not an object address`);
    }
    if (d.nodeType[i] >= T) {
      corrupt(`node ${i} has type index ${d.nodeType[i]}, but there are only ${T} types`);
    }
    if (d.nodeName[i] >= S) {
      corrupt(`node ${i} has name index ${d.nodeName[i]}, but there are only ${S} strings`);
    }
    sum += d.nodeEdgeCount[i];
  }
  // Partial sums only grow, so the total is exact whenever it can equal E.
  if (sum !== E) corrupt(`the sum of node.edgeCount is ${sum}, but there are ${E} edges`);

  for (let e = 0; e < E; e++) {
    if (d.edgeTo[e] >= N) {
      corrupt(`edge ${e} points to node ${d.edgeTo[e]}, but there are only ${N} nodes`);
    }
    const kind = d.edgeKind[e];
    if (kind > LAST_EDGE_KIND)
      corrupt(`edge ${e} has kind ${kind}, which format 1 does not define`);
    if (kind !== EDGE_INDEX && d.edgeName[e] >= S) {
      corrupt(`edge ${e} has name index ${d.edgeName[e]}, but there are only ${S} strings`);
    }
  }

  const node = (what: string, v: number, optional: boolean) => {
    if (v < (optional ? -1 : 0) || v >= N) {
      corrupt(`${what} is node ${v}, but there are only ${N} nodes`);
    }
  };
  for (let w = 0; w < d.weakrefNode.length; w++) {
    node(`weak reference ${w}`, d.weakrefNode[w], false);
    node(`the referent of weak reference ${w}`, d.weakrefReferent[w], true);
    node(`the callback of weak reference ${w}`, d.weakrefCallback[w], true);
  }
  for (let r = 0; r < d.rootNode.length; r++) {
    const kind = d.rootKind[r];
    if (kind < FIRST_ROOT_KIND || kind > LAST_ROOT_KIND) {
      corrupt(`root ${r} has kind ${kind}, which format 1 does not define`);
    }
    node(`root ${r}`, d.rootNode[r], false);
    node(`the frame of root ${r}`, d.rootFrame[r], true);
    if (d.rootName[r] >= S) {
      corrupt(`root ${r} has name index ${d.rootName[r]}, but there are only ${S} strings`);
    }
  }
  if (d.nodeIdentity) {
    for (let i = 0; i < d.nodeIdentity.length; i++) {
      if (d.nodeIdentity[i] > LAST_IDENTITY) {
        corrupt(`node ${i} has identity ${d.nodeIdentity[i]}, which format 1 does not define`);
      }
    }
  }
  if (d.allocNode && d.allocFile) {
    for (let i = 0; i < d.allocNode.length; i++) {
      if (d.allocNode[i] >= N || d.allocFile[i] >= S) {
        corrupt(`allocation record ${i} points outside the snapshot`);
      }
    }
  }
}
