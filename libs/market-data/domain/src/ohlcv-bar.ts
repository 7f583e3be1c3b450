import {
  BAR_INTERVALS,
  barInterval,
  type BarIntervalId,
  type BarIntervalSpec,
  bucketStart,
} from './bar-interval';
import {
  addExact,
  compareExact,
  type ExactDecimal,
  formatExact,
  parseExactDecimal,
  ZERO,
} from './exact-decimal';
import { type StorableTick, tradeOrderKey } from './storable-tick';

/**
 * OHLCV of the trades of one symbol in one interval bucket, or of a subset of them (a batch):
 * two partial bars of the same bucket merge exactly (`mergeBars`), in any order, so the writer
 * can upsert a batch's bar onto the stored one.
 */
export interface PartialBar {
  readonly interval: BarIntervalId;
  readonly symbol: string;
  /** Bucket start, ns since the Unix epoch (UTC). */
  readonly startNanos: bigint;
  readonly open: ExactDecimal;
  readonly high: ExactDecimal;
  readonly low: ExactDecimal;
  readonly close: ExactDecimal;
  /** Sum of last_size; a trade without a size adds nothing. */
  readonly volume: ExactDecimal;
  /** Ticks with a last price. */
  readonly tradeCount: bigint;
  /** `tradeOrderKey` of the opening and closing trades. */
  readonly openKey: string;
  readonly closeKey: string;
}

/** A bar as strings (shortest canonical decimals): what the database and the API carry. */
export interface BarRecord {
  readonly interval: BarIntervalId;
  readonly symbol: string;
  readonly startNanos: bigint;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly tradeCount: bigint;
  readonly openKey: string;
  readonly closeKey: string;
}

/** Why two bars cannot merge: that is a caller bug, never data. */
export class BarMergeMismatchError extends RangeError {}

function maxExact(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  return compareExact(a, b) >= 0 ? a : b;
}

function minExact(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  return compareExact(a, b) <= 0 ? a : b;
}

/**
 * Merges two partial bars of the same (interval, symbol, bucket): open of the earliest trade,
 * close of the latest (by `tradeOrderKey`), high/low extremes, volume and count summed.
 * Commutative and associative, so batch order and batch boundaries do not matter.
 */
export function mergeBars(a: PartialBar, b: PartialBar): PartialBar {
  if (a.interval !== b.interval || a.symbol !== b.symbol || a.startNanos !== b.startNanos) {
    throw new BarMergeMismatchError(
      `cannot merge ${a.symbol}/${a.interval}@${a.startNanos} with ${b.symbol}/${b.interval}@${b.startNanos}`,
    );
  }
  const openFromA = a.openKey <= b.openKey;
  const closeFromA = a.closeKey >= b.closeKey;
  return {
    interval: a.interval,
    symbol: a.symbol,
    startNanos: a.startNanos,
    open: openFromA ? a.open : b.open,
    openKey: openFromA ? a.openKey : b.openKey,
    high: maxExact(a.high, b.high),
    low: minExact(a.low, b.low),
    close: closeFromA ? a.close : b.close,
    closeKey: closeFromA ? a.closeKey : b.closeKey,
    volume: addExact(a.volume, b.volume),
    tradeCount: a.tradeCount + b.tradeCount,
  };
}

/** The same bar re-bucketed into a wider interval (a 1m partial bar is part of its 5m bar). */
function rollUp(bar: PartialBar, to: BarIntervalSpec): PartialBar {
  return { ...bar, interval: to.id, startNanos: bucketStart(bar.startNanos, to) };
}

function barKey(interval: string, symbol: string, start: bigint): string {
  return `${interval}\u0000${symbol}\u0000${start}`;
}

/** A trade's position in the total order of `tradeOrderKey`: the tick itself, unformatted. */
type TradeRef = Pick<StorableTick, 'exchangeTimeNanos' | 'sequence' | 'source'>;

function before(a: TradeRef, b: TradeRef): boolean {
  if (a.exchangeTimeNanos !== b.exchangeTimeNanos) return a.exchangeTimeNanos < b.exchangeTimeNanos;
  if (a.sequence !== b.sequence) return a.sequence < b.sequence;
  return a.source < b.source;
}

interface Accumulator {
  readonly symbol: string;
  readonly startNanos: bigint;
  /** Bucket end (exclusive). */
  readonly endNanos: bigint;
  open: ExactDecimal;
  openRef: TradeRef;
  high: ExactDecimal;
  low: ExactDecimal;
  close: ExactDecimal;
  closeRef: TradeRef;
  volume: ExactDecimal;
  tradeCount: bigint;
}

interface SymbolBuckets {
  /** bucket start -> accumulator (bigint Map keys compare by value). */
  readonly byStart: Map<bigint, Accumulator>;
  /** The bucket of the symbol's previous trade: consecutive trades mostly share it. */
  last: Accumulator | undefined;
}

