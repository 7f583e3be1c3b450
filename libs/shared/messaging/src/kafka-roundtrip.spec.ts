import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { GARBAGE_PAYLOADS } from '@meridian/contracts/testing';
import { uniqueName, waitFor } from '@meridian/shared-testing';
import type { Kafka } from 'kafkajs';
import {
  bytesCodec,
  type DlqPublishError,
  type KafkaConsumer,
  type KafkaConsumerOptions,
  KafkaProducer,
  type MessageHandler,
  type MessageMeta,
  type MessagingLogger,
  MessagingNotConnectedError,
  protobufCodec,
  topicOf,
  type TopicBinding,
} from './index';
import {
  KafkaTestBed,
  TEST_EVENT_TYPE,
  testEventCodec,
  type TestEvent,
  TestEventFns,
  UNDECODABLE_BYTES,
} from './testing';

let bed: KafkaTestBed;
let kafka: Kafka;
let producer: KafkaProducer;
let logger: MessagingLogger;

const freshTopic = (prefix: string, partitions = 3): Promise<TopicBinding<TestEvent>> =>
  bed.freshTopic(prefix, partitions);
const startConsumer = <T = TestEvent>(
  topic: TopicBinding<T>,
  handler: MessageHandler<T>,
  extra: Partial<KafkaConsumerOptions<T>> = {},
): Promise<KafkaConsumer<T>> => bed.consumer(topic, handler, extra);
const committedOffsets = (groupId: string, topic: string): Promise<Record<number, string>> =>
  bed.committedOffsets(groupId, topic);

beforeAll(async () => {
  bed = await KafkaTestBed.open('messaging-roundtrip-spec');
  ({ kafka, producer, logger } = bed);
});

afterEach(() => bed.stopConsumers());

afterAll(() => bed.close());

describe('produce / consume round trip', () => {
  it('delivers protobuf values with the lib headers, key and metadata', async () => {
    const topic = await freshTopic('roundtrip');
    const received: { event: TestEvent; meta: MessageMeta }[] = [];
    await startConsumer(topic, async (event, meta) => {
      received.push({ event, meta });
    });

    const [metadata] = await producer.send(topic, [
      {
        key: 'AAPL',
        value: { id: 'e1', seq: 1n << 40n, payload: 'hello' },
        commandId: 'cmd-1',
        headers: { tenant: 't1' },
      },
    ]);
    expect(metadata?.errorCode).toBe(0);

    await waitFor('the record', () => received.length === 1);
    const [{ event, meta }] = received as [(typeof received)[number]];
    expect(event).toEqual({ id: 'e1', seq: 1n << 40n, payload: 'hello' });
    expect(meta).toMatchObject({ topic: topic.name, key: 'AAPL', offset: '0', attempt: 1 });
    expect(meta.headers).toMatchObject({
      'content-type': 'application/x-protobuf',
      'message-type': 'meridian.testing.v1.TestEvent',
      'command-id': 'cmd-1',
      tenant: 't1',
    });
  });
});

interface DlqRecord {
  value: Uint8Array;
  meta: MessageMeta;
}

/** Reads a DLQ topic with the bytes codec (DLQ records keep the original message-type header). */
async function readDlq(topicName: string, expected: number): Promise<DlqRecord[]> {
  const records: DlqRecord[] = [];
  await startConsumer(topicOf(`${topicName}.dlq`, bytesCodec), async (value, meta) => {
    records.push({ value, meta });
  });
  await waitFor(`${expected} DLQ record(s)`, () => records.length >= expected);
  return records;
}

const event = (id: string, seq = 0n): TestEvent => ({ id, seq, payload: `payload of ${id}` });

