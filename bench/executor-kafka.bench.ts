/**
 * Executor through Kafka (dev broker): commands produced to orders.commands, the executor
 * (in-process, 2 workers, transactions per batch) matching them, events read back.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/executor-kafka.bench.ts \
 *     [--commands 50000] [--rate 5000] [--partitions 12] [--quick]
 *   (or: npx nx run executor:bench-kafka)
 *
 * 1. Throughput: N commands are produced first, then the executor starts; commands/s = N / time
 *    from the first event to the last one (group join excluded).
 * 2. Latency: commands produced at a fixed rate while the executor runs; per command, from its
 *    publishedAt (stamped just before the produce call) to the broker timestamp of its first
 *    event (the executor's produce time; ms resolution), p50/p99.
 * The dev broker is the librdkafka mock cluster (in-memory, 3 brokers on loopback): absolute
 * numbers are not Kafka's, but they show the executor's own per-batch costs (decode, match,
 * encode, one transaction per partition batch).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { common, orders } from '@meridian/contracts';
import { startDevBroker } from '@meridian/kafka-dev-broker';
import {
  Executor,
  type ExecutorTopics,
  MemorySnapshotStore,
} from '@meridian/orders-feature-execution';
import { createKafka } from '@meridian/shared-messaging';
import { type Kafka } from 'kafkajs';

import { benchInstruments, generateFlow } from './executor-workload';

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
const instruments = benchInstruments(8);

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

async function eventCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((s, o) => s + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

function startExecutor(kafka: Kafka, topics: ExecutorTopics, group: string): Executor {
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
  });
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
    const executor = startExecutor(kafka, t, 'bench-tput');
    await executor.start();
    let first = 0;
    let last = 0;
    let lastCount = -1;
    let stable = 0;
    for (;;) {
      const n = (await eventCount(kafka, t.events)) + (await eventCount(kafka, t.trades));
      const now = performance.now();
      if (n > 0 && first === 0) first = now;
      if (n !== lastCount) {
        last = now;
        lastCount = n;
        stable = 0;
      } else if (n > 0 && ++stable >= 20) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await executor.stop();
    const seconds = (last - first) / 1000;
    const throughput = {
      commands: COMMANDS,
      messagesOut: lastCount,
      seconds,
      commandsPerSec: COMMANDS / seconds,
    };
    process.stdout.write(
      `throughput: ${COMMANDS} commands -> ${lastCount} events+trades in ${seconds.toFixed(2)} s = ${Math.round(COMMANDS / seconds)} commands/s\n`,
    );

    // 2. Latency at a fixed rate
    const l = await topicsFor(broker, 'lat');
    const latFlow = collectFlow(Math.ceil(RATE * LATENCY_SECONDS), 7).map((c, i) =>
      toProto(c, i, 'lat'),
    );
    const latExecutor = startExecutor(kafka, l, 'bench-lat');
    await latExecutor.start();
    while (!latExecutor.isReady()) await new Promise((r) => setTimeout(r, 50));
    const published = new Map<string, number>();
    const t0 = Date.now();
    let sent = 0;
    while (sent < latFlow.length) {
      const due = Math.min(latFlow.length, Math.floor(((Date.now() - t0) * RATE) / 1000));
      if (due > sent) {
        const now = Date.now();
        const batch = latFlow
          .slice(sent, due)
          .map((c) => ({ ...c, publishedAtUnixNanos: BigInt(now) * 1_000_000n }));
        for (const c of batch) published.set(c.commandId, now);
        await producer.send({
          topic: l.commands,
          messages: batch.map((c) => ({
            key: c.symbol,
            value: Buffer.from(orders.OrderCommand.encode(c).finish()),
          })),
        });
        sent = due;
      } else await new Promise((r) => setTimeout(r, 1));
    }
    const firstEvent = new Map<string, number>();
    const consumer = kafka.consumer({ groupId: 'bench-lat-reader', maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic: l.events, fromBeginning: true });
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: ({ message }) => {
        const e = orders.OrderEvent.decode(message.value ?? Buffer.alloc(0));
        if (e.commandId !== '' && !firstEvent.has(e.commandId))
          firstEvent.set(e.commandId, Number(message.timestamp));
        if (firstEvent.size >= published.size) done();
        return Promise.resolve();
      },
    });
    const timer = setTimeout(done, 60_000);
    await finished;
    clearTimeout(timer);
    await consumer.disconnect();
    await latExecutor.stop();
    const lat = [...firstEvent]
      .map(([id, at]) => at - (published.get(id) ?? at))
      .sort((a, b) => a - b);
    const pct = (p: number): number =>
      lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
    const latency = {
      rate: RATE,
      commands: published.size,
      answered: lat.length,
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      p999Ms: pct(0.999),
      maxMs: lat[lat.length - 1],
    };
    process.stdout.write(
      `latency @ ${RATE}/s: command publish -> first event p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, p99.9 ${latency.p999Ms} ms (${lat.length}/${published.size} answered)\n`,
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
          throughput,
          latency,
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

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