/**
 * The partial bars of a set of ticks, for each requested interval. Only ticks with a last price
 * (trades) count: quote-only ticks do not move OHLCV. Ticks may come in any order. Every
 * distinct price and size string is parsed once; wider intervals are merged from the narrowest
 * one. Sorted by interval (narrowest first), symbol and start, the order the writer locks rows in.
 */
export function aggregateBars(
  ticks: Iterable<StorableTick>,
  intervals: readonly BarIntervalSpec[] = BAR_INTERVALS,
): PartialBar[] {
  if (intervals.length === 0) return [];
  const sorted = [...intervals].sort((x, y) => (x.widthNanos < y.widthNanos ? -1 : 1));
  const base = sorted[0] ?? barInterval('1m');
  const bySymbol = new Map<string, SymbolBuckets>();
  // Feeds repeat prices and sizes: parse each distinct string once per call.
  const parsed = new Map<string, ExactDecimal>();
  const parse = (text: string, field: string): ExactDecimal => {
    let value = parsed.get(text);
    if (value === undefined) {
      value = parseExactDecimal(text);
      if (value === undefined) throw new RangeError(`unvalidated tick: ${field} ${text}`);
      parsed.set(text, value);
    }
    return value;
  };
  for (const tick of ticks) {
    if (tick.lastPrice === undefined) continue;
    const price = parse(tick.lastPrice, 'lastPrice');
    const size = tick.lastSize === undefined ? ZERO : parse(tick.lastSize, 'lastSize');
    const time = tick.exchangeTimeNanos;
    let buckets = bySymbol.get(tick.symbol);
    if (buckets === undefined) {
      buckets = { byStart: new Map(), last: undefined };
      bySymbol.set(tick.symbol, buckets);
    }
    let acc = buckets.last;
    if (acc === undefined || time < acc.startNanos || time >= acc.endNanos) {
      const startNanos = bucketStart(time, base);
      acc = buckets.byStart.get(startNanos);
      if (acc === undefined) {
        acc = {
          symbol: tick.symbol,
          startNanos,
          endNanos: startNanos + base.widthNanos,
          open: price,
          openRef: tick,
          high: price,
          low: price,
          close: price,
          closeRef: tick,
          volume: size,
          tradeCount: 1n,
        };
        buckets.byStart.set(startNanos, acc);
        buckets.last = acc;
        continue;
      }
      buckets.last = acc;
    }
    if (before(tick, acc.openRef)) {
      acc.open = price;
      acc.openRef = tick;
    }
    if (before(acc.closeRef, tick)) {
      acc.close = price;
      acc.closeRef = tick;
    }
    if (compareExact(price, acc.high) > 0) acc.high = price;
    if (compareExact(price, acc.low) < 0) acc.low = price;
    acc.volume = addExact(acc.volume, size);
    acc.tradeCount += 1n;
  }
  const baseBars: PartialBar[] = [];
  for (const buckets of bySymbol.values()) {
    for (const acc of buckets.byStart.values()) {
      baseBars.push({
        interval: base.id,
        symbol: acc.symbol,
        startNanos: acc.startNanos,
        open: acc.open,
        high: acc.high,
        low: acc.low,
        close: acc.close,
        volume: acc.volume,
        tradeCount: acc.tradeCount,
        openKey: tradeOrderKey(acc.openRef),
        closeKey: tradeOrderKey(acc.closeRef),
      });
    }
  }
  const result: PartialBar[] = baseBars.slice();
  for (const wider of sorted.slice(1)) {
    const rolled = new Map<string, PartialBar>();
    for (const bar of baseBars) {
      const up = rollUp(bar, wider);
      const id = barKey(wider.id, up.symbol, up.startNanos);
      const existing = rolled.get(id);
      rolled.set(id, existing === undefined ? up : mergeBars(existing, up));
    }
    result.push(...rolled.values());
  }
  const order = new Map(sorted.map((interval, index) => [interval.id, index]));
  return result.sort(
    (x, y) =>
      (order.get(x.interval) ?? 0) - (order.get(y.interval) ?? 0) ||
      (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : 0) ||
      (x.startNanos < y.startNanos ? -1 : x.startNanos > y.startNanos ? 1 : 0),
  );
}

/** A partial bar with its decimals as shortest canonical strings. */
export function toBarRecord(bar: PartialBar): BarRecord {
  return {
    interval: bar.interval,
    symbol: bar.symbol,
    startNanos: bar.startNanos,
    open: formatExact(bar.open),
    high: formatExact(bar.high),
    low: formatExact(bar.low),
    close: formatExact(bar.close),
    volume: formatExact(bar.volume),
    tradeCount: bar.tradeCount,
    openKey: bar.openKey,
    closeKey: bar.closeKey,
  };
}
