import { type StorableTick, validateTick } from '@meridian/market-data-domain';
import { goldenBars, goldenTicks, isoToNanos } from '@meridian/market-data-domain/testing';
import { createTestSchema, type TestSchema } from '@meridian/shared-persistence/testing';
import { barInterval } from '@meridian/market-data-domain';
import { MarketDataRepository } from './bars.repository';
import { migrateMarketDataSchema } from './marketdata.migrations';
import { readStorageMode } from './storage-mode';
import { TickBatchWriter } from './tick-batch.writer';
import { TickPartitions } from './tick-partitions';
import { epochDayOfNanos } from './time-codec';
import { allBars, countDuplicateKeys, countTicks } from './testing';
import { StorageNotMigratedError } from './market-data.error';

function storable(): StorableTick[] {
  return goldenTicks().map((tick) => {
    const result = validateTick(tick);
    if (!result.ok) throw new Error(result.rejection.detail);
    return result.tick;
  });
}

describe('market-data storage on plain PostgreSQL', () => {
  let schema: TestSchema;

  beforeAll(async () => {
    schema = await createTestSchema('md_da');
  });
  afterAll(async () => {
    await schema.drop();
  });

  it('refuses to report a mode before migrating', async () => {
    await expect(readStorageMode(schema.db)).rejects.toBeInstanceOf(StorageNotMigratedError);
  });

  it('migrates to the plain path (idempotently) with partitioning, BRIN and the natural key', async () => {
    const first = await migrateMarketDataSchema(schema.db, schema.schema);
    expect(first.applied.map((m) => m.name)).toEqual(['0001_marketdata_storage.sql']);
    const again = await migrateMarketDataSchema(schema.db, schema.schema);
    expect(again.applied).toEqual([]);
    expect(await readStorageMode(schema.db)).toBe('plain');
    const { rows } = await schema.db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'ticks' ORDER BY indexname`,
      [schema.schema],
    );
    expect(rows.map((r) => r.indexdef.replace(/"?[a-z0-9_]+"?\.ticks/, 'ticks'))).toEqual([
      "CREATE INDEX ticks_exchange_time_brin ON ONLY ticks USING brin (exchange_time) WITH (pages_per_range='32')",
      'CREATE UNIQUE INDEX ticks_natural_key ON ONLY ticks USING btree (symbol, exchange_time, source, sequence)',
    ]);
  });

  it('creates daily partitions ahead, once, and drops old ones', async () => {
    const partitions = new TickPartitions(schema.db);
    const today = epochDayOfNanos(isoToNanos('2026-03-10T12:00:00Z'));
    expect(await partitions.ensureRange(today, today + 3)).toBe(4);
    expect(await partitions.ensureRange(today, today + 4)).toBe(1);
    expect(await new TickPartitions(schema.db).refresh()).toEqual([
      today,
      today + 1,
      today + 2,
      today + 3,
      today + 4,
    ]);
    expect(await partitions.dropBefore(today + 2)).toBe(2);
    expect(await partitions.refresh()).toEqual([today + 2, today + 3, today + 4]);
    await expect(
      schema.db.query("SELECT marketdata_ensure_tick_partitions('2026-01-02', '2026-01-01')"),
    ).rejects.toThrow(/empty or longer than a year/);
  });

  it.each(['staging', 'direct'] as const)(
    'writes the golden ticks (%s) in two batches and keeps the hand-checked bars through replays',
    async (strategy) => {
      await schema.db.query(
        'TRUNCATE ticks, bars_1m, bars_5m, bars_1h, bars_1d, marketdata_symbols',
      );
      const writer = new TickBatchWriter(schema.db, {
        mode: 'plain',
        partitions: new TickPartitions(schema.db),
        strategy,
      });
      const ticks = storable();
      const firstHalf = ticks.filter((_, i) => i % 2 === 0);
      const secondHalf = ticks.filter((_, i) => i % 2 === 1);
      expect(await writer.write(firstHalf)).toMatchObject({
        inserted: firstHalf.length,
        duplicates: 0,
      });
      expect(await writer.write(secondHalf)).toMatchObject({
        inserted: secondHalf.length,
        duplicates: 0,
      });
      expect(await allBars(schema.db)).toEqual(goldenBars());

      // Full replay, then a batch overlapping the stored ticks, then a batch repeating itself.
      expect(await writer.write(ticks)).toMatchObject({
        inserted: 0,
        duplicates: ticks.length,
        barRows: 0,
      });
      expect(await writer.write([...secondHalf.slice(0, 3), ...firstHalf])).toMatchObject({
        inserted: 0,
      });
      expect(await countTicks(schema.db)).toBe(ticks.length);
      expect(await countDuplicateKeys(schema.db)).toBe(0);
      expect(await allBars(schema.db)).toEqual(goldenBars());
    },
  );

  it('counts a tick repeated inside one batch once', async () => {
    await schema.db.query('TRUNCATE ticks, bars_1m, bars_5m, bars_1h, bars_1d');
    const writer = new TickBatchWriter(schema.db, {
      mode: 'plain',
      partitions: new TickPartitions(schema.db),
    });
    const ticks = storable();
    const result = await writer.write([
      ...ticks,
      ticks[1] as StorableTick,
      ticks[0] as StorableTick,
    ]);
    expect(result).toMatchObject({ inserted: ticks.length, duplicates: 2 });
    expect(await allBars(schema.db)).toEqual(goldenBars());
  });

  it('rolls back ticks and bars together when the transaction fails before COMMIT', async () => {
    await schema.db.query('TRUNCATE ticks, bars_1m, bars_5m, bars_1h, bars_1d');
    const writer = new TickBatchWriter(schema.db, {
      mode: 'plain',
      partitions: new TickPartitions(schema.db),
    });
    await expect(
      writer.write(storable(), {
        beforeCommit: () => Promise.reject(new Error('crash before commit')),
      }),
    ).rejects.toThrow('crash before commit');
    expect(await countTicks(schema.db)).toBe(0);
    expect(await allBars(schema.db)).toEqual([]);
  });

  it('answers bar ranges [from, to), limits, symbols and the latest trade', async () => {
    await schema.db.query('TRUNCATE ticks, bars_1m, bars_5m, bars_1h, bars_1d');
    const writer = new TickBatchWriter(schema.db, {
      mode: 'plain',
      partitions: new TickPartitions(schema.db),
    });
    await writer.write(storable());
    const repo = new MarketDataRepository(schema.db);
    const from = isoToNanos('2026-03-02T09:30:00Z');
    const to = isoToNanos('2026-03-02T09:35:00Z');
    const bars = await repo.getBars('AAA', barInterval('1m'), from, to, 100);
    expect(bars.map((b) => [b.startNanos, b.open, b.close, b.volume])).toEqual([
      [isoToNanos('2026-03-02T09:30:00Z'), '100.5', '99.75', '13.5'],
      [isoToNanos('2026-03-02T09:34:00Z'), '100', '100', '0.5'],
    ]);
    expect(await repo.getBars('AAA', barInterval('1m'), from, to, 1)).toHaveLength(1);
    // A bound inside a bar excludes the bar (its start is before from).
    expect(await repo.getBars('AAA', barInterval('1m'), from + 1n, to, 100)).toHaveLength(1);
    expect(await repo.symbolExists('AAA')).toBe(true);
    expect(await repo.symbolExists('ZZZ')).toBe(false);
    expect(await repo.latestTrade('AAA')).toEqual({
      symbol: 'AAA',
      price: '105',
      exchangeTimeNanos: isoToNanos('2026-03-03T00:00:00Z'),
      sequence: 10n,
      source: 'sim',
    });
    expect(await repo.latestTrade('ZZZ')).toBeUndefined();
  });
});