describe('dead-letter queue', () => {
  it('sends an undecodable record to <topic>.dlq with the error headers and moves on', async () => {
    const topic = await freshTopic('poison', 1);
    const handled: string[] = [];
    const groupId = uniqueName('messaging.group');
    const consumer = await startConsumer(
      topic,
      async (e) => {
        handled.push(e.id);
      },
      { groupId },
    );

    await producer.send(topic, [{ key: 'k', value: event('before') }]);
    // Raw bytes that no TestEvent decoder accepts, then a good record behind it.
    await producer.sendRaw([
      {
        topic: topic.name,
        messages: [
          { key: 'k', value: Buffer.from(UNDECODABLE_BYTES), headers: { origin: 'test' } },
        ],
      },
    ]);
    await producer.send(topic, [{ key: 'k', value: event('after') }]);

    await waitFor('both good records', () => handled.length === 2);
    expect(handled).toEqual(['before', 'after']);
    const [dead] = await readDlq(topic.name, 1);
    expect(Buffer.from(dead?.value ?? []).equals(Buffer.from(UNDECODABLE_BYTES))).toBe(true);
    expect(dead?.meta.key).toBe('k');
    expect(dead?.meta.headers).toMatchObject({
      origin: 'test',
      'dlq-error-code': 'MESSAGING_DECODE_FAILED',
      'dlq-original-topic': topic.name,
      'dlq-original-partition': '0',
      'dlq-original-offset': '1',
      'dlq-attempts': '0',
    });
    expect(dead?.meta.headers['dlq-error']).toMatch(/cannot decode meridian.testing.v1.TestEvent/);
    expect(Number.isNaN(Date.parse(dead?.meta.headers['dlq-failed-at'] ?? ''))).toBe(false);
    expect(consumer.stats()).toMatchObject({ handled: 2, deadLettered: 1 });

    await consumer.stop();
    expect(await committedOffsets(groupId, topic.name)).toEqual({ 0: '3' });
  });

  it('dead-letters garbage that a lenient protobuf decode would accept as an empty message', async () => {
    const fresh = await freshTopic('lenient', 1);
    // No validation: only strict framing stands between these bytes and the handler.
    const topic = topicOf(fresh.name, protobufCodec(TEST_EVENT_TYPE, TestEventFns));
    const handled: TestEvent[] = [];
    const consumer = await startConsumer(topic, async (e) => {
      handled.push(e);
    });

    await producer.sendRaw([
      {
        topic: topic.name,
        messages: [
          { key: 'z', value: Buffer.from(GARBAGE_PAYLOADS.zeroTag) },
          { key: 'g', value: Buffer.from(GARBAGE_PAYLOADS.strayEndGroup) },
        ],
      },
    ]);
    await producer.send(topic, [{ key: 'k', value: event('good') }]);

    const dead = await readDlq(topic.name, 2);
    await waitFor('the good record', () => handled.length === 1);
    expect(handled.map((e) => e.id)).toEqual(['good']);
    expect(dead.map((d) => d.meta.key).sort()).toEqual(['g', 'z']);
    expect(dead.map((d) => d.meta.headers['dlq-error-code'])).toEqual([
      'MESSAGING_DECODE_FAILED',
      'MESSAGING_DECODE_FAILED',
    ]);
    expect(Buffer.from(dead.find((d) => d.meta.key === 'z')?.value ?? []).toString('hex')).toBe(
      Buffer.from(GARBAGE_PAYLOADS.zeroTag).toString('hex'),
    );
    expect(consumer.stats()).toMatchObject({ handled: 1, deadLettered: 2 });
  });

  it('dead-letters a record whose message-type header names another type', async () => {
    const topic = await freshTopic('wrongtype', 1);
    const handled: string[] = [];
    await startConsumer(topic, async (e) => {
      handled.push(e.id);
    });
    const other = topicOf(topic.name, { ...testEventCodec(), typeName: 'meridian.other.v1.Other' });
    await producer.send(other, [{ value: event('imposter') }]);
    const [dead] = await readDlq(topic.name, 1);
    expect(dead?.meta.headers['dlq-error']).toMatch(
      /declares message-type meridian.other.v1.Other/,
    );
    expect(handled).toEqual([]);
  });

  it('retries a failing handler with back-off until it succeeds', async () => {
    const topic = await freshTopic('flaky', 1);
    const attempts: number[] = [];
    const consumer = await startConsumer(
      topic,
      async (_e, meta) => {
        attempts.push(meta.attempt);
        if (meta.attempt < 3) throw new Error(`transient failure ${meta.attempt}`);
      },
      { retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 40 } },
    );

    await producer.send(topic, [{ value: event('flaky') }]);
    await waitFor('success on the third attempt', () => consumer.stats().handled === 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(consumer.stats()).toMatchObject({ retries: 2, deadLettered: 0 });
  });

  it('dead-letters after the last attempt of a handler that always fails, then continues', async () => {
    const topic = await freshTopic('failing', 1);
    const seen: string[] = [];
    const consumer = await startConsumer(
      topic,
      async (e, meta) => {
        seen.push(`${e.id}#${meta.attempt}`);
        if (e.id === 'doomed') throw new Error('database says no');
      },
      { retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 10 } },
    );

    await producer.send(topic, [
      { key: 'a', value: event('doomed') },
      { key: 'a', value: event('fine') },
    ]);
    await waitFor('the next record', () => seen.includes('fine#1'));
    expect(seen).toEqual(['doomed#1', 'doomed#2', 'doomed#3', 'doomed#4', 'fine#1']);
    const [dead] = await readDlq(topic.name, 1);
    expect(testEventCodec().decode(dead?.value ?? new Uint8Array())).toEqual(event('doomed'));
    expect(dead?.meta.headers).toMatchObject({
      'dlq-error-code': 'MESSAGING_HANDLER_FAILED',
      'dlq-attempts': '4',
      'message-type': 'meridian.testing.v1.TestEvent',
    });
    expect(dead?.meta.headers['dlq-error']).toMatch(
      /failed after 4 attempt\(s\): database says no/,
    );
    expect(consumer.stats()).toMatchObject({ handled: 1, retries: 3, deadLettered: 1 });
  });

  it('sends non-retriable errors to the DLQ on the first failure', async () => {
    const topic = await freshTopic('fatalhandler', 1);
    let calls = 0;
    const consumer = await startConsumer(
      topic,
      async () => {
        calls += 1;
        throw new TypeError('bad command');
      },
      { isRetriable: (error) => !(error instanceof TypeError) },
    );
    await producer.send(topic, [{ value: event('once') }]);
    await readDlq(topic.name, 1);
    expect(calls).toBe(1);
    expect(consumer.stats().retries).toBe(0);
  });

  it('stops and keeps the record uncommitted when the DLQ itself cannot be written', async () => {
    const topic = await freshTopic('nodlq', 1);
    const groupId = uniqueName('messaging.group');
    const fatal: DlqPublishError[] = [];
    // A DLQ topic that does not exist (no auto-creation) and a producer that gives up quickly.
    const dlqProducer = new KafkaProducer({
      kafka,
      logger,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    });
    await dlqProducer.connect();
    const handled: string[] = [];
    const consumer = await startConsumer(
      topic,
      async (e) => {
        handled.push(e.id);
        if (e.id === 'doomed') throw new Error('always');
      },
      {
        groupId,
        dlqProducer,
        dlqTopic: (t) => `${t}.missing-dlq`,
        retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        onFatalError: (error) => fatal.push(error),
      },
    );

    await producer.send(topic, [
      { key: 'a', value: event('ok-1') },
      { key: 'a', value: event('doomed') },
      { key: 'a', value: event('ok-2') },
    ]);
    await waitFor('the DLQ failure', () => fatal.length === 1);
    expect(fatal[0]).toMatchObject({
      code: 'MESSAGING_DLQ_PUBLISH_FAILED',
      metadata: { offset: '1', topic: topic.name },
    });
    expect(consumer.isReady()).toBe(false);
    expect(consumer.failure()).toBe(fatal[0]);
    await consumer.stop();
    await dlqProducer.close();
    expect(handled).toEqual(['ok-1', 'doomed']);
    expect(await committedOffsets(groupId, topic.name)).toEqual({ 0: '1' });

    // A restarted member of the group (with a working DLQ) picks the record up again.
    const again: string[] = [];
    await startConsumer(
      topic,
      async (e) => {
        again.push(e.id);
        if (e.id === 'doomed') throw new Error('still');
      },
      { groupId, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
    );
    await waitFor('redelivery', () => again.length === 2);
    expect(again).toEqual(['doomed', 'ok-2']);
    expect(await readDlq(topic.name, 1)).toHaveLength(1);
  });
});

