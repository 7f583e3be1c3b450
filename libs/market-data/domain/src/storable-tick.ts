import { isDecimalText } from './exact-decimal';

/** A decimal as it travels in protobuf (`meridian.common.v1.Decimal`). */
export interface DecimalInput {
  readonly value: string;
}

/**
 * A decoded tick, shaped like the generated `marketdata.Tick` (which is assignable to it), so
 * this lib needs no contracts import.
 */
export interface TickInput {
  readonly symbol: string;
  readonly source: string;
  readonly sequence: bigint;
  readonly exchangeTimeUnixNanos: bigint;
  readonly receivedTimeUnixNanos: bigint;
  readonly bidPrice?: DecimalInput | undefined;
  readonly bidSize?: DecimalInput | undefined;
  readonly askPrice?: DecimalInput | undefined;
  readonly askSize?: DecimalInput | undefined;
  readonly lastPrice?: DecimalInput | undefined;
  readonly lastSize?: DecimalInput | undefined;
}

/** A tick that passed `validateTick`: what tick-writer stores, one row each. */
export interface StorableTick {
  readonly symbol: string;
  /** Feed that produced it; part of the natural key. */
  readonly source: string;
  /** Per (source, symbol) sequence, at most 2^63 - 1 (a PostgreSQL bigint). */
  readonly sequence: bigint;
  readonly exchangeTimeNanos: bigint;
  readonly receivedTimeNanos: bigint;
  /** Canonical decimal strings, undefined when the feed did not send the field. */
  readonly bidPrice: string | undefined;
  readonly bidSize: string | undefined;
  readonly askPrice: string | undefined;
  readonly askSize: string | undefined;
  readonly lastPrice: string | undefined;
  readonly lastSize: string | undefined;
}

/** Why a tick cannot be stored; the reason code goes into the DLQ header and the metric label. */
export type TickRejectReason =
  | 'SYMBOL_INVALID'
  | 'SOURCE_INVALID'
  | 'EXCHANGE_TIME_INVALID'
  | 'RECEIVED_TIME_INVALID'
  | 'SEQUENCE_OUT_OF_RANGE'
  | 'DECIMAL_INVALID'
  | 'PRICE_NOT_POSITIVE'
  | 'SIZE_NEGATIVE'
  | 'LAST_SIZE_WITHOUT_PRICE'
  | 'NO_PRICES';

export interface TickRejection {
  readonly reason: TickRejectReason;
  readonly detail: string;
}

export type TickValidation =
  | { readonly ok: true; readonly tick: StorableTick }
  | { readonly ok: false; readonly rejection: TickRejection };

/** Symbols as exchanges and the instrument catalog write them: "AAPL", "BTC-USD", "ES.Z26". */
export const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/;
export const SOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const MAX_BIGINT = 2n ** 63n - 1n;
const MINUS = 45; // '-'
const ZERO_TEXT = /^0(?:\.0+)?$/;

function isZeroText(value: string): boolean {
  return value.charCodeAt(0) === 48 && ZERO_TEXT.test(value);
}

type PriceField = 'bidPrice' | 'askPrice' | 'lastPrice';
type SizeField = 'bidSize' | 'askSize' | 'lastSize';
const PRICE_FIELDS: readonly PriceField[] = ['bidPrice', 'askPrice', 'lastPrice'];
const SIZE_FIELDS: readonly SizeField[] = ['bidSize', 'askSize', 'lastSize'];

function reject(reason: TickRejectReason, detail: string): TickValidation {
  return { ok: false, rejection: { reason, detail } };
}

/**
 * Checks what storage needs of a decoded tick: a symbol and source, positive times, a sequence
 * that fits a bigint, canonical decimals (prices > 0, sizes >= 0) and at least one price. The
 * ingestor already rejects crossed and out-of-band ticks; this guards the database against
 * anything else that reaches the topic. Rejections are values, never exceptions.
 */
