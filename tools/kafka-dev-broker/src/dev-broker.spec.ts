import { Kafka, logLevel } from 'kafkajs';
import {
  type DevBroker,
  KafkaApiKey,
  KafkaErrorCode,
  parseTopicsFile,
  startDevBroker,
} from './dev-broker';

describe('parseTopicsFile', () => {
  it('reads name/partitions/rf lines, skipping comments and blanks', () => {
    const topics = parseTopicsFile('# header\norders.v1 6 3\n\n  trades.v1\t3 1  # inline\n');
    expect(topics).toEqual([
      { name: 'orders.v1', partitions: 6, replicationFactor: 3 },
      { name: 'trades.v1', partitions: 3, replicationFactor: 1 },
    ]);
  });

  it('rejects malformed lines with their line number', () => {
    expect(() => parseTopicsFile('ok 1 1\nbroken 0 1\n', 'f.txt')).toThrow(/f\.txt:2/);
    expect(() => parseTopicsFile('a b c\n')).toThrow(/expected/);
  });
});

describe('startDevBroker (real librdkafka mock cluster)', () => {
  let broker: DevBroker;
  let kafka: Kafka;

  // A cold build.sh compiles librdkafka (~1 min on 2 cores); cached it is a no-op.
  beforeAll(async () => {
    broker = await startDevBroker({
      topics: [
        { name: 'spec.orders', partitions: 6, replicationFactor: 3 },
        { name: 'spec.faults', partitions: 1, replicationFactor: 3 },
      ],
    });
    kafka = new Kafka({
      clientId: 'dev-broker-spec',
      brokers: broker.bootstrap,
      logLevel: logLevel.NOTHING,
    });
  }, 180_000);

  afterAll(async () => {
    await broker?.stop();
  });

  it('serves pre-created topics on three brokers', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      const metadata = await admin.fetchTopicMetadata({ topics: ['spec.orders'] });
      expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      expect(cluster.controller).toBe(1);
      expect(metadata.topics[0]?.partitions).toHaveLength(6);
    } finally {
      await admin.disconnect();
    }
  });

  it('round-trips through an idempotent producer and a consumer group', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    // Short fetch long-poll: disconnect() waits for in-flight Fetches (kafkajs default 5 s).
    const consumer = kafka.consumer({ groupId: 'spec-group', maxWaitTimeInMs: 100 });
    await producer.connect();
    await consumer.connect();
    try {
      const values = Array.from({ length: 50 }, (_, i) => `v${i}`);
      await producer.send({
        topic: 'spec.orders',
        messages: values.map((value, i) => ({ key: `k${i}`, value })),
      });
      await consumer.subscribe({ topic: 'spec.orders', fromBeginning: true });
      const seen = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: ({ message }) => {
              seen.add(message.value?.toString() ?? '');
              if (seen.size === values.length) resolve();
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
      expect([...seen].sort()).toEqual([...values].sort());
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  }, 20_000);

  it('injected Produce errors are retried by the client', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let produceRequests = 0;
    const off = producer.on(producer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Produce') produceRequests++;
    });
    try {
      await producer.send({ topic: 'spec.faults', messages: [{ value: 'warm-up' }] });
      produceRequests = 0;
      await broker.pushRequestErrors(KafkaApiKey.Produce, [KafkaErrorCode.NOT_LEADER_OR_FOLLOWER]);
      await producer.send({ topic: 'spec.faults', messages: [{ value: 'retried' }] });
      expect(produceRequests).toBe(2);
    } finally {
      off();
      await producer.disconnect();
    }
  });

  it('creates topics at runtime and reports control errors', async () => {
    await broker.createTopic({ name: 'spec.runtime', partitions: 2, replicationFactor: 3 });
    await expect(
      broker.createTopic({ name: 'spec.runtime', partitions: 2, replicationFactor: 3 }),
    ).rejects.toThrow(/TOPIC_ALREADY_EXISTS/);
    await expect(broker.brokerDown(42)).rejects.toThrow(/BROKER_NOT_AVAILABLE/);
  });
});
