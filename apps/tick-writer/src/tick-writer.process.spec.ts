import { marketdata } from '@meridian/contracts';
import { epochDayOfNanos, TickPartitions } from '@meridian/market-data-data-access';
import { allBars, countTicks } from '@meridian/market-data-data-access/testing';
import { goldenBars, goldenTicks } from '@meridian/market-data-domain/testing';
import {
  createTickTopics,
  produceRecords,
  tickMessage,
} from '@meridian/market-data-feature-tick-writer/testing';
import { createKafka } from '@meridian/shared-messaging';
import { createPgPool, type Database } from '@meridian/shared-persistence';
import { testPgOptions } from '@meridian/shared-persistence/testing';
import {
  freePort,
  isReady,
  kafkaBrokers,
  metricSample,
  type ServiceProcess,
  startService,
  stopService,
  uniqueName,
  waitFor,
} from '@meridian/shared-testing';
import { describeConfig } from '@meridian/shared-config';
import { loadTickWriterConfig, tickWriterConfigSchema } from './tick-writer.config';

describe('tick-writer config', () => {
  it('describes every variable for docs/configuration.md, each with a description', () => {
    const variables = describeConfig(tickWriterConfigSchema);
    expect(variables.map((v) => v.name)).toContain('TICK_WRITER_MAX_BATCH_TICKS');
    expect(variables.filter((v) => v.description === '')).toEqual([]);
    expect(new Set(variables.map((v) => v.name)).size).toBe(variables.length);
  });

  it('has defaults for everything but the connections', () => {
    const config = loadTickWriterConfig({
      KAFKA_BROKERS: '127.0.0.1:9092',
      PGHOST: '127.0.0.1',
      PGUSER: 'u',
      PGDATABASE: 'd',
    });
    expect(config).toMatchObject({
      schema: 'marketdata',
      maxBatchTicks: 50_000,
      maxBatchDelayMs: 250,
      copyStrategy: 'direct',
      observability: { metricsPort: 9469 },
    });
  });

  it.each([
    ['TICK_WRITER_MAX_BATCH_TICKS', '0'],
    ['TICK_WRITER_COPY_STRATEGY', 'bulk'],
    ['TICK_WRITER_MAX_BATCH_DELAY', '100'],
  ])('refuses %s=%s', (name, value) => {
    expect(() =>
      loadTickWriterConfig({
        KAFKA_BROKERS: '127.0.0.1:9092',
        PGHOST: '127.0.0.1',
        PGUSER: 'u',
        PGDATABASE: 'd',
        [name]: value,
      }),
    ).toThrow(name);
  });
});

describe('tick-writer process', () => {
  const schema = uniqueName('tickw');
  let service: ServiceProcess | undefined;
  let db: Database | undefined;

  afterAll(async () => {
    if (service !== undefined) await stopService(service);
    await db?.close();
    const admin = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.close();
  });

  it('migrates, keeps partitions ahead, stores ticks with bars, reports metrics and stops cleanly', async () => {
    const topics = await createTickTopics('tickw-proc', 3);
    const kafka = createKafka({
      brokers: kafkaBrokers(),
      clientId: 'tickw-proc',
      logLevel: 'nothing',
    });
    await produceRecords(kafka, topics.ticks, [
      ...goldenTicks().map((tick) => tickMessage(marketdata.Tick.fromPartial(tick))),
      { key: 'AAA', value: Buffer.from('not a tick') },
    ]);
    const pg = testPgOptions();
    const opsPort = await freePort();
    service = startService('tick-writer', {
      METRICS_PORT: String(opsPort),
      KAFKA_BROKERS: kafkaBrokers().join(','),
      PGHOST: pg.host ?? '127.0.0.1',
      PGPORT: String(pg.port ?? 5432),
      PGUSER: pg.user ?? 'postgres',
      PGDATABASE: pg.database ?? 'test',
      TICK_WRITER_DB_SCHEMA: schema,
      TICK_WRITER_TICKS_TOPIC: topics.ticks,
      TICK_WRITER_GROUP_ID: uniqueName('tickw-group'),
      TICK_WRITER_DRAIN_DELAY: '0s',
      TICK_WRITER_MAX_BATCH_DELAY: '20ms',
      LOG_LEVEL: 'warn',
    });
    const running = service;
    await waitFor('the tick-writer to be ready', () => isReady(opsPort), 60_000, 200);
    db = await createPgPool({ ...pg, searchPath: [schema, 'public'], maxConnections: 1 });
    const store = db;
    await waitFor(
      'the ticks stored',
      async () => (await countTicks(store)) === goldenTicks().length,
      30_000,
      100,
    );
    expect(await allBars(store)).toEqual(goldenBars());

    const today = epochDayOfNanos(BigInt(Date.now()) * 1_000_000n);
    const days = await new TickPartitions(store).refresh();
    expect(days).toEqual(
      expect.arrayContaining([today - 1, today, today + 1, today + 2, today + 3]),
    );

    const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metricSample(text, 'tickwriter_ticks_written_total')).toBe(goldenTicks().length);
    expect(metricSample(text, 'tickwriter_ticks_rejected_total{reason="UNDECODABLE"}')).toBe(1);
    expect(text).toContain('tickwriter_ingest_lag_seconds_bucket{le="0.05"}');
    expect(text).toContain('tickwriter_batch_duration_seconds_count');

    const code = await stopService(running);
    if (code !== 0) process.stderr.write(running.output());
    expect(code).toBe(0);
  });
});
