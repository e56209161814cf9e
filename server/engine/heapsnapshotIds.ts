/**
 * Node ids for the `.heapsnapshot` export. The viewers read ids as unsigned 32-bit numbers
 * (Chrome stores every node field in a Uint32Array), so an object's address (`id()`, up to 2^47)
 * cannot be its id. Chrome's Comparison view matches objects of two snapshots by id, so the id
 * is derived from the address: the same live object gets the same id in two exports of one
 * process. V8 gives its own objects odd ids, and Chrome treats even ids as native objects in a
 * few statistics: objects get odd ids, the export's synthetic nodes even ones.
 */

/** Every object address is a multiple of 8 (CPython aligns objects at least to 8 bytes). */
const ADDRESS_STEP = 8;
/** Odd ids below 2^32: 2^31 of them. */
const ODD_IDS = 2 ** 31;

/** `2 × ((address / 8) mod 2^31) + 1`. */
export function idOfAddress(address: number): number {
  return (Math.floor(address / ADDRESS_STEP) % ODD_IDS) * 2 + 1;
}

/**
 * The id of every object. Two addresses 16 GiB apart (8 × 2^31) would share an id: the later
 * node (in node order) takes the next free odd id, so every id is unique and the result depends
 * only on the addresses.
 */
export function objectIds(addresses: Float64Array): Uint32Array {
  const n = addresses.length;
  const ids = new Uint32Array(n);
  for (let v = 0; v < n; v++) ids[v] = idOfAddress(addresses[v]);
  const sorted = ids.slice().sort();
  let collisions = false;
  for (let i = 1; i < n && !collisions; i++) collisions = sorted[i] === sorted[i - 1];
  if (!collisions) return ids;

  // Rare: only then a set of every id.
  const used = new Set<number>(ids);
  const seen = new Set<number>();
  for (let v = 0; v < n; v++) {
    let id = ids[v];
    if (!seen.has(id)) {
      seen.add(id);
      continue;
    }
    do id = id + 2 >= 2 ** 32 ? 1 : id + 2;
    while (used.has(id));
    used.add(id);
    seen.add(id);
    ids[v] = id;
  }
  return ids;
}
