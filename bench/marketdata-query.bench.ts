/**
 * MarketDataService GetBars latency over real gRPC (127.0.0.1), cached and uncached.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/marketdata-query.bench.ts \
 *     [--calls 3000] [--symbols 20] [--runs 3] [--quick]
 *
 * Data: `symbols` symbols with one trade per second for 2 hours, stored by the tick-writer's
 * COPY writer (bars maintained on plain PostgreSQL). Queries: 1m bars of a random symbol over a
 * random 1-hour window (60 bars). The server is wired as apps/marketdata-api wires it, in this
 * process; the client is MarketDataClient. Two servers: GetBars TTL 60 s ("cached": after the
 * warm-up every window is in Redis) and TTL 0 ("uncached": every call reads PostgreSQL and
 * stores the answer). Calls are sequential: p50/p99 are per-call latencies seen by the client.
 * Results: bench/results/marketdata-query.json (median of the runs).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { startDevBroker } from '@meridian/kafka-dev-broker';
import {
  MarketDataRepository,
  migrateMarketDataSchema,
  TickBatchWriter,
  TickPartitions,
} from '@meridian/market-data-data-access';
import { type StorableTick } from '@meridian/market-data-domain';
import {
  GetBarsUseCase,
  GetLastPriceUseCase,
  LastPriceTable,
  MarketDataClient,
  MarketDataGrpcServer,
  SymbolDirectory,
} from '@meridian/market-data-feature-query';
import { createCache } from '@meridian/shared-cache';
import { createKafka } from '@meridian/shared-messaging';
import { GrpcServerMetrics, MetricsRegistry } from '@meridian/shared-observability';
import { createPgPool, type Database } from '@meridian/shared-persistence';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function arg(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
const CALLS = arg('calls', quick ? 500 : 3000);
const SYMBOLS = arg('symbols', 20);
const RUNS = arg('runs', quick ? 1 : 3);
const WINDOWS = 60; // distinct 1-hour windows per symbol (one per minute of the first hour)
const HOUR_NS = 3_600_000_000_000n;
const START_NS = 1_772_409_600_000_000_000n; // 2026-03-02T00:00:00Z

interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  mean: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    round3(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  return {
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    mean: round3(sorted.reduce((s, v) => s + v, 0) / sorted.length),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

async function seed(db: Database): Promise<void> {
  const writer = new TickBatchWriter(db, { mode: 'plain', partitions: new TickPartitions(db) });
  const ticks: StorableTick[] = [];
  for (let second = 0; second < 7200; second += 1) {
    for (let s = 0; s < SYMBOLS; s += 1) {
      const cents = 10_000 + ((second * 31 + s * 17) % 900);
      const time = START_NS + BigInt(second) * 1_000_000_000n + BigInt(s);
      ticks.push({
        symbol: `Q${String(s).padStart(3, '0')}`,
        source: 'bench',
        sequence: BigInt(second + 1),
        exchangeTimeNanos: time,
        receivedTimeNanos: time,
        bidPrice: undefined,
        bidSize: undefined,
        askPrice: undefined,
        askSize: undefined,
        lastPrice: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
        lastSize: `${(second % 7) + 1}`,
      });
    }
  }
  for (let i = 0; i < ticks.length; i += 20_000) await writer.write(ticks.slice(i, i + 20_000));
}

async function startServer(
  db: Database,
  kafka: Kafka,
  topic: string,
  ttlSeconds: number,
  namespace: string,
) {
  const cache = createCache({ redis: 'redis://127.0.0.1:6379', namespace });
  const repository = new MarketDataRepository(db);
  const symbols = new SymbolDirectory(repository);
  const table = new LastPriceTable({ kafka, topic, groupId: `${namespace}-last` });
  await table.start();
  const server = new MarketDataGrpcServer(
    {
      getBars: new GetBarsUseCase(repository, symbols, cache, ttlSeconds, {
        defaultLimit: 500,
        maxLimit: 5000,
        maxRangeBars: 100_000,
      }),
      getLastPrice: new GetLastPriceUseCase(table, repository, symbols, cache, 0),
    },
    {
      logger: { error: () => undefined },
      metrics: new GrpcServerMetrics(new MetricsRegistry({ defaultMetrics: false })),
    },
  );
  const port = await server.listen('127.0.0.1', 0);
  const client = new MarketDataClient(`127.0.0.1:${port}`);
  return {
    client,
    async close() {
      client.close();
      await server.close(1000);
      await table.stop();
      await cache.close();
      // TTL-0 entries never expire: leave Redis as it was.
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`${namespace}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** Deterministic pseudo-random sequence of (symbol, window) picks. */
function* picks(n: number, seed: number): Generator<{ symbol: string; window: number }> {
  let x = seed;
  for (let i = 0; i < n; i += 1) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    yield {
      symbol: `Q${String(x % SYMBOLS).padStart(3, '0')}`,
      window: Math.floor(x / SYMBOLS) % WINDOWS,
    };
  }
}