describe('trace context over Kafka headers', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });

  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('runs the handler in a consumer span whose parent is the producer span', async () => {
    const topic = await freshTopic('trace', 1);
    const inHandler: { traceId: string; spanId: string }[] = [];
    await startConsumer(topic, async () => {
      const active = trace.getActiveSpan()?.spanContext();
      if (active !== undefined) inHandler.push({ traceId: active.traceId, spanId: active.spanId });
    });

    // Producers built after the provider was registered still trace: the lib resolves the global tracer lazily.
    const traced = new KafkaProducer({ kafka, logger });
    await traced.connect();
    const appSpan = trace.getTracer('spec').startSpan('submit-order');
    await context.with(trace.setSpan(context.active(), appSpan), () =>
      traced.send(topic, [{ value: event('traced') }]),
    );
    appSpan.end();
    await traced.close();

    await waitFor('the traced record', () => inHandler.length === 1);
    await waitFor('the consumer span to end', () =>
      exporter.getFinishedSpans().some((s) => s.kind === SpanKind.CONSUMER),
    );
    const spans = exporter.getFinishedSpans();
    const producerSpan = spans.find(
      (s) => s.kind === SpanKind.PRODUCER && s.name === `send ${topic.name}`,
    );
    const consumerSpan = spans.find(
      (s) => s.kind === SpanKind.CONSUMER && s.name === `process ${topic.name}`,
    );
    const app = appSpan.spanContext();
    expect(producerSpan?.spanContext().traceId).toBe(app.traceId);
    expect(producerSpan?.parentSpanContext?.spanId).toBe(app.spanId);
    expect(consumerSpan?.spanContext().traceId).toBe(app.traceId);
    expect(consumerSpan?.parentSpanContext?.spanId).toBe(producerSpan?.spanContext().spanId);
    expect(inHandler[0]).toEqual({
      traceId: app.traceId,
      spanId: consumerSpan?.spanContext().spanId,
    });
    expect(consumerSpan?.attributes).toMatchObject({
      'messaging.destination.name': topic.name,
      'meridian.messaging.outcome': 'handled',
    });
  });
});

