import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  aggregateBars,
  type BarRecord,
  type StorableTick,
  toBarRecord,
} from '@meridian/market-data-domain';
import type { Connection, Database } from '@meridian/shared-persistence';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { StorageMode } from './storage-mode';
import type { TickPartitions } from './tick-partitions';
import { encodeCopyRows, TICK_COPY_COLUMNS } from './tick-copy.encoder';
import { epochDayOfNanos, nanosToMicros } from './time-codec';

/**
 * How a batch reaches the ticks table.
 * - 'staging': COPY into an unlogged session temp table, then INSERT ... ON CONFLICT DO NOTHING
 *   (COPY itself cannot skip duplicates). Always one path.
 * - 'direct': COPY straight into `ticks` under a savepoint; on a unique violation (a replay)
 *   roll back to it and take the staging path. Cheaper when replays are rare.
 */
export type TickWriteStrategy = 'staging' | 'direct';

export interface TickBatchWriterOptions {
  readonly mode: StorageMode;
  /** Required for mode 'plain' (daily partitions are created on demand). */
  readonly partitions?: TickPartitions;
  /** Default 'staging'. */
  readonly strategy?: TickWriteStrategy;
}

export interface TickBatchResult {
  /** Ticks newly stored. */
  readonly inserted: number;
  /** Ticks of the batch already stored (replays) or repeated within it. */
  readonly duplicates: number;
  /** Bar rows upserted (plain mode; 0 with continuous aggregates). */
  readonly barRows: number;
  /** Wall-clock ms just after COMMIT returned. */
  readonly committedAtMs: number;
}

/** Test seam: runs inside the transaction just before COMMIT (crash injection). */
export interface TickBatchHooks {
  beforeCommit?(): Promise<void>;
}

const COLUMNS = TICK_COPY_COLUMNS;
const INSERT_FROM_STAGING = `INSERT INTO ticks (${COLUMNS}) SELECT ${COLUMNS} FROM tick_staging ON CONFLICT DO NOTHING`;
const UNIQUE_VIOLATION = '23505';

const BAR_TABLES = ['1m', '5m', '1h', '1d'] as const;
const MERGE = `
  open = CASE WHEN EXCLUDED.open_key < b.open_key THEN EXCLUDED.open ELSE b.open END,
  open_key = LEAST(b.open_key, EXCLUDED.open_key),
  high = GREATEST(b.high, EXCLUDED.high),
  low = LEAST(b.low, EXCLUDED.low),
  close = CASE WHEN EXCLUDED.close_key > b.close_key THEN EXCLUDED.close ELSE b.close END,
  close_key = GREATEST(b.close_key, EXCLUDED.close_key),
  volume = b.volume + EXCLUDED.volume,
  trade_count = b.trade_count + EXCLUDED.trade_count`;
/**
 * One statement for every interval: partial bars of the batch, merged exactly into the stored
 * ones (domain mergeBars, in SQL). Input rows are sorted, so concurrent writers lock in one order.
 */
