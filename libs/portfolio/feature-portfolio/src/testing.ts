/**
 * Test helpers for portfolio specs (this lib's, the app's process test and the benchmark).
 * Specs and benches only.
 */
import { dlqTopicOf, type marketdata, orders, type portfolio } from '@meridian/contracts';
import { devBrokerControl } from '@meridian/kafka-dev-broker';
import type { LedgerFill } from '@meridian/portfolio-data-access/testing';
import { kafkaControlAddress, uniqueName } from '@meridian/shared-testing';
import type { PositionUpdateSink } from './position-update.publisher';
import type { RiskControlSink } from './risk-control.publisher';
import type { risk } from '@meridian/contracts';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** Short group timings for tests (joins and rebalances in about a second). */
export const TEST_CONSUMER_TUNING = {
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 300,
  maxWaitTimeInMs: 100,
} as const;

/** Topics of one spec file (each with its `.dlq`), shaped like the registry's. */
export interface PortfolioTestTopics {
  readonly events: string;
  readonly ticks: string;
  readonly updates: string;
  readonly controls: string;
}

export async function createPortfolioTestTopics(
  prefix: string,
  partitions = 3,
): Promise<PortfolioTestTopics> {
  const control = devBrokerControl(kafkaControlAddress());
  const make = async (suffix: string): Promise<string> => {
    const name = uniqueName(`${prefix}.${suffix}`).replaceAll('_', '-');
    await control.createTopic({ name, partitions, replicationFactor: 3 });
    await control.createTopic({ name: dlqTopicOf(name), partitions: 1, replicationFactor: 3 });
    return name;
  };
  return {
    events: await make('events'),
    ticks: await make('ticks'),
    updates: await make('updates'),
    controls: await make('controls'),
  };
}

/** Collects published updates in memory. */
export class ListUpdateSink implements PositionUpdateSink {
  readonly updates: portfolio.PositionUpdate[] = [];
  failNext = 0;
  publish(updates: readonly portfolio.PositionUpdate[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      return Promise.reject(new Error('publish failed (test)'));
    }
    this.updates.push(...updates);
    return Promise.resolve();
  }
}

/** Collects published risk controls in memory. */
export class ListControlSink implements RiskControlSink {
  readonly controls: risk.RiskControl[] = [];
  publish(control: risk.RiskControl): Promise<void> {
    this.controls.push(control);
    return Promise.resolve();
  }
}

const BASE_TIME = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z

/** An OrderAccepted execution report. */
export function acceptedEvent(f: {
  orderId: string;
  accountId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  sequence: bigint;
}): orders.OrderEvent {
  return orders.OrderEvent.fromPartial({
    eventId: `ev-${f.symbol}-${f.sequence}`,
    symbol: f.symbol,
    sequence: f.sequence,
    orderId: f.orderId,
    clientOrderId: `c-${f.orderId}`,
    accountId: f.accountId,
    agentId: `agent-${f.accountId}`,
    eventTimeUnixNanos: BASE_TIME + f.sequence,
    status: orders.OrderStatus.NEW,
    event: {
      $case: 'accepted',
      value: {
        order: orders.NewOrder.fromPartial({
          side: f.side === 'buy' ? 1 : 2,
          orderType: orders.OrderType.LIMIT,
          timeInForce: orders.TimeInForce.GTC,
          quantity: { value: f.quantity },
          limitPrice: { value: '1' },
        }),
        status: orders.OrderStatus.NEW,
      },
    },
  });
}

/** A partial or final fill report. */
export function fillEvent(f: {
  orderId: string;
  accountId: string;
  symbol: string;
  executionId: string;
  quantity: string;
  price: string;
  sequence: bigint;
  final: boolean;
}): orders.OrderEvent {
  const fill = {
    executionId: f.executionId,
    tradeId: `t-${f.executionId}`,
    price: { value: f.price },
    quantity: { value: f.quantity },
    liquidity: orders.Liquidity.TAKER,
  };
  return orders.OrderEvent.fromPartial({
    eventId: `ev-${f.symbol}-${f.sequence}`,
    symbol: f.symbol,
    sequence: f.sequence,
    orderId: f.orderId,
    accountId: f.accountId,
    agentId: `agent-${f.accountId}`,
    eventTimeUnixNanos: BASE_TIME + f.sequence,
    status: f.final ? orders.OrderStatus.FILLED : orders.OrderStatus.PARTIALLY_FILLED,
    event: f.final
      ? { $case: 'filled', value: { fill, cumulativeQuantity: { value: '0' } } }
      : { $case: 'partiallyFilled', value: { fill, cumulativeQuantity: { value: '0' } } },
  });
}

