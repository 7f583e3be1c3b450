/**
 * Portfolio: fills/s processed with positions updated in PostgreSQL and Redis.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/portfolio.bench.ts \
 *     [--fills 100000] [--accounts 200] [--symbols 50] [--batch 5000] [--runs 3] [--quick]
 *     [--phases engine,kafka,e2e] [--concurrent 2] [--depth 2] [--per-fill] [--statement-only]
 *     [--cpu-profile DIR]
 *   (or: npx nx run portfolio:bench)
 *
 * Needs the machine's PostgreSQL (db `test`) and Redis; starts its own dev broker.
 *
 * 1. Engine, PostgreSQL + Redis: fill batches handed straight to PortfolioEngine.applyOrderEvents
 *    (what the fill consumer calls per fetched batch), `--concurrent` calls outstanding at once
 *    (the consumer hands several partitions' batches over concurrently; the engine applies one
 *    while the other is written): in-memory books, one PostgreSQL transaction per batch (COPY of
 *    the idempotency rows, one statement for positions/accounts via unnest), one Redis pipeline;
 *    the PositionUpdates (one per position changed in the batch, or one per fill
 *    with --per-fill) are built and protobuf-encoded but not sent.
 * 1b. The same plus the Kafka produce of every PositionUpdate to the dev broker (background
 *    publisher, drained before the clock stops).
 *    fills/s = fills / wall time of all batches.
 * 2. End to end: the events are produced to an orders.events-shaped topic first (24 partitions),
 *    then PortfolioService starts (group join excluded); fills/s = fills / time from the first
 *    batch handed to the engine to the last fill applied (portfolio_fills_applied_total).
 * Every fill's OrderAccepted travels too (about 1 per 2 fills), as on the real topic.
 * --statement-only writes the idempotency rows in the one statement instead of COPY (comparison).
 * Besides fills/s, each measurement reports this process's CPU time per fill (user + system,
 * process.cpuUsage; PostgreSQL, Redis and the broker are other processes and not counted).
 * --cpu-profile DIR writes a V8 CPU profile of each measurement (the engine ones: only the timed
 * part; end to end: from the service's start).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { type orders, type portfolio, Topics } from '@meridian/contracts';
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
  positionUpdatesTopic,
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
const RUNS = arg('runs', quick ? 1 : 3);
const CONCURRENT = arg('concurrent', 2);
const DEPTH = arg('depth', 2);
const STATEMENT_ONLY = args.includes('--statement-only');
const PER_FILL = args.includes('--per-fill');
const phasesArg = args.indexOf('--phases');
const profileArg = args.indexOf('--cpu-profile');
const PROFILE_DIR = profileArg >= 0 ? args[profileArg + 1] : undefined;
const PHASES = new Set(
  (phasesArg >= 0 ? (args[phasesArg + 1] ?? '') : 'engine,kafka,e2e').split(','),
);
const PARTITIONS = 12;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Starts the V8 profiler when --cpu-profile is given; the returned function writes the profile. */
async function profile(name: string): Promise<() => Promise<void>> {
  if (PROFILE_DIR === undefined) return () => Promise.resolve();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile: result } = await session.post('Profiler.stop');
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(result));
    session.disconnect();
  };
}

