/**
 * Market-data ingest: synthetic ticks generated (seeded GBM), run through the ingestor's pipeline
 * (sequence tracking, validation, failover bookkeeping, metrics) and published in batches to the
 * dev broker (ticks topic keyed by symbol + throttled last prices), with the idempotent producer.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/marketdata-ingest.bench.ts \
 *     [--ticks 300000] [--symbols 50] [--batch 1000] [--partitions 24] [--quick]
 *
 * 1. Pipeline only: generate + validate + sequence + enqueue into an in-memory publisher (what one
 *    core does before Kafka is involved).
 * 2. End to end: the same with the real TickPublisher to the dev broker; ticks/s = ticks acked
 *    by Kafka / time from the first generated tick to the last ack. The generator waits while
 *    the publisher's buffer holds more than two batches, so the figure is sustainable throughput
 *    (zero drops, checked), not the speed of filling a buffer.
 * The dev broker is the librdkafka mock cluster (3 brokers, in memory, on the same 2 cores).
 * Results: stdout and bench/results/marketdata-ingest.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { startDevBroker } from '@meridian/kafka-dev-broker';
import {
  type FeedAdapter,
  type FeedSink,
  IngestionMetrics,
  type IngestorPublisher,
  MarketDataIngestor,
  SyntheticFeedAdapter,
  TickPublisher,
} from '@meridian/market-data-feature-ingestion';
import { type FeedInstrument, parseFeedInstruments } from '@meridian/market-data-feed';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { MetricsRegistry } from '@meridian/shared-observability';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function arg(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
const TICKS = arg('ticks', quick ? 50_000 : 300_000);
const SYMBOLS = arg('symbols', 50);
const BATCH = arg('batch', 1000);
const PARTITIONS = arg('partitions', 24);
const CHUNK = 500;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

const instruments: FeedInstrument[] = parseFeedInstruments(
  JSON.stringify(
    Array.from({ length: SYMBOLS }, (_, i) => ({
      symbol: `SYM${String(i).padStart(3, '0')}`,
      tickSize: '0.01',
      lotSize: '1',
    })),
  ),
);

/** Hands the ingestor's sink to the bench loop, which drives the synthetic generator itself. */
class BenchAdapter implements FeedAdapter {
  readonly source = 'synthetic';
  readonly generator = new SyntheticFeedAdapter({
    source: 'synthetic',
    instruments,
    seed: 42,
    ratePerSecond: 1_000_000,
  });
  sink: FeedSink | undefined;
  start(sink: FeedSink): void {
    this.sink = sink;
    sink.connection(true);
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  isConnected(): boolean {
    return true;
  }
}

function ingestorWith(publisher: IngestorPublisher, registry: MetricsRegistry) {
  const adapter = new BenchAdapter();
  const ingestor = new MarketDataIngestor({
    feeds: [{ name: 'bench', primary: adapter, instruments }],
    publisher,
    metrics: new IngestionMetrics(registry),
    bandBps: 1000,
    staleAfterMs: 5000,
    switchBackAfterMs: 0,
  });
  return { ingestor, adapter };
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function pipelineOnly(): Promise<number> {
  let accepted = 0;
  const { ingestor, adapter } = ingestorWith(
    {
      start: () => undefined,
      stop: () => Promise.resolve(),
      enqueue: () => void (accepted += 1),
    },
    new MetricsRegistry({ defaultMetrics: false }),
  );
  ingestor.start();
  const sink = adapter.sink as FeedSink;
  const started = performance.now();
  for (let i = 0; i < TICKS; i += CHUNK) adapter.generator.generate(CHUNK, sink);
  const seconds = (performance.now() - started) / 1000;
  await ingestor.stop();
  if (accepted < TICKS) throw new Error(`only ${accepted} of ${TICKS} ticks accepted`);
  return accepted / seconds;
}

async function endToEnd(bootstrap: string[], ticksTopic: string, lastPriceTopic: string) {
  const registry = new MetricsRegistry({ defaultMetrics: false });
  const producer = new KafkaProducer({
    kafka: createKafka({ brokers: bootstrap, clientId: 'md-bench', logLevel: 'error' }),
  });
  await producer.connect();
  const metrics = new IngestionMetrics(new MetricsRegistry({ defaultMetrics: false }));
  const publisher = new TickPublisher({
    producer,
    ticksTopic,
    lastPriceTopic,
    batchSize: BATCH,
    lingerMs: 5,
    bufferCapacity: 1_000_000,
    lastPriceIntervalMs: 250,
    metrics,
  });
  const { ingestor, adapter } = ingestorWith(publisher, registry);
  ingestor.start();
  const sink = adapter.sink as FeedSink;
  const started = performance.now();
  let waits = 0;
  for (let i = 0; i < TICKS; i += CHUNK) {
    adapter.generator.generate(CHUNK, sink);
    while (publisher.buffered > 2 * BATCH) {
      waits += 1;
      await yieldToLoop();
    }
  }
  await publisher.flush();
  const seconds = (performance.now() - started) / 1000;
  await ingestor.stop();
  await producer.close();
  const batch = await metrics.batchSize.get();
  const sum = batch.values.find((v) => v.metricName === 'marketdata_publish_batch_size_sum')?.value;
  const count = batch.values.find(
    (v) => v.metricName === 'marketdata_publish_batch_size_count',
  )?.value;
  const dropped = (await metrics.dropped.get()).values.reduce((s, v) => s + v.value, 0);
  return {
    ticksPerSec: Math.round(publisher.publishedCount / seconds),
    published: publisher.publishedCount,
    seconds: Number(seconds.toFixed(2)),
    requests: count ?? 0,
    meanBatch: count ? Math.round((sum ?? 0) / count) : 0,
    dropped,
    generatorWaits: waits,
  };
}

async function main(): Promise<void> {
  out(
    `marketdata-ingest: ${TICKS} ticks, ${SYMBOLS} symbols, batch ${BATCH}, ${PARTITIONS} partitions`,
  );
  const pipeline = await pipelineOnly();
  out(`pipeline only (generate+validate+sequence, no Kafka): ${Math.round(pipeline)} ticks/s`);

  const broker = await startDevBroker({ topics: [] });
  try {
    const ticksTopic = 'bench.marketdata.ticks';
    const lastPriceTopic = 'bench.marketdata.last-price';
    await broker.createTopic({ name: ticksTopic, partitions: PARTITIONS, replicationFactor: 3 });
    await broker.createTopic({ name: lastPriceTopic, partitions: 12, replicationFactor: 3 });
    const e2e = await endToEnd(broker.bootstrap, ticksTopic, lastPriceTopic);
    out(
      `end to end to the dev broker: ${e2e.ticksPerSec} ticks/s (${e2e.published} ticks in ${e2e.seconds} s, ` +
        `${e2e.requests} requests, mean batch ${e2e.meanBatch}, dropped ${e2e.dropped})`,
    );
    const result = {
      bench: 'marketdata-ingest',
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().map((c) => c.model.split(' ').slice(0, 2).join(' ')),
      loadAverage1m: Number(loadavg()[0]?.toFixed(1)),
      ticks: TICKS,
      symbols: SYMBOLS,
      batchSize: BATCH,
      partitions: PARTITIONS,
      pipelineOnlyTicksPerSec: Math.round(pipeline),
      endToEnd: e2e,
      notes:
        'Shared 2-core VM (other jobs running, see loadAverage1m); the dev broker (librdkafka mock, 3 brokers) shares the cores. acks=all idempotent producer, one request in flight per ingestor.',
    };
    if (!quick) {
      const file = join(__dirname, 'results', 'marketdata-ingest.json');
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      out(`wrote ${file}`);
    }
  } finally {
    await broker.stop();
  }
}

void main();
