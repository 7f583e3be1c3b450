/**
 * Executor through Kafka (dev broker): commands produced to orders.commands, the executor
 * (in-process, 2 workers, one transaction per round of fetched batches) matching them, events
 * read back.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/executor-kafka.bench.ts \
 *     [--commands 50000] [--rate 5000] [--seconds 10] [--partitions 12] [--max-wait 5] [--quick]
 *   (or: npx nx run executor:bench-kafka -- --rate 1000 --seconds 5)
 *
 * 1. Throughput: N commands are produced first, then the executor starts; commands/s = N / time
 *    from the first event to the last one (group join excluded).
 * 2. Baseline: the same load, produced to a topic and read straight back by a consumer with the
 *    same settings (no executor): what the dev broker and kafkajs cost on their own for one hop.
 * 3. Latency: commands produced at a fixed rate while the executor runs; per command, from just
 *    before its produce call to the moment a consumer of orders.events receives its first event
 *    (one process clock, sub-ms), p50/p99. Also reported: to the event's broker timestamp (the
 *    executor's produce time, ms resolution), and the executor's own stage means.
 * The load generator and the reader run in a child process, so their event loop and GC do not
 * share the executor's (they share the 2 cores, as the broker does).
 *
 * The dev broker is the librdkafka mock cluster (in-memory, 3 brokers on loopback). Two of its
 * behaviours are not Kafka's and shape these numbers: a Fetch that finds no data is answered
 * only after the full maxWaitTime (a real broker answers as soon as data arrives), and a Fetch
 * returns at most one record batch per partition. So every consumer here uses a short
 * maxWaitTime (`--max-wait`, default 5 ms); with kafkajs's default long poll a command waits up
 * to maxWaitTime per consumer hop on this broker only.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { common, orders } from '@meridian/contracts';
import { startDevBroker } from '@meridian/kafka-dev-broker';
import {
  Executor,
  ExecutorMetrics,
  type ExecutorTopics,
  MemorySnapshotStore,
} from '@meridian/orders-feature-execution';
import { MetricsRegistry } from '@meridian/shared-observability';
import { createKafka } from '@meridian/shared-messaging';
import { type Admin, type Kafka } from 'kafkajs';
import { z } from 'zod';

import { benchInstruments, type GeneratedCommand, generateFlow } from './executor-workload';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function arg(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
const COMMANDS = arg('commands', quick ? 10_000 : 50_000);
const RATE = arg('rate', 5000);
const LATENCY_SECONDS = arg('seconds', quick ? 5 : 10);
const PARTITIONS = arg('partitions', 12);
const MAX_WAIT_MS = arg('max-wait', 5);
const instruments = benchInstruments(8);

/** Wall-clock milliseconds with sub-ms resolution (comparable across processes on one host). */
const epochMs = (): number => performance.timeOrigin + performance.now();

function toProto(
  flow: ReturnType<typeof collectFlow>[number],
  i: number,
  prefix: string,
): orders.OrderCommand {
  const inst = instruments[flow.symbol];
  const symbol = inst?.symbol ?? 'SYM00';
  const price = (ticks: number): common.Decimal => ({ value: (ticks / 100).toFixed(2) });
  const base = {
    commandId: `${prefix}-${i}`,
    accountId: `acct-${flow.account}`,
    agentId: 'bench',
    symbol,
    clientOrderId: `${prefix}-c-${i}`,
    orderId: String(flow.orderId),
    receivedAtUnixNanos: 0n,
    publishedAtUnixNanos: 0n,
  };
  if (flow.kind === 'cancel')
    return { ...base, command: { $case: 'cancelOrder', value: { origClientOrderId: '' } } };
  if (flow.kind === 'replace')
    return {
      ...base,
      command: {
        $case: 'replaceOrder',
        value: {
          origClientOrderId: '',
          quantity: undefined,
          limitPrice: price(flow.price),
          stopPrice: undefined,
          displayQuantity: undefined,
        },
      },
    };
  return {
    ...base,
    command: {
      $case: 'newOrder',
      value: {
        side: flow.side === 0 ? common.Side.BUY : common.Side.SELL,
        orderType: orders.OrderType.LIMIT,
        timeInForce: flow.ioc ? orders.TimeInForce.IOC : orders.TimeInForce.GTC,
        quantity: { value: String(flow.quantity) },
        limitPrice: price(flow.price),
        stopPrice: undefined,
        displayQuantity: undefined,
        postOnly: false,
        selfTradePrevention: 0,
        expireAtUnixNanos: 0n,
      },
    },
  };
}

