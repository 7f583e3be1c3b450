/* eslint-disable @typescript-eslint/no-non-null-assertion -- reads are bounded by `length`, which noUncheckedIndexedAccess cannot see */
import {
  type EngineEvent,
  EVENT_TYPES,
  type OrderType,
  ORDER_TYPES,
  REQUEST_KINDS,
  type Side,
  SIDES,
} from './engine-event';
import { reasonCode } from './reason-codes';

/** Numeric event type codes (index into {@link EVENT_TYPES}). */
export const EV = {
  ACCEPTED: 1,
  REJECTED: 2,
  TRADE: 3,
  PARTIALLY_FILLED: 4,
  FILLED: 5,
  CANCELED: 6,
  REPLACED: 7,
  EXPIRED: 8,
  TRIGGERED: 9,
} as const;

/**
 * A reusable, growable struct-of-arrays buffer the engine appends events to. Nothing is allocated
 * per event once the buffer has grown to the largest batch it has seen: the caller drains it
 * (reads `length` rows, or materialises them with `event(i)`) and calls `clear()`.
 *
 * Column meaning depends on the event type; `event(i)` is the authoritative decoding.
 */
export class EventBuffer {
  length = 0;
  type: Uint8Array;
  /** Side of the event's order (taker side for trades). */
  side: Uint8Array;
  /** Reason code; for `accepted`: order type; for `replaced`: 1 if time priority was kept. */
  code: Uint8Array;
  /** For rejections: the request kind. */
  request: Uint8Array;
  /** Index of the book in its engine, -1 for rejections that belong to no book. */
  book: Int32Array;
  seq: Float64Array;
  orderId: Float64Array;
  account: Float64Array;
  price: Float64Array;
  stopPrice: Float64Array;
  quantity: Float64Array;
  leaves: Float64Array;
  cum: Float64Array;
  /** For trades: the maker's order id and account. */
  otherOrderId: Float64Array;
  otherAccount: Float64Array;
  private symbols: readonly string[] = [];

  constructor(capacity = 1024) {
    const n = Math.max(16, capacity | 0);
    this.type = new Uint8Array(n);
    this.side = new Uint8Array(n);
    this.code = new Uint8Array(n);
    this.request = new Uint8Array(n);
    this.book = new Int32Array(n);
    this.seq = new Float64Array(n);
    this.orderId = new Float64Array(n);
    this.account = new Float64Array(n);
    this.price = new Float64Array(n);
    this.stopPrice = new Float64Array(n);
    this.quantity = new Float64Array(n);
    this.leaves = new Float64Array(n);
    this.cum = new Float64Array(n);
    this.otherOrderId = new Float64Array(n);
    this.otherAccount = new Float64Array(n);
  }

  /** Forget the buffered events (capacity is kept). */
  clear(): void {
    this.length = 0;
  }

  /** The engine binds its symbol table so rows can name their book. */
  bindSymbols(symbols: readonly string[]): void {
    this.symbols = symbols;
  }

  /**
   * Reserves a row and writes its header; the caller fills the type's columns.
   * @internal used by the order book
   */
  append(type: number, book: number, seq: number): number {
    const i = this.length;
    if (i === this.type.length) this.grow();
    this.type[i] = type;
    this.book[i] = book;
    this.seq[i] = seq;
    this.length = i + 1;
    return i;
  }

  /** Materialises row `i` as a plain object (allocates: for tests, tools and the edge). */
  event(i: number): EngineEvent {
    if (!(i >= 0 && i < this.length))
      throw new RangeError(`event ${i} outside [0, ${this.length})`);
    const book = this.book[i]!;
    const base = { seq: this.seq[i]!, symbol: book >= 0 ? (this.symbols[book] ?? null) : null };
    const side: Side = SIDES[this.side[i]!] ?? 'buy';
    const type = EVENT_TYPES[this.type[i]!];
    switch (type) {
      case 'accepted':
        return {
          ...base,
          type,
          orderId: this.orderId[i]!,
          account: this.account[i]!,
          side,
          orderType: (ORDER_TYPES[this.code[i]!] ?? 'limit') satisfies OrderType,
          price: nullIfNaN(this.price[i]!),
          stopPrice: nullIfNaN(this.stopPrice[i]!),
          quantity: this.quantity[i]!,
        };
      case 'rejected':
        return {
          ...base,
          type,
          request: REQUEST_KINDS[this.request[i]!] ?? 'unknown',
          orderId: nullIfNaN(this.orderId[i]!),
          reason: reasonCode(this.code[i]!),
        };
      case 'trade':
        return {
          ...base,
          type,
          price: this.price[i]!,
          quantity: this.quantity[i]!,
          takerOrderId: this.orderId[i]!,
          takerAccount: this.account[i]!,
          takerSide: side,
          makerOrderId: this.otherOrderId[i]!,
          makerAccount: this.otherAccount[i]!,
        };
      case 'partially-filled':
      case 'filled':
        return {
          ...base,
          type,
          orderId: this.orderId[i]!,
          account: this.account[i]!,
          side,
          price: this.price[i]!,
          quantity: this.quantity[i]!,
          leaves: this.leaves[i]!,
          cum: this.cum[i]!,
        };
      case 'canceled':
      case 'expired':
        return {
          ...base,
          type,
          orderId: this.orderId[i]!,
          account: this.account[i]!,
          side,
          reason: reasonCode(this.code[i]!),
          quantity: this.quantity[i]!,
          cum: this.cum[i]!,
        };
      case 'replaced':
        return {
          ...base,
          type,
          orderId: this.orderId[i]!,
          account: this.account[i]!,
          side,
          price: nullIfNaN(this.price[i]!),
          stopPrice: nullIfNaN(this.stopPrice[i]!),
          quantity: this.quantity[i]!,
          leaves: this.leaves[i]!,
          cum: this.cum[i]!,
          priorityKept: this.code[i] === 1,
        };
      case 'triggered':
        return {
          ...base,
          type,
          orderId: this.orderId[i]!,
          account: this.account[i]!,
          side,
          stopPrice: this.stopPrice[i]!,
        };
      default:
        throw new RangeError(`event ${i} has unknown type code ${this.type[i]}`);
    }
  }

  /** All buffered events, materialised. */
  events(): EngineEvent[] {
    const out: EngineEvent[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.event(i));
    return out;
  }

  private grow(): void {
    const n = this.type.length * 2;
    this.type = extend(this.type, new Uint8Array(n));
    this.side = extend(this.side, new Uint8Array(n));
    this.code = extend(this.code, new Uint8Array(n));
    this.request = extend(this.request, new Uint8Array(n));
    this.book = extend(this.book, new Int32Array(n));
    this.seq = extend(this.seq, new Float64Array(n));
    this.orderId = extend(this.orderId, new Float64Array(n));
    this.account = extend(this.account, new Float64Array(n));
    this.price = extend(this.price, new Float64Array(n));
    this.stopPrice = extend(this.stopPrice, new Float64Array(n));
    this.quantity = extend(this.quantity, new Float64Array(n));
    this.leaves = extend(this.leaves, new Float64Array(n));
    this.cum = extend(this.cum, new Float64Array(n));
    this.otherOrderId = extend(this.otherOrderId, new Float64Array(n));
    this.otherAccount = extend(this.otherAccount, new Float64Array(n));
  }
}

function extend<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
