/* eslint-disable @typescript-eslint/no-non-null-assertion -- slab reads use indices the book itself allocated; noUncheckedIndexedAccess cannot see that */
import { type BookSnapshot, type OrderSnapshot, parseBookSnapshot } from './book-snapshot';
import {
  type CancelCommand,
  type ExpireCommand,
  type NewOrderCommand,
  type ReplaceCommand,
} from './engine-command';
import { ORDER_TYPES, SIDES, STP_MODES, TIME_IN_FORCES } from './engine-event';
import { EV, type EventBuffer } from './event-buffer';
import { type Instrument } from './instrument';
import { IdIndex } from './id-index';
import { EngineCorruptionError } from './orders-engine.error';
import { PriceLadder } from './price-ladder';
import { R } from './reason-codes';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const BUY = 0;
const SELL = 1;

const T_LIMIT = 0;
const T_MARKET = 1;
const T_STOP = 2;
const T_STOP_LIMIT = 3;

const TIF_GTC = 0;
const TIF_DAY = 1;
const TIF_GTD = 2;
const TIF_IOC = 3;
const TIF_FOK = 4;

const STP_NEWEST = 0;
const STP_OLDEST = 1;

const S_FREE = 0;
const S_RESTING = 1;
const S_STOP = 2;
const S_ACTIVE = 3;

/** Request kinds, as indices of REQUEST_KINDS. */
export const REQ_NEW = 0;
export const REQ_CANCEL = 1;
export const REQ_REPLACE = 2;
export const REQ_EXPIRE = 3;
export const REQ_UNKNOWN = 4;

const NIL = -1;

/** One level of aggregated depth. Quantities in lots, price in ticks. */
export interface DepthLevel {
  readonly price: number;
  /** Displayed quantity (iceberg reserves are not shown). */
  readonly quantity: number;
  readonly orders: number;
}

/** Best bid and offer; a side is null when it is empty. */
export interface BestBidOffer {
  readonly bid: DepthLevel | null;
  readonly ask: DepthLevel | null;
}

function isPositiveSafe(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
}