function collectFlow(n: number, seed: number): Parameters<Parameters<typeof generateFlow>[3]>[0][] {
  const out: Parameters<Parameters<typeof generateFlow>[3]>[0][] = [];
  generateFlow(instruments, n, seed, (c) => out.push({ ...c }), 500);
  return out;
}

async function topicsFor(
  broker: Awaited<ReturnType<typeof startDevBroker>>,
  name: string,
): Promise<ExecutorTopics> {
  const topics: ExecutorTopics = {
    commands: `${name}.commands`,
    events: `${name}.events`,
    trades: `${name}.trades`,
    riskControls: `${name}.risk`,
    commandsDlq: `${name}.dlq`,
  };
  for (const t of [
    topics.commands,
    topics.events,
    topics.trades,
    topics.riskControls,
    topics.commandsDlq,
  ])
    await broker.createTopic({ name: t, partitions: PARTITIONS, replicationFactor: 3 });
  return topics;
}

async function eventCount(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((s, o) => s + Number(o.high), 0);
}

function startExecutor(
  kafka: Kafka,
  topics: ExecutorTopics,
  group: string,
  metrics?: ExecutorMetrics,
): Executor {
  return new Executor({
    kafka,
    groupId: group,
    instruments,
    workers: 2,
    snapshots: new MemorySnapshotStore(),
    topics,
    snapshotEveryCommands: 1_000_000,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
    maxWaitTimeMs: MAX_WAIT_MS,
    ...(metrics === undefined ? {} : { metrics }),
  });
}

// ------------------------------------------------------------------ load generator (child)

const loadPlanSchema = z.object({
  mode: z.enum(['baseline', 'executor']),
  brokers: z.array(z.string()),
  produceTopic: z.string(),
  readTopic: z.string(),
  prefix: z.string(),
  rate: z.number(),
  seconds: z.number(),
  maxWaitMs: z.number(),
});
type LoadPlan = z.infer<typeof loadPlanSchema>;

const percentilesSchema = z.object({
  p50: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
});
type Percentiles = z.infer<typeof percentilesSchema>;

const loadResultSchema = z.object({
  commands: z.number(),
  answered: z.number(),
  /** publish -> first event (or the command itself, baseline) received by the reader, ms. */
  endToEndMs: percentilesSchema,
  /** publish -> broker timestamp of the first event (executor produce time; ms resolution). */
  toEventTimestampMs: percentilesSchema,
  /** Duration of the generator's producer.send calls, ms. */
  sendMs: percentilesSchema,
});
type LoadResult = z.infer<typeof loadResultSchema>;

