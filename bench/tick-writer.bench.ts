/**
 * tick-writer: Kafka (dev broker) → PostgreSQL ingest, ticks/s sustained.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/tick-writer.bench.ts \
 *     [--ticks 300000] [--partitions 12] [--concurrency 2] [--batch 50000] [--delay 500]
 *     [--strategy staging|direct|both] [--runs 3] [--quick] [--cpu-profile <dir>]
 *
 * Per run: a fresh topic and schema; N ticks (200 symbols, 70% trades, today's timestamps) are
 * produced first, then the writer (in-process, the tick-writer's real consumer, use case and
 * COPY writer with bar upserts) catches up. Sustained rate = ticks committed after the first
 * batch / time from the first batch's commit to the last one (group join and the first fetch
 * excluded). Every run checks that the table holds exactly N ticks. The median of the runs is
 * reported per strategy; results go to bench/results/tick-writer.json.
 *
 * PostgreSQL runs on the same 2 cores as the writer and the dev broker, so this is the whole
 * pipeline's cost on one small box. Ticks are produced in large sends (big record batches), as
 * the ingestor does. The dev broker keeps at most 5 MiB / 100k records per partition (librdkafka
 * mock: older record batches are deleted), so a run stays below ~40k ticks per partition: 300k
 * ticks over 12 partitions.
 * On a shared machine the wall-clock rate depends on everyone's load; the run also reports the
 * CPU seconds of the writer process and of its PostgreSQL backends, and the rate those imply
 * for 2 otherwise idle cores.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { marketdata } from '@meridian/contracts';
import { startDevBroker } from '@meridian/kafka-dev-broker';
import {
  migrateMarketDataSchema,
  TickBatchWriter,
  TickPartitions,
  type TickWriteStrategy,
} from '@meridian/market-data-data-access';
import {
  KafkaDeadLetterSink,
  TickWriterConsumer,
  TickWriterMetrics,
  WriteTickBatchUseCase,
} from '@meridian/market-data-feature-tick-writer';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { MetricsRegistry } from '@meridian/shared-observability';
import { createPgPool } from '@meridian/shared-persistence';
import type { Kafka } from 'kafkajs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function arg(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
function text(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
const TICKS = arg('ticks', quick ? 100_000 : 300_000);
const PARTITIONS = arg('partitions', 12);
const CONCURRENCY = arg('concurrency', 2);
const BATCH = arg('batch', 50_000);
const RUNS = arg('runs', quick ? 1 : 3);
const STRATEGIES: TickWriteStrategy[] =
  text('strategy', 'both') === 'both'
    ? ['staging', 'direct']
    : [text('strategy', 'staging') as TickWriteStrategy];
const DELAY_MS = arg('delay', 500);
/** Writes a V8 CPU profile of each run's catch-up phase only (not the producing) here. */
const PROFILE_DIR = text('cpu-profile', '');
const SYMBOLS = 200;
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

/** Ticks as the ingestor would publish them, encoded once and reused by every run. */
function encodeTicks(n: number): { key: string; value: Buffer }[] {
  const start = BigInt(Date.now()) * 1_000_000n;
  const out = new Array<{ key: string; value: Buffer }>(n);
  for (let i = 0; i < n; i += 1) {
    const s = i % SYMBOLS;
    const symbol = `SYM${String(s).padStart(3, '0')}`;
    const sequence = BigInt(Math.floor(i / SYMBOLS) + 1);
    const time = start + BigInt(i) * 10_000n; // 100k ticks per exchange second
    const cents = 10_000 + ((i * 7919) % 5000);
    const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const trade = i % 10 < 7;
    const tick = marketdata.Tick.fromPartial({
      symbol,
      source: 'bench',
      sequence,
      exchangeTimeUnixNanos: time,
      receivedTimeUnixNanos: time + 1_000_000n,
      bidPrice: { value: price },
      bidSize: { value: '100' },
      askPrice: { value: `${Math.floor(cents / 100) + 1}.${String(cents % 100).padStart(2, '0')}` },
      askSize: { value: '200' },
      ...(trade ? { lastPrice: { value: price }, lastSize: { value: `${(i % 50) + 1}` } } : {}),
    });
    out[i] = { key: symbol, value: Buffer.from(marketdata.Tick.encode(tick).finish()) };
  }
  return out;
}

