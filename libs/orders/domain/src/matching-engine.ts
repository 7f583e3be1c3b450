import { type BookSnapshot } from './book-snapshot';
import {
  type DecimalCommand,
  type DecimalNewOrderCommand,
  type DecimalReplaceCommand,
  type EngineCommand,
  type NewOrderCommand,
  type ReplaceCommand,
} from './engine-command';
import { type DecimalEvent, type EngineEvent } from './engine-event';
import { EV, type EventBuffer } from './event-buffer';
import { type FixedPointParse, Instrument, type InstrumentSpec } from './instrument';
import { OrderBook, REQ_CANCEL, REQ_EXPIRE, REQ_NEW, REQ_REPLACE, REQ_UNKNOWN } from './order-book';
import { InstrumentConfigError } from './orders-engine.error';
import { R } from './reason-codes';

/** Sizing hints; books grow on demand, these only avoid early growth. */
export interface MatchingEngineOptions {
  readonly ordersPerBook?: number;
  readonly levelsPerBook?: number;
}

function requestOf(type: unknown): number {
  switch (type) {
    case 'new':
      return REQ_NEW;
    case 'cancel':
      return REQ_CANCEL;
    case 'replace':
      return REQ_REPLACE;
    case 'expire':
      return REQ_EXPIRE;
    default:
      return REQ_UNKNOWN;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/**
 * Deterministic matching for a set of instruments: one {@link OrderBook} per symbol, each with its
 * own event sequence. Single-threaded and synchronous; the same commands give the same events.
 *
 * ```ts
 * const engine = new MatchingEngine([{ symbol: 'ACME', tickSize: '0.01', lotSize: '1', minPrice: '0.01', maxPrice: '10000', currencyDecimals: 2 }]);
 * const sink = new EventBuffer();
 * engine.processDecimal({ type: 'new', symbol: 'ACME', orderId: 1, account: 7, side: 'buy', orderType: 'limit', price: '101.25', quantity: '10', tif: 'GTC' }, sink);
 * ```
 */
export class MatchingEngine {
  /** Symbols in book-index order (events carry the index). */
  readonly symbols: readonly string[];
  private readonly books = new Map<string, OrderBook>();
  private readonly byIndex: OrderBook[] = [];
  // One-entry cache: a worker usually sees runs of commands for the same symbol.
  private lastSymbol: unknown = undefined;
  private lastBook: OrderBook | undefined = undefined;

  constructor(instruments: readonly InstrumentSpec[], options: MatchingEngineOptions = {}) {
    const symbols: string[] = [];
    for (const spec of instruments) {
      const instrument = new Instrument(spec);
      if (this.books.has(instrument.symbol))
        throw new InstrumentConfigError(instrument.symbol, 'defined twice');
      const book = new OrderBook(
        instrument,
        this.byIndex.length,
        options.ordersPerBook,
        options.levelsPerBook,
      );
      this.books.set(instrument.symbol, book);
      this.byIndex.push(book);
      symbols.push(instrument.symbol);
    }
    this.symbols = symbols;
  }

  /** The book of a symbol, if the engine trades it. */
  book(symbol: string): OrderBook | undefined {
    return this.books.get(symbol);
  }

  /** The compiled instrument of a symbol (for parsing and formatting at the edge). */
  instrument(symbol: string): Instrument | undefined {
    return this.books.get(symbol)?.instrument;
  }

  /**
   * Processes one fixed-point command, appending its events to `sink`. Never throws for bad input:
   * anything invalid becomes a `rejected` event. Throws EngineCorruptionError only if an internal
   * invariant broke.
   */
  process(command: EngineCommand, sink: EventBuffer): void {
    sink.bindSymbols(this.symbols);
    const book = this.route(command, sink);
    if (book === undefined) return;
    switch (command.type) {
      case 'new':
        return book.newOrder(command, sink);
      case 'cancel':
        return book.cancel(command, sink);
      case 'replace':
        return book.replace(command, sink);
      case 'expire':
        return book.expire(command, sink);
      default:
        return book.reject(
          sink,
          REQ_UNKNOWN,
          (command as { orderId?: unknown }).orderId,
          R.INVALID_COMMAND,
        );
    }
  }

  /**
   * Processes a command whose prices and quantities are decimal strings: they are parsed exactly
   * (never through a float) with the instrument's tick and lot, and any parse failure is a
   * rejection with its precise reason (OFF_TICK_PRICE, QUANTITY_TOO_PRECISE, ...).
   * Checks run in this order: order id, decimal fields, then the engine's own validation.
   */
  processDecimal(command: DecimalCommand, sink: EventBuffer): void {
    sink.bindSymbols(this.symbols);
    const book = this.route(command, sink);
    if (book === undefined) return;
    if (command.type === 'new') {
      const fixed = this.decodeNew(book, command);
      if (typeof fixed === 'number') return book.reject(sink, REQ_NEW, command.orderId, fixed);
      return book.newOrder(fixed, sink);
    }
    if (command.type === 'replace') {
      const fixed = this.decodeReplace(book, command);
      if (typeof fixed === 'number') return book.reject(sink, REQ_REPLACE, command.orderId, fixed);
      return book.replace(fixed, sink);
    }
    this.process(command, sink);
  }

  /** Snapshot of one book (undefined for an unknown symbol). */
  snapshot(symbol: string): BookSnapshot | undefined {
    return this.books.get(symbol)?.snapshot();
  }

  /** Restores a book from its snapshot; throws BookSnapshotError if it is malformed or for an unknown symbol. */
  restore(snapshot: BookSnapshot): void {
    const book = this.books.get(snapshot.symbol);
    if (book === undefined)
      throw new InstrumentConfigError(
        String(snapshot.symbol),
        'snapshot for a symbol this engine does not trade',
      );
    book.restore(snapshot);
  }

  /** Formats an event's prices and quantities as decimal strings of its instrument. */
  toDecimalEvent(event: EngineEvent): DecimalEvent {
    const instrument = event.symbol === null ? undefined : this.instrument(event.symbol);
    if (instrument === undefined) return event;
    const price = (v: number | null): string | null =>
      v === null ? null : instrument.formatPrice(v);
    const qty = (v: number): string => instrument.formatQuantity(v);
    switch (event.type) {
      case 'accepted':
        return {
          ...event,
          price: price(event.price),
          stopPrice: price(event.stopPrice),
          quantity: qty(event.quantity),
        };
      case 'trade':
        return {
          ...event,
          price: instrument.formatPrice(event.price),
          quantity: qty(event.quantity),
        };
      case 'partially-filled':
      case 'filled':
        return {
          ...event,
          price: instrument.formatPrice(event.price),
          quantity: qty(event.quantity),
          leaves: qty(event.leaves),
          cum: qty(event.cum),
        };
      case 'canceled':
      case 'expired':
        return { ...event, quantity: qty(event.quantity), cum: qty(event.cum) };
      case 'replaced':
        return {
          ...event,
          price: price(event.price),
          stopPrice: price(event.stopPrice),
          quantity: qty(event.quantity),
          leaves: qty(event.leaves),
          cum: qty(event.cum),
        };
      case 'triggered':
        return { ...event, stopPrice: instrument.formatPrice(event.stopPrice) };
      case 'rejected':
        return event;
    }
  }

  private route(command: unknown, sink: EventBuffer): OrderBook | undefined {
    if (!isRecord(command)) {
      this.rejectNoBook(sink, REQ_UNKNOWN, NaN, R.INVALID_COMMAND);
      return undefined;
    }
    const symbol = command['symbol'];
    if (symbol === this.lastSymbol && this.lastBook !== undefined) return this.lastBook;
    const book = typeof symbol === 'string' ? this.books.get(symbol) : undefined;
    if (book !== undefined) {
      this.lastSymbol = symbol;
      this.lastBook = book;
    }
    if (book === undefined)
      this.rejectNoBook(sink, requestOf(command['type']), command['orderId'], R.UNKNOWN_SYMBOL);
    return book;
  }

  private rejectNoBook(sink: EventBuffer, request: number, orderId: unknown, reason: number): void {
    const i = sink.append(EV.REJECTED, -1, 0);
    sink.request[i] = request;
    sink.orderId[i] = typeof orderId === 'number' && Number.isFinite(orderId) ? orderId : NaN;
    sink.code[i] = reason;
  }

  private decodeNew(book: OrderBook, c: DecimalNewOrderCommand): NewOrderCommand | number {
    const idReason = book.idReason(c.orderId);
    if (idReason !== R.NONE) return idReason;
    const inst = book.instrument;
    const quantity = inst.parseQuantity(c.quantity);
    if (!quantity.ok) return quantity.reason;
    const price = optional(c.price, (t) => inst.parsePrice(t));
    if (price !== undefined && !price.ok) return price.reason;
    const stopPrice = optional(c.stopPrice, (t) => inst.parsePrice(t));
    if (stopPrice !== undefined && !stopPrice.ok)
      return stopPrice.reason === R.INVALID_PRICE ? R.INVALID_STOP_PRICE : stopPrice.reason;
    const display = optional(c.displayQuantity, (t) => inst.parseQuantity(t));
    if (display !== undefined && !display.ok) return R.INVALID_DISPLAY_QUANTITY;
    return {
      ...c,
      quantity: quantity.value,
      price: price?.value,
      stopPrice: stopPrice?.value,
      displayQuantity: display?.value,
    };
  }

  private decodeReplace(book: OrderBook, c: DecimalReplaceCommand): ReplaceCommand | number {
    const inst = book.instrument;
    const quantity = optional(c.quantity, (t) => inst.parseQuantity(t));
    if (quantity !== undefined && !quantity.ok) return quantity.reason;
    const price = optional(c.price, (t) => inst.parsePrice(t));
    if (price !== undefined && !price.ok) return price.reason;
    const stopPrice = optional(c.stopPrice, (t) => inst.parsePrice(t));
    if (stopPrice !== undefined && !stopPrice.ok)
      return stopPrice.reason === R.INVALID_PRICE ? R.INVALID_STOP_PRICE : stopPrice.reason;
    return {
      type: 'replace',
      symbol: c.symbol,
      orderId: c.orderId,
      quantity: quantity?.value,
      price: price?.value,
      stopPrice: stopPrice?.value,
    };
  }
}

function optional(
  text: unknown,
  parse: (text: unknown) => FixedPointParse,
): (FixedPointParse & { value?: number }) | undefined {
  return text === undefined ? undefined : parse(text);
}
