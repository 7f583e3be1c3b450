import {
  type BookSnapshot,
  type CancelCommand,
  EventBuffer,
  type ExpireCommand,
  type InstrumentSpec,
  MatchingEngine,
  type NewOrderCommand,
  type OrderBook,
  ORDER_TYPES,
  type ReplaceCommand,
  SIDES,
  STP_MODES,
  TIME_IN_FORCES,
} from '@meridian/orders-domain';

import {
  CB,
  CMD_KIND,
  CS,
  EB,
  ES,
  EVT_BARRIER,
  EVT_SLOTS,
  RecordBuffer,
  REQUEST,
} from './record-layout';
import { DEFAULT_TRADING_DAY_END_UTC, nextTradingDayEnd, parseTradingDayEnd } from './trading-day';

/** TIF byte of GTD in command records (TIME_IN_FORCES order). */
const TIF_GTD = TIME_IN_FORCES.indexOf('GTD');

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function orUndefined(value: number): number | undefined {
  return Number.isNaN(value) ? undefined : value;
}

export interface EngineWorkerOptions {
  /** End of the trading day, ms after UTC midnight (`parseTradingDayEnd`). Default 21:00. */
  readonly tradingDayEndMs?: number;
}

/**
 * The inside of one worker thread: a MatchingEngine over the symbols this worker owns, fed with
 * command records and answering with event records. No I/O and no clock, so the same records
 * always give the same events (the executor's recovery relies on it). Command objects are
 * reused: nothing is allocated per command.
 *
 * Time comes from the records: a command's event time (`CS.AT`, the gateway's publish time)
 * drives its book's clock. Before the command applies, if that time reached the book's next GTD
 * expiry or the end of the trading day, the engine's `expire` runs with it, so the Expired
 * events come first on the book's sequence, tagged with the command. The book's clock is the
 * engine's `now` (in the book snapshot): an older timestamp never moves it back, and the
 * trading-day boundary is derived from it, so a restored book decides exactly as the live one.
 */
export class EngineWorkerCore {
  /** Event records of the commands processed since the caller last cleared it. */
  readonly out = new RecordBuffer(EVT_SLOTS, 4096);
  private readonly engine: MatchingEngine;
  private readonly sink = new EventBuffer(256);
  /** Global symbol index -> symbol (only owned ones are set). */
  private readonly symbolOf: (string | undefined)[];
  /** Engine book index -> global symbol index. */
  private readonly globalOfBook: Int32Array;
  /** Global symbol index -> its book (owned ones only). */
  private readonly bookOf: (OrderBook | undefined)[];
  /** Global symbol index -> the first end of a trading day after the book's clock (Unix ms). */
  private readonly dayEnd: Float64Array;
  private readonly dayEndMs: number;
  private readonly newCmd: Mutable<NewOrderCommand> = {
    type: 'new',
    symbol: '',
    orderId: 0,
    account: 0,
    side: 'buy',
    orderType: 'limit',
    quantity: 0,
    tif: 'GTC',
  };
  private readonly cancelCmd: Mutable<CancelCommand> = { type: 'cancel', symbol: '', orderId: 0 };
  private readonly replaceCmd: Mutable<ReplaceCommand> = {
    type: 'replace',
    symbol: '',
    orderId: 0,
  };
  private readonly expireCmd: Mutable<ExpireCommand> = { type: 'expire', symbol: '', now: 0 };

  /**
   * @param instruments every instrument of the pool, in pool order (records name them by index)
   * @param owned global indexes of the symbols this worker matches
   */
  constructor(
    instruments: readonly InstrumentSpec[],
    owned: readonly number[],
    options: EngineWorkerOptions = {},
  ) {
    const specs = owned.map((i) => {
      const spec = instruments[i];
      if (spec === undefined) throw new RangeError(`no instrument #${i}`);
      return spec;
    });
    this.engine = new MatchingEngine(specs);
    this.symbolOf = instruments.map(() => undefined);
    this.globalOfBook = new Int32Array(owned.length);
    owned.forEach((global, book) => {
      this.symbolOf[global] = specs[book]?.symbol;
      this.globalOfBook[book] = global;
    });
    this.dayEndMs = options.tradingDayEndMs ?? parseTradingDayEnd(DEFAULT_TRADING_DAY_END_UTC);
    this.bookOf = this.symbolOf.map((symbol) =>
      symbol === undefined ? undefined : this.engine.book(symbol),
    );
    this.dayEnd = new Float64Array(instruments.length).fill(Infinity);
    this.resetDayEnds();
  }