interface RunResult {
  strategy: TickWriteStrategy;
  ticks: number;
  produceSeconds: number;
  sustainedTicksPerSec: number;
  wallTicksPerSec: number;
  batches: number;
  meanBatch: number;
  stored: number;
  /** CPU seconds spent while the writer caught up, per process group. */
  cpuSeconds: { writerNode: number; postgresBackends: number; devBroker: number };
  /** CPU µs per tick (whole catch-up, group join included), per process group and in total. */
  cpuMicrosPerTick: { writerNode: number; postgresBackends: number; total: number };
  /** Ticks per second if the 2 cores did nothing else: N / (total CPU seconds / 2). */
  cpuBoundTicksPerSec: number;
  loadavg1: number;
}

async function runOnce(
  kafka: Kafka,
  broker: Awaited<ReturnType<typeof startDevBroker>>,
  messages: { key: string; value: Buffer }[],
  strategy: TickWriteStrategy,
  run: number,
): Promise<RunResult> {
  const name = `twbench-${strategy}-${run}-${Date.now()}`;
  await broker.createTopic({ name: `${name}.ticks`, partitions: PARTITIONS, replicationFactor: 3 });
  await broker.createTopic({ name: `${name}.ticks.dlq`, partitions: 1, replicationFactor: 3 });
  const schema = name.replaceAll('-', '_');
  const db = await createPgPool({
    ...PG,
    searchPath: [schema, 'public'],
    maxConnections: CONCURRENCY + 2,
    applicationName: name,
  });
  try {
    await migrateMarketDataSchema(db, schema);
    const producer = kafka.producer({ idempotent: false, maxInFlightRequests: 4 });
    await producer.connect();
    const p0 = performance.now();
    const SEND = 5_000;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < messages.length; i += SEND) {
      sends.push(
        producer.send({ topic: `${name}.ticks`, acks: 1, messages: messages.slice(i, i + SEND) }),
      );
      if (sends.length >= 8) await sends.shift();
    }
    await Promise.all(sends);
    const produceSeconds = (performance.now() - p0) / 1000;
    process.stdout.write(
      `  produced ${messages.length} ticks in ${produceSeconds.toFixed(1)} s; writing...\n`,
    );
    await producer.disconnect();

    const dlq = new KafkaProducer({ kafka });
    await dlq.connect();
    const partitions = new TickPartitions(db);
    const writer = new TickBatchWriter(db, { mode: 'plain', partitions, strategy });
    const commits: { at: number; inserted: number }[] = [];
    const consumer = new TickWriterConsumer({
      kafka,
      groupId: `${name}-group`,
      topic: `${name}.ticks`,
      useCase: new WriteTickBatchUseCase(
        writer,
        new KafkaDeadLetterSink(dlq),
        new TickWriterMetrics(new MetricsRegistry({ defaultMetrics: false })),
      ),
      maxBatchTicks: BATCH,
      maxBatchDelayMs: DELAY_MS,
      partitionsConsumedConcurrently: CONCURRENCY,
      maxWaitTimeInMs: 20,
      hooks: {
        afterDbCommit: (outcome) => {
          commits.push({ at: performance.now(), inserted: outcome.inserted });
          return Promise.resolve();
        },
      },
    });
    const backends = async (): Promise<number[]> =>
      (
        await db.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
          [name],
        )
      ).rows.map((r) => r.pid);
    // This run's backends only (application_name), sampled per pid from /proc. A backend seen
    // before the writer starts is measured from then; one opened later (the pool grows lazily)
    // from zero. The last sample of a backend that went away counts.
    const pgStart = new Map<number, number>();
    const pgLast = new Map<number, number>();
    const samplePg = async (): Promise<void> => {
      for (const pid of await backends()) {
        const seconds = processCpuSeconds(pid);
        if (seconds > 0) pgLast.set(pid, seconds);
      }
    };
    for (const pid of await backends()) pgStart.set(pid, processCpuSeconds(pid));
    const profiler = PROFILE_DIR === '' ? undefined : new Session();
    if (profiler !== undefined) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const w0 = performance.now();
    const cpu0 = process.cpuUsage();
    const broker0 = processCpuSeconds(broker.pid);
    await consumer.start();
    let nextReport = performance.now() + 5000;
    let nextSample = 0;
    while (consumer.stats().inserted < messages.length) {
      if (performance.now() > nextReport) {
        nextReport += 5000;
        const st = consumer.stats();
        process.stdout.write(`  ... ${JSON.stringify(st)}\n`);
      }
      if (performance.now() > nextSample) {
        nextSample = performance.now() + 250;
        await samplePg();
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await samplePg();
    if (profiler !== undefined) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
      profiler.disconnect();
    }
    const wallSeconds = (performance.now() - w0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const writerNode = (cpu.user + cpu.system) / 1e6;
    let postgresBackends = 0;
    for (const [pid, last] of pgLast)
      postgresBackends += Math.max(0, last - (pgStart.get(pid) ?? 0));
    const devBroker = processCpuSeconds(broker.pid) - broker0;

    await consumer.stop();
    await dlq.close();
    const first = commits[0];
    const last = commits[commits.length - 1];
    const after = commits.slice(1).reduce((s, c) => s + c.inserted, 0);
    const sustained =
      first && last && last.at > first.at ? after / ((last.at - first.at) / 1000) : NaN;
    const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM ticks');
    return {
      strategy,
      ticks: messages.length,
      produceSeconds,
      sustainedTicksPerSec: Math.round(sustained),
      wallTicksPerSec: Math.round(messages.length / wallSeconds),
      batches: commits.length,
      meanBatch: Math.round(messages.length / commits.length),
      stored: Number(rows[0]?.n ?? 0),
      cpuSeconds: {
        writerNode: round2(writerNode),
        postgresBackends: round2(postgresBackends),
        devBroker: round2(devBroker),
      },
      cpuMicrosPerTick: {
        writerNode: round2((writerNode * 1e6) / messages.length),
        postgresBackends: round2((postgresBackends * 1e6) / messages.length),
        total: round2(((writerNode + postgresBackends + devBroker) * 1e6) / messages.length),
      },
      cpuBoundTicksPerSec: Math.round(
        messages.length / ((writerNode + postgresBackends + devBroker) / 2),
      ),
      loadavg1: round2(loadavg()[0] ?? 0),
    };
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.close();
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const broker = await startDevBroker({ topics: [] });
  const kafka = createKafka({
    brokers: broker.bootstrap,
    clientId: 'tick-writer-bench',
    logLevel: 'nothing',
  });
  try {
    process.stdout.write(`encoding ${TICKS} ticks...\n`);
    const e0 = performance.now();
    const messages = encodeTicks(TICKS);
    process.stdout.write(`  encoded in ${((performance.now() - e0) / 1000).toFixed(1)} s\n`);
    const runs: RunResult[] = [];
    for (let run = 1; run <= RUNS; run += 1) {
      for (const strategy of STRATEGIES) {
        const result = await runOnce(kafka, broker, messages, strategy, run);
        if (result.stored !== TICKS)
          throw new Error(`run stored ${result.stored} of ${TICKS} ticks`);
        runs.push(result);
        process.stdout.write(
          `run ${run} ${strategy}: ${result.sustainedTicksPerSec} ticks/s sustained (${result.wallTicksPerSec} wall incl. join), ` +
            `${result.batches} batches of ~${result.meanBatch}, produce ${result.produceSeconds.toFixed(1)} s; ` +
            `CPU s: writer ${result.cpuSeconds.writerNode}, postgres ${result.cpuSeconds.postgresBackends}, broker ${result.cpuSeconds.devBroker} ` +
            `(µs/tick: writer ${result.cpuMicrosPerTick.writerNode}, postgres ${result.cpuMicrosPerTick.postgresBackends}) ` +
            `=> ${result.cpuBoundTicksPerSec} ticks/s on 2 free cores; load ${result.loadavg1}\n`,
        );
      }
    }
    const summary = STRATEGIES.map((strategy) => {
      const mine = runs.filter((r) => r.strategy === strategy);
      return {
        strategy,
        medianSustainedTicksPerSec: median(mine.map((r) => r.sustainedTicksPerSec)),
        medianWallTicksPerSec: median(mine.map((r) => r.wallTicksPerSec)),
        medianCpuBoundTicksPerSec: median(mine.map((r) => r.cpuBoundTicksPerSec)),
        medianWriterCpuMicrosPerTick: median(mine.map((r) => r.cpuMicrosPerTick.writerNode)),
        medianPostgresCpuMicrosPerTick: median(
          mine.map((r) => r.cpuMicrosPerTick.postgresBackends),
        ),
        runs: mine.length,
      };
    });
    for (const s of summary)
      process.stdout.write(
        `median ${s.strategy}: ${s.medianSustainedTicksPerSec} ticks/s sustained, writer ${s.medianWriterCpuMicrosPerTick} µs/tick, postgres ${s.medianPostgresCpuMicrosPerTick} µs/tick, ${s.medianCpuBoundTicksPerSec} ticks/s CPU-bound estimate (target >= 200000)\n`,
      );
    const out = {
      bench: 'tick-writer',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
      settings: {
        ticks: TICKS,
        partitions: PARTITIONS,
        concurrency: CONCURRENCY,
        batch: BATCH,
        delayMs: DELAY_MS,
        symbols: SYMBOLS,
      },
      summary,
      runs,
    };
    writeFileSync(
      join(__dirname, 'results', 'tick-writer.json'),
      JSON.stringify(out, null, 2) + '\n',
    );
  } finally {
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
