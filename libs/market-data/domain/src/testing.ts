/**
 * Golden fixtures for OHLCV tests (this lib's, the tick-writer's and the query API's). Specs only.
 */
import { z } from 'zod';
import barsJson from './__fixtures__/bars.golden.json';
import ticksJson from './__fixtures__/ticks.golden.json';
import type { BarIntervalId } from './bar-interval';
import type { DecimalInput, TickInput } from './storable-tick';

const ISO_NANOS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/** "2026-03-02T09:30:00.123456789Z" → ns since the epoch, exactly. */
export function isoToNanos(iso: string): bigint {
  const match = ISO_NANOS.exec(iso);
  if (match === null)
    throw new RangeError(`not an ISO UTC time with up to 9 fraction digits: ${iso}`);
  const seconds = BigInt(Date.parse(`${match[1] ?? ''}Z`) / 1000);
  return seconds * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

const decimal = z.string().optional();
const tickRow = z.object({
  symbol: z.string(),
  source: z.string(),
  sequence: z.string(),
  exchangeTime: z.string(),
  bidPrice: decimal,
  bidSize: decimal,
  askPrice: decimal,
  askSize: decimal,
  lastPrice: decimal,
  lastSize: decimal,
});
const barRow = z.object({
  interval: z.enum(['1m', '5m', '1h', '1d']),
  symbol: z.string(),
  start: z.string(),
  open: z.string(),
  high: z.string(),
  low: z.string(),
  close: z.string(),
  volume: z.string(),
  tradeCount: z.string(),
});

function dec(value: string | undefined): DecimalInput | undefined {
  return value === undefined ? undefined : { value };
}

/**
 * The golden ticks, shaped like protobuf Ticks (`marketdata.Tick.fromPartial` takes them),
 * received 1 ms after the exchange time, in file order.
 */
export function goldenTicks(): TickInput[] {
  return z
    .object({ ticks: z.array(tickRow) })
    .parse(ticksJson)
    .ticks.map((row) => {
      const exchange = isoToNanos(row.exchangeTime);
      return {
        symbol: row.symbol,
        source: row.source,
        sequence: BigInt(row.sequence),
        exchangeTimeUnixNanos: exchange,
        receivedTimeUnixNanos: exchange + 1_000_000n,
        bidPrice: dec(row.bidPrice),
        bidSize: dec(row.bidSize),
        askPrice: dec(row.askPrice),
        askSize: dec(row.askSize),
        lastPrice: dec(row.lastPrice),
        lastSize: dec(row.lastSize),
      };
    });
}

/** One expected bar of the golden file. */
export interface GoldenBar {
  readonly interval: BarIntervalId;
  readonly symbol: string;
  readonly startNanos: bigint;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly tradeCount: bigint;
}

/** The hand-computed bars of the golden ticks, in file order (interval, symbol, start). */
export function goldenBars(): GoldenBar[] {
  return z
    .object({ bars: z.array(barRow) })
    .parse(barsJson)
    .bars.map((row) => ({
      interval: row.interval,
      symbol: row.symbol,
      startNanos: isoToNanos(row.start),
      open: row.open,
      high: row.high,
      low: row.low,
      close: row.close,
      volume: row.volume,
      tradeCount: BigInt(row.tradeCount),
    }));
}