export function validateTick(tick: TickInput): TickValidation {
  if (!SYMBOL_PATTERN.test(tick.symbol))
    return reject('SYMBOL_INVALID', `symbol "${tick.symbol.slice(0, 40)}" is empty or malformed`);
  if (!SOURCE_PATTERN.test(tick.source))
    return reject('SOURCE_INVALID', `source "${tick.source.slice(0, 70)}" is empty or malformed`);
  if (tick.exchangeTimeUnixNanos <= 0n)
    return reject('EXCHANGE_TIME_INVALID', 'exchange_time_unix_nanos must be > 0');
  if (tick.receivedTimeUnixNanos <= 0n)
    return reject('RECEIVED_TIME_INVALID', 'received_time_unix_nanos must be > 0');
  if (tick.sequence > MAX_BIGINT)
    return reject('SEQUENCE_OUT_OF_RANGE', `sequence ${tick.sequence} is above 2^63-1`);

  const values: Record<PriceField | SizeField, string | undefined> = {
    bidPrice: tick.bidPrice?.value,
    bidSize: tick.bidSize?.value,
    askPrice: tick.askPrice?.value,
    askSize: tick.askSize?.value,
    lastPrice: tick.lastPrice?.value,
    lastSize: tick.lastSize?.value,
  };
  // Grammar and sign checks on the strings: no bigint parsing on the hot path (200k ticks/s).
  for (const field of PRICE_FIELDS) {
    const value = values[field];
    if (value === undefined) continue;
    if (!isDecimalText(value)) return reject('DECIMAL_INVALID', `${field} "${value.slice(0, 50)}"`);
    if (value.charCodeAt(0) === MINUS || isZeroText(value))
      return reject('PRICE_NOT_POSITIVE', `${field} ${value} must be > 0`);
  }
  for (const field of SIZE_FIELDS) {
    const value = values[field];
    if (value === undefined) continue;
    if (!isDecimalText(value)) return reject('DECIMAL_INVALID', `${field} "${value.slice(0, 50)}"`);
    if (value.charCodeAt(0) === MINUS)
      return reject('SIZE_NEGATIVE', `${field} ${value} must be >= 0`);
  }
  if (values.lastSize !== undefined && values.lastPrice === undefined)
    return reject('LAST_SIZE_WITHOUT_PRICE', 'last_size without last_price');
  if (
    values.bidPrice === undefined &&
    values.askPrice === undefined &&
    values.lastPrice === undefined
  )
    return reject('NO_PRICES', 'a tick needs a bid, an ask or a last price');

  return {
    ok: true,
    tick: {
      symbol: tick.symbol,
      source: tick.source,
      sequence: tick.sequence,
      exchangeTimeNanos: tick.exchangeTimeUnixNanos,
      receivedTimeNanos: tick.receivedTimeUnixNanos,
      ...values,
    },
  };
}

/** Exchange time as stored (PostgreSQL timestamptz keeps microseconds; it floors, never rounds). */
export function exchangeTimeMicros(tick: Pick<StorableTick, 'exchangeTimeNanos'>): bigint {
  return tick.exchangeTimeNanos / 1000n;
}

/**
 * The natural key of a stored tick: (symbol, exchange time in microseconds, source, sequence),
 * the UNIQUE key of the ticks table. A replayed record has the same key, so it is stored once.
 */
export function tickNaturalKey(tick: StorableTick): string {
  return `${tick.symbol}\u0000${exchangeTimeMicros(tick)}\u0000${tick.source}\u0000${tick.sequence}`;
}

/**
 * Total order of trades inside a bar: exchange time (ns), then sequence, then source. As a
 * string (fixed-width numbers, compared by code unit, i.e. PostgreSQL COLLATE "C") so the
 * database merges partial bars with the same rule as `mergeBars`.
 */
export function tradeOrderKey(
  tick: Pick<StorableTick, 'exchangeTimeNanos' | 'sequence' | 'source'>,
): string {
  return `${tick.exchangeTimeNanos.toString().padStart(19, '0')}:${tick.sequence
    .toString()
    .padStart(19, '0')}:${tick.source}`;
}
