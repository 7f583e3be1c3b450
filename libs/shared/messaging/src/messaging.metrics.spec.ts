import { MetricsRegistry } from '@meridian/shared-observability';
import { metricSample, uniqueName, waitFor } from '@meridian/shared-testing';
import { ConsumerMetrics, ProducerMetrics } from './messaging.metrics';
import { KafkaProducer } from './kafka-producer';
import { KafkaTestBed, type TestEvent, UNDECODABLE_BYTES } from './testing';

const series = (name: string, topic: string, group: string): string =>
  `${name}{topic="${topic}",group="${group}"}`;

describe('ConsumerMetrics / ProducerMetrics', () => {
  it('share one set of families per registry, one series per consumer, all from 0', async () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const a = new ConsumerMetrics(metrics, { topic: 't.a', group: 'g' });
    new ConsumerMetrics(metrics, { topic: 't.b', group: 'g' });
    new ProducerMetrics(metrics);
    new ProducerMetrics(metrics);
    a.handled();
    a.inFlight(1);
    a.inFlight(1);
    a.inFlight(-1);

    const text = await metrics.metricsText();
    expect(metricSample(text, series('messaging_consumer_handled_total', 't.a', 'g'))).toBe(1);
    expect(metricSample(text, series('messaging_consumer_handled_total', 't.b', 'g'))).toBe(0);
    expect(metricSample(text, series('messaging_consumer_in_flight', 't.a', 'g'))).toBe(1);
    for (const name of [
      'messaging_consumer_retries_total',
      'messaging_consumer_dead_lettered_total',
      'messaging_consumer_backpressure_pauses_total',
    ]) {
      expect(metricSample(text, series(name, 't.b', 'g'))).toBe(0);
    }
  });
});

describe('KafkaConsumer / KafkaProducer with a metrics registry', () => {
  let bed: KafkaTestBed;

  beforeAll(async () => {
    bed = await KafkaTestBed.open('messaging-metrics-spec');
  });

  afterAll(() => bed.close());

  it('exposes stats() and send latency in metricsText()', async () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const topic = await bed.freshTopic('metrics', 1);
    const producer = new KafkaProducer({ kafka: bed.kafka, metrics });
    await producer.connect();
    const group = uniqueName('messaging.group');
    const failedOnce = new Set<string>();
    const consumer = await bed.consumer(
      topic,
      async (e: TestEvent) => {
        if (e.id === 'flaky' && !failedOnce.has(e.id)) {
          failedOnce.add(e.id);
          throw new Error('transient');
        }
        if (e.id === 'doomed') throw new Error('permanent');
      },
      { groupId: group, metrics, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } },
    );

    await producer.send(topic, [
      { key: 'k', value: { id: 'ok', seq: 1n, payload: '' } },
      { key: 'k', value: { id: 'flaky', seq: 2n, payload: '' } },
      { key: 'k', value: { id: 'doomed', seq: 3n, payload: '' } },
    ]);
    await bed.producer.sendRaw([
      { topic: topic.name, messages: [{ key: 'k', value: Buffer.from(UNDECODABLE_BYTES) }] },
    ]);
    await waitFor('every record finished', () => {
      const stats = consumer.stats();
      return stats.handled === 2 && stats.deadLettered === 2;
    });

    const text = await metrics.metricsText();
    const stats = consumer.stats();
    expect(stats).toMatchObject({ handled: 2, retries: 2, deadLettered: 2, inFlight: 0 });
    const value = (name: string): number | undefined =>
      metricSample(text, series(name, topic.name, group));
    expect(value('messaging_consumer_handled_total')).toBe(stats.handled);
    expect(value('messaging_consumer_retries_total')).toBe(stats.retries);
    expect(value('messaging_consumer_dead_lettered_total')).toBe(stats.deadLettered);
    expect(value('messaging_consumer_backpressure_pauses_total')).toBe(stats.backpressurePauses);
    expect(value('messaging_consumer_in_flight')).toBe(0);
    // One send by the test's producer, two by the consumer's own DLQ producer.
    expect(
      metricSample(
        text,
        `messaging_producer_send_requests_total{topic="${topic.name}",outcome="ok"}`,
      ),
    ).toBe(1);
    expect(
      metricSample(
        text,
        `messaging_producer_send_requests_total{topic="${topic.name}.dlq",outcome="ok"}`,
      ),
    ).toBe(2);
    expect(text).toContain(`messaging_producer_send_duration_seconds_count{topic="${topic.name}"`);

    await producer.close();
  });

  it('counts a failed send with outcome="error"', async () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const absent = uniqueName('messaging.absent');
    const producer = new KafkaProducer({
      kafka: bed.kafka,
      metrics,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    });
    await producer.connect();
    try {
      await expect(
        producer.sendRaw([{ topic: absent, messages: [{ value: 'x' }] }]),
      ).rejects.toMatchObject({ code: 'MESSAGING_PUBLISH_FAILED' });
    } finally {
      await producer.close();
    }
    const text = await metrics.metricsText();
    const sent = (outcome: string): number | undefined =>
      metricSample(
        text,
        `messaging_producer_send_requests_total{topic="${absent}",outcome="${outcome}"}`,
      );
    expect(sent('error')).toBe(1);
    expect(sent('ok')).toBeUndefined();
  });
});
