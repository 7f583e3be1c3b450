/**
 * Test helpers for Kafka integration tests against the dev broker the shared jest global setup
 * starts (MERIDIAN_KAFKA_BROKERS / MERIDIAN_KAFKA_CONTROL). Specs only: never import from production code.
 */
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { dlqTopicOf } from '@meridian/contracts';
import { devBrokerControl, type DevBrokerControl } from '@meridian/kafka-dev-broker';
import { kafkaBrokers, kafkaControlAddress, uniqueName } from '@meridian/shared-testing';
import type { Kafka } from 'kafkajs';
import { protobufCodec, type Codec } from './codec';
import { createKafka, type MessagingLogger } from './kafka-client';
import { KafkaConsumer, type KafkaConsumerOptions, type MessageHandler } from './kafka-consumer';
import { KafkaProducer, topicOf, type TopicBinding } from './kafka-producer';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/**
 * A logger that keeps every record for assertions and prints nothing (MESSAGING_TEST_LOG=1 prints
 * warnings and errors on stderr, =debug everything, kafkajs debug output included).
 */
export function recordingLogger(): MessagingLogger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const verbose = process.env['MESSAGING_TEST_LOG'];
  const log =
    (level: LogRecord['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      records.push({ level, message, fields });
      if (verbose === 'debug' || (verbose === '1' && (level === 'warn' || level === 'error')))
        process.stderr.write(`[${level}] ${message} ${safeJson(fields)}\n`);
    };
  return {
    records,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Error ? v.message : v,
    );
  } catch {
    return '[unserialisable]';
  }
}

/**
 * A small protobuf message written the way ts-proto generates code (same BinaryReader/Writer), so
 * messaging tests exercise `protobufCodec` without depending on the platform contracts.
 *   message TestEvent { string id = 1; int64 seq = 2; string payload = 3; }
 */
export interface TestEvent {
  id: string;
  seq: bigint;
  payload: string;
}

export const TestEventFns = {
  encode(message: TestEvent, writer: BinaryWriter = new BinaryWriter()): BinaryWriter {
    if (message.id !== '') writer.uint32(10).string(message.id);
    if (message.seq !== 0n) writer.uint32(16).int64(message.seq);
    if (message.payload !== '') writer.uint32(26).string(message.payload);
    return writer;
  },
  decode(input: BinaryReader | Uint8Array, length?: number): TestEvent {
    const reader = input instanceof BinaryReader ? input : new BinaryReader(input);
    const end = length === undefined ? reader.len : reader.pos + length;
    const message: TestEvent = { id: '', seq: 0n, payload: '' };
    while (reader.pos < end) {
      const tag = reader.uint32();
      switch (tag >>> 3) {
        case 1:
          if (tag !== 10) break;
          message.id = reader.string();
          continue;
        case 2:
          if (tag !== 16) break;
          message.seq = BigInt(reader.int64());
          continue;
        case 3:
          if (tag !== 26) break;
          message.payload = reader.string();
          continue;
      }
      if ((tag & 7) === 4 || tag === 0) break;
      reader.skip(tag & 7);
    }
    return message;
  },
};

export const TEST_EVENT_TYPE = 'meridian.testing.v1.TestEvent';

/** `protobufCodec` over `TestEventFns`, rejecting events without an id (like a required field). */
export function testEventCodec(): Codec<TestEvent> {
  return protobufCodec(TEST_EVENT_TYPE, TestEventFns, {
    validate: (event) => {
      if (event.id === '') throw new Error('TestEvent.id is required');
    },
  });
}

/** Bytes that are not a valid protobuf message (field 1 with the reserved wire type 7). */
export const UNDECODABLE_BYTES = Uint8Array.from([0x0f, 0xff, 0xff, 0xff]);

/**
 * Consumer timings for tests against the mock cluster: short sessions because its LeaveGroup v3
 * handling does not remove a leaving member (kafkajs logs a decode error), so the next join waits
 * for the old member's session to expire.
 */
export const TEST_CONSUMER_TUNING = {
  sessionTimeoutMs: 3000,
  rebalanceTimeoutMs: 3000,
  heartbeatIntervalMs: 300,
  maxWaitTimeInMs: 100,
  metadataMaxAgeMs: 1000,
} as const;

/**
 * One spec file's Kafka fixtures: a client, a connected producer, topics of its own (created
 * through the control channel, each with its `.dlq`) and the consumers it started, stopped by
 * `stopConsumers()` / `close()`.
 */
export class KafkaTestBed {
  readonly logger = recordingLogger();
  readonly control: DevBrokerControl = devBrokerControl(kafkaControlAddress());
  readonly kafka: Kafka;
  readonly producer: KafkaProducer;
  private readonly consumers: { stop(): Promise<void> }[] = [];

  private constructor(clientId: string) {
    const logLevel = process.env['MESSAGING_TEST_LOG'] === 'debug' ? 'debug' : 'warn';
    this.kafka = createKafka({
      brokers: kafkaBrokers(),
      clientId,
      logger: this.logger,
      logLevel,
    });
    this.producer = new KafkaProducer({ kafka: this.kafka, logger: this.logger });
  }

  static async open(clientId: string): Promise<KafkaTestBed> {
    const bed = new KafkaTestBed(clientId);
    await bed.producer.connect();
    return bed;
  }

  async freshTopic(prefix: string, partitions = 3): Promise<TopicBinding<TestEvent>> {
    const name = uniqueName(`messaging.${prefix}`);
    await this.control.createTopic({ name, partitions, replicationFactor: 3 });
    await this.control.createTopic({ name: dlqTopicOf(name), partitions: 1, replicationFactor: 3 });
    return topicOf(name, testEventCodec());
  }

  /** Starts a consumer (own group unless given, from the beginning, test tuning) and waits until it joined. */
  async consumer<T>(
    topic: TopicBinding<T>,
    handler: MessageHandler<T>,
    extra: Partial<KafkaConsumerOptions<T>> = {},
  ): Promise<KafkaConsumer<T>> {
    const consumer = this.unstartedConsumer(topic, handler, extra);
    await consumer.start();
    // A join that rebalances a busy group can take tens of seconds when the whole suite shares
    // two cores (seen in CI: > 30 s); the spec's own 90 s timeout still bounds it.
    await consumer.waitUntilReady(60_000);
    return consumer;
  }

  unstartedConsumer<T>(
    topic: TopicBinding<T>,
    handler: MessageHandler<T>,
    extra: Partial<KafkaConsumerOptions<T>> = {},
  ): KafkaConsumer<T> {
    const consumer = new KafkaConsumer<T>({
      kafka: this.kafka,
      groupId: uniqueName('messaging.group'),
      topic,
      handler,
      logger: this.logger,
      fromBeginning: true,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
      ...TEST_CONSUMER_TUNING,
      ...extra,
    });
    this.consumers.push(consumer);
    return consumer;
  }

  /** Offsets the group committed for `topic`, by partition. */
  async committedOffsets(groupId: string, topic: string): Promise<Record<number, string>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Object.fromEntries((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
    } finally {
      await admin.disconnect();
    }
  }

  /** Broker id leading `partition` of `topic`. */
  async leaderOf(topic: string, partition: number): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const leader = topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
      if (leader === undefined) throw new Error(`no leader known for ${topic}[${partition}]`);
      return leader;
    } finally {
      await admin.disconnect();
    }
  }

  async stopConsumers(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
  }

  async close(): Promise<void> {
    await this.stopConsumers();
    await this.producer.close();
  }
}
