import { marketdata } from '@meridian/contracts';
import {
  migrateMarketDataSchema,
  TickBatchWriter,
  TickPartitions,
  type TickWriteStrategy,
} from '@meridian/market-data-data-access';
import {
  allBars,
  countDuplicateKeys,
  countTicks,
  storedSequences,
} from '@meridian/market-data-data-access/testing';
import {
  aggregateBars,
  type StorableTick,
  toBarRecord,
  validateTick,
} from '@meridian/market-data-domain';
import { goldenBars, goldenTicks } from '@meridian/market-data-domain/testing';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { MetricsRegistry } from '@meridian/shared-observability';
import { createTestSchema, type TestSchema } from '@meridian/shared-persistence/testing';
import { kafkaBrokers, metricSample, uniqueName, waitFor } from '@meridian/shared-testing';
import type { Kafka, Message } from 'kafkajs';
import {
  KafkaDeadLetterSink,
  REJECT_REASON_HEADER,
  TICK_REJECTED_CODE,
} from './kafka-dead-letter.sink';
import { type TickWriterHooks, TickWriterConsumer } from './tick-writer.consumer';
import { TickWriterMetrics } from './tick-writer.metrics';
import { WriteTickBatchUseCase } from './write-tick-batch.usecase';
import {
  collectRecords,
  createTickTopics,
  produceRecords,
  tickMessage,
  type TickTopics,
} from './testing';

const T0 = 1_772_443_800_000_000_000n; // 2026-03-02T09:30:00Z

/** 3 symbols x `perSymbol` ticks, sequences 1..n, one trade every 7 s with exact prices. */
function syntheticTicks(perSymbol: number): marketdata.Tick[] {
  const ticks: marketdata.Tick[] = [];
  for (let i = 1; i <= perSymbol; i += 1) {
    for (const [s, symbol] of ['XAA', 'XBB', 'XCC'].entries()) {
      const time = T0 + BigInt(i) * 7_000_000_000n + BigInt(s);
      const quoteOnly = i % 5 === 0;
      ticks.push(
        marketdata.Tick.fromPartial({
          symbol,
          source: 'synthetic',
          sequence: BigInt(i),
          exchangeTimeUnixNanos: time,
          receivedTimeUnixNanos: time + 2_000_000n,
          bidPrice: { value: `${100 + s}.${String(i % 100).padStart(2, '0')}` },
          askPrice: { value: `${101 + s}.${String(i % 100).padStart(2, '0')}` },
          ...(quoteOnly
            ? {}
            : {
                lastPrice: {
                  value: `${100 + s + (i % 13)}.${String((i * 37) % 1000).padStart(3, '0')}`,
                },
                lastSize: { value: `${(i % 9) + 1}.5` },
              }),
        }),
      );
    }
  }
  return ticks;
}

function storable(ticks: marketdata.Tick[]): StorableTick[] {
  return ticks.map((tick) => {
    const result = validateTick(tick);
    if (!result.ok) throw new Error(result.rejection.detail);
    return result.tick;
  });
}

function expectedBars(ticks: marketdata.Tick[]) {
  return aggregateBars(storable(ticks)).map((bar) => {
    const { openKey: _o, closeKey: _c, ...rest } = toBarRecord(bar);
    return rest;
  });
}