function percentiles(values: number[]): Percentiles {
  const sorted = values.sort((a, b) => a - b);
  const at = (p: number): number =>
    round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Child process: produces the flow at `rate` and reads `readTopic` until every command is answered. */
async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const kafka = createKafka({
    brokers: plan.brokers,
    clientId: `${plan.prefix}-load`,
    logLevel: 'nothing',
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const firstAt = new Map<string, number>();
  const firstTimestamp = new Map<string, number>();
  const reader = kafka.consumer({
    groupId: `${plan.prefix}-reader`,
    maxWaitTimeInMs: plan.maxWaitMs,
  });
  await reader.connect();
  await reader.subscribe({ topic: plan.readTopic, fromBeginning: true });
  const joined = new Promise<void>((resolve) =>
    reader.on(reader.events.GROUP_JOIN, () => resolve()),
  );
  // The executor's consumer settings: no group commits (nothing to resume), every partition's
  // batch handed over at once, the same maxWaitTime.
  await reader.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 16,
    eachBatch: ({ batch }) => {
      const at = epochMs();
      for (const message of batch.messages) {
        const value = message.value ?? Buffer.alloc(0);
        const id =
          plan.mode === 'baseline'
            ? orders.OrderCommand.decode(value).commandId
            : orders.OrderEvent.decode(value).commandId;
        if (id === '' || firstAt.has(id)) continue;
        firstAt.set(id, at);
        firstTimestamp.set(id, Number(message.timestamp));
      }
      return Promise.resolve();
    },
  });
  await joined;

  // Warm-up: commands for a symbol with no book (the executor rejects them without touching a
  // book) until they come back, then one more second of them at the rate: group joins, first
  // fetches and JIT are not part of the measurement.
  const warmup = (i: number): orders.OrderCommand => ({
    ...toProto(collectFlow(1, 1)[0] as GeneratedCommand, i, `${plan.prefix}-warmup`),
    symbol: 'WARMUP',
  });
  let w = 0;
  const sendWarmup = async (n: number): Promise<void> => {
    const messages = Array.from({ length: n }, () => warmup(w++)).map((c) => ({
      key: c.symbol,
      value: Buffer.from(orders.OrderCommand.encode(c).finish()),
    }));
    await producer.send({ topic: plan.produceTopic, messages });
  };
  while (firstAt.size === 0) {
    await sendWarmup(1);
    await new Promise((r) => setTimeout(r, 100));
  }
  const perTick = Math.max(1, Math.round(plan.rate / 100));
  for (let i = 0; i < 100; i++) {
    await sendWarmup(perTick);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 200));
  firstAt.clear();
  firstTimestamp.clear();

  const flow = collectFlow(Math.ceil(plan.rate * plan.seconds), 7).map((c, i) =>
    toProto(c, i, plan.prefix),
  );
  const published = new Map<string, number>();
  const sendMs: number[] = [];
  const t0 = performance.now();
  const epochT0 = epochMs();
  let sent = 0;
  while (sent < flow.length) {
    const due = Math.min(flow.length, Math.floor(((performance.now() - t0) * plan.rate) / 1000));
    if (due > sent) {
      const now = epochMs();
      const messages = flow.slice(sent, due).map((c) => {
        published.set(c.commandId, now);
        const stamped = { ...c, publishedAtUnixNanos: BigInt(Math.round(now * 1000)) * 1000n };
        return {
          key: c.symbol,
          value: Buffer.from(orders.OrderCommand.encode(stamped).finish()),
        };
      });
      await producer.send({ topic: plan.produceTopic, messages });
      sendMs.push(epochMs() - now);
      sent = due;
    } else await new Promise((r) => setTimeout(r, 1));
  }
  const deadline = performance.now() + 30_000;
  const answered = (): number => [...published.keys()].filter((id) => firstAt.has(id)).length;
  while (answered() < published.size && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  await reader.disconnect();
  await producer.disconnect();
  if (process.env.BENCH_DEBUG !== undefined) {
    const buckets = new Map<number, number>();
    for (const [id, p] of published) {
      const b = Math.floor((p - epochT0) / 250);
      buckets.set(b, Math.max(buckets.get(b) ?? 0, (firstAt.get(id) ?? NaN) - p));
    }
    process.stderr.write(
      `max latency per 250 ms: ${[...buckets.values()].map((v) => v.toFixed(0)).join(' ')}\n`,
    );
  }
  const endToEnd: number[] = [];
  const toTimestamp: number[] = [];
  for (const [id, at] of firstAt) {
    const p = published.get(id);
    if (p === undefined) continue;
    endToEnd.push(at - p);
    toTimestamp.push((firstTimestamp.get(id) ?? NaN) - p);
  }
  return {
    commands: published.size,
    answered: endToEnd.length,
    endToEndMs: percentiles(endToEnd),
    toEventTimestampMs: percentiles(toTimestamp),
    sendMs: percentiles(sendMs),
  };
}

