import {
  type OrderType,
  ORDER_TYPES,
  type Side,
  SIDES,
  type StpMode,
  STP_MODES,
  type TimeInForce,
  TIME_IN_FORCES,
} from './engine-event';
import { BookSnapshotError } from './orders-engine.error';

/** One live order in a snapshot (fixed-point numbers). */
export interface OrderSnapshot {
  readonly orderId: number;
  readonly account: number;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  readonly stp: StpMode;
  readonly postOnly: boolean;
  readonly price: number | null;
  readonly stopPrice: number | null;
  readonly quantity: number;
  readonly leaves: number;
  /** Currently displayed part of `leaves` (the iceberg slice; 0 for waiting stops). */
  readonly shown: number;
  readonly displayQuantity: number | null;
  readonly cum: number;
  readonly expireAt: number | null;
  /** Time priority (book-wide counter value when the order joined its queue). */
  readonly priority: number;
}

/**
 * The complete state of one book, JSON-safe and deterministic: orders are listed in matching order
 * (best price first, FIFO within a price), so two equal books give byte-identical JSON.
 */
export interface BookSnapshot {
  readonly format: 'meridian.book.v1';
  readonly symbol: string;
  /** Sequence number of the last event emitted; replay continues from seq + 1. */
  readonly seq: number;
  readonly priority: number;
  readonly now: number;
  readonly bids: readonly OrderSnapshot[];
  readonly asks: readonly OrderSnapshot[];
  readonly buyStops: readonly OrderSnapshot[];
  readonly sellStops: readonly OrderSnapshot[];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function safeInt(x: unknown, min: number): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
}

function nullableInt(x: unknown, min: number): x is number | null {
  return x === null || safeInt(x, min);
}

function oneOf<T extends string>(values: readonly T[], x: unknown): x is T {
  return typeof x === 'string' && (values as readonly string[]).includes(x);
}

function parseOrder(x: unknown, where: string): OrderSnapshot {
  if (!isRecord(x)) throw new BookSnapshotError(`${where} is not an object`);
  const {
    orderId,
    account,
    side,
    orderType,
    tif,
    stp,
    postOnly,
    price,
    stopPrice,
    quantity,
    leaves,
    shown,
    displayQuantity,
    cum,
    expireAt,
    priority,
  } = x;
  if (!safeInt(orderId, 1) || !safeInt(account, 0))
    throw new BookSnapshotError(`${where}: bad orderId/account`);
  if (
    !oneOf(SIDES, side) ||
    !oneOf(ORDER_TYPES, orderType) ||
    !oneOf(TIME_IN_FORCES, tif) ||
    !oneOf(STP_MODES, stp)
  ) {
    throw new BookSnapshotError(`${where}: bad side/orderType/tif/stp`);
  }
  if (typeof postOnly !== 'boolean') throw new BookSnapshotError(`${where}: bad postOnly`);
  if (
    !nullableInt(price, 1) ||
    !nullableInt(stopPrice, 1) ||
    !nullableInt(displayQuantity, 1) ||
    !nullableInt(expireAt, 0)
  ) {
    throw new BookSnapshotError(`${where}: bad price/stopPrice/displayQuantity/expireAt`);
  }
  if (
    !safeInt(quantity, 1) ||
    !safeInt(leaves, 1) ||
    !safeInt(shown, 0) ||
    !safeInt(cum, 0) ||
    !safeInt(priority, 1)
  ) {
    throw new BookSnapshotError(`${where}: bad quantities/priority`);
  }
  if (leaves + cum !== quantity || shown > leaves)
    throw new BookSnapshotError(`${where}: quantities do not add up`);
  return {
    orderId,
    account,
    side,
    orderType,
    tif,
    stp,
    postOnly,
    price,
    stopPrice,
    quantity,
    leaves,
    shown,
    displayQuantity,
    cum,
    expireAt,
    priority,
  };
}

function parseList(x: unknown, where: string): OrderSnapshot[] {
  if (!Array.isArray(x)) throw new BookSnapshotError(`${where} is not an array`);
  return x.map((o, i) => parseOrder(o, `${where}[${i}]`));
}

/** Validates an untrusted snapshot (from storage) for `symbol`; throws BookSnapshotError. */
export function parseBookSnapshot(raw: unknown, symbol: string): BookSnapshot {
  if (!isRecord(raw)) throw new BookSnapshotError('not an object');
  if (raw['format'] !== 'meridian.book.v1') throw new BookSnapshotError('unknown format');
  if (raw['symbol'] !== symbol)
    throw new BookSnapshotError(`snapshot of ${String(raw['symbol'])} restored into ${symbol}`);
  const { seq, priority, now } = raw;
  if (!safeInt(seq, 0) || !safeInt(priority, 0) || !safeInt(now, 0))
    throw new BookSnapshotError('bad seq/priority/now');
  const snap: BookSnapshot = {
    format: 'meridian.book.v1',
    symbol,
    seq,
    priority,
    now,
    bids: parseList(raw['bids'], 'bids'),
    asks: parseList(raw['asks'], 'asks'),
    buyStops: parseList(raw['buyStops'], 'buyStops'),
    sellStops: parseList(raw['sellStops'], 'sellStops'),
  };
  const seen = new Set<number>();
  const check = (
    orders: readonly OrderSnapshot[],
    where: string,
    side: Side,
    stops: boolean,
  ): void => {
    for (const o of orders) {
      if (seen.has(o.orderId)) throw new BookSnapshotError(`duplicate order id ${o.orderId}`);
      seen.add(o.orderId);
      if (o.side !== side)
        throw new BookSnapshotError(`${where}: order ${o.orderId} is on the wrong side`);
      if ((stops ? o.stopPrice : o.price) === null)
        throw new BookSnapshotError(`${where}: order ${o.orderId} has no price`);
      if (o.priority > priority)
        throw new BookSnapshotError(`${where}: order ${o.orderId} has a future priority`);
    }
  };
  check(snap.bids, 'bids', 'buy', false);
  check(snap.asks, 'asks', 'sell', false);
  check(snap.buyStops, 'buyStops', 'buy', true);
  check(snap.sellStops, 'sellStops', 'sell', true);
  return snap;
}