function isNonNegativeSafe(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Why a value that is not a positive safe integer was refused: too big, not positive, or not an integer at all. */
function numberReason(x: unknown, malformed: number, notPositive: number): number {
  if (typeof x !== 'number' || Number.isNaN(x)) return malformed;
  if (x > MAX_SAFE) return R.OVERFLOW;
  if (x <= 0) return notPositive;
  return malformed;
}

function sideCode(side: unknown): number {
  return side === 'buy' ? BUY : side === 'sell' ? SELL : NIL;
}

function typeCode(type: unknown): number {
  switch (type) {
    case 'limit':
      return T_LIMIT;
    case 'market':
      return T_MARKET;
    case 'stop':
      return T_STOP;
    case 'stop-limit':
      return T_STOP_LIMIT;
    default:
      return NIL;
  }
}

function tifCode(tif: unknown): number {
  switch (tif) {
    case 'GTC':
      return TIF_GTC;
    case 'DAY':
      return TIF_DAY;
    case 'GTD':
      return TIF_GTD;
    case 'IOC':
      return TIF_IOC;
    case 'FOK':
      return TIF_FOK;
    default:
      return NIL;
  }
}

function stpCode(stp: unknown): number {
  switch (stp) {
    case undefined:
    case 'cancel-newest':
      return STP_NEWEST;
    case 'cancel-oldest':
      return STP_OLDEST;
    case 'cancel-both':
      return 2;
    default:
      return NIL;
  }
}

/**
 * A price-time priority limit order book for one instrument, on fixed-point integers.
 *
 * Layout (chosen for zero allocation per operation in steady state):
 * - orders live in a struct-of-arrays slab (typed arrays indexed by slot, free list through `oNext`);
 * - each price level is an intrusive doubly-linked FIFO through the slab (`oPrev`/`oNext`), with
 *   its aggregates (total, displayed, count) in a second slab;
 * - each side is a {@link PriceLadder}: sorted levels with the best at the end;
 * - stop orders wait in two more ladders keyed by stop price (the "trigger book");
 * - order id -> slot is a `Map<number, number>`.
 *
 * Use it through {@link MatchingEngine}; its methods take already-parsed fixed-point commands.
 */
export class OrderBook {
  readonly instrument: Instrument;
  /** Index of this book in its engine (events carry it). */
  readonly index: number;

  private seq = 0;
  private priority = 0;
  private now = 0;
  /**
   * Lower bound of the earliest `expireAt` among live GTD orders (Infinity: none). Raised only by
   * an expire scan (which sees every order); cancels and fills leave it low, which at worst costs
   * one scan that finds nothing due. Derived state: rebuilt on restore, never snapshotted.
   */
  private gtdBound = Infinity;
  /** A DAY order may be live (cleared by an end-of-day scan). Derived like `gtdBound`. */
  private dayLive = false;
  private tradeHi = 0;
  private tradeLo = Infinity;

  // Order slab.
  private capacity = 0;
  private freeHead = NIL;
  private oId = new Float64Array(0);
  private oAcct = new Float64Array(0);
  private oPrice = new Float64Array(0);
  private oStop = new Float64Array(0);
  private oQty = new Float64Array(0);
  private oLeaves = new Float64Array(0);
  private oShown = new Float64Array(0);
  private oPeak = new Float64Array(0);
  private oCum = new Float64Array(0);
  private oExpire = new Float64Array(0);
  private oSeq = new Float64Array(0);
  private oPrev = new Int32Array(0);
  private oNext = new Int32Array(0);
  private oLevel = new Int32Array(0);
  private oSide = new Uint8Array(0);
  private oType = new Uint8Array(0);
  private oTif = new Uint8Array(0);
  private oStp = new Uint8Array(0);
  private oPost = new Uint8Array(0);
  private oState = new Uint8Array(0);

  // Level slab.
  private levelCapacity = 0;
  private levelFree = NIL;
  private lPrice = new Float64Array(0);
  private lHead = new Int32Array(0);
  private lTail = new Int32Array(0);
  private lTotal = new Float64Array(0);
  private lShown = new Float64Array(0);
  private lCount = new Int32Array(0);

  private readonly bids = new PriceLadder(1);
  private readonly asks = new PriceLadder(-1);
  /** Buy stops trigger lowest stop price first; sell stops highest first. */
  private readonly buyStops = new PriceLadder(-1);
  private readonly sellStops = new PriceLadder(1);
  private readonly ids: IdIndex;
  /** Open quantity per side (resting + waiting stops + in flight); bounds level sums below 2^53. */
  private readonly sideOpen = new Float64Array(2);
  private triggerQueue = new Int32Array(64);
  private queueHead = 0;
  private queueTail = 0;

  constructor(instrument: Instrument, index: number, orderCapacity = 1024, levelCapacity = 256) {
    this.instrument = instrument;
    this.index = index;
    this.ids = new IdIndex(orderCapacity);
    this.growOrders(Math.max(16, orderCapacity | 0));
    this.growLevels(Math.max(16, levelCapacity | 0));
  }

  get symbol(): string {
    return this.instrument.symbol;
  }

  /** Sequence number of the last event this book emitted. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Number of live orders (resting and waiting stops). */
  get orderCount(): number {
    return this.ids.size;
  }

  /** The book's clock: the `now` of the last accepted `expire` (0 before any). */
  get clock(): number {
    return this.now;
  }

  /**
   * No GTD order can expire before this time (Infinity when none is live): a caller driving the
   * clock only needs to issue `expire` once its time reaches it. A lower bound, never late.
   */
  get nextExpiry(): number {
    return this.gtdBound;
  }

  /** False when no DAY order is live, so an end-of-day `expire` would expire nothing. */
  get mayHaveDayOrders(): boolean {
    return this.dayLive;
  }

  // ---------------------------------------------------------------- commands

  /** Validates and executes a new order. */
  newOrder(c: NewOrderCommand, sink: EventBuffer): void {
    const id = c.orderId;
    if (!isPositiveSafe(id)) return this.reject(sink, REQ_NEW, id, R.INVALID_ORDER_ID);
    if (this.ids.has(id)) return this.reject(sink, REQ_NEW, id, R.DUPLICATE_ORDER_ID);
    const account = c.account;
    if (!isNonNegativeSafe(account)) return this.reject(sink, REQ_NEW, id, R.INVALID_ACCOUNT);
    const side = sideCode(c.side);
    if (side === NIL) return this.reject(sink, REQ_NEW, id, R.INVALID_SIDE);
    const type = typeCode(c.orderType);
    if (type === NIL) return this.reject(sink, REQ_NEW, id, R.INVALID_ORDER_TYPE);
    const tif = tifCode(c.tif);
    if (tif === NIL) return this.reject(sink, REQ_NEW, id, R.INVALID_TIME_IN_FORCE);
    const stp = stpCode(c.stp);
    if (stp === NIL) return this.reject(sink, REQ_NEW, id, R.INVALID_STP_MODE);
    const qty = c.quantity;
    if (!isPositiveSafe(qty))
      return this.reject(
        sink,
        REQ_NEW,
        id,
        numberReason(qty, R.INVALID_QUANTITY, R.QUANTITY_NOT_POSITIVE),
      );
    const inst = this.instrument;

    let price = NaN;
    const hasLimit = type === T_LIMIT || type === T_STOP_LIMIT;
    if (hasLimit) {
      const p = c.price;
      if (!isPositiveSafe(p))
        return this.reject(
          sink,
          REQ_NEW,
          id,
          numberReason(p, R.INVALID_PRICE, R.PRICE_NOT_POSITIVE),
        );
      if (p < inst.minPriceTicks || p > inst.maxPriceTicks)
        return this.reject(sink, REQ_NEW, id, R.PRICE_OUT_OF_BAND);
      price = p;
    } else if (c.price !== undefined) {
      return this.reject(sink, REQ_NEW, id, R.INVALID_PRICE);
    }

    let stop = NaN;
    const isStop = type === T_STOP || type === T_STOP_LIMIT;
    if (isStop) {
      const s = c.stopPrice;
      if (!isPositiveSafe(s))
        return this.reject(
          sink,
          REQ_NEW,
          id,
          numberReason(s, R.INVALID_STOP_PRICE, R.INVALID_STOP_PRICE),
        );
      if (s < inst.minPriceTicks || s > inst.maxPriceTicks)
        return this.reject(sink, REQ_NEW, id, R.PRICE_OUT_OF_BAND);
      stop = s;
    } else if (c.stopPrice !== undefined) {
      return this.reject(sink, REQ_NEW, id, R.INVALID_STOP_PRICE);
    }

    const immediate = tif === TIF_IOC || tif === TIF_FOK;
    let peak = 0;
    const display = c.displayQuantity;
    if (display !== undefined) {
      if (!isPositiveSafe(display) || display > qty)
        return this.reject(sink, REQ_NEW, id, R.INVALID_DISPLAY_QUANTITY);
      if (!hasLimit || immediate)
        return this.reject(sink, REQ_NEW, id, R.INVALID_ORDER_COMBINATION);
      if (display < qty) peak = display;
    }

    const postOnly = c.postOnly;
    if (postOnly !== undefined && postOnly !== true && postOnly !== false) {
      return this.reject(sink, REQ_NEW, id, R.INVALID_ORDER_COMBINATION);
    }
    if (postOnly === true && (type !== T_LIMIT || immediate))
      return this.reject(sink, REQ_NEW, id, R.INVALID_ORDER_COMBINATION);

    let expireAt = NaN;
    if (tif === TIF_GTD) {
      const e = c.expireAt;
      if (!isNonNegativeSafe(e) || e <= this.now)
        return this.reject(sink, REQ_NEW, id, R.INVALID_EXPIRY);
      expireAt = e;
    } else if (c.expireAt !== undefined) {
      return this.reject(sink, REQ_NEW, id, R.INVALID_EXPIRY);
    }

    // Exact: an integer product <= 2^53 is computed exactly, and a larger one cannot round below maxNotional.
    if (qty * (hasLimit ? price : inst.maxPriceTicks) > inst.maxNotional)
      return this.reject(sink, REQ_NEW, id, R.OVERFLOW);
    if (this.sideOpen[side]! + qty > MAX_SAFE) return this.reject(sink, REQ_NEW, id, R.OVERFLOW);
    if (postOnly === true && this.crosses(side, price))
      return this.reject(sink, REQ_NEW, id, R.POST_ONLY_WOULD_CROSS);

    const slot = this.allocOrder();
    this.oId[slot] = id;
    this.oAcct[slot] = account;
    this.oPrice[slot] = price;
    this.oStop[slot] = stop;
    this.oQty[slot] = qty;
    this.oLeaves[slot] = qty;
    this.oShown[slot] = 0;
    this.oPeak[slot] = peak;
    this.oCum[slot] = 0;
    this.oExpire[slot] = expireAt;
    if (expireAt < this.gtdBound) this.gtdBound = expireAt;
    if (tif === TIF_DAY) this.dayLive = true;
    this.oSeq[slot] = 0;
    this.oSide[slot] = side;
    this.oType[slot] = type;
    this.oTif[slot] = tif;
    this.oStp[slot] = stp;
    this.oPost[slot] = postOnly === true ? 1 : 0;
    this.ids.set(id, slot);
    this.sideOpen[side] = this.sideOpen[side]! + qty;
    this.emitAccepted(sink, slot);

    if (isStop) {
      this.linkStop(slot);
      return;
    }
    this.oState[slot] = S_ACTIVE;
    this.execute(slot, sink);
    this.drainStops(sink);
  }

  /** Cancels a live order (resting or waiting stop). */
  cancel(c: CancelCommand, sink: EventBuffer): void {
    const id = c.orderId;
    if (!isPositiveSafe(id)) return this.reject(sink, REQ_CANCEL, id, R.INVALID_ORDER_ID);
    const slot = this.ids.get(id);
    if (slot === NIL) return this.reject(sink, REQ_CANCEL, id, R.UNKNOWN_ORDER);
    this.removeLive(slot);
    this.finish(sink, slot, EV.CANCELED, R.USER_REQUESTED);
  }

  /** Modifies price and/or quantity of a live order (see {@link ReplaceCommand} for priority rules). */
  replace(c: ReplaceCommand, sink: EventBuffer): void {
    const id = c.orderId;
    if (!isPositiveSafe(id)) return this.reject(sink, REQ_REPLACE, id, R.INVALID_ORDER_ID);
    const slot = this.ids.get(id);
    if (slot === NIL) return this.reject(sink, REQ_REPLACE, id, R.UNKNOWN_ORDER);
    const inst = this.instrument;
    const state = this.oState[slot]!;
    const type = this.oType[slot]!;
    const side = this.oSide[slot]!;
    const hasLimit = type === T_LIMIT || type === T_STOP_LIMIT;
    const oldPrice = this.oPrice[slot]!;
    const oldStop = this.oStop[slot]!;

    let price = oldPrice;
    if (c.price !== undefined) {
      const p = c.price;
      if (!hasLimit) return this.reject(sink, REQ_REPLACE, id, R.INVALID_PRICE);
      if (!isPositiveSafe(p))
        return this.reject(
          sink,
          REQ_REPLACE,
          id,
          numberReason(p, R.INVALID_PRICE, R.PRICE_NOT_POSITIVE),
        );
      if (p < inst.minPriceTicks || p > inst.maxPriceTicks)
        return this.reject(sink, REQ_REPLACE, id, R.PRICE_OUT_OF_BAND);
      price = p;
    }
    let stop = oldStop;
    if (c.stopPrice !== undefined) {
      const s = c.stopPrice;
      if (state !== S_STOP || !isPositiveSafe(s))
        return this.reject(sink, REQ_REPLACE, id, R.INVALID_STOP_PRICE);
      if (s < inst.minPriceTicks || s > inst.maxPriceTicks)
        return this.reject(sink, REQ_REPLACE, id, R.PRICE_OUT_OF_BAND);
      stop = s;
    }
    let qty = this.oQty[slot]!;
    if (c.quantity !== undefined) {
      const q = c.quantity;
      if (!isPositiveSafe(q))
        return this.reject(
          sink,
          REQ_REPLACE,
          id,
          numberReason(q, R.INVALID_QUANTITY, R.QUANTITY_NOT_POSITIVE),
        );
      qty = q;
    }
    const cum = this.oCum[slot]!;
    if (qty <= cum) return this.reject(sink, REQ_REPLACE, id, R.QUANTITY_NOT_ABOVE_FILLED);
    const leaves = this.oLeaves[slot]!;
    const newLeaves = qty - cum;
    if (qty * (hasLimit ? price : inst.maxPriceTicks) > inst.maxNotional)
      return this.reject(sink, REQ_REPLACE, id, R.OVERFLOW);
    if (this.sideOpen[side]! - leaves + newLeaves > MAX_SAFE)
      return this.reject(sink, REQ_REPLACE, id, R.OVERFLOW);
    if (this.oPost[slot] === 1 && this.crosses(side, price))
      return this.reject(sink, REQ_REPLACE, id, R.POST_ONLY_WOULD_CROSS);

    const samePrice = price === oldPrice || (Number.isNaN(price) && Number.isNaN(oldPrice));
    const sameStop = stop === oldStop || (Number.isNaN(stop) && Number.isNaN(oldStop));
    if (samePrice && sameStop && newLeaves <= leaves) {
      // Reducing in place keeps time priority.
      const delta = leaves - newLeaves;
      if (state === S_RESTING) {
        const level = this.oLevel[slot]!;
        const shown = this.oShown[slot]!;
        const newShown = shown < newLeaves ? shown : newLeaves;
        this.lTotal[level] = this.lTotal[level]! - delta;
        this.lShown[level] = this.lShown[level]! - (shown - newShown);
        this.oShown[slot] = newShown;
      }
      this.oLeaves[slot] = newLeaves;
      this.oQty[slot] = qty;
      this.sideOpen[side] = this.sideOpen[side]! - delta;
      this.emitReplaced(sink, slot, 1);
      return;
    }

    this.removeLive(slot);
    this.oPrice[slot] = price;
    this.oStop[slot] = stop;
    this.oQty[slot] = qty;
    this.oLeaves[slot] = newLeaves;
    this.sideOpen[side] = this.sideOpen[side]! - leaves + newLeaves;
    this.emitReplaced(sink, slot, 0);
    if (state === S_STOP) {
      this.linkStop(slot);
      return;
    }
    this.oState[slot] = S_ACTIVE;
    this.execute(slot, sink);
    this.drainStops(sink);
  }

  /** Advances the clock and expires GTD orders (and DAY orders at end of day), oldest priority first. */
  expire(c: ExpireCommand, sink: EventBuffer): void {
    const now = c.now;
    if (!isNonNegativeSafe(now) || now < this.now)
      return this.reject(sink, REQ_EXPIRE, NaN, R.INVALID_TIME);
    const endOfDay = c.endOfDay;
    if (endOfDay !== undefined && endOfDay !== true && endOfDay !== false)
      return this.reject(sink, REQ_EXPIRE, NaN, R.INVALID_COMMAND);
    this.now = now;
    // Nothing can be due: only the clock moves (callers may drive it with every command).
    if (now < this.gtdBound && (endOfDay !== true || !this.dayLive)) return;
    const due: number[] = [];
    let bound = Infinity;
    let dayLive = false;
    for (let slot = 0; slot < this.capacity; slot++) {
      const state = this.oState[slot]!;
      if (state !== S_RESTING && state !== S_STOP) continue;
      const tif = this.oTif[slot]!;
      if ((tif === TIF_GTD && this.oExpire[slot]! <= now) || (tif === TIF_DAY && endOfDay === true))
        due.push(slot);
      else if (tif === TIF_GTD) bound = Math.min(bound, this.oExpire[slot]!);
      else if (tif === TIF_DAY) dayLive = true;
    }
    this.gtdBound = bound;
    this.dayLive = dayLive;
    // Slots depend on allocation history; priority numbers do not (they survive snapshot/restore).
    due.sort((a, b) => this.oSeq[a]! - this.oSeq[b]!);
    for (const slot of due) {
      const reason = this.oTif[slot] === TIF_DAY ? R.END_OF_DAY : R.GOOD_TILL_DATE;
      this.removeLive(slot);
      this.finish(sink, slot, EV.EXPIRED, reason);
    }
  }

  /** Emits a rejection on this book's sequence. @internal */
  reject(sink: EventBuffer, request: number, orderId: unknown, reason: number): void {
    const i = sink.append(EV.REJECTED, this.index, ++this.seq);
    sink.request[i] = request;
    sink.orderId[i] = typeof orderId === 'number' && Number.isFinite(orderId) ? orderId : NaN;
    sink.code[i] = reason;
  }

  /** True when `orderId` is valid and free for a new order; otherwise the reason. @internal */
  idReason(orderId: unknown): number {
    if (!isPositiveSafe(orderId)) return R.INVALID_ORDER_ID;
    return this.ids.has(orderId) ? R.DUPLICATE_ORDER_ID : R.NONE;
  }

  // ---------------------------------------------------------------- queries

  /** Best bid price in ticks, NaN when there is none. */
  bestBid(): number {
    const level = this.bids.best();
    return level === NIL ? NaN : this.lPrice[level]!;
  }

  /** Best ask price in ticks, NaN when there is none. */
  bestAsk(): number {
    const level = this.asks.best();
    return level === NIL ? NaN : this.lPrice[level]!;
  }

  /** Best bid and offer with displayed quantity. */
  bbo(): BestBidOffer {
    const bid = this.bids.best();
    const ask = this.asks.best();
    return {
      bid: bid === NIL ? null : this.depthLevel(bid),
      ask: ask === NIL ? null : this.depthLevel(ask),
    };
  }

  /** Aggregated L2 depth, best first, up to `levels` per side (displayed quantities only). */
  depth(levels = 10): { bids: DepthLevel[]; asks: DepthLevel[] } {
    return { bids: this.ladderDepth(this.bids, levels), asks: this.ladderDepth(this.asks, levels) };
  }

  /** Live order ids of a side in matching order (best price first, FIFO within a level). For tests and tools. */
  ordersInPriority(side: 'buy' | 'sell'): number[] {
    const ladder = side === 'buy' ? this.bids : this.asks;
    const out: number[] = [];
    for (let i = ladder.n - 1; i >= 0; i--) {
      for (let o = this.lHead[ladder.levels[i]!]!; o !== NIL; o = this.oNext[o]!)
        out.push(this.oId[o]!);
    }
    return out;
  }

  // ---------------------------------------------------------------- snapshot

  /** A deterministic, JSON-safe copy of the book's state (no slot numbers: only ids, order and priorities). */
  snapshot(): BookSnapshot {
    return {
      format: 'meridian.book.v1',
      symbol: this.symbol,
      seq: this.seq,
      priority: this.priority,
      now: this.now,
      bids: this.ladderOrders(this.bids),
      asks: this.ladderOrders(this.asks),
      buyStops: this.ladderOrders(this.buyStops),
      sellStops: this.ladderOrders(this.sellStops),
    };
  }

  /** Replaces this book's state with a snapshot taken by {@link snapshot}. Throws BookSnapshotError on a malformed one. */
  restore(raw: unknown): void {
    const snap = parseBookSnapshot(raw, this.symbol);
    this.ids.clear();
    this.bids.clear();
    this.asks.clear();
    this.buyStops.clear();
    this.sellStops.clear();
    this.sideOpen.fill(0);
    this.freeHead = NIL;
    for (let s = this.capacity - 1; s >= 0; s--) this.freeOrder(s);
    this.levelFree = NIL;
    for (let l = this.levelCapacity - 1; l >= 0; l--) this.freeLevel(l);
    this.seq = snap.seq;
    this.priority = snap.priority;
    this.now = snap.now;
    this.gtdBound = Infinity;
    this.dayLive = false;
    this.tradeHi = 0;
    this.tradeLo = Infinity;
    this.queueHead = this.queueTail = 0;
    const lists: [readonly OrderSnapshot[], PriceLadder, number][] = [
      [snap.bids, this.bids, S_RESTING],
      [snap.asks, this.asks, S_RESTING],
      [snap.buyStops, this.buyStops, S_STOP],
      [snap.sellStops, this.sellStops, S_STOP],
    ];
    for (const [orders, ladder, state] of lists) {
      for (const o of orders) {
        const slot = this.allocOrder();
        this.oId[slot] = o.orderId;
        this.oAcct[slot] = o.account;
        this.oSide[slot] = o.side === 'buy' ? BUY : SELL;
        this.oType[slot] = ORDER_TYPES.indexOf(o.orderType);
        this.oTif[slot] = TIME_IN_FORCES.indexOf(o.tif);
        this.oStp[slot] = STP_MODES.indexOf(o.stp);
        this.oPost[slot] = o.postOnly ? 1 : 0;
        this.oPrice[slot] = o.price ?? NaN;
        this.oStop[slot] = o.stopPrice ?? NaN;
        this.oQty[slot] = o.quantity;
        this.oLeaves[slot] = o.leaves;
        this.oPeak[slot] = o.displayQuantity ?? 0;
        this.oCum[slot] = o.cum;
        this.oExpire[slot] = o.expireAt ?? NaN;
        if (o.tif === 'GTD' && o.expireAt !== null && o.expireAt < this.gtdBound)
          this.gtdBound = o.expireAt;
        if (o.tif === 'DAY') this.dayLive = true;
        this.oSeq[slot] = o.priority;
        this.oState[slot] = state;
        this.ids.set(o.orderId, slot);
        this.sideOpen[this.oSide[slot]!] = this.sideOpen[this.oSide[slot]!]! + o.leaves;
        const key = state === S_STOP ? o.stopPrice : o.price;
        if (key === null)
          throw new EngineCorruptionError(
            this.symbol,
            `restored order ${o.orderId} has no price for its ladder`,
          );
        this.appendToLevel(ladder, key, slot, o.shown);
      }
    }
  }

  // ---------------------------------------------------------------- matching

  /** Runs an accepted (or triggered, or repriced) order against the book; rests or cancels the remainder. */
  private execute(slot: number, sink: EventBuffer): void {
    const tif = this.oTif[slot]!;
    if (tif === TIF_FOK && !this.fokFillable(slot)) {
      this.finish(sink, slot, EV.CANCELED, R.FILL_OR_KILL);
      return;
    }
    if (!this.match(slot, sink)) return;
    if (this.oLeaves[slot] === 0) {
      this.release(slot);
      return;
    }
    const type = this.oType[slot]!;
    if (type === T_MARKET || type === T_STOP) this.finish(sink, slot, EV.CANCELED, R.NO_LIQUIDITY);
    else if (tif === TIF_IOC) this.finish(sink, slot, EV.CANCELED, R.IMMEDIATE_OR_CANCEL);
    else if (tif === TIF_FOK)
      throw new EngineCorruptionError(
        this.symbol,
        `FOK order ${this.oId[slot]} passed the check but did not fill`,
      );
    else this.rest(slot);
  }

  /**
   * Matches the incoming order in `slot` against the opposite side. Returns false when self-trade
   * prevention canceled the incoming order (its slot is then released).
   */
  private match(slot: number, sink: EventBuffer): boolean {
    const side = this.oSide[slot]!;
    const account = this.oAcct[slot]!;
    const stp = this.oStp[slot]!;
    const type = this.oType[slot]!;
    const market = type === T_MARKET || type === T_STOP;
    const limit = this.oPrice[slot]!;
    const opp = side === BUY ? this.asks : this.bids;
    const oAcct = this.oAcct;
    const oShown = this.oShown;
    const oLeaves = this.oLeaves;
    const oCum = this.oCum;
    const lHead = this.lHead;
    const lTotal = this.lTotal;
    const lShown = this.lShown;
    let leaves = oLeaves[slot]!;
    let cum = oCum[slot]!;
    let alive = true;
    let traded = 0;
    let hi = this.tradeHi;
    let lo = this.tradeLo;

    while (leaves > 0 && opp.n > 0) {
      const level = opp.levels[opp.n - 1]!;
      const price = this.lPrice[level]!;
      if (!market && (side === BUY ? price > limit : price < limit)) break;
      while (leaves > 0) {
        const maker = lHead[level]!;
        if (maker === NIL) break;
        if (oAcct[maker] === account) {
          if (stp !== STP_NEWEST) {
            this.unlink(maker);
            this.finish(sink, maker, EV.CANCELED, R.SELF_TRADE_PREVENTED);
          }
          if (stp !== STP_OLDEST) {
            alive = false;
            break;
          }
          continue;
        }
        const shown = oShown[maker]!;
        const take = leaves < shown ? leaves : shown;
        leaves -= take;
        cum += take;
        const makerLeaves = oLeaves[maker]! - take;
        const makerCum = oCum[maker]! + take;
        oShown[maker] = shown - take;
        oLeaves[maker] = makerLeaves;
        oCum[maker] = makerCum;
        lTotal[level] = lTotal[level]! - take;
        lShown[level] = lShown[level]! - take;
        traded += take;
        if (price > hi) hi = price;
        if (price < lo) lo = price;
        this.emitTrade(sink, slot, maker, price, take);
        this.emitFill(sink, maker, price, take, makerLeaves, makerCum);
        this.emitFill(sink, slot, price, take, leaves, cum);
        if (makerLeaves === 0) {
          this.unlink(maker);
          this.release(maker);
        } else if (shown === take) {
          this.replenish(maker, level);
        }
      }
      if (lHead[level] === NIL) {
        opp.removeAt(opp.n - 1);
        this.freeLevel(level);
      }
      if (!alive) break;
    }

    this.tradeHi = hi;
    this.tradeLo = lo;
    this.sideOpen[0] = this.sideOpen[0]! - traded;
    this.sideOpen[1] = this.sideOpen[1]! - traded;
    oLeaves[slot] = leaves;
    oCum[slot] = cum;
    if (!alive) this.finish(sink, slot, EV.CANCELED, R.SELF_TRADE_PREVENTED);
    return alive;
  }

  /**
   * Whether a FOK order can fill completely, without trading. Only other accounts' quantity at
   * acceptable prices counts. Under cancel-oldest, own orders are skipped (they will be canceled).
   * Under cancel-newest / cancel-both the order would stop at its first own resting order, so only
   * what trades before it counts: whole levels ahead of it, and in its level the displayed
   * quantity of the orders ahead of it (iceberg reserves replenish behind it).
   */
  private fokFillable(slot: number): boolean {
    const side = this.oSide[slot]!;
    const account = this.oAcct[slot]!;
    const skipOwn = this.oStp[slot] === STP_OLDEST;
    const type = this.oType[slot]!;
    const market = type === T_MARKET || type === T_STOP;
    const limit = this.oPrice[slot]!;
    const need = this.oLeaves[slot]!;
    const opp = side === BUY ? this.asks : this.bids;
    let available = 0;
    for (let i = opp.n - 1; i >= 0; i--) {
      const level = opp.levels[i]!;
      const price = this.lPrice[level]!;
      if (!market && (side === BUY ? price > limit : price < limit)) break;
      let shownAhead = 0;
      let levelOpen = 0;
      for (let o = this.lHead[level]!; o !== NIL; o = this.oNext[o]!) {
        if (this.oAcct[o] === account) {
          if (skipOwn) continue;
          return available + shownAhead >= need;
        }
        shownAhead += this.oShown[o]!;
        levelOpen += this.oLeaves[o]!;
        if (available + shownAhead >= need) return true;
      }
      available += levelOpen;
      if (available >= need) return true;
    }
    return false;
  }

  /** Moves triggered stops to the queue and enters them one at a time; a cascade is a loop, not recursion. */
  private drainStops(sink: EventBuffer): void {
    for (;;) {
      if (this.tradeHi > 0) this.collectTriggered();
      if (this.queueHead === this.queueTail) break;
      const slot = this.triggerQueue[this.queueHead++]!;
      this.oState[slot] = S_ACTIVE;
      this.emitTriggered(sink, slot);
      this.execute(slot, sink);
    }
    this.queueHead = this.queueTail = 0;
    this.tradeHi = 0;
    this.tradeLo = Infinity;
  }

  /**
   * Stops whose price was reached by the trades since the last collection, in a fixed order: buy
   * stops by stop price ascending, then sell stops by stop price descending; FIFO within a price.
   */
  private collectTriggered(): void {
    const hi = this.tradeHi;
    const lo = this.tradeLo;
    this.tradeHi = 0;
    this.tradeLo = Infinity;
    this.triggerLadder(this.buyStops, hi, true);
    this.triggerLadder(this.sellStops, lo, false);
  }

  private triggerLadder(ladder: PriceLadder, through: number, buy: boolean): void {
    while (ladder.n > 0) {
      const level = ladder.levels[ladder.n - 1]!;
      const stop = this.lPrice[level]!;
      if (buy ? stop > through : stop < through) return;
      for (let o = this.lHead[level]!; o !== NIL;) {
        const next = this.oNext[o]!;
        if (this.queueTail === this.triggerQueue.length) {
          const grown = new Int32Array(this.triggerQueue.length * 2);
          grown.set(this.triggerQueue);
          this.triggerQueue = grown;
        }
        this.triggerQueue[this.queueTail++] = o;
        this.oLevel[o] = NIL;
        o = next;
      }
      ladder.removeAt(ladder.n - 1);
      this.freeLevel(level);
    }
  }

  private crosses(side: number, price: number): boolean {
    if (side === BUY) {
      const ask = this.asks.best();
      return ask !== NIL && this.lPrice[ask]! <= price;
    }
    const bid = this.bids.best();
    return bid !== NIL && this.lPrice[bid]! >= price;
  }

  private rest(slot: number): void {
    const leaves = this.oLeaves[slot]!;
    const peak = this.oPeak[slot]!;
    this.oState[slot] = S_RESTING;
    this.oSeq[slot] = ++this.priority;
    this.appendToLevel(
      this.oSide[slot] === BUY ? this.bids : this.asks,
      this.oPrice[slot]!,
      slot,
      peak > 0 && peak < leaves ? peak : leaves,
    );
  }

  private linkStop(slot: number): void {
    this.oState[slot] = S_STOP;
    this.oSeq[slot] = ++this.priority;
    this.appendToLevel(
      this.oSide[slot] === BUY ? this.buyStops : this.sellStops,
      this.oStop[slot]!,
      slot,
      0,
    );
  }

  private appendToLevel(ladder: PriceLadder, price: number, slot: number, shown: number): void {
    let pos = ladder.find(price);
    let level: number;
    if (pos >= 0) {
      level = ladder.levels[pos]!;
    } else {
      pos = -pos - 1;
      level = this.allocLevel(price);
      ladder.insertAt(pos, price, level);
    }
    const tail = this.lTail[level]!;
    this.oPrev[slot] = tail;
    this.oNext[slot] = NIL;
    if (tail === NIL) this.lHead[level] = slot;
    else this.oNext[tail] = slot;
    this.lTail[level] = slot;
    this.oLevel[slot] = level;
    this.oShown[slot] = shown;
    this.lTotal[level] = this.lTotal[level]! + this.oLeaves[slot]!;
    this.lShown[level] = this.lShown[level]! + shown;
    this.lCount[level] = this.lCount[level]! + 1;
  }

  /** Iceberg slice exhausted: show a new slice and go to the back of the level (new time priority). */
  private replenish(slot: number, level: number): void {
    const leaves = this.oLeaves[slot]!;
    const peak = this.oPeak[slot]!;
    const shown = peak < leaves ? peak : leaves;
    this.oShown[slot] = shown;
    this.lShown[level] = this.lShown[level]! + shown;
    this.oSeq[slot] = ++this.priority;
    if (this.lTail[level] === slot) return;
    const next = this.oNext[slot]!;
    const prev = this.oPrev[slot]!;
    if (prev === NIL) this.lHead[level] = next;
    else this.oNext[prev] = next;
    this.oPrev[next] = prev;
    const tail = this.lTail[level]!;
    this.oNext[tail] = slot;
    this.oPrev[slot] = tail;
    this.oNext[slot] = NIL;
    this.lTail[level] = slot;
  }

  /** Unlinks an order from its level's FIFO (the level stays, even if empty). */
  private unlink(slot: number): void {
    const level = this.oLevel[slot]!;
    const prev = this.oPrev[slot]!;
    const next = this.oNext[slot]!;
    if (prev === NIL) this.lHead[level] = next;
    else this.oNext[prev] = next;
    if (next === NIL) this.lTail[level] = prev;
    else this.oPrev[next] = prev;
    this.lTotal[level] = this.lTotal[level]! - this.oLeaves[slot]!;
    this.lShown[level] = this.lShown[level]! - this.oShown[slot]!;
    this.lCount[level] = this.lCount[level]! - 1;
    this.oLevel[slot] = NIL;
  }

  /** Takes a resting or waiting order out of its ladder, dropping its level when it empties. */
  private removeLive(slot: number): void {
    const state = this.oState[slot]!;
    if (state !== S_RESTING && state !== S_STOP)
      throw new EngineCorruptionError(
        this.symbol,
        `order ${this.oId[slot]} is not live (state ${state})`,
      );
    const level = this.oLevel[slot]!;
    this.unlink(slot);
    if (this.lHead[level] !== NIL) return;
    const buy = this.oSide[slot] === BUY;
    const ladder =
      state === S_RESTING ? (buy ? this.bids : this.asks) : buy ? this.buyStops : this.sellStops;
    const pos = ladder.find(this.lPrice[level]!);
    if (pos < 0 || ladder.levels[pos] !== level)
      throw new EngineCorruptionError(
        this.symbol,
        `level ${this.lPrice[level]} missing from its ladder`,
      );
    ladder.removeAt(pos);
    this.freeLevel(level);
  }

  /** Ends an order's life with a canceled/expired event for its open quantity, then frees it. */
  private finish(sink: EventBuffer, slot: number, type: number, reason: number): void {
    const leaves = this.oLeaves[slot]!;
    const side = this.oSide[slot]!;
    const i = sink.append(type, this.index, ++this.seq);
    sink.orderId[i] = this.oId[slot]!;
    sink.account[i] = this.oAcct[slot]!;
    sink.side[i] = side;
    sink.code[i] = reason;
    sink.quantity[i] = leaves;
    sink.cum[i] = this.oCum[slot]!;
    this.sideOpen[side] = this.sideOpen[side]! - leaves;
    this.oLeaves[slot] = 0;
    this.release(slot);
  }

  private release(slot: number): void {
    this.ids.delete(this.oId[slot]!);
    this.freeOrder(slot);
  }

  // ---------------------------------------------------------------- events

  private emitAccepted(sink: EventBuffer, slot: number): void {
    const i = sink.append(EV.ACCEPTED, this.index, ++this.seq);
    sink.orderId[i] = this.oId[slot]!;
    sink.account[i] = this.oAcct[slot]!;
    sink.side[i] = this.oSide[slot]!;
    sink.code[i] = this.oType[slot]!;
    sink.price[i] = this.oPrice[slot]!;
    sink.stopPrice[i] = this.oStop[slot]!;
    sink.quantity[i] = this.oQty[slot]!;
  }

  private emitTrade(
    sink: EventBuffer,
    taker: number,
    maker: number,
    price: number,
    quantity: number,
  ): void {
    const i = sink.append(EV.TRADE, this.index, ++this.seq);
    sink.orderId[i] = this.oId[taker]!;
    sink.account[i] = this.oAcct[taker]!;
    sink.side[i] = this.oSide[taker]!;
    sink.otherOrderId[i] = this.oId[maker]!;
    sink.otherAccount[i] = this.oAcct[maker]!;
    sink.price[i] = price;
    sink.quantity[i] = quantity;
  }

  private emitFill(
    sink: EventBuffer,
    slot: number,
    price: number,
    quantity: number,
    leaves: number,
    cum: number,
  ): void {
    const i = sink.append(leaves === 0 ? EV.FILLED : EV.PARTIALLY_FILLED, this.index, ++this.seq);
    sink.orderId[i] = this.oId[slot]!;
    sink.account[i] = this.oAcct[slot]!;
    sink.side[i] = this.oSide[slot]!;
    sink.price[i] = price;
    sink.quantity[i] = quantity;
    sink.leaves[i] = leaves;
    sink.cum[i] = cum;
  }

  private emitReplaced(sink: EventBuffer, slot: number, kept: number): void {
    const i = sink.append(EV.REPLACED, this.index, ++this.seq);
    sink.orderId[i] = this.oId[slot]!;
    sink.account[i] = this.oAcct[slot]!;
    sink.side[i] = this.oSide[slot]!;
    sink.code[i] = kept;
    sink.price[i] = this.oPrice[slot]!;
    sink.stopPrice[i] = this.oStop[slot]!;
    sink.quantity[i] = this.oQty[slot]!;
    sink.leaves[i] = this.oLeaves[slot]!;
    sink.cum[i] = this.oCum[slot]!;
  }

  private emitTriggered(sink: EventBuffer, slot: number): void {
    const i = sink.append(EV.TRIGGERED, this.index, ++this.seq);
    sink.orderId[i] = this.oId[slot]!;
    sink.account[i] = this.oAcct[slot]!;
    sink.side[i] = this.oSide[slot]!;
    sink.stopPrice[i] = this.oStop[slot]!;
  }

  // ---------------------------------------------------------------- slabs

  private allocOrder(): number {
    if (this.freeHead === NIL) this.growOrders(this.capacity * 2);
    const slot = this.freeHead;
    this.freeHead = this.oNext[slot]!;
    return slot;
  }

  private freeOrder(slot: number): void {
    this.oState[slot] = S_FREE;
    this.oNext[slot] = this.freeHead;
    this.freeHead = slot;
  }

  private allocLevel(price: number): number {
    if (this.levelFree === NIL) this.growLevels(this.levelCapacity * 2);
    const level = this.levelFree;
    this.levelFree = this.lHead[level]!;
    this.lPrice[level] = price;
    this.lHead[level] = NIL;
    this.lTail[level] = NIL;
    this.lTotal[level] = 0;
    this.lShown[level] = 0;
    this.lCount[level] = 0;
    return level;
  }

  private freeLevel(level: number): void {
    this.lHead[level] = this.levelFree;
    this.levelFree = level;
  }

  private growOrders(capacity: number): void {
    const old = this.capacity;
    this.oId = growF64(this.oId, capacity);
    this.oAcct = growF64(this.oAcct, capacity);
    this.oPrice = growF64(this.oPrice, capacity);
    this.oStop = growF64(this.oStop, capacity);
    this.oQty = growF64(this.oQty, capacity);
    this.oLeaves = growF64(this.oLeaves, capacity);
    this.oShown = growF64(this.oShown, capacity);
    this.oPeak = growF64(this.oPeak, capacity);
    this.oCum = growF64(this.oCum, capacity);
    this.oExpire = growF64(this.oExpire, capacity);
    this.oSeq = growF64(this.oSeq, capacity);
    this.oPrev = growI32(this.oPrev, capacity);
    this.oNext = growI32(this.oNext, capacity);
    this.oLevel = growI32(this.oLevel, capacity);
    this.oSide = growU8(this.oSide, capacity);
    this.oType = growU8(this.oType, capacity);
    this.oTif = growU8(this.oTif, capacity);
    this.oStp = growU8(this.oStp, capacity);
    this.oPost = growU8(this.oPost, capacity);
    this.oState = growU8(this.oState, capacity);
    this.capacity = capacity;
    for (let s = capacity - 1; s >= old; s--) this.freeOrder(s);
  }

  private growLevels(capacity: number): void {
    const old = this.levelCapacity;
    this.lPrice = growF64(this.lPrice, capacity);
    this.lHead = growI32(this.lHead, capacity);
    this.lTail = growI32(this.lTail, capacity);
    this.lTotal = growF64(this.lTotal, capacity);
    this.lShown = growF64(this.lShown, capacity);
    this.lCount = growI32(this.lCount, capacity);
    this.levelCapacity = capacity;
    for (let l = capacity - 1; l >= old; l--) this.freeLevel(l);
  }

  // ---------------------------------------------------------------- views

  private depthLevel(level: number): DepthLevel {
    return {
      price: this.lPrice[level]!,
      quantity: this.lShown[level]!,
      orders: this.lCount[level]!,
    };
  }

  private ladderDepth(ladder: PriceLadder, levels: number): DepthLevel[] {
    const out: DepthLevel[] = [];
    for (let i = ladder.n - 1; i >= 0 && out.length < levels; i--)
      out.push(this.depthLevel(ladder.levels[i]!));
    return out;
  }

  private ladderOrders(ladder: PriceLadder): OrderSnapshot[] {
    const out: OrderSnapshot[] = [];
    for (let i = ladder.n - 1; i >= 0; i--) {
      for (let o = this.lHead[ladder.levels[i]!]!; o !== NIL; o = this.oNext[o]!)
        out.push(this.orderSnapshot(o));
    }
    return out;
  }

  private orderSnapshot(o: number): OrderSnapshot {
    const peak = this.oPeak[o]!;
    return {
      orderId: this.oId[o]!,
      account: this.oAcct[o]!,
      side: SIDES[this.oSide[o]!] ?? 'buy',
      orderType: ORDER_TYPES[this.oType[o]!] ?? 'limit',
      tif: TIME_IN_FORCES[this.oTif[o]!] ?? 'GTC',
      stp: STP_MODES[this.oStp[o]!] ?? 'cancel-newest',
      postOnly: this.oPost[o] === 1,
      price: nullIfNaN(this.oPrice[o]!),
      stopPrice: nullIfNaN(this.oStop[o]!),
      quantity: this.oQty[o]!,
      leaves: this.oLeaves[o]!,
      shown: this.oShown[o]!,
      displayQuantity: peak > 0 ? peak : null,
      cum: this.oCum[o]!,
      expireAt: nullIfNaN(this.oExpire[o]!),
      priority: this.oSeq[o]!,
    };
  }
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function growF64(from: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const to = new Float64Array(capacity);
  to.set(from);
  return to;
}

function growI32(from: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const to = new Int32Array(capacity);
  to.set(from);
  return to;
}

function growU8(from: Uint8Array, capacity: number): Uint8Array<ArrayBuffer> {
  const to = new Uint8Array(capacity);
  to.set(from);
  return to;
}
