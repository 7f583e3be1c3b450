/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices are bounded by `n`, which noUncheckedIndexedAccess cannot see */

/**
 * The price levels of one side, sorted so that the BEST level is at the END of the arrays: the
 * busy region of a book (the touch) is where inserts, removals and lookups are O(1), and a level
 * deeper in the book costs a binary search plus a short memmove (`copyWithin`).
 *
 * Keys are `direction * price`, always ascending, so bids (best = highest price, direction +1)
 * and asks (best = lowest price, direction -1) share one code path.
 * @internal
 */
export class PriceLadder {
  n = 0;
  keys: Float64Array;
  levels: Int32Array;

  constructor(
    readonly direction: 1 | -1,
    capacity = 64,
  ) {
    this.keys = new Float64Array(capacity);
    this.levels = new Int32Array(capacity);
  }

  /** Level index of the best price, or -1 when the side is empty. */
  best(): number {
    return this.n > 0 ? this.levels[this.n - 1]! : -1;
  }

  /** Position of `price`, or `-(insertionPoint) - 1` when absent. */
  find(price: number): number {
    const key = this.direction * price;
    const keys = this.keys;
    let hi = this.n - 1;
    if (hi < 0) return -1;
    const top = keys[hi]!;
    if (key === top) return hi;
    if (key > top) return -(hi + 1) - 1;
    let lo = 0;
    hi -= 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid]!;
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  insertAt(pos: number, price: number, level: number): void {
    if (this.n === this.keys.length) this.grow();
    const n = this.n;
    if (pos < n) {
      this.keys.copyWithin(pos + 1, pos, n);
      this.levels.copyWithin(pos + 1, pos, n);
    }
    this.keys[pos] = this.direction * price;
    this.levels[pos] = level;
    this.n = n + 1;
  }

  removeAt(pos: number): void {
    const n = this.n - 1;
    if (pos < n) {
      this.keys.copyWithin(pos, pos + 1, n + 1);
      this.levels.copyWithin(pos, pos + 1, n + 1);
    }
    this.n = n;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const levels = new Int32Array(this.levels.length * 2);
    levels.set(this.levels);
    this.levels = levels;
  }
}
