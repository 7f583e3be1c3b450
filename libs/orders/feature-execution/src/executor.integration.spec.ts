import { common, orders, risk } from '@meridian/contracts';
import { createKafka } from '@meridian/shared-messaging';
import { kafkaBrokers, uniqueName } from '@meridian/shared-testing';
import { type KafkaMessage } from 'kafkajs';

import { Executor, type ExecutorTopics } from './executor';
import { MemorySnapshotStore } from './snapshot-store';
import {
  collectTopic,
  commandFlow,
  createExecutorTopics,
  eventsById,
  produceCommands,
  referenceCounts,
  sequencesBySymbol,
  TEST_INSTRUMENTS,
} from './testing';

const kafka = createKafka({
  brokers: kafkaBrokers(),
  clientId: 'executor-spec',
  logLevel: 'nothing',
});

async function startExecutor(
  topics: ExecutorTopics,
  groupId: string,
  store = new MemorySnapshotStore(),
  workers = 2,
): Promise<Executor> {
  const executor = new Executor({
    kafka,
    groupId,
    instruments: TEST_INSTRUMENTS,
    workers,
    snapshots: store,
    snapshotEveryCommands: 200,
    topics,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
  });
  await executor.start();
  return executor;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function messagesIn(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

async function waitUntil(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function distinctCount(events: KafkaMessage[], trades: KafkaMessage[]): number {
  return (
    eventsById(events).size +
    new Set(trades.map((t) => orders.Trade.decode(t.value ?? Buffer.alloc(0)).tradeId)).size
  );
}

describe('Executor against the Kafka dev broker', () => {
  it('matches every command once, sequences gap-free per symbol, and handles bad input without losing anything', async () => {
    const topics = await createExecutorTopics('exec-int');
    const flow = commandFlow(400, 11);
    const duplicate = flow[5] as orders.OrderCommand;
    const offTick = {
      ...(flow[0] as orders.OrderCommand),
      commandId: 'off-tick',
      orderId: '999001',
    };
    if (offTick.command?.$case === 'newOrder')
      offTick.command = {
        $case: 'newOrder',
        value: { ...offTick.command.value, limitPrice: { value: '100.001' } },
      };
    const unknown = {
      ...(flow[0] as orders.OrderCommand),
      commandId: 'unknown-symbol',
      symbol: 'ZZZ',
      orderId: '999002',
    };
    const commands = [...flow, duplicate, offTick, unknown];
    await produceCommands(kafka, topics.commands, [
      ...commands.slice(0, 200),
      { symbol: 'AAA', raw: new Uint8Array([0xff, 0xff, 0xff]) },
      ...commands.slice(200),
    ]);
    const expected = referenceCounts(commands);
    const expectedTotal = [...expected.values()].reduce((a, b) => a + b, 0) + 1; // + the no-book rejection

    const executor = await startExecutor(topics, uniqueName('exec-int'));
    try {
      const trades = await collectTopic(kafka, topics.trades, () => false, 1); // warm-up of the group coordinator
      void trades;
      let eventMessages: KafkaMessage[] = [];
      let tradeMessages: KafkaMessage[] = [];
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        eventMessages = await collectTopic(
          kafka,
          topics.events,
          (m) => m.length >= expectedTotal,
          3000,
        );
        tradeMessages = await collectTopic(kafka, topics.trades, () => false, 1500);
        if (distinctCount(eventMessages, tradeMessages) >= expectedTotal) break;
      }
      expect(distinctCount(eventMessages, tradeMessages)).toBe(expectedTotal);
      const events = [...eventsById(eventMessages).values()].map(
        (l) => (l[0] as { event: orders.OrderEvent }).event,
      );
      const tradeList = tradeMessages.map((t) => orders.Trade.decode(t.value ?? Buffer.alloc(0)));
      const all = [...events, ...tradeList.map((t) => ({ ...t, sequence: t.sequence }))] as {
        symbol: string;
        sequence: bigint;
      }[];
      const seqs = sequencesBySymbol(all as orders.OrderEvent[]);
      for (const [symbol, count] of expected)
        expect(seqs.get(symbol)).toEqual(Array.from({ length: count }, (_, i) => i + 1));

      const byCommand = (id: string): orders.OrderEvent[] =>
        events.filter((e) => e.commandId === id);
      const rejectedOffTick = byCommand('off-tick');
      expect(rejectedOffTick).toHaveLength(1);
      expect(rejectedOffTick[0]?.event).toEqual({
        $case: 'rejected',
        value: {
          reason: orders.RejectReason.INVALID_PRICE,
          text: 'PRICE_TOO_PRECISE',
          commandKind: orders.CommandKind.NEW_ORDER,
        },
      });
      const rejectedUnknown = byCommand('unknown-symbol');
      expect(
        rejectedUnknown.map((e) => [
          e.sequence,
          e.event?.$case === 'rejected' ? e.event.value.reason : -1,
        ]),
      ).toEqual([[0n, orders.RejectReason.UNKNOWN_SYMBOL]]);
      // The duplicate command id was applied once.
      expect(
        byCommand(duplicate.commandId).filter(
          (e) => e.event?.$case === 'accepted' || e.event?.$case === 'rejected',
        ).length,
      ).toBeLessThanOrEqual(1);

      const dlq = await collectTopic(kafka, topics.commandsDlq, (m) => m.length >= 1, 20_000);
      expect(dlq).toHaveLength(1);
      expect(dlq[0]?.headers?.['dlq-error-code']?.toString()).toBe('MESSAGING_DECODE_FAILED');
      expect(executor.isReady()).toBe(true);
    } finally {
      await executor.stop();
    }
  });

  it('rebuilds a crashed worker from snapshot + journal without losing or duplicating an event', async () => {
    const topics = await createExecutorTopics('exec-crash');
    const commands = commandFlow(1200, 12);
    const expected = [...referenceCounts(commands).values()].reduce((a, b) => a + b, 0);
    await produceCommands(kafka, topics.commands, commands.slice(0, 600));
    const executor = await startExecutor(topics, uniqueName('exec-crash'));
    try {
      await waitUntil(async () => (await messagesIn(topics.events)) > 300, 'first half');
      executor.crashWorker(0);
      executor.crashWorker(1);
      await produceCommands(kafka, topics.commands, commands.slice(600));
      await waitUntil(
        async () =>
          (await messagesIn(topics.events)) + (await messagesIn(topics.trades)) >= expected,
        'all events',
      );
      const [events, trades] = await Promise.all([
        collectTopic(kafka, topics.events, () => false, 3000),
        collectTopic(kafka, topics.trades, () => false, 3000),
      ]);
      expect(distinctCount(events, trades)).toBe(expected);
      // Copies only appear if a transaction was retried (its first attempt aborted).
      expect(executor.workerRestarts).toBe(2);
      const all = [...eventsById(events).values()].map(
        (l) => (l[0] as { event: orders.OrderEvent }).event,
      );
      const seqs = sequencesBySymbol([
        ...all,
        ...(trades.map((t) =>
          orders.Trade.decode(t.value ?? Buffer.alloc(0)),
        ) as unknown as orders.OrderEvent[]),
      ]);
      for (const [symbol, count] of referenceCounts(commands))
        expect(seqs.get(symbol)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(executor.isReady()).toBe(true);
    } finally {
      await executor.stop();
    }
  });

  it('rebuilds one crashed worker without re-applying the batch of the worker that did not crash', async () => {
    const topics = await createExecutorTopics('exec-crash-one');
    const commands = commandFlow(800, 14);
    const expected = [...referenceCounts(commands).values()].reduce((a, b) => a + b, 0);
    await produceCommands(kafka, topics.commands, commands.slice(0, 400));
    const executor = await startExecutor(topics, uniqueName('exec-crash-one'));
    try {
      await waitUntil(async () => (await messagesIn(topics.events)) > 200, 'first half');
      // Only worker 0 dies, while idle: the next round reaches worker 1 normally, and worker 0
      // is rebuilt and sent its share again. Worker 1's share must not be sent twice.
      executor.crashWorker(0);
      await sleep(500);
      await produceCommands(kafka, topics.commands, commands.slice(400));
      await waitUntil(
        async () =>
          (await messagesIn(topics.events)) + (await messagesIn(topics.trades)) >= expected,
        'all events',
      );
      await sleep(1000); // anything beyond the expected count would show up by now
      const [events, trades] = await Promise.all([
        collectTopic(kafka, topics.events, () => false, 3000),
        collectTopic(kafka, topics.trades, () => false, 3000),
      ]);
      expect(executor.workerRestarts).toBe(1);
      expect(distinctCount(events, trades)).toBe(expected);
      expect(executor.isReady()).toBe(true);
    } finally {
      await executor.stop();
    }
  });

  it("expires GTD and DAY orders by the commands' publish times, across a restart from the snapshot", async () => {
    const topics = await createExecutorTopics('exec-expiry');
    const store = new MemorySnapshotStore();
    const groupId = uniqueName('exec-expiry');
    const t0 = Date.parse('2026-03-02T10:00:00Z');
    const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
    const order = (
      i: number,
      side: common.Side,
      price: string,
      quantity: string,
      tif: orders.TimeInForce,
      publishedAt: number,
      expireAt = 0,
    ): orders.OrderCommand => ({
      commandId: `exp-${i}`,
      accountId: `acct-${i}`,
      agentId: `agent-${i}`,
      symbol: 'AAA',
      clientOrderId: `c-${i}`,
      orderId: String(i),
      receivedAtUnixNanos: ns(publishedAt),
      publishedAtUnixNanos: ns(publishedAt),
      command: {
        $case: 'newOrder',
        value: {
          side,
          orderType: orders.OrderType.LIMIT,
          timeInForce: tif,
          quantity: { value: quantity },
          limitPrice: { value: price },
          stopPrice: undefined,
          displayQuantity: undefined,
          postOnly: false,
          selfTradePrevention: 0,
          expireAtUnixNanos: expireAt === 0 ? 0n : ns(expireAt),
        },
      },
    });
    const { GTD, DAY, GTC } = orders.TimeInForce;
    let executor = await startExecutor(topics, groupId, store);
    try {
      await produceCommands(kafka, topics.commands, [
        order(1, common.Side.SELL, '100.00', '5', GTD, t0, t0 + 60_000),
        order(2, common.Side.SELL, '100.00', '5', DAY, t0 + 1),
        order(3, common.Side.SELL, '101.00', '5', GTC, t0 + 2),
      ]);
      await waitUntil(async () => (await messagesIn(topics.events)) >= 3, 'three accepts');
      await executor.snapshotNow();
      await executor.stop();
      // The new process restores the books (with their clocks) and the expiries still happen.
      executor = await startExecutor(topics, groupId, store);
      await produceCommands(kafka, topics.commands, [
        order(4, common.Side.BUY, '100.00', '1', GTC, t0 + 60_000),
        {
          ...order(5, common.Side.BUY, '1', '1', GTC, Date.parse('2026-03-02T21:00:00Z')),
          orderId: '3',
          command: { $case: 'cancelOrder', value: { origClientOrderId: '' } },
        },
      ]);
      await waitUntil(async () => (await messagesIn(topics.events)) >= 9, 'expiries');
      const events = [
        ...eventsById(
          await collectTopic(kafka, topics.events, (m) => m.length >= 9, 10_000),
        ).values(),
      ]
        .map((l) => (l[0] as { event: orders.OrderEvent }).event)
        .sort((a, b) => Number(a.sequence - b.sequence));
      expect(
        events.map(
          (e) =>
            `${e.sequence} ${e.orderId} ${e.event?.$case ?? ''} ${e.commandId || '-'} ${e.eventTimeUnixNanos - ns(t0)}`,
        ),
      ).toEqual([
        '1 1 accepted exp-1 0',
        '2 2 accepted exp-2 1000000',
        '3 3 accepted exp-3 2000000',
        '4 1 expired - 60000000000',
        '5 4 accepted exp-4 60000000000',
        '7 2 partiallyFilled - 60000000000',
        '8 4 filled exp-4 60000000000',
        '9 2 expired - 39600000000000',
        '10 3 canceled exp-5 39600000000000',
      ]);
      expect(executor.isReady()).toBe(true);
    } finally {
      await executor.stop();
    }
  });

  it('cancels the open orders of a halted account and rejects everything but cancels under a global halt', async () => {
    const topics = await createExecutorTopics('exec-risk');
    const store = new MemorySnapshotStore();
    const executor = await startExecutor(topics, uniqueName('exec-risk'), store);
    const order = (
      i: number,
      account: string,
      side: common.Side,
      price: string,
    ): orders.OrderCommand => ({
      commandId: `risk-${i}`,
      accountId: account,
      agentId: `agent-${account}`,
      symbol: 'AAA',
      clientOrderId: `c-${i}`,
      orderId: String(i),
      receivedAtUnixNanos: 1n,
      publishedAtUnixNanos: 1n,
      command: {
        $case: 'newOrder',
        value: {
          side,
          orderType: orders.OrderType.LIMIT,
          timeInForce: orders.TimeInForce.GTC,
          quantity: { value: '5' },
          limitPrice: { value: price },
          stopPrice: undefined,
          displayQuantity: undefined,
          postOnly: false,
          selfTradePrevention: 0,
          expireAtUnixNanos: 0n,
        },
      },
    });
    const control = async (
      i: number,
      scope: risk.ControlScope,
      targetId: string,
      state: risk.TradingState,
    ): Promise<void> => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: topics.riskControls,
        messages: [
          {
            key: `${scope}:${targetId}`,
            value: Buffer.from(
              risk.RiskControl.encode({
                controlId: `ctl-${i}`,
                scope,
                targetId,
                state,
                reason: 'test',
                actor: 'spec',
                effectiveAtUnixNanos: 5n,
              }).finish(),
            ),
          },
        ],
      });
      await producer.disconnect();
    };
    try {
      await produceCommands(kafka, topics.commands, [
        order(1, 'bad', common.Side.BUY, '10.00'),
        order(2, 'bad', common.Side.BUY, '11.00'),
        order(3, 'good', common.Side.BUY, '12.00'),
      ]);
      await waitUntil(async () => (await messagesIn(topics.events)) >= 3, 'three accepts');
      await control(1, risk.ControlScope.ACCOUNT, 'bad', risk.TradingState.HALTED);
      await waitUntil(async () => (await messagesIn(topics.events)) >= 5, 'halt cancels');
      await control(2, risk.ControlScope.GLOBAL, '', risk.TradingState.HALTED);
      await sleep(1500);
      const cancel: orders.OrderCommand = {
        ...order(4, 'good', common.Side.BUY, '1'),
        orderId: '3',
        command: { $case: 'cancelOrder', value: { origClientOrderId: '' } },
      };
      await produceCommands(kafka, topics.commands, [
        order(5, 'good', common.Side.SELL, '50.00'),
        cancel,
      ]);
      await waitUntil(
        async () => (await messagesIn(topics.events)) >= 7,
        'halted rejection and cancel',
      );
      const events = [
        ...eventsById(
          await collectTopic(kafka, topics.events, (m) => m.length >= 7, 10_000),
        ).values(),
      ]
        .map((l) => (l[0] as { event: orders.OrderEvent }).event)
        .sort((a, b) => Number(a.sequence - b.sequence));
      const summary = events.map((e) =>
        `${e.sequence} ${e.orderId} ${e.event?.$case ?? ''} ${e.event?.$case === 'canceled' ? orders.CancelReason[e.event.value.reason] : e.event?.$case === 'rejected' ? e.event.value.text : ''}`.trim(),
      );
      expect(summary).toEqual([
        '1 1 accepted',
        '2 2 accepted',
        '3 3 accepted',
        '4 1 canceled RISK_HALT',
        '5 2 canceled RISK_HALT',
        '6 5 rejected TRADING_HALTED',
        '7 3 canceled REQUESTED',
      ]);
      // The halt was saved with its outbox before it was published.
      expect(store.current?.state.haltedAccounts).toEqual(['bad']);
      expect(store.current?.state.globalHalt).toBe(true);
    } finally {
      await executor.stop();
    }
  });
});