describe('producer', () => {
  it('batches publish() calls in the linger accumulator and resolves each caller', async () => {
    const topic = await freshTopic('linger', 3);
    const lingering = new KafkaProducer({
      kafka,
      logger,
      linger: { maxMessages: 50, maxDelayMs: 20 },
      compression: 'gzip',
    });
    await lingering.connect();
    const received: string[] = [];
    await startConsumer(topic, async (e) => {
      received.push(e.id);
    });
    const sends = Array.from({ length: 120 }, (_, i) =>
      lingering.publish(topic, { key: `k${i % 7}`, value: event(`m${i}`) }),
    );
    await expect(Promise.all(sends)).resolves.toHaveLength(120);
    await lingering.close();
    await waitFor('120 records', () => received.length === 120);
    expect(new Set(received).size).toBe(120);
  });

  it('keeps one linger request in flight: the rest waits and goes out together, at most maxMessages per request', async () => {
    const topic = await freshTopic('linger-one', 3);
    const lingering = new KafkaProducer({
      kafka,
      logger,
      linger: { maxMessages: 50, maxDelayMs: 0 },
    });
    await lingering.connect();
    const send = lingering.sendRaw.bind(lingering);
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    lingering.sendRaw = async (topicMessages) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      sizes.push(topicMessages.reduce((n, t) => n + t.messages.length, 0));
      try {
        return await send(topicMessages);
      } finally {
        inFlight -= 1;
      }
    };
    const received: string[] = [];
    await startConsumer(topic, async (e) => {
      received.push(e.id);
    });
    const sends = Array.from({ length: 500 }, (_, i) =>
      lingering.publish(topic, { key: 'one-key', value: event(`m${i}`) }),
    );
    await Promise.all(sends);
    await lingering.close();
    expect(peak).toBe(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(500);
    await waitFor('500 records', () => received.length === 500);
    // One key, one partition: the order of publish() calls is the order in the topic.
    expect(received).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
  });

  it('rejects sends before connect() and after close()', async () => {
    const idle = new KafkaProducer({ kafka, logger });
    const topic = topicOf('messaging.never-used', testEventCodec());
    await expect(idle.send(topic, [{ value: event('x') }])).rejects.toBeInstanceOf(
      MessagingNotConnectedError,
    );
    await idle.connect();
    await idle.close();
    await expect(idle.publish(topic, { value: event('x') })).rejects.toMatchObject({
      code: 'MESSAGING_NOT_CONNECTED',
    });
  });

  it('refuses option combinations that break idempotence', () => {
    expect(() => new KafkaProducer({ kafka, maxInFlightRequests: 6 })).toThrow(
      /maxInFlightRequests/,
    );
    expect(() => new KafkaProducer({ kafka, linger: { maxMessages: 0, maxDelayMs: 5 } })).toThrow(
      /linger/,
    );
  });

  it('fails a send to a topic that does not exist with MESSAGING_PUBLISH_FAILED', async () => {
    const quick = new KafkaProducer({
      kafka,
      logger,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    });
    await quick.connect();
    await expect(
      quick.send(topicOf(uniqueName('messaging.absent'), testEventCodec()), [
        { value: event('x') },
      ]),
    ).rejects.toMatchObject({
      code: 'MESSAGING_PUBLISH_FAILED',
    });
    await quick.close();
  });
});

