import { type BarIntervalSpec, normalizeDecimal } from '@meridian/market-data-domain';
import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';
import { nanosToMicros, timestampFromMicrosSql } from './time-codec';

/** A stored bar as the query API serves it (decimals in shortest canonical form). */
export interface StoredBar {
  readonly symbol: string;
  readonly startNanos: bigint;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly tradeCount: bigint;
}

/** The latest trade of a symbol found in the ticks table. */
export interface StoredTrade {
  readonly symbol: string;
  readonly price: string;
  readonly exchangeTimeNanos: bigint;
  readonly sequence: bigint;
  readonly source: string;
}

const barRow = z.object({
  symbol: z.string(),
  start_us: z.string(),
  open: z.string(),
  high: z.string(),
  low: z.string(),
  close: z.string(),
  volume: z.string(),
  trade_count: z.string(),
});
const tradeRow = z.object({
  symbol: z.string(),
  price: z.string(),
  ns: z.string(),
  sequence: z.string(),
  source: z.string(),
});
const exists = z.object({ found: z.boolean() });

/**
 * Reads of the market-data tables. The same SQL serves both storage paths: `bars_<interval>`
 * is a table (plain) or a continuous aggregate (TimescaleDB) with the same columns.
 */
export class MarketDataRepository {
  constructor(private readonly db: Queryable) {}

  /** Bars whose start is in [fromNanos, toNanos), oldest first, at most `limit`. */
  async getBars(
    symbol: string,
    interval: BarIntervalSpec,
    fromNanos: bigint,
    toNanos: bigint,
    limit: number,
  ): Promise<StoredBar[]> {
    const { rows } = await this.db.query(
      `SELECT symbol, (extract(epoch FROM bucket) * 1000000)::bigint::text AS start_us,
              open::text, high::text, low::text, close::text, volume::text, trade_count::text
         FROM ${interval.table}
        WHERE symbol = $1 AND bucket >= ${timestampFromMicrosSql('$2')}
          AND bucket < ${timestampFromMicrosSql('$3')}
        ORDER BY bucket
        LIMIT $4`,
      [symbol, ceilMicros(fromNanos).toString(), ceilMicros(toNanos).toString(), limit],
      { rowSchema: barRow },
    );
    return rows.map((row) => ({
      symbol: row.symbol,
      startNanos: BigInt(row.start_us) * 1000n,
      open: normalizeDecimal(row.open),
      high: normalizeDecimal(row.high),
      low: normalizeDecimal(row.low),
      close: normalizeDecimal(row.close),
      volume: normalizeDecimal(row.volume),
      tradeCount: BigInt(row.trade_count),
    }));
  }

  /** Whether the symbol ever had a stored tick. */
  async symbolExists(symbol: string): Promise<boolean> {
    const { rows } = await this.db.query(
      'SELECT EXISTS (SELECT 1 FROM marketdata_symbols WHERE symbol = $1) AS found',
      [symbol],
      { rowSchema: exists },
    );
    return rows[0]?.found ?? false;
  }

  /** The symbol's latest stored trade (by exchange time, then sequence), or undefined. */
  async latestTrade(symbol: string): Promise<StoredTrade | undefined> {
    const { rows } = await this.db.query(
      `SELECT symbol, last_price::text AS price, exchange_time_ns::text AS ns,
              sequence::text AS sequence, source
         FROM ticks WHERE symbol = $1 AND last_price IS NOT NULL
        ORDER BY exchange_time DESC, exchange_time_ns DESC, sequence DESC LIMIT 1`,
      [symbol],
      { rowSchema: tradeRow },
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      symbol: row.symbol,
      price: normalizeDecimal(row.price),
      exchangeTimeNanos: BigInt(row.ns),
      sequence: BigInt(row.sequence),
      source: row.source,
    };
  }
}

/** Bucket starts are whole microseconds: a bound inside a microsecond rounds up, keeping [from, to). */
function ceilMicros(nanos: bigint): bigint {
  const micros = nanosToMicros(nanos);
  return micros * 1000n === nanos ? micros : micros + 1n;
}
