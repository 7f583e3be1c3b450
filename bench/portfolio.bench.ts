/**
 * Portfolio: fills/s processed with positions updated in PostgreSQL and Redis.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/portfolio.bench.ts \
 *     [--fills 100000] [--accounts 200] [--symbols 50] [--batch 5000] [--runs 2] [--quick]
 *   (or: npx nx run portfolio:bench)
 *
 * Needs the machine's PostgreSQL (db `test`) and Redis; starts its own dev broker.
 *
 * 1. Engine, PostgreSQL + Redis: fill batches handed straight to PortfolioEngine.applyOrderEvents
 *    (what the fill consumer calls per fetched batch): in-memory books, one PostgreSQL statement
 *    per batch (idempotency rows + position/account upserts via unnest), one Redis pipeline; the
 *    PositionUpdates (one per fill) are built and protobuf-encoded but not sent.
 * 1b. The same plus the Kafka produce of every PositionUpdate to the dev broker (background
 *    publisher, drained before the clock stops).
 *    fills/s = fills / wall time of all batches.
 * 2. End to end: the events are produced to an orders.events-shaped topic first (24 partitions),
 *    then PortfolioService starts (group join excluded); fills/s = fills / time from the first
 *    applied fill to the last, measured on portfolio_fills_applied_total.
 * Every fill's OrderAccepted travels too (about 1 per 2 fills), as on the real topic.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { type orders, portfolio, Topics } from '@meridian/contracts';
import { startDevBroker } from '@meridian/kafka-dev-broker';
import { MONEY_SCALE, parseFixed } from '@meridian/portfolio-domain';
import {
  migratePortfolioSchema,
  PortfolioRedisView,
  PortfolioRepository,
} from '@meridian/portfolio-data-access';
import {
  KafkaPositionUpdateSink,
  PortfolioEngine,
  PortfolioMetrics,
  PortfolioService,
  PositionUpdateHub,
} from '@meridian/portfolio-feature-portfolio';
import { createKafka, KafkaProducer, protobufCodec, topicOf } from '@meridian/shared-messaging';
import { MetricsRegistry } from '@meridian/shared-observability';
import { createPgPool, type Database } from '@meridian/shared-persistence';
import { Redis } from 'ioredis';

import { portfolioWorkload } from './portfolio-workload';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function arg(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
const FILLS = arg('fills', quick ? 40_000 : 100_000);
const ACCOUNTS = arg('accounts', 200);
const SYMBOLS = arg('symbols', 50);
const BATCH = arg('batch', 5000);
const RUNS = arg('runs', quick ? 1 : 2);
const PARTITIONS = 12;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function freshSchema(admin: Database, name: string): Promise<Database> {
  await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await admin.query(`CREATE SCHEMA "${name}"`);
  const db = await createPgPool({
    host: '127.0.0.1',
    port: 5432,
    user: 'postgres',
    database: 'test',
    searchPath: [name],
    maxConnections: 4,
  });
  await migratePortfolioSchema(db, name);
  return db;
}

async function main(): Promise<void> {
  const script = portfolioWorkload({ accounts: ACCOUNTS, symbols: SYMBOLS, fills: FILLS });
  const fills = script.fills;
  console.log(
    `portfolio bench: ${fills} fills (${script.events.length} events), ${ACCOUNTS} accounts, ${SYMBOLS} symbols`,
  );

  const broker = await startDevBroker({ topics: [] });
  const kafka = createKafka({
    brokers: broker.bootstrap,
    clientId: 'portfolio-bench',
    logLevel: 'error',
  });
  const admin = await createPgPool({
    host: '127.0.0.1',
    port: 5432,
    user: 'postgres',
    database: 'test',
    maxConnections: 1,
  });
  const redis = new Redis('redis://127.0.0.1:6379');
  const results: { engine: number[]; engineKafka: number[]; endToEnd: number[] } = {
    engine: [],
    engineKafka: [],
    endToEnd: [],
  };
  const schemas: string[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      // 1. Engine with PostgreSQL and Redis, without and with the Kafka publish of the updates.
      const updates = `bench.portfolio.updates.${run}`;
      await broker.createTopic({ name: updates, partitions: PARTITIONS, replicationFactor: 3 });
      const schema = `bench_portfolio_${process.pid}_${run}`;
      for (const withKafka of [false, true]) {
        const name = withKafka ? `${schema}_k` : schema;
        schemas.push(name);
        const db = await freshSchema(admin, name);
        const producer = new KafkaProducer({ kafka });
        await producer.connect();
        const kafkaSink = new KafkaPositionUpdateSink(producer, updates);
        const encodeOnly = {
          publish: (batch: readonly portfolio.PositionUpdate[]): Promise<void> => {
            for (const u of batch) portfolio.PositionUpdate.encode(u).finish();
            return Promise.resolve();
          },
        };
        const engine = new PortfolioEngine({
          repository: new PortfolioRepository(db),
          view: new PortfolioRedisView(redis, `bench:${name}`),
          sink: withKafka ? kafkaSink : encodeOnly,
          hub: new PositionUpdateHub(),
          metrics: new PortfolioMetrics(new MetricsRegistry({ defaultMetrics: false })),
          logger: silent,
          clock: () => BigInt(Date.now()) * 1_000_000n,
          fees: { makerBps: 1, takerBps: 2 },
          defaultStartingCash: parseFixed('1000000', MONEY_SCALE),
          defaultCurrency: 'USD',
          markThrottleMs: 250,
        });
        await engine.start();
        const started = performance.now();
        for (let i = 0; i < script.events.length; i += BATCH) {
          const batch = script.events
            .slice(i, i + BATCH)
            .map((value, k) => ({ value, partition: 0, offset: String(i + k) }));
          await engine.applyOrderEvents(batch);
        }
        await engine.flushUpdates();
        const seconds = (performance.now() - started) / 1000;
        const rate = Math.round(fills / seconds);
        (withKafka ? results.engineKafka : results.engine).push(rate);
        console.log(
          `  run ${run} engine + PostgreSQL + Redis${withKafka ? ' + Kafka publish' : ''} (batches of ${BATCH} events): ${rate} fills/s (${seconds.toFixed(2)} s)`,
        );
        await engine.close();
        await producer.close();
        await db.close();
      }

      // 2. End to end through the fill consumer.
      const events = `bench.portfolio.events.${run}`;
      const updates2 = `bench.portfolio.updates2.${run}`;
      // 24 partitions: the dev broker (librdkafka mock) drops the oldest records of a partition
      // past ~25k records, which would lose the start of the stream.
      for (const t of [events, `${events}.dlq`, updates2, `bench.portfolio.ticks.${run}`])
        await broker.createTopic({ name: t, partitions: 2 * PARTITIONS, replicationFactor: 3 });
      const loader = new KafkaProducer({ kafka });
      await loader.connect();
      const binding = topicOf(
        events,
        protobufCodec(Topics.ordersEvents.schema.typeName, Topics.ordersEvents.schema.codec),
      );
      // Large produce requests: the dev broker returns one record batch per partition per fetch.
      for (let i = 0; i < script.events.length; i += 20_000)
        await loader.send(
          binding,
          script.events
            .slice(i, i + 20_000)
            .map((value: orders.OrderEvent) => ({ key: value.symbol, value })),
        );
      await loader.close();
      const admin2 = kafka.admin();
      await admin2.connect();
      const truncated = (await admin2.fetchTopicOffsets(events)).filter((o) => o.low !== '0');
      await admin2.disconnect();
      if (truncated.length > 0)
        throw new Error(
          `the dev broker dropped records of ${events}: ${JSON.stringify(truncated)}`,
        );
      const schema2 = `${schema}_e2e`;
      schemas.push(schema2);
      const db2 = await freshSchema(admin, schema2);
      const registry = new MetricsRegistry({ defaultMetrics: false });
      const service = new PortfolioService({
        kafka,
        db: db2,
        redis,
        redisPrefix: `bench:${schema2}`,
        eventsTopic: events,
        ticksTopic: `bench.portfolio.ticks.${run}`,
        updatesTopic: updates2,
        fillsGroupId: `bench-${schema2}`,
        marksGroupId: `bench-${schema2}-marks`,
        clock: () => BigInt(Date.now()) * 1_000_000n,
        fees: { makerBps: 1, takerBps: 2 },
        defaultStartingCash: parseFixed('1000000', MONEY_SCALE),
        defaultCurrency: 'USD',
        markThrottleMs: 250,
        metrics: registry,
        logger: silent,
        maxBytesPerPartition: 4 * 1024 * 1024,
        consumerTuning: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, maxWaitTimeInMs: 5 },
      });
      const counter = service.metrics.fillsApplied;
      const value = async (): Promise<number> => (await counter.get()).values[0]?.value ?? 0;
      await service.start();
      let first = 0;
      const deadline = Date.now() + 600_000;
      for (;;) {
        const v = await value();
        if (v > 0 && first === 0) first = performance.now();
        if (v >= fills) break;
        if (Date.now() > deadline) throw new Error(`only ${v} of ${fills} fills applied in 10 min`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const e2eSeconds = (performance.now() - first) / 1000;
      results.endToEnd.push(Math.round(fills / e2eSeconds));
      console.log(
        `  run ${run} end to end (Kafka → PostgreSQL + Redis + updates): ${Math.round(fills / e2eSeconds)} fills/s (${e2eSeconds.toFixed(2)} s)`,
      );
      await service.stop();
      await db2.close();
    }
  } finally {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    const keys = await redis.keys('bench:bench_portfolio_*');
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
    await admin.close();
    await broker.stop();
  }
  const report = {
    bench: 'portfolio',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().map((c) => c.model.split(' ').slice(0, 2).join(' ')),
    loadAverage1m: loadavg()[0],
    fills,
    events: script.events.length,
    accounts: ACCOUNTS,
    symbols: SYMBOLS,
    engineBatchEvents: BATCH,
    runs: RUNS,
    target: 50_000,
    engineFillsPerSec: { median: median(results.engine), runs: results.engine },
    engineWithKafkaPublishFillsPerSec: {
      median: median(results.engineKafka),
      runs: results.engineKafka,
    },
    endToEndFillsPerSec: { median: median(results.endToEnd), runs: results.endToEnd },
  };
  console.log(JSON.stringify(report, null, 2));
  if (!quick)
    writeFileSync(
      join(__dirname, 'results', 'portfolio.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
