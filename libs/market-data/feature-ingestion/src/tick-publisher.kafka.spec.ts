import { type marketdata } from '@meridian/contracts';
import { parseFeedInstruments } from '@meridian/market-data-feed';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { MetricsRegistry } from '@meridian/shared-observability';
import { kafkaBrokers, metricSample } from '@meridian/shared-testing';
import { IngestionMetrics } from './ingestion.metrics';
import { SyntheticFeedAdapter } from './synthetic.adapter';
import { createMarketDataTestTopics, readLastPrices, readTicks, RecordingSink } from './testing';
import { TickPublisher } from './tick-publisher';

const instruments = parseFeedInstruments(
  JSON.stringify(['AAA', 'BBB', 'CCC', 'DDD'].map((symbol) => ({ symbol, tickSize: '0.01' }))),
);

function syntheticTicks(count: number): marketdata.Tick[] {
  const sink = new RecordingSink();
  new SyntheticFeedAdapter({
    source: 'synthetic',
    instruments,
    seed: 7,
    ratePerSecond: 1000,
  }).generate(count, sink);
  return sink.ticks;
}

describe('TickPublisher (dev broker)', () => {
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'md-publisher-test' });
  const producer = new KafkaProducer({ kafka });

  beforeAll(() => producer.connect());
  afterAll(() => producer.close());

  function publisher(
    topics: { ticks: string; lastPrice: string },
    over: Partial<ConstructorParameters<typeof TickPublisher>[0]> = {},
  ) {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const publisher = new TickPublisher({
      producer,
      ticksTopic: topics.ticks,
      lastPriceTopic: topics.lastPrice,
      batchSize: 50,
      lingerMs: 10,
      bufferCapacity: 10_000,
      lastPriceIntervalMs: 60_000,
      metrics: new IngestionMetrics(registry),
      ...over,
    });
    return { publisher, registry };
  }

  it('publishes ticks keyed by symbol in per-symbol order, and throttled last prices ending on the latest', async () => {
    const topics = await createMarketDataTestTopics('md-pub');
    const { publisher: pub, registry } = publisher(topics);
    const ticks = syntheticTicks(400);
    pub.start();
    for (const tick of ticks) pub.enqueue(tick);
    await pub.stop();
    expect(pub.publishedCount).toBe(400);

    const records = await readTicks(kafka, topics.ticks, (r) => r.length >= 400);
    expect(records).toHaveLength(400);
    const partitionOf = new Map<string, number>();
    for (const record of records) {
      expect(record.key).toBe(record.value.symbol);
      expect(partitionOf.get(record.key) ?? record.partition).toBe(record.partition);
      partitionOf.set(record.key, record.partition);
    }
    for (const { symbol } of instruments) {
      const sequences = records.filter((r) => r.key === symbol).map((r) => r.value.sequence);
      expect(sequences).toEqual(sequences.map((_, i) => BigInt(i + 1)));
    }
    expect(records.find((r) => r.value.sequence === 1n && r.key === 'AAA')?.value).toEqual(
      ticks.find((t) => t.symbol === 'AAA' && t.sequence === 1n),
    );

    // One price per symbol per minute at most, plus the held latest one flushed at stop.
    const prices = await readLastPrices(kafka, topics.lastPrice, (r) => r.length >= 8, 10_000);
    for (const { symbol } of instruments) {
      const mine = prices.filter((p) => p.key === symbol);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(mine.length).toBeLessThanOrEqual(2);
      const latest = ticks.filter((t) => t.symbol === symbol).at(-1);
      expect(mine.at(-1)?.value).toEqual({
        symbol,
        price: latest?.lastPrice,
        exchangeTimeUnixNanos: latest?.exchangeTimeUnixNanos,
        sequence: latest?.sequence,
        source: 'synthetic',
      });
    }
    const text = await registry.metricsText();
    expect(metricSample(text, 'marketdata_publish_batch_size_sum')).toBe(400);
    expect(metricSample(text, 'marketdata_publish_batch_size_count')).toBeGreaterThanOrEqual(8);
    expect(metricSample(text, 'marketdata_ticks_dropped_total{reason="buffer_full"}')).toBe(0);
  });

  it('bounds the buffer: drops the oldest tick per symbol, counts it, and publishes the newest', async () => {
    const topics = await createMarketDataTestTopics('md-drop');
    // A batch size above the capacity: nothing is sent until the flush, so the buffer overflows.
    const { publisher: pub, registry } = publisher(topics, { batchSize: 1000, bufferCapacity: 8 });
    const ticks = syntheticTicks(100);
    for (const tick of ticks) pub.enqueue(tick);
    expect(pub.buffered).toBe(8);
    await pub.flush();
    const text = await registry.metricsText();
    expect(metricSample(text, 'marketdata_ticks_dropped_total{reason="buffer_full"}')).toBe(92);
    const records = await readTicks(kafka, topics.ticks, (r) => r.length >= 8);
    // The survivors are each symbol's two newest ticks (25 per symbol: 24 and 25).
    expect(records.map((r) => `${r.key}#${r.value.sequence}`).sort()).toEqual(
      ['AAA', 'BBB', 'CCC', 'DDD'].flatMap((s) => [`${s}#24`, `${s}#25`]),
    );
  });
});