/** A tick with a last price (or bid/ask only when `last` is omitted). */
export function tick(
  symbol: string,
  last: string | undefined,
  bid = '',
  ask = '',
): marketdata.Tick {
  return {
    symbol,
    bidPrice: bid === '' ? undefined : { value: bid },
    bidSize: undefined,
    askPrice: ask === '' ? undefined : { value: ask },
    askSize: undefined,
    lastPrice: last === undefined ? undefined : { value: last },
    lastSize: undefined,
    exchangeTimeUnixNanos: 0n,
    receivedTimeUnixNanos: 0n,
    sequence: 0n,
    source: 'test',
  };
}

/** A deterministic trading script: events in per-symbol sequence order plus the same fills for the ledger. */
export interface TradeScript {
  readonly events: orders.OrderEvent[];
  readonly ledger: LedgerFill[];
  readonly fills: number;
}

/**
 * `orders` orders spread over accounts and symbols, each accepted then filled in 1-3 parts at
 * prices around 100 with up to 2 decimals (mulberry32 from `seed`, so every run is the same).
 * Sides alternate randomly, so positions go long, short and through zero.
 */
export function tradeScript(options: {
  accounts: readonly string[];
  symbols: readonly string[];
  orders: number;
  seed?: number;
  prefix?: string;
}): TradeScript {
  let state = options.seed ?? 42;
  const rand = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(rand() * items.length)];
    if (item === undefined) throw new Error('empty');
    return item;
  };
  const prefix = options.prefix ?? 'o';
  const sequences = new Map<string, bigint>();
  const next = (symbol: string): bigint => {
    const s = (sequences.get(symbol) ?? 0n) + 1n;
    sequences.set(symbol, s);
    return s;
  };
  const events: orders.OrderEvent[] = [];
  const ledger: LedgerFill[] = [];
  for (let i = 0; i < options.orders; i++) {
    const accountId = pick(options.accounts);
    const symbol = pick(options.symbols);
    const side = rand() < 0.5 ? 'buy' : 'sell';
    const orderId = `${prefix}-${i}`;
    const parts = 1 + Math.floor(rand() * 3);
    const quantities = Array.from({ length: parts }, () => 1 + Math.floor(rand() * 40));
    const total = quantities.reduce((a, b) => a + b, 0);
    events.push(
      acceptedEvent({
        orderId,
        accountId,
        symbol,
        side,
        quantity: String(total),
        sequence: next(symbol),
      }),
    );
    quantities.forEach((q, part) => {
      const cents = 9000 + Math.floor(rand() * 2000);
      const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      const sequence = next(symbol);
      const executionId = `${orderId}-x${part}`;
      events.push(
        fillEvent({
          orderId,
          accountId,
          symbol,
          executionId,
          quantity: String(q),
          price,
          sequence,
          final: part === parts - 1,
        }),
      );
      ledger.push({
        executionId,
        orderId,
        accountId,
        symbol,
        side,
        sequence,
        price,
        quantity: String(q),
      });
    });
  }
  return { events, ledger, fills: ledger.length };
}

/** Every record of `topic` up to its current end (all partitions), in partition order. */
export async function readWholeTopic(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const wanted = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  const messages: KafkaMessage[] = [];
  if (wanted === 0) return messages;
  const consumer = kafka.consumer({
    groupId: uniqueName('read'),
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      eachMessage: ({ message }) => {
        messages.push(message);
        if (messages.length >= wanted) finish();
        return Promise.resolve();
      },
    });
    const timer = setTimeout(finish, 60_000);
    await finished;
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