  /** Runs `count` command records of `f64`/`u8` from record `from`, appending events to `out`. */
  processRecords(
    f64: Float64Array,
    u8: Uint8Array,
    from: number,
    count: number,
    slots: number,
  ): void {
    for (let r = from; r < from + count; r++) this.processRecord(f64, u8, r * slots);
  }

  /** Runs one command record whose first slot is `base`. */
  processRecord(f64: Float64Array, u8: Uint8Array, base: number): void {
    const byte = base * 8;
    const kind = u8[byte + CB.KIND];
    const tag = f64[base + CS.TAG] ?? NaN;
    if (kind === CMD_KIND.BARRIER) {
      const at = this.out.append();
      this.out.u8[at * 8 + EB.TYPE] = EVT_BARRIER;
      this.out.f64[at + ES.TAG] = tag;
      return;
    }
    const symbol = this.symbolOf[f64[base + CS.SYMBOL] ?? -1];
    // The pool only routes owned symbols here; anything else is a routing bug, not bad input.
    if (symbol === undefined)
      throw new RangeError(`symbol #${f64[base + CS.SYMBOL]} is not owned by this worker`);
    const sink = this.sink;
    const at = f64[base + CS.AT] ?? NaN;
    if (at > 0 && kind !== CMD_KIND.EXPIRE)
      this.advanceClock(
        f64[base + CS.SYMBOL] ?? -1,
        symbol,
        at,
        kind === CMD_KIND.NEW && u8[byte + CB.TIF] === TIF_GTD,
      );
    switch (kind) {
      case CMD_KIND.NEW: {
        const c = this.newCmd;
        c.symbol = symbol;
        c.orderId = f64[base + CS.ORDER_ID] ?? NaN;
        c.account = f64[base + CS.ACCOUNT] ?? NaN;
        c.side = SIDES[u8[byte + CB.SIDE] ?? 255] ?? (undefined as unknown as 'buy');
        c.orderType =
          ORDER_TYPES[u8[byte + CB.ORDER_TYPE] ?? 255] ?? (undefined as unknown as 'limit');
        c.tif = TIME_IN_FORCES[u8[byte + CB.TIF] ?? 255] ?? (undefined as unknown as 'GTC');
        c.stp = STP_MODES[u8[byte + CB.STP] ?? 0];
        c.postOnly = u8[byte + CB.POST_ONLY] === 1;
        c.price = orUndefined(f64[base + CS.PRICE] ?? NaN);
        c.stopPrice = orUndefined(f64[base + CS.STOP_PRICE] ?? NaN);
        c.quantity = f64[base + CS.QUANTITY] ?? NaN;
        c.displayQuantity = orUndefined(f64[base + CS.DISPLAY] ?? NaN);
        c.expireAt = orUndefined(f64[base + CS.TIME] ?? NaN);
        this.engine.process(c, sink);
        break;
      }
      case CMD_KIND.CANCEL: {
        const c = this.cancelCmd;
        c.symbol = symbol;
        c.orderId = f64[base + CS.ORDER_ID] ?? NaN;
        this.engine.process(c, sink);
        break;
      }
      case CMD_KIND.REPLACE: {
        const c = this.replaceCmd;
        c.symbol = symbol;
        c.orderId = f64[base + CS.ORDER_ID] ?? NaN;
        c.price = orUndefined(f64[base + CS.PRICE] ?? NaN);
        c.stopPrice = orUndefined(f64[base + CS.STOP_PRICE] ?? NaN);
        c.quantity = orUndefined(f64[base + CS.QUANTITY] ?? NaN);
        this.engine.process(c, sink);
        break;
      }
      case CMD_KIND.EXPIRE: {
        const global = f64[base + CS.SYMBOL] ?? -1;
        const now = f64[base + CS.TIME] ?? NaN;
        // Crossing a trading-day boundary always ends the day, so the boundary stays derivable
        // from the clock alone (a restored book must decide like this one).
        this.expire(symbol, now, f64[base + CS.DISPLAY] === 1 || now >= (this.dayEnd[global] ?? 0));
        this.resetDayEnd(global);
        break;
      }
      case CMD_KIND.REJECT: {
        const book = this.engine.book(symbol);
        if (book === undefined) throw new RangeError(`no book for ${symbol}`);
        const orderId = f64[base + CS.ORDER_ID] ?? NaN;
        const request = u8[byte + CB.REQUEST] ?? REQUEST.UNKNOWN;
        // Same precedence as processDecimal: an unusable or duplicate order id is reported first.
        const idReason = request === REQUEST.NEW ? book.idReason(orderId) : 0;
        book.reject(
          sink,
          request,
          orderId,
          idReason !== 0 ? idReason : (u8[byte + CB.REASON] ?? 0),
        );
        break;
      }
      default:
        this.engine.process({ type: 'unknown' } as unknown as CancelCommand, sink);
    }
    this.drain(tag);
  }