describe('batch mode', () => {
  it('hands a partition its records in order, in chunks of at most maxRecords, and commits them', async () => {
    const topic = await freshTopic('batch', 1);
    const chunks: string[][] = [];
    const groupId = uniqueName('messaging.batch');
    await producer.send(
      topic,
      Array.from({ length: 25 }, (_, i) => ({ key: `k${i % 3}`, value: event(`e${i}`) })),
    );
    await startConsumer(
      topic,
      () => Promise.reject(new Error('the per-record handler must not run')),
      {
        groupId,
        fromBeginning: true,
        batch: {
          maxRecords: 10,
          handle: async (values) => {
            chunks.push(values.map((v) => v.id));
          },
        },
      },
    );
    await waitFor('all 25 records', () => chunks.flat().length === 25);
    expect(chunks.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(10);
    await waitFor(
      'the commit',
      async () => (await committedOffsets(groupId, topic.name))[0] === '25',
    );
  });

  it('replays a failed chunk record by record: good records handled, the poison one dead-lettered', async () => {
    const topic = await freshTopic('batchpoison', 1);
    const handled: string[] = [];
    const perRecord: string[] = [];
    await producer.send(topic, [
      { key: 'k', value: event('a') },
      { key: 'k', value: event('bad') },
    ]);
    await producer.sendRaw([
      { topic: topic.name, messages: [{ key: 'k', value: Buffer.from(UNDECODABLE_BYTES) }] },
    ]);
    await producer.send(topic, [{ key: 'k', value: event('c') }]);
    await startConsumer(
      topic,
      async (e) => {
        if (e.id === 'bad') throw new Error('poison');
        perRecord.push(e.id);
        handled.push(e.id);
      },
      {
        fromBeginning: true,
        isRetriable: () => false,
        batch: {
          maxRecords: 100,
          handle: async (values) => {
            if (values.some((v) => v.id === 'bad')) throw new Error('poison in the batch');
            handled.push(...values.map((v) => v.id));
          },
        },
      },
    );
    await waitFor('a and c', () => handled.includes('c'));
    expect(handled).toEqual(['a', 'c']);
    // 'a' shared a chunk with the poison record: it was handled by the record-by-record replay.
    expect(perRecord[0]).toBe('a');
    const dead = await readDlq(topic.name, 2);
    expect(dead.map((d) => d.meta.headers['dlq-error-code']).sort()).toEqual([
      'MESSAGING_DECODE_FAILED',
      'MESSAGING_HANDLER_FAILED',
    ]);
  });
});
