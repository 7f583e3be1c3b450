/**
 * Fixed binary layout of what crosses the thread boundary. A command or an event is one record
 * of Float64 slots (so numbers need no conversion: the engine works on safe integers held in
 * doubles); slot 0 holds eight one-byte fields, read through a Uint8Array view of the same memory.
 * Both threads share the machine's endianness, so no byte order is fixed.
 *
 * Absent optional numbers (a market order's price) are NaN.
 */

/** Float64 slots per command record (88 bytes). */
export const CMD_SLOTS = 11;
/** Float64 slots per event record (104 bytes). */
export const EVT_SLOTS = 13;

/** Command record: byte fields of slot 0. */
export const CB = {
  KIND: 0,
  SIDE: 1,
  ORDER_TYPE: 2,
  TIF: 3,
  STP: 4,
  POST_ONLY: 5,
  /** Pre-decided rejection reason (KIND_REJECT) or 0. */
  REASON: 6,
  /** Request kind of a pre-decided rejection (engine REQ_* numbering). */
  REQUEST: 7,
} as const;

/** Command record: Float64 slots. */
export const CS = {
  /** Caller's correlation number (the executor's command sequence); echoed on every event. */
  TAG: 1,
  /** Index of the symbol in the pool's instrument list. */
  SYMBOL: 2,
  ORDER_ID: 3,
  ACCOUNT: 4,
  PRICE: 5,
  STOP_PRICE: 6,
  QUANTITY: 7,
  DISPLAY: 8,
  /** GTD expiry for `new`, `now` for `expire` (1 in DISPLAY means end of day). */
  TIME: 9,
  /**
   * Event time of the command in Unix ms (the gateway's publish time), NaN or 0 for none. It
   * drives the book's clock: DAY/GTD orders due by then expire before the command applies.
   */
  AT: 10,
} as const;

export const CMD_KIND = {
  NEW: 1,
  CANCEL: 2,
  REPLACE: 3,
  EXPIRE: 4,
  /** Reject on the book's sequence with CB.REASON (the edge already found the command invalid). */
  REJECT: 5,
  /** Barrier: the worker answers with EVT_KIND_BARRIER carrying the same TAG once it got here. */
  BARRIER: 6,
} as const;

/** Event record: byte fields of slot 0 (the engine's EventBuffer columns). */
export const EB = {
  TYPE: 0,
  SIDE: 1,
  CODE: 2,
  REQUEST: 3,
} as const;

/** Event record: Float64 slots. */
export const ES = {
  TAG: 1,
  /** Index of the symbol in the pool's instrument list, -1 for no book. */
  SYMBOL: 2,
  SEQ: 3,
  ORDER_ID: 4,
  ACCOUNT: 5,
  PRICE: 6,
  STOP_PRICE: 7,
  QUANTITY: 8,
  LEAVES: 9,
  CUM: 10,
  OTHER_ORDER_ID: 11,
  OTHER_ACCOUNT: 12,
} as const;

/** Event type of the barrier answer (engine event types are 1..9). */
export const EVT_BARRIER = 255;

/** Engine request kinds (order-book REQ_* numbering, which the rejection events carry). */
export const REQUEST = { NEW: 0, CANCEL: 1, REPLACE: 2, EXPIRE: 3, UNKNOWN: 4 } as const;

/** Side, order type, TIF and STP codes use the engine's table order (SIDES, ORDER_TYPES, ...). */
export const SIDE_CODE = { buy: 0, sell: 1 } as const;

/**
 * Growable buffer of records, written by the producer side before they are handed to a transport.
 * `f64` and `u8` are views of the same memory; `count` records are valid.
 */
export class RecordBuffer {
  f64: Float64Array;
  u8: Uint8Array;
  count = 0;

  constructor(
    readonly slots: number,
    capacity = 1024,
  ) {
    this.f64 = new Float64Array(slots * capacity);
    this.u8 = new Uint8Array(this.f64.buffer);
  }

  /** Reserves one zeroed record and returns its first slot index (byte offset = slot * 8). */
  append(): number {
    const base = this.count * this.slots;
    if (base + this.slots > this.f64.length) this.grow();
    this.count++;
    this.f64.fill(0, base, base + this.slots);
    return base;
  }

  /** Appends `n` records copied from `src` starting at record `from`. */
  appendFrom(src: Float64Array, from: number, n: number): void {
    const need = (this.count + n) * this.slots;
    while (need > this.f64.length) this.grow();
    this.f64.set(src.subarray(from * this.slots, (from + n) * this.slots), this.count * this.slots);
    this.count += n;
  }

  clear(): void {
    this.count = 0;
  }

  private grow(): void {
    const next = new Float64Array(this.f64.length * 2);
    next.set(this.f64);
    this.f64 = next;
    this.u8 = new Uint8Array(next.buffer);
  }
}