/** CPU microseconds (user + system) of this process since `since`. */
function cpuMicros(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

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

/** The codec the Kafka sink encodes with (the encode-only measurement uses it too). */
const updatesCodec = positionUpdatesTopic().codec;

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0];
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
  const cpu: { engine: number[]; engineKafka: number[]; endToEnd: number[] } = {
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
        if (!PHASES.has(withKafka ? 'kafka' : 'engine')) continue;
        const name = withKafka ? `${schema}_k` : schema;
        schemas.push(name);
        const db = await freshSchema(admin, name);
        const producer = new KafkaProducer({ kafka });
        await producer.connect();
        const kafkaSink = new KafkaPositionUpdateSink(producer, updates);
        const encodeOnly = {
          publish: (batch: readonly portfolio.PositionUpdate[]): Promise<void> => {
            for (const u of batch) updatesCodec.encode(u);
            return Promise.resolve();
          },
        };
        const engine = new PortfolioEngine({
          repository: new PortfolioRepository(
            // A bare Queryable: the repository writes the idempotency rows in the statement.
            STATEMENT_ONLY ? { query: db.query.bind(db) } : db,
          ),
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
          updateGranularity: PER_FILL ? 'fill' : 'position',
          pipelineDepth: DEPTH,
        });
        await engine.start();
        const batches: { value: orders.OrderEvent; partition: number; offset: string }[][] = [];
        for (let i = 0; i < script.events.length; i += BATCH)
          batches.push(
            script.events
              .slice(i, i + BATCH)
              .map((value, k) => ({ value, partition: 0, offset: String(i + k) })),
          );
        const stopProfile = await profile(`${withKafka ? 'engine-kafka' : 'engine'}-${run}`);
        const cpuStart = process.cpuUsage();
        const started = performance.now();
        let next = 0;
        const caller = async (): Promise<void> => {
          while (next < batches.length) {
            const batch = batches[next++];
            if (batch === undefined) continue;
            const outcome = await engine.applyOrderEvents(batch);
            if (outcome.rejected.length > 0)
              throw new Error(
                `${outcome.rejected.length} records rejected, e.g. ${String(outcome.rejected[0]?.error)}`,
              );
          }
        };
        await Promise.all(Array.from({ length: CONCURRENT }, caller));
        await engine.flushUpdates();
        const seconds = (performance.now() - started) / 1000;
        const perFill = cpuMicros(cpuStart) / fills;
        await stopProfile();
        const rate = Math.round(fills / seconds);
        (withKafka ? results.engineKafka : results.engine).push(rate);
        (withKafka ? cpu.engineKafka : cpu.engine).push(Math.round(perFill * 10) / 10);
        console.log(
          `  run ${run} engine + PostgreSQL + Redis${withKafka ? ' + Kafka publish' : ''} (batches of ${BATCH} events, ${CONCURRENT} at once): ${rate} fills/s (${seconds.toFixed(2)} s), ${perFill.toFixed(1)} CPU-µs/fill`,
        );
        await engine.close();
        await producer.close();
        await db.close();
      }

      // 2. End to end through the fill consumer.
      if (!PHASES.has('e2e')) continue;
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
        updateGranularity: PER_FILL ? 'fill' : 'position',
        pipelineDepth: DEPTH,
        metrics: registry,
        logger: silent,
        maxBytesPerPartition: 4 * 1024 * 1024,
        consumerTuning: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, maxWaitTimeInMs: 5 },
      });
      const counter = service.metrics.fillsApplied;
      const value = async (): Promise<number> => (await counter.get()).values[0]?.value ?? 0;
      // The clock starts when the consumer hands the engine its first batch. (Not at the first
      // applied fill: with batches pipelined and merged, much of the work can be done by then.)
      let first = 0;
      let cpuFirst = process.cpuUsage();
      const engine = service.engine;
      const apply = engine.applyOrderEvents.bind(engine);
      engine.applyOrderEvents = (records) => {
        if (first === 0) {
          first = performance.now();
          cpuFirst = process.cpuUsage();
        }
        return apply(records);
      };
      const stopProfile = await profile(`end-to-end-${run}`);
      await service.start();
      const deadline = Date.now() + 600_000;
      for (;;) {
        const v = await value();
        if (v >= fills) break;
        if (Date.now() > deadline) throw new Error(`only ${v} of ${fills} fills applied in 10 min`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const e2eSeconds = (performance.now() - first) / 1000;
      const e2eCpu = cpuMicros(cpuFirst) / fills;
      await stopProfile();
      results.endToEnd.push(Math.round(fills / e2eSeconds));
      cpu.endToEnd.push(Math.round(e2eCpu * 10) / 10);
      console.log(
        `  run ${run} end to end (Kafka → PostgreSQL + Redis + updates): ${Math.round(fills / e2eSeconds)} fills/s (${e2eSeconds.toFixed(2)} s), ${e2eCpu.toFixed(1)} CPU-µs/fill`,
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
    loadAverage1mAtStart: loadAtStart,
    loadAverage1m: loadavg()[0],
    fills,
    events: script.events.length,
    accounts: ACCOUNTS,
    symbols: SYMBOLS,
    engineBatchEvents: BATCH,
    engineConcurrentBatches: CONCURRENT,
    updateGranularity: PER_FILL ? 'fill' : 'position',
    runs: RUNS,
    target: 50_000,
    engineFillsPerSec: { median: median(results.engine), runs: results.engine },
    engineWithKafkaPublishFillsPerSec: {
      median: median(results.engineKafka),
      runs: results.engineKafka,
    },
    endToEndFillsPerSec: { median: median(results.endToEnd), runs: results.endToEnd },
    cpuMicrosPerFill: {
      engine: { median: median(cpu.engine), runs: cpu.engine },
      engineWithKafkaPublish: { median: median(cpu.engineKafka), runs: cpu.engineKafka },
      endToEnd: { median: median(cpu.endToEnd), runs: cpu.endToEnd },
    },
  };
  console.log(JSON.stringify(report, null, 2));
  if (!quick && PHASES.size === 3)
    writeFileSync(
      join(__dirname, 'results', 'portfolio.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