const UPSERT_BARS = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::numeric[], $5::numeric[],
                       $6::numeric[], $7::numeric[], $8::numeric[], $9::bigint[], $10::text[], $11::text[])
    AS t(iv, symbol, start_us, open, high, low, close, volume, trade_count, open_key, close_key)
)${BAR_TABLES.map(
  (iv) => `, up_${iv} AS (
  INSERT INTO bars_${iv} AS b (symbol, bucket, open, high, low, close, volume, trade_count, open_key, close_key)
  SELECT symbol, timestamptz 'epoch' + start_us * interval '1 microsecond', open, high, low, close,
         volume, trade_count, open_key, close_key
    FROM input WHERE iv = '${iv}'
  ON CONFLICT (symbol, bucket) DO UPDATE SET ${MERGE}
  RETURNING 1)`,
).join('')}
SELECT ${BAR_TABLES.map((iv) => `(SELECT count(*) FROM up_${iv})`).join(' + ')} AS upserted`;

/**
 * Writes batches of validated ticks and, on plain PostgreSQL, their bars, in ONE transaction:
 * the caller commits its Kafka offsets only after `write` resolves. A tick already stored
 * (same natural key) is skipped and its trade is not counted in the bars again, so a replay
 * leaves ticks and bars exactly as they were.
 */
export class TickBatchWriter {
  private readonly staged = new WeakSet<PoolClient>();
  private readonly knownSymbols = new Set<string>();
  private readonly strategy: TickWriteStrategy;

  constructor(
    private readonly db: Database,
    private readonly options: TickBatchWriterOptions,
  ) {
    this.strategy = options.strategy ?? 'staging';
    if (options.mode === 'plain' && options.partitions === undefined)
      throw new RangeError('TickBatchWriter: plain mode needs the TickPartitions');
  }

  get mode(): StorageMode {
    return this.options.mode;
  }

  async write(
    ticks: readonly StorableTick[],
    hooks: TickBatchHooks = {},
  ): Promise<TickBatchResult> {
    if (ticks.length === 0)
      return { inserted: 0, duplicates: 0, barRows: 0, committedAtMs: Date.now() };
    if (this.options.mode === 'plain') await this.ensurePartitions(ticks);
    const copyRows = encodeCopyRows(ticks);
    const newSymbols = new Set<string>();
    for (const { symbol } of ticks) if (!this.knownSymbols.has(symbol)) newSymbols.add(symbol);

    const result = await this.db.withConnection(async (connection) => {
      await connection.query('BEGIN');
      try {
        const inserted = await this.insertTicks(connection, ticks, copyRows);
        let barRows = 0;
        if (this.options.mode === 'plain' && inserted.count > 0) {
          barRows = await upsertBars(connection, aggregateBars(inserted.ticks).map(toBarRecord));
        }
        if (newSymbols.size > 0)
          await connection.query(
            'INSERT INTO marketdata_symbols (symbol) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING',
            [[...newSymbols].sort()],
          );
        await hooks.beforeCommit?.();
        await connection.query('COMMIT');
        return {
          inserted: inserted.count,
          duplicates: ticks.length - inserted.count,
          barRows,
          committedAtMs: Date.now(),
        };
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    for (const symbol of newSymbols) this.knownSymbols.add(symbol);
    return result;
  }

  private async ensurePartitions(ticks: readonly StorableTick[]): Promise<void> {
    const partitions = this.options.partitions;
    if (partitions === undefined) return;
    let min = ticks[0]?.exchangeTimeNanos ?? 0n;
    let max = min;
    for (const tick of ticks) {
      if (tick.exchangeTimeNanos < min) min = tick.exchangeTimeNanos;
      if (tick.exchangeTimeNanos > max) max = tick.exchangeTimeNanos;
    }
    const first = epochDayOfNanos(min);
    const last = epochDayOfNanos(max);
    if (first === last && partitions.isKnown(first)) return;
    // A wide spread (a replay of scattered history) gets exactly its days, not the whole range.
    const days =
      last - first <= 31
        ? Array.from({ length: last - first + 1 }, (_, i) => first + i)
        : ticks.map((tick) => epochDayOfNanos(tick.exchangeTimeNanos));
    await partitions.ensureDays(days);
  }

  /** Inserts the batch; returns the ticks this transaction stored (all of them in the usual case). */
  private async insertTicks(
    connection: Connection,
    ticks: readonly StorableTick[],
    copyRows: Buffer,
  ): Promise<{ count: number; ticks: readonly StorableTick[] }> {
    if (this.strategy === 'direct') {
      await connection.query('SAVEPOINT direct_copy');
      try {
        const copied = await copyInto(connection.client, 'ticks', copyRows);
        return { count: copied, ticks };
      } catch (error) {
        if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
        await connection.query('ROLLBACK TO SAVEPOINT direct_copy');
      }
    }
    await this.ensureStaging(connection);
    await copyInto(connection.client, 'tick_staging', copyRows);
    await connection.query('SAVEPOINT staged_insert');
    const { rowCount } = await connection.query(INSERT_FROM_STAGING);
    if (rowCount === ticks.length) return { count: rowCount, ticks };
    // Some ticks were stored before (a replay): redo the insert, learning which ones are new,
    // so that only their trades go into the bars.
    await connection.query('ROLLBACK TO SAVEPOINT staged_insert');
    const { rows } = await connection.query<{
      symbol: string;
      source: string;
      sequence: string;
      ns: string;
    }>(
      `${INSERT_FROM_STAGING} RETURNING symbol, source, sequence::text AS sequence, exchange_time_ns::text AS ns`,
    );
    const fresh = new Map<string, number>();
    for (const row of rows) {
      const key = `${row.symbol}\u0000${row.source}\u0000${row.sequence}\u0000${row.ns}`;
      fresh.set(key, (fresh.get(key) ?? 0) + 1);
    }
    const insertedTicks = ticks.filter((tick) => {
      const key = `${tick.symbol}\u0000${tick.source}\u0000${tick.sequence}\u0000${tick.exchangeTimeNanos}`;
      const left = fresh.get(key) ?? 0;
      if (left === 0) return false;
      fresh.set(key, left - 1);
      return true;
    });
    return { count: rows.length, ticks: insertedTicks };
  }

  private async ensureStaging(connection: Connection): Promise<void> {
    if (this.staged.has(connection.client)) return;
    // Temp tables are never WAL-logged; ON COMMIT DELETE ROWS empties it after every batch.
    await connection.query(
      'CREATE TEMP TABLE IF NOT EXISTS tick_staging (LIKE ticks INCLUDING DEFAULTS) ON COMMIT DELETE ROWS',
    );
    this.staged.add(connection.client);
  }
}

async function copyInto(client: PoolClient, table: string, rows: Buffer): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN`));
  await pipeline(Readable.from([rows]), stream);
  return stream.rowCount ?? 0;
}

async function upsertBars(connection: Connection, bars: readonly BarRecord[]): Promise<number> {
  if (bars.length === 0) return 0;
  const columns: unknown[][] = Array.from({ length: 11 }, () => []);
  for (const bar of bars) {
    const values = [
      bar.interval,
      bar.symbol,
      nanosToMicros(bar.startNanos).toString(),
      bar.open,
      bar.high,
      bar.low,
      bar.close,
      bar.volume,
      bar.tradeCount.toString(),
      bar.openKey,
      bar.closeKey,
    ];
    values.forEach((value, index) => columns[index]?.push(value));
  }
  const { rows } = await connection.query<{ upserted: string }>(UPSERT_BARS, columns);
  return Number(rows[0]?.upserted ?? 0);
}
