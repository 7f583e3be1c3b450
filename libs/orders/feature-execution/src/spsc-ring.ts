/**
 * Single-producer single-consumer ring of fixed-size Float64 records in a SharedArrayBuffer.
 *
 * Layout: an Int32 control block (head and tail on separate 64-byte lines so the two threads do
 * not false-share), then `capacity` records. `head` and `tail` are free-running int32 counters
 * (wrapping is harmless: occupancy is `(tail - head) | 0` and the slot is `counter & mask`).
 * The producer writes records, then publishes them with one `Atomics.store` of `tail` (a
 * sequentially consistent store, so the record bytes are visible before the new tail); the
 * consumer reads, then frees them with one store of `head`. Wake-ups use Atomics.wait/notify on
 * the counters, and `notify` is only called when the other side announced it is sleeping.
 */
const HEAD = 0;
const TAIL = 16;
const HEAD_SLEEPING = 32;
const TAIL_SLEEPING = 48;
const CONTROL_INTS = 64;

/** Atomics.waitAsync (ES2024; the workspace's lib is ES2023, Node 24 has it). */
type WaitAsync = (
  typedArray: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export class SpscRing {
  /** Records of the ring (index with `slotOf(counter)`). */
  readonly f64: Float64Array;
  readonly u8: Uint8Array;
  readonly capacity: number;
  private readonly ctl: Int32Array;
  private readonly mask: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly slots: number,
  ) {
    this.ctl = new Int32Array(buffer, 0, CONTROL_INTS);
    const bytes = buffer.byteLength - CONTROL_INTS * 4;
    this.capacity = bytes / (slots * 8);
    if (!Number.isInteger(this.capacity) || (this.capacity & (this.capacity - 1)) !== 0)
      throw new RangeError(`ring capacity ${this.capacity} is not a power of two`);
    this.mask = this.capacity - 1;
    this.f64 = new Float64Array(buffer, CONTROL_INTS * 4);
    this.u8 = new Uint8Array(buffer, CONTROL_INTS * 4);
  }

  /** Allocates the shared memory of a ring of `capacity` (a power of two) records. */
  static allocate(slots: number, capacity: number): SharedArrayBuffer {
    return new SharedArrayBuffer(CONTROL_INTS * 4 + slots * 8 * capacity);
  }

  // ------------------------------------------------------------------ producer side

  /** Records the producer may write now. */
  free(): number {
    return this.capacity - ((Atomics.load(this.ctl, TAIL) - Atomics.load(this.ctl, HEAD)) | 0);
  }

  /** The producer's next write position (a counter; pass to `slotOf`). */
  tail(): number {
    return Atomics.load(this.ctl, TAIL);
  }

  /** Copies `n` records from `src` (record `from` on) into the ring; the caller checked `free()`. */
  write(src: Float64Array, from: number, n: number): void {
    const slots = this.slots;
    let t = Atomics.load(this.ctl, TAIL);
    let done = 0;
    while (done < n) {
      const at = t & this.mask;
      const run = Math.min(n - done, this.capacity - at);
      this.f64.set(src.subarray((from + done) * slots, (from + done + run) * slots), at * slots);
      done += run;
      t = (t + run) | 0;
    }
    this.publish(t);
  }

  /** Makes every record before counter `tail` visible to the consumer and wakes it if asleep. */
  publish(tail: number): void {
    Atomics.store(this.ctl, TAIL, tail);
    if (Atomics.load(this.ctl, TAIL_SLEEPING) !== 0) Atomics.notify(this.ctl, TAIL);
  }

  // ------------------------------------------------------------------ consumer side

  /** Records ready to read, from counter `head()` on. */
  available(): number {
    return (Atomics.load(this.ctl, TAIL) - Atomics.load(this.ctl, HEAD)) | 0;
  }

  head(): number {
    return Atomics.load(this.ctl, HEAD);
  }

  /** First Float64 slot of the record at `counter`. */
  slotOf(counter: number): number {
    return (counter & this.mask) * this.slots;
  }

  /** Frees every record before counter `head` and wakes a producer waiting for space. */
  release(head: number): void {
    Atomics.store(this.ctl, HEAD, head);
    if (Atomics.load(this.ctl, HEAD_SLEEPING) !== 0) Atomics.notify(this.ctl, HEAD);
  }

  // ------------------------------------------------------------------ waiting

  /** Consumer: blocks the thread (workers only) until records arrive or `timeoutMs` passes. */
  waitForData(timeoutMs: number): void {
    const tail = Atomics.load(this.ctl, TAIL);
    if (((tail - Atomics.load(this.ctl, HEAD)) | 0) !== 0) return;
    Atomics.store(this.ctl, TAIL_SLEEPING, 1);
    Atomics.wait(this.ctl, TAIL, tail, timeoutMs);
    Atomics.store(this.ctl, TAIL_SLEEPING, 0);
  }

  /** Producer: blocks the thread (workers only) until space frees up or `timeoutMs` passes. */
  waitForSpace(timeoutMs: number): void {
    const head = Atomics.load(this.ctl, HEAD);
    if (this.free() > 0) return;
    Atomics.store(this.ctl, HEAD_SLEEPING, 1);
    Atomics.wait(this.ctl, HEAD, head, timeoutMs);
    Atomics.store(this.ctl, HEAD_SLEEPING, 0);
  }

  /** Wakes a consumer sleeping in `waitForData` (used after a control message was posted). */
  wakeConsumer(): void {
    Atomics.notify(this.ctl, TAIL);
  }

  /** Consumer, without blocking the event loop: resolves when records arrive or after `timeoutMs`. */
  async waitForDataAsync(timeoutMs: number): Promise<void> {
    const tail = Atomics.load(this.ctl, TAIL);
    if (((tail - Atomics.load(this.ctl, HEAD)) | 0) !== 0) return;
    Atomics.store(this.ctl, TAIL_SLEEPING, 1);
    try {
      const result = waitAsync(this.ctl, TAIL, tail, timeoutMs);
      if (result.async) await result.value;
    } finally {
      Atomics.store(this.ctl, TAIL_SLEEPING, 0);
    }
  }

  /** Producer, without blocking the event loop: resolves when space frees up or after `timeoutMs`. */
  async waitForSpaceAsync(timeoutMs: number): Promise<void> {
    const head = Atomics.load(this.ctl, HEAD);
    if (this.free() > 0) return;
    Atomics.store(this.ctl, HEAD_SLEEPING, 1);
    try {
      const result = waitAsync(this.ctl, HEAD, head, timeoutMs);
      if (result.async) await result.value;
    } finally {
      Atomics.store(this.ctl, HEAD_SLEEPING, 0);
    }
  }
}
