/**
 * Addresses to node indices, for format 2 (references are stored as their target's address).
 *
 * An open-addressing hash table over typed arrays: one Int32Array slot per bucket holding a node
 * index (-1: empty); the node's address is read back from the node address columns to compare.
 * No object per node, about 8 bytes per node for the table, and one multiplication and a few
 * array reads per lookup. Addresses are split into their low and high 32-bit words (exact for
 * every address below 2^53, which the reader checks).
 */

/** Multiplicative hashing constants (golden-ratio and Murmur3 mixers): any odd constants do. */
const MIX_LOW = 0x9e3779b1;
const MIX_HIGH = 0x85ebca6b;

export class AddressMap {
  private readonly slots: Int32Array;
  private readonly shift: number;
  private readonly mask: number;

  /**
   * Indexes nodes `0 … lo.length - 1` by address (`lo[i]`, `hi[i]`: the words of node i's).
   * A second node with an address already indexed is reported to `onDuplicate` and left out.
   */
  constructor(
    private readonly lo: Uint32Array,
    private readonly hi: Uint32Array,
    onDuplicate: (first: number, second: number) => void,
  ) {
    const n = lo.length;
    let bits = 4;
    while (1 << bits < n * 2 && bits < 30) bits++;
    this.slots = new Int32Array(1 << bits).fill(-1);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    const slots = this.slots;
    const mask = this.mask;
    for (let node = 0; node < n; node++) {
      const l = lo[node];
      const h = hi[node];
      let slot = this.bucket(l, h);
      for (;;) {
        const held = slots[slot];
        if (held < 0) {
          slots[slot] = node;
          break;
        }
        if (lo[held] === l && hi[held] === h) {
          onDuplicate(held, node);
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  }

  private bucket(l: number, h: number): number {
    return (Math.imul(l, MIX_LOW) ^ Math.imul(h ^ (l >>> 16), MIX_HIGH)) >>> this.shift;
  }

  /** The node at this address, or -1. */
  get(l: number, h: number): number {
    const slots = this.slots;
    const lo = this.lo;
    const hi = this.hi;
    const mask = this.mask;
    let slot = this.bucket(l, h);
    for (;;) {
      const node = slots[slot];
      if (node < 0) return -1;
      if (lo[node] === l && hi[node] === h) return node;
      slot = (slot + 1) & mask;
    }
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A u64 column's decoded bytes (little-endian) as low and high 32-bit words. */
export function splitU64(bytes: Uint8Array): { lo: Uint32Array; hi: Uint32Array } {
  const n = bytes.byteLength >>> 3;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n * 2);
    for (let i = 0, w = 0; i < n; i++, w += 2) {
      lo[i] = words[w];
      hi[i] = words[w + 1];
    }
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      lo[i] = dv.getUint32(8 * i, true);
      hi[i] = dv.getUint32(8 * i + 4, true);
    }
  }
  return { lo, hi };
}