async function measure(client: MarketDataClient, calls: number, seed: number): Promise<number[]> {
  const samples: number[] = [];
  for (const { symbol, window } of picks(calls, seed)) {
    const from = START_NS + BigInt(window) * 60_000_000_000n;
    const t0 = performance.now();
    const bars = await client.getBars({
      symbol,
      interval: '1m',
      fromNanos: from,
      toNanos: from + HOUR_NS,
    });
    samples.push(performance.now() - t0);
    if (bars.length !== 60) throw new Error(`expected 60 bars, got ${bars.length}`);
  }
  return samples;
}

async function main(): Promise<void> {
  const broker = await startDevBroker({ topics: [] });
  const kafka = createKafka({
    brokers: broker.bootstrap,
    clientId: 'mdq-bench',
    logLevel: 'nothing',
  });
  const name = `mdq_bench_${Date.now()}`;
  const topic = `${name}.last-price`.replaceAll('_', '-');
  await broker.createTopic({ name: topic, partitions: 3, replicationFactor: 3 });
  const db = await createPgPool({
    host: '127.0.0.1',
    user: 'postgres',
    database: 'test',
    searchPath: [name, 'public'],
  });
  try {
    await migrateMarketDataSchema(db, name);
    process.stdout.write(`seeding ${SYMBOLS} symbols x 7200 trades...\n`);
    await seed(db);
    const runs: { cached: Percentiles; uncached: Percentiles; loadavg1: number }[] = [];
    for (let run = 1; run <= RUNS; run += 1) {
      const cachedServer = await startServer(
        db,
        kafka,
        topic,
        60,
        `${name}-c${run}`.replaceAll('_', '-'),
      );
      const uncachedServer = await startServer(
        db,
        kafka,
        topic,
        0,
        `${name}-u${run}`.replaceAll('_', '-'),
      );
      try {
        // Warm-up: connections, JIT, and (cached) every window stored once.
        for (let s = 0; s < SYMBOLS; s += 1)
          for (let w = 0; w < WINDOWS; w += 1) {
            const from = START_NS + BigInt(w) * 60_000_000_000n;
            await cachedServer.client.getBars({
              symbol: `Q${String(s).padStart(3, '0')}`,
              interval: '1m',
              fromNanos: from,
              toNanos: from + HOUR_NS,
            });
          }
        await measure(uncachedServer.client, 200, 7);
        const cached = percentiles(await measure(cachedServer.client, CALLS, run));
        const uncached = percentiles(await measure(uncachedServer.client, CALLS, run + 100));
        runs.push({ cached, uncached, loadavg1: round3(loadavg()[0] ?? 0) });
        process.stdout.write(
          `run ${run}: cached p50 ${cached.p50} ms p99 ${cached.p99} ms | uncached p50 ${uncached.p50} ms p99 ${uncached.p99} ms (load ${runs[runs.length - 1]?.loadavg1})\n`,
        );
      } finally {
        await cachedServer.close();
        await uncachedServer.close();
      }
    }
    const med = (pick: (r: (typeof runs)[number]) => number): number => {
      const sorted = runs.map(pick).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? NaN;
    };
    const summary = {
      cached: {
        p50: med((r) => r.cached.p50),
        p99: med((r) => r.cached.p99),
        target: 'p99 <= 5 ms',
      },
      uncached: { p50: med((r) => r.uncached.p50), p99: med((r) => r.uncached.p99) },
    };
    process.stdout.write(
      `median of ${RUNS}: cached p50 ${summary.cached.p50} ms, p99 ${summary.cached.p99} ms; uncached p50 ${summary.uncached.p50} ms, p99 ${summary.uncached.p99} ms\n`,
    );
    writeFileSync(
      join(__dirname, 'results', 'marketdata-query.json'),
      JSON.stringify(
        {
          bench: 'marketdata-query',
          at: new Date().toISOString(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
          settings: { calls: CALLS, symbols: SYMBOLS, barsPerCall: 60, interval: '1m', runs: RUNS },
          summary,
          runs,
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
    await db.close();
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
