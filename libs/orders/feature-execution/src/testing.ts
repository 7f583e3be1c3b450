/**
 * Test helpers for executor specs (this lib's and the executor app's kill test). Specs only.
 */
import { common, orders } from '@meridian/contracts';
import {
  type DecimalCommand,
  EventBuffer,
  type InstrumentSpec,
  MatchingEngine,
} from '@meridian/orders-domain';
import { devBrokerControl, type DevBrokerControl } from '@meridian/kafka-dev-broker';
import { kafkaControlAddress, uniqueName } from '@meridian/shared-testing';
import { type Kafka, type KafkaMessage } from 'kafkajs';

import { type ExecutorTopics } from './executor';

export const TEST_INSTRUMENTS: InstrumentSpec[] = ['AAA', 'BBB', 'CCC', 'DDD'].map((symbol) => ({
  symbol,
  tickSize: '0.01',
  lotSize: '1',
  minPrice: '0.01',
  maxPrice: '100000.00',
  currencyDecimals: 2,
}));

/** Creates a fresh set of executor topics on the dev broker. */
export async function createExecutorTopics(
  prefix: string,
  partitions = 3,
): Promise<ExecutorTopics> {
  const control: DevBrokerControl = devBrokerControl(kafkaControlAddress());
  const base = uniqueName(prefix).replaceAll('_', '-');
  const topics: ExecutorTopics = {
    commands: `${base}.commands`,
    events: `${base}.events`,
    trades: `${base}.trades`,
    riskControls: `${base}.risk`,
    commandsDlq: `${base}.commands.dlq`,
  };
  const names: string[] = [
    topics.commands,
    topics.events,
    topics.trades,
    topics.riskControls,
    topics.commandsDlq,
  ];
  for (const name of names) await control.createTopic({ name, partitions, replicationFactor: 3 });
  return topics;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded flow of valid-looking commands over `symbols`: limit orders around 100.00 (so many
 * cross and trade), IOCs, cancels and replaces of earlier orders (some already gone: rejections).
 */
export function commandFlow(
  count: number,
  seed: number,
  symbols: readonly string[] = TEST_INSTRUMENTS.map((i) => i.symbol),
): orders.OrderCommand[] {
  const rand = mulberry32(seed);
  const out: orders.OrderCommand[] = [];
  const placed: { symbol: string; orderId: string }[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    const account = `acct-${1 + Math.floor(rand() * 8)}`;
    const base = {
      commandId: `cmd-${seed}-${i}`,
      accountId: account,
      agentId: `agent-${account}`,
      clientOrderId: `c-${seed}-${i}`,
      receivedAtUnixNanos: BigInt(1_700_000_000_000 + i) * 1_000_000n,
      publishedAtUnixNanos: BigInt(1_700_000_000_000 + i) * 1_000_000n,
    };
    if (r < 0.65 || placed.length < 10) {
      const symbol = symbols[Math.floor(rand() * symbols.length)] ?? 'AAA';
      const orderId = String(100_000 * (seed % 1000) + i + 1);
      placed.push({ symbol, orderId });
      const ioc = rand() < 0.15;
      out.push({
        ...base,
        symbol,
        orderId,
        command: {
          $case: 'newOrder',
          value: {
            side: rand() < 0.5 ? common.Side.BUY : common.Side.SELL,
            orderType: orders.OrderType.LIMIT,
            timeInForce: ioc ? orders.TimeInForce.IOC : orders.TimeInForce.GTC,
            quantity: { value: String(1 + Math.floor(rand() * 20)) },
            limitPrice: { value: (99 + Math.floor(rand() * 200) / 100).toFixed(2) },
            stopPrice: undefined,
            displayQuantity: undefined,
            postOnly: false,
            selfTradePrevention: orders.SelfTradePrevention.UNSPECIFIED,
            expireAtUnixNanos: 0n,
          },
        },
      });
    } else {
      const target = placed[Math.floor(rand() * placed.length)] ?? { symbol: 'AAA', orderId: '1' };
      out.push(
        r < 0.85
          ? {
              ...base,
              symbol: target.symbol,
              orderId: target.orderId,
              command: { $case: 'cancelOrder', value: { origClientOrderId: '' } },
            }
          : {
              ...base,
              symbol: target.symbol,
              orderId: target.orderId,
              command: {
                $case: 'replaceOrder',
                value: {
                  origClientOrderId: '',
                  quantity: { value: String(1 + Math.floor(rand() * 30)) },
                  limitPrice: undefined,
                  stopPrice: undefined,
                  displayQuantity: undefined,
                },
              },
            },
      );
    }
  }
  return out;
}

/** Publishes commands keyed by symbol (raw values are published as they are). */
export async function produceCommands(
  kafka: Kafka,
  topic: string,
  commands: readonly (orders.OrderCommand | { symbol: string; raw: Uint8Array })[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < commands.length; i += 500) {
      await producer.send({
        topic,
        messages: commands.slice(i, i + 500).map((c) => ({
          key: c.symbol,
          value: Buffer.from('raw' in c ? c.raw : orders.OrderCommand.encode(c).finish()),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Reads `topic` from the beginning until `done(messages)` or the timeout; returns what it read. */
export async function collectTopic(
  kafka: Kafka,
  topic: string,
  done: (messages: KafkaMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({
    groupId: uniqueName('collect'),
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      eachMessage: ({ message }) => {
        messages.push(message);
        if (done(messages)) finish();
        return Promise.resolve();
      },
    });
    const timer = setTimeout(finish, timeoutMs);
    await finished;
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Decoded events with their raw bytes, keyed by event id. */
export function eventsById(
  messages: readonly KafkaMessage[],
): Map<string, { event: orders.OrderEvent; bytes: string }[]> {
  const byId = new Map<string, { event: orders.OrderEvent; bytes: string }[]>();
  for (const m of messages) {
    const value = m.value ?? Buffer.alloc(0);
    const event = orders.OrderEvent.decode(value);
    const list = byId.get(event.eventId) ?? [];
    list.push({ event, bytes: value.toString('base64') });
    byId.set(event.eventId, list);
  }
  return byId;
}

/** Per symbol, the sorted distinct sequences seen (for gap checks). */
export function sequencesBySymbol(events: Iterable<orders.OrderEvent>): Map<string, number[]> {
  const out = new Map<string, Set<number>>();
  for (const e of events) {
    if (e.sequence === 0n) continue;
    const set = out.get(e.symbol) ?? new Set<number>();
    set.add(Number(e.sequence));
    out.set(e.symbol, set);
  }
  return new Map([...out].map(([s, set]) => [s, [...set].sort((a, b) => a - b)]));
}

/** What the engine alone says about the same commands: events per symbol (a duplicate id applies once). */
export function referenceCounts(commands: readonly orders.OrderCommand[]): Map<string, number> {
  const engine = new MatchingEngine(TEST_INSTRUMENTS);
  const sink = new EventBuffer();
  const accounts = new Map<string, number>();
  const seen = new Set<string>();
  for (const c of commands) {
    if (seen.has(c.commandId)) continue;
    seen.add(c.commandId);
    const account = accounts.get(c.accountId) ?? accounts.size;
    accounts.set(c.accountId, account);
    const orderId = Number(c.orderId);
    const op = c.command;
    let cmd: DecimalCommand;
    if (op?.$case === 'newOrder') {
      cmd = {
        type: 'new',
        symbol: c.symbol,
        orderId,
        account,
        side: op.value.side === 1 ? 'buy' : 'sell',
        orderType: 'limit',
        price: op.value.limitPrice?.value,
        quantity: op.value.quantity?.value ?? '',
        tif: op.value.timeInForce === orders.TimeInForce.IOC ? 'IOC' : 'GTC',
        postOnly: false,
      };
    } else if (op?.$case === 'cancelOrder') {
      cmd = { type: 'cancel', symbol: c.symbol, orderId };
    } else {
      cmd = { type: 'replace', symbol: c.symbol, orderId, quantity: op?.value.quantity?.value };
    }
    engine.processDecimal(cmd, sink);
  }
  const counts = new Map<string, number>();
  for (const e of sink.events())
    if (e.symbol !== null) counts.set(e.symbol, (counts.get(e.symbol) ?? 0) + 1);
  return counts;
}