describe('tick-writer consumer (dev broker, PostgreSQL)', () => {
  let schema: TestSchema;
  let kafka: Kafka;
  let dlqProducer: KafkaProducer;

  beforeAll(async () => {
    schema = await createTestSchema('md_tw');
    await migrateMarketDataSchema(schema.db, schema.schema);
    kafka = createKafka({
      brokers: kafkaBrokers(),
      clientId: 'tick-writer-spec',
      logLevel: 'nothing',
    });
    dlqProducer = new KafkaProducer({ kafka });
    await dlqProducer.connect();
  });
  afterAll(async () => {
    await dlqProducer.close();
    await schema.drop();
  });
  beforeEach(async () => {
    await schema.db.query('TRUNCATE ticks, bars_1m, bars_5m, bars_1h, bars_1d, marketdata_symbols');
  });

  function writer(
    topics: TickTopics,
    groupId: string,
    options: {
      maxBatchTicks?: number;
      maxBatchDelayMs?: number;
      maxBufferedTicks?: number;
      hooks?: TickWriterHooks;
      metrics?: TickWriterMetrics;
      strategy?: TickWriteStrategy;
    } = {},
  ): TickWriterConsumer {
    const batchWriter = new TickBatchWriter(schema.db, {
      mode: 'plain',
      partitions: new TickPartitions(schema.db),
      strategy: options.strategy ?? 'staging',
    });
    const useCase = new WriteTickBatchUseCase(
      batchWriter,
      new KafkaDeadLetterSink(dlqProducer),
      options.metrics,
    );
    return new TickWriterConsumer({
      kafka,
      groupId,
      topic: topics.ticks,
      useCase,
      maxBatchTicks: options.maxBatchTicks ?? 1000,
      maxBatchDelayMs: options.maxBatchDelayMs ?? 20,
      ...(options.maxBufferedTicks === undefined
        ? {}
        : { maxBufferedTicks: options.maxBufferedTicks }),
      partitionsConsumedConcurrently: 1,
      maxWaitTimeInMs: 20,
      // A member that left (or was killed) is forgotten quickly; LeaveGroup is best effort here.
      sessionTimeoutMs: 6000,
      rebalanceTimeoutMs: 6000,
      ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    });
  }

  it('stores the golden ticks with hand-checked bars, dead-letters and counts malformed records', async () => {
    const topics = await createTickTopics('md-tw-golden', 3);
    const malformed: Message[] = [
      { key: 'AAA', value: Buffer.from([0xff, 0xff, 0xff]) },
      tickMessage(
        marketdata.Tick.fromPartial({
          symbol: '',
          source: 'sim',
          sequence: 1n,
          exchangeTimeUnixNanos: T0,
          receivedTimeUnixNanos: T0,
          lastPrice: { value: '1' },
        }),
      ),
      tickMessage(
        marketdata.Tick.fromPartial({
          symbol: 'AAA',
          source: 'sim',
          sequence: 99n,
          exchangeTimeUnixNanos: T0,
          receivedTimeUnixNanos: T0,
          lastPrice: { value: '1e5' },
        }),
      ),
      { key: 'AAA', value: null },
    ];
    const golden = goldenTicks().map((tick) => marketdata.Tick.fromPartial(tick));
    await produceRecords(kafka, topics.ticks, [
      ...golden.slice(0, 5).map(tickMessage),
      ...malformed.slice(0, 2),
      ...golden.slice(5).map(tickMessage),
      ...malformed.slice(2),
    ]);
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const consumer = writer(topics, uniqueName('tw-golden'), {
      metrics: new TickWriterMetrics(registry),
    });
    await consumer.start();
    try {
      await waitFor('all records handled', () => {
        const s = consumer.stats();
        return s.records === golden.length + malformed.length && s.pending === 0;
      });
    } finally {
      await consumer.stop();
    }
    expect(await countTicks(schema.db)).toBe(golden.length);
    expect(await allBars(schema.db)).toEqual(goldenBars());

    const dead = await collectRecords(kafka, topics.dlq, malformed.length);
    expect(dead.map((r) => r.headers[REJECT_REASON_HEADER]).sort()).toEqual([
      'DECIMAL_INVALID',
      'SYMBOL_INVALID',
      'UNDECODABLE',
      'UNDECODABLE',
    ]);
    expect(dead.every((r) => r.headers['dlq-error-code'] === TICK_REJECTED_CODE)).toBe(true);
    expect(
      dead.find((r) => r.value?.equals(Buffer.from([0xff, 0xff, 0xff])))?.headers[
        'dlq-original-topic'
      ],
    ).toBe(topics.ticks);

    const text = await registry.metricsText();
    expect(metricSample(text, 'tickwriter_ticks_written_total')).toBe(golden.length);
    expect(metricSample(text, 'tickwriter_ticks_duplicate_total')).toBe(0);
    expect(metricSample(text, 'tickwriter_ticks_rejected_total{reason="UNDECODABLE"}')).toBe(2);
    expect(metricSample(text, 'tickwriter_ticks_rejected_total{reason="DECIMAL_INVALID"}')).toBe(1);
    expect(metricSample(text, 'tickwriter_ticks_dead_lettered_total')).toBe(4);
    expect(metricSample(text, 'tickwriter_ingest_lag_seconds_count')).toBe(golden.length);
    expect(metricSample(text, 'tickwriter_batch_size_sum')).toBe(golden.length + malformed.length);
  });

  it.each([
    ['after the database commit, before the offset commit', 'after'],
    ['before the database commit', 'before'],
  ] as const)('a crash %s leaves no duplicates and no holes', async (_name, when) => {
    const topics = await createTickTopics(`md-tw-crash-${when}`, 1);
    const ticks = syntheticTicks(100);
    await produceRecords(kafka, topics.ticks, ticks.map(tickMessage));
    const groupId = uniqueName(`tw-crash-${when}`);

    let batches = 0;
    let crashed = false;
    const crashed$: { first?: TickWriterConsumer } = {};
    const crash = async (): Promise<void> => {
      crashed = true;
      void crashed$.first?.kill();
      throw new Error('simulated crash');
    };
    const hooks: TickWriterHooks =
      when === 'after'
        ? { afterDbCommit: async () => (++batches === 3 ? crash() : undefined) }
        : { beforeCommit: async () => (++batches === 3 ? crash() : undefined) };
    const first = writer(topics, groupId, { maxBatchTicks: 25, hooks, strategy: 'direct' });
    crashed$.first = first;
    await first.start();
    await waitFor('the crash', () => crashed);
    await first.kill();
    const before = await countTicks(schema.db);
    // 2 batches committed everywhere; the 3rd is in the database only when it crashed after COMMIT.
    expect(before).toBe(when === 'after' ? 75 : 50);

    // The replayed batch conflicts: COPY fails, the staging path skips the duplicates.
    const second = writer(topics, groupId, { maxBatchTicks: 25, strategy: 'direct' });
    await second.start();
    try {
      await waitFor(
        'the rest stored',
        async () => (await countTicks(schema.db)) === ticks.length && second.stats().pending === 0,
        30_000,
      );
    } finally {
      await second.stop();
    }
    expect(second.stats().duplicates).toBe(when === 'after' ? 25 : 0);
    expect(second.stats().inserted).toBe(ticks.length - before);
    expect(await countDuplicateKeys(schema.db)).toBe(0);
    const sequences = await storedSequences(schema.db);
    const complete = Array.from({ length: 100 }, (_, i) => BigInt(i + 1));
    expect([...sequences.keys()].sort()).toEqual([
      'XAA/synthetic',
      'XBB/synthetic',
      'XCC/synthetic',
    ]);
    for (const list of sequences.values()) expect(list).toEqual(complete);
    // The replayed batch's trades were not counted twice.
    expect(await allBars(schema.db)).toEqual(expectedBars(ticks));
  });

  it('drains its buffered batch on a graceful stop, so the next owner starts after it', async () => {
    const topics = await createTickTopics('md-tw-drain', 1);
    const ticks = syntheticTicks(20);
    await produceRecords(kafka, topics.ticks, ticks.map(tickMessage));
    const groupId = uniqueName('tw-drain');
    // Neither threshold is reached: the records wait in the buffer until stop().
    const first = writer(topics, groupId, { maxBatchTicks: 10_000, maxBatchDelayMs: 600_000 });
    await first.start();
    await waitFor('records buffered', () => first.stats().pending === ticks.length);
    expect(await countTicks(schema.db)).toBe(0);
    await first.stop();
    expect(await countTicks(schema.db)).toBe(ticks.length);

    const extra = syntheticTicks(21).slice(-3);
    await produceRecords(kafka, topics.ticks, extra.map(tickMessage));
    const second = writer(topics, groupId, { strategy: 'direct' });
    await second.start();
    try {
      await waitFor('the new ticks', () => second.stats().records === extra.length);
    } finally {
      await second.stop();
    }
    expect(second.stats()).toMatchObject({ records: 3, inserted: 3, duplicates: 0 });
    expect(await countTicks(schema.db)).toBe(ticks.length + 3);
  });

  it('past the buffer limit, writes everything buffered (partial batch too) before fetching on', async () => {
    const topics = await createTickTopics('md-tw-backpressure', 1);
    const ticks = syntheticTicks(97); // 291 records, one record batch: one fetch
    await produceRecords(kafka, topics.ticks, ticks.map(tickMessage));
    const sizes: number[] = [];
    // No timed flush: only the size rule and back-pressure can write.
    const consumer = writer(topics, uniqueName('tw-backpressure'), {
      maxBatchTicks: 20,
      maxBufferedTicks: 40,
      maxBatchDelayMs: 600_000,
      strategy: 'direct',
      hooks: {
        afterDbCommit: (outcome) => {
          sizes.push(outcome.records);
          return Promise.resolve();
        },
      },
    });
    await consumer.start();
    try {
      await waitFor('all stored', () => consumer.stats().inserted === ticks.length);
    } finally {
      await consumer.stop();
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(ticks.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    // 291 is no multiple of 20: some batch was partial, which only back-pressure writes here.
    expect(sizes.some((size) => size < 20)).toBe(true);
    expect(await countTicks(schema.db)).toBe(ticks.length);
    expect(await countDuplicateKeys(schema.db)).toBe(0);
    expect(await allBars(schema.db)).toEqual(expectedBars(ticks));
  });

  it('refuses nonsensical batch settings', () => {
    expect(() => writer({ ticks: 't', dlq: 't.dlq' }, 'g', { maxBatchTicks: 0 })).toThrow(
      RangeError,
    );
    expect(() =>
      writer({ ticks: 't', dlq: 't.dlq' }, 'g', { maxBatchTicks: 100, maxBufferedTicks: 50 }),
    ).toThrow(RangeError);
  });
});