/** Runs the load generator in a child process (its own event loop and heap) and returns its result. */
function forkLoad(plan: LoadPlan): Promise<LoadResult> {
  return new Promise<LoadResult>((resolve, reject) => {
    const child = fork(__filename, ['--load-plan', JSON.stringify(plan)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: LoadResult | undefined;
    child.on('message', (message) => {
      const parsed = loadResultSchema.safeParse(message);
      if (parsed.success) result = parsed.data;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result === undefined
        ? reject(new Error(`load generator exited with ${String(code)} and no result`))
        : resolve(result),
    );
  });
}

// ------------------------------------------------------------------ executor side (parent)

async function stageMeansMs(metrics: ExecutorMetrics): Promise<Record<string, number>> {
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const v of (await metrics.stage.get()).values) {
    const stage = String(v.labels.stage);
    if (v.metricName?.endsWith('_sum') === true) sums.set(stage, v.value);
    if (v.metricName?.endsWith('_count') === true) counts.set(stage, v.value);
  }
  const out: Record<string, number> = {};
  for (const [stage, sum] of sums) out[stage] = round((sum * 1000) / (counts.get(stage) ?? 1));
  let batches = 0;
  let commands = 0;
  for (const v of (await metrics.batchSize.get()).values) {
    if (v.metricName?.endsWith('_sum') === true) commands = v.value;
    if (v.metricName?.endsWith('_count') === true) batches = v.value;
  }
  out.commandsPerRound = round(commands / Math.max(1, batches));
  out.rounds = batches;
  return out;
}

function report(label: string, r: LoadResult): void {
  const e = r.endToEndMs;
  process.stdout.write(
    `${label}: p50 ${e.p50} ms, p99 ${e.p99} ms, p99.9 ${e.p999} ms, max ${e.max} ms (${r.answered}/${r.commands} answered; send p50 ${r.sendMs.p50} ms)\n`,
  );
}

async function main(): Promise<void> {
  const broker = await startDevBroker({ topics: [] });
  const kafka = createKafka({
    brokers: broker.bootstrap,
    clientId: 'executor-bench',
    logLevel: 'nothing',
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    // 1. Throughput
    const t = await topicsFor(broker, 'tput');
    const flow = collectFlow(COMMANDS, 42).map((c, i) => toProto(c, i, 'tput'));
    for (let i = 0; i < flow.length; i += 1000)
      await producer.send({
        topic: t.commands,
        messages: flow.slice(i, i + 1000).map((c) => ({
          key: c.symbol,
          value: Buffer.from(orders.OrderCommand.encode(c).finish()),
        })),
      });
    const admin = kafka.admin();
    await admin.connect();
    const tputMetrics = new ExecutorMetrics(new MetricsRegistry({ defaultMetrics: false }));
    const executor = startExecutor(kafka, t, 'bench-tput', tputMetrics);
    await executor.start();
    let first = 0;
    let last = 0;
    let lastCount = -1;
    let stable = 0;
    for (;;) {
      const n = (await eventCount(admin, t.events)) + (await eventCount(admin, t.trades));
      const now = performance.now();
      if (n > 0 && first === 0) first = now;
      if (n !== lastCount) {
        last = now;
        lastCount = n;
        stable = 0;
      } else if (n > 0 && ++stable >= 20) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await executor.stop();
    await admin.disconnect();
    const seconds = (last - first) / 1000;
    const throughput = {
      commands: COMMANDS,
      messagesOut: lastCount,
      seconds,
      commandsPerSec: COMMANDS / seconds,
      executorStageMeansMs: await stageMeansMs(tputMetrics),
    };
    process.stdout.write(
      `throughput: ${COMMANDS} commands -> ${lastCount} events+trades in ${seconds.toFixed(2)} s = ${Math.round(COMMANDS / seconds)} commands/s; stage means (ms): ${JSON.stringify(throughput.executorStageMeansMs)}\n`,
    );

    // 2. Baseline: one produce -> consume hop, same consumer settings, no executor.
    const b = await topicsFor(broker, 'base');
    const baseline = await forkLoad({
      mode: 'baseline',
      brokers: broker.bootstrap,
      produceTopic: b.commands,
      readTopic: b.commands,
      prefix: 'base',
      rate: RATE,
      seconds: LATENCY_SECONDS,
      maxWaitMs: MAX_WAIT_MS,
    });
    report(`baseline @ ${RATE}/s: produce -> consumed (one hop, no executor)`, baseline);

    // 3. Latency through the executor at a fixed rate
    const l = await topicsFor(broker, 'lat');
    const metrics = new ExecutorMetrics(new MetricsRegistry({ defaultMetrics: false }));
    const latExecutor = startExecutor(kafka, l, 'bench-lat', metrics);
    await latExecutor.start();
    while (!latExecutor.isReady()) await new Promise((r) => setTimeout(r, 50));
    const latency = await forkLoad({
      mode: 'executor',
      brokers: broker.bootstrap,
      produceTopic: l.commands,
      readTopic: l.events,
      prefix: 'lat',
      rate: RATE,
      seconds: LATENCY_SECONDS,
      maxWaitMs: MAX_WAIT_MS,
    });
    await latExecutor.stop();
    const stages = await stageMeansMs(metrics);
    report(`latency @ ${RATE}/s: command publish -> first event consumed`, latency);
    const ts = latency.toEventTimestampMs;
    process.stdout.write(
      `  publish -> first event's broker timestamp: p50 ${ts.p50} ms, p99 ${ts.p99} ms; executor stage means (ms): ${JSON.stringify(stages)}\n`,
    );
    writeFileSync(
      join(__dirname, 'results', 'executor-kafka.json'),
      JSON.stringify(
        {
          bench: 'executor-kafka',
          at: new Date().toISOString(),
          node: process.version,
          cpus: cpus().map((c) => c.model),
          loadavg: loadavg(),
          partitions: PARTITIONS,
          consumerMaxWaitMs: MAX_WAIT_MS,
          throughput,
          baseline: { rate: RATE, ...baseline },
          latency: { rate: RATE, ...latency, executorStageMeansMs: stages },
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await producer.disconnect();
    await broker.stop();
  }
}

const planIndex = args.indexOf('--load-plan');
if (planIndex >= 0) {
  runLoad(loadPlanSchema.parse(JSON.parse(args[planIndex + 1] ?? '{}')))
    .then((result) => process.send?.(result, () => process.exit(0)))
    .catch((error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