  /** Book snapshots of every owned symbol. */
  snapshot(): BookSnapshot[] {
    const out: BookSnapshot[] = [];
    for (const symbol of this.engine.symbols) {
      const snap = this.engine.snapshot(symbol);
      if (snap !== undefined) out.push(snap);
    }
    return out;
  }

  /** Restores books (each must be an owned symbol); throws BookSnapshotError on a bad one. */
  restore(books: readonly BookSnapshot[]): void {
    for (const book of books) this.engine.restore(book);
    this.resetDayEnds();
  }

  /**
   * Moves a book's clock to `at` if that is later (max: an older timestamp changes nothing),
   * expiring what is due first. The common case is two comparisons against cached bounds; the
   * engine scans the book only when a GTD expiry or the end of the day was reached.
   */
  private advanceClock(global: number, symbol: string, at: number, gtdNew: boolean): void {
    const book = this.bookOf[global];
    // The clock only moves forward, and only to a time the engine accepts (a safe integer).
    if (book === undefined || !(at > book.clock) || !Number.isSafeInteger(at)) return;
    if (at >= (this.dayEnd[global] ?? Infinity)) {
      this.expire(symbol, at, true);
      this.dayEnd[global] = nextTradingDayEnd(at, this.dayEndMs);
    } else if (at >= book.nextExpiry || gtdNew) {
      // A new GTD order is checked against the command's time: an expiry already past is
      // rejected (INVALID_EXPIRY) instead of resting until the next command. Nothing due: the
      // engine only moves its clock (no scan).
      this.expire(symbol, at, false);
    }
  }

  private expire(symbol: string, now: number, endOfDay: boolean): void {
    const c = this.expireCmd;
    c.symbol = symbol;
    c.now = now;
    c.endOfDay = endOfDay;
    this.engine.process(c, this.sink);
  }

  private resetDayEnds(): void {
    for (let global = 0; global < this.bookOf.length; global++) this.resetDayEnd(global);
  }

  private resetDayEnd(global: number): void {
    const book = this.bookOf[global];
    if (book !== undefined) this.dayEnd[global] = nextTradingDayEnd(book.clock, this.dayEndMs);
  }

  private drain(tag: number): void {
    const sink = this.sink;
    const out = this.out;
    for (let i = 0; i < sink.length; i++) {
      const at = out.append();
      const f = out.f64;
      const b = at * 8;
      out.u8[b + EB.TYPE] = sink.type[i] ?? 0;
      out.u8[b + EB.SIDE] = sink.side[i] ?? 0;
      out.u8[b + EB.CODE] = sink.code[i] ?? 0;
      out.u8[b + EB.REQUEST] = sink.request[i] ?? 0;
      f[at + ES.TAG] = tag;
      const book = sink.book[i] ?? -1;
      f[at + ES.SYMBOL] = book >= 0 ? (this.globalOfBook[book] ?? -1) : -1;
      f[at + ES.SEQ] = sink.seq[i] ?? 0;
      f[at + ES.ORDER_ID] = sink.orderId[i] ?? NaN;
      f[at + ES.ACCOUNT] = sink.account[i] ?? NaN;
      f[at + ES.PRICE] = sink.price[i] ?? NaN;
      f[at + ES.STOP_PRICE] = sink.stopPrice[i] ?? NaN;
      f[at + ES.QUANTITY] = sink.quantity[i] ?? NaN;
      f[at + ES.LEAVES] = sink.leaves[i] ?? NaN;
      f[at + ES.CUM] = sink.cum[i] ?? NaN;
      f[at + ES.OTHER_ORDER_ID] = sink.otherOrderId[i] ?? NaN;
      f[at + ES.OTHER_ACCOUNT] = sink.otherAccount[i] ?? NaN;
    }
    sink.clear();
  }
}
