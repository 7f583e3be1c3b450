import { join } from 'node:path';
import { parseFeedInstruments } from '@meridian/market-data-feed';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { MetricsRegistry, ReadinessRegistry } from '@meridian/shared-observability';
import { kafkaBrokers, metricSample, waitFor } from '@meridian/shared-testing';
import { buildFeeds, parseFeedsConfig } from './feeds.config';
import { FEEDS_READINESS_CHECK } from './feed-health';
import { IngestionMetrics } from './ingestion.metrics';
import { MarketDataIngestor } from './marketdata-ingestor';
import {
  createMarketDataTestTopics,
  FIXTURES_DIR,
  RECORDED_WS_MAPPING,
  RecordedWsServer,
  readTicks,
} from './testing';
import { TickPublisher } from './tick-publisher';

const instruments = parseFeedInstruments(
  JSON.stringify([
    { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' },
    { symbol: 'MSFT', tickSize: '0.01', lotSize: '1' },
  ]),
);

describe('WebSocket feed with failover, published to the dev broker', () => {
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'md-failover-test' });
  const producer = new KafkaProducer({ kafka });
  const servers: RecordedWsServer[] = [];
  let ingestor: MarketDataIngestor | undefined;

  beforeAll(() => producer.connect());
  afterAll(async () => {
    await ingestor?.stop();
    await Promise.all(servers.map((server) => server.close()));
    await producer.close();
  });

  it('switches to the backup when the primary drops and back when it returns; rejects and gaps are counted, never published', async () => {
    const fixture = join(FIXTURES_DIR, 'ws-recorded.jsonl');
    const loop = { recordsKey: 'data', sequenceKey: 'seq' };
    const primary = await RecordedWsServer.start({ fixture, loop });
    const backup = await RecordedWsServer.start({ fixture, loop });
    servers.push(primary, backup);
    const source = (url: string) => ({
      type: 'websocket',
      url,
      mapping: RECORDED_WS_MAPPING,
      recordsPath: 'data',
      filter: { path: 'type', equals: 'ticker' },
      subscribe: [{ op: 'subscribe', channels: ['ticker'] }],
      backoff: { initialMs: 20, maxMs: 100 },
    });
    const feeds = buildFeeds(
      parseFeedsConfig(
        JSON.stringify([
          {
            name: 'equities',
            primary: { ...source(primary.url), name: 'ws-primary' },
            backup: { ...source(backup.url), name: 'ws-backup' },
          },
        ]),
      ),
      instruments,
    );
    const topics = await createMarketDataTestTopics('md-failover');
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const metrics = new IngestionMetrics(registry);
    ingestor = new MarketDataIngestor({
      feeds,
      publisher: new TickPublisher({
        producer,
        ticksTopic: topics.ticks,
        lastPriceTopic: topics.lastPrice,
        batchSize: 100,
        lingerMs: 20,
        bufferCapacity: 10_000,
        lastPriceIntervalMs: 100,
        metrics,
      }),
      metrics,
      bandBps: 1000,
      staleAfterMs: 5_000,
      switchBackAfterMs: 0,
      refreshIntervalMs: 100,
    });
    const readiness = new ReadinessRegistry();
    ingestor.registerReadiness(readiness);
    ingestor.start();
    const feed = ingestor.feed('equities');
    const metric = async (series: string) =>
      metricSample(await registry.metricsText(), series) ?? 0;
    const accepted = (name: string) =>
      metric(`marketdata_ticks_total{feed="equities",source="${name}"}`);

    await waitFor('primary ticks', async () => (await accepted('ws-primary')) >= 20);
    expect(feed?.activeSource).toBe('ws-primary');
    expect((await readiness.check()).status).toBe('ok');

    await primary.close();
    await waitFor('the failover', () => feed?.activeSource === 'ws-backup');
    const fromBackup = await accepted('ws-backup');
    await waitFor('backup ticks', async () => (await accepted('ws-backup')) >= fromBackup + 20);
    expect(await metric('marketdata_feed_connected{feed="equities",source="ws-primary"}')).toBe(0);
    expect(await metric('marketdata_feed_active_source{feed="equities",source="ws-backup"}')).toBe(
      1,
    );
    const report = await readiness.check();
    expect(report.status).toBe('ok');
    expect(report.details[FEEDS_READINESS_CHECK]).toMatchObject({ overall: 'degraded' });

    await primary.restart();
    await waitFor('the switch back', () => feed?.activeSource === 'ws-primary', 20_000);
    const fromPrimary = await accepted('ws-primary');
    await waitFor(
      'primary ticks again',
      async () => (await accepted('ws-primary')) >= fromPrimary + 20,
    );
    expect(await metric('marketdata_feed_failovers_total{feed="equities"}')).toBe(2);
    expect(await metric('marketdata_feed_active_source{feed="equities",source="ws-primary"}')).toBe(
      1,
    );
    // The recording holds a crossed quote, a negative trade, a non-JSON line and a jump 3 -> 6.
    expect(
      await metric('marketdata_ticks_rejected_total{feed="equities",reason="crossed_book"}'),
    ).toBeGreaterThan(0);
    expect(
      await metric('marketdata_ticks_rejected_total{feed="equities",reason="non_positive_price"}'),
    ).toBeGreaterThan(0);
    expect(
      await metric('marketdata_ticks_rejected_total{feed="equities",reason="undecodable"}'),
    ).toBeGreaterThan(0);
    expect(
      await metric('marketdata_sequence_gaps_total{feed="equities",symbol="AAPL"}'),
    ).toBeGreaterThan(0);

    await ingestor.stop();
    const total = (await accepted('ws-primary')) + (await accepted('ws-backup'));
    const records = await readTicks(kafka, topics.ticks, (r) => r.length >= total);
    expect(records).toHaveLength(total);
    // AAPL's records (one partition, in order) went primary -> backup -> primary.
    const runs = records
      .filter((r) => r.key === 'AAPL')
      .map((r) => r.value.source)
      .filter((s, i, all) => i === 0 || all[i - 1] !== s);
    expect(runs).toEqual(['ws-primary', 'ws-backup', 'ws-primary']);
    for (const { value } of records) {
      expect(value.bidPrice?.value.startsWith('-')).toBe(false);
      expect(value.lastPrice?.value.startsWith('-') ?? false).toBe(false);
      expect(value.bidPrice?.value).not.toBe('100.05'); // the crossed quote
      expect(value.receivedTimeUnixNanos).toBeGreaterThan(0n);
    }
  });
});
