/* eslint-disable @typescript-eslint/no-non-null-assertion -- probe indices are masked into range, which noUncheckedIndexedAccess cannot see */

const EMPTY = 0;

/**
 * Order id (positive safe integer) -> slot, as an open-addressing hash table with linear probing
 * and backward-shift deletion over typed arrays. Replaces a `Map<number, number>` on the hot path:
 * no tombstones, no per-entry allocation, and ids above 2^31 (heap numbers for a Map) cost the same.
 */
export class IdIndex {
  size = 0;
  private mask: number;
  private keys: Float64Array;
  private values: Int32Array;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.mask = n - 1;
    this.keys = new Float64Array(n);
    this.values = new Int32Array(n);
  }

  /** Slot of `id`, or -1. */
  get(id: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = hash(id) & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === id) return this.values[i]!;
      if (k === EMPTY) return -1;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== -1;
  }

  /** Inserts or overwrites. `id` must be a positive safe integer. */
  set(id: number, slot: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    for (let i = hash(id) & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === EMPTY) {
        keys[i] = id;
        this.values[i] = slot;
        this.size++;
        return;
      }
      if (k === id) {
        this.values[i] = slot;
        return;
      }
    }
  }

  delete(id: number): void {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = hash(id) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === EMPTY) return;
      if (k === id) break;
      i = (i + 1) & mask;
    }
    // Backward-shift: pull later members of the probe run into the hole so lookups never need tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k === EMPTY) break;
      const home = hash(k) & mask;
      // Move k if its home is not in the cyclic range (hole, j].
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        keys[hole] = k;
        values[hole] = values[j]!;
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    this.size--;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.size = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const n = oldKeys.length * 2;
    this.mask = n - 1;
    this.keys = new Float64Array(n);
    this.values = new Int32Array(n);
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== EMPTY) this.set(k, oldValues[i]!);
    }
  }
}

/** Mixes both halves of an int53 into 32 bits (Fibonacci hashing of lo ^ hi). */
function hash(id: number): number {
  const lo = id >>> 0;
  const hi = (id / 4294967296) | 0;
  return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 7;
}
