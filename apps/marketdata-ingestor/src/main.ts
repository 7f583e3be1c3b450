/**
 * Market-data ingestor:
 * `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/marketdata-ingestor/src/main.ts`.
 * Wiring only: feeds (@meridian/market-data-feature-ingestion) into the batching publisher,
 * ops endpoints whose readiness reflects feed health, graceful shutdown that flushes the batch.
 */
// Keep this import first: it starts telemetry before the modules below are loaded.
import { telemetry } from './telemetry.start';
import {
  buildFeeds,
  IngestionMetrics,
  MarketDataIngestor,
  parseFeedsConfig,
  TickPublisher,
} from '@meridian/market-data-feature-ingestion';
import { parseFeedInstruments } from '@meridian/market-data-feed';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  MetricsRegistry,
  ReadinessRegistry,
  startOpsServer,
} from '@meridian/shared-observability';
import { loadMarketdataIngestorConfig } from './marketdata-ingestor.config';

async function main(): Promise<void> {
  const config = loadMarketdataIngestorConfig();
  const logger = createLogger({
    serviceName: config.observability.serviceName,
    level: config.observability.logLevel,
  });
  // Bad instruments or feeds stop the boot here, before anything connects.
  const instruments = parseFeedInstruments(config.instruments);
  const feeds = buildFeeds(parseFeedsConfig(config.feeds), instruments);
  const metrics = new MetricsRegistry();
  const readiness = new ReadinessRegistry();
  const producer = new KafkaProducer({
    kafka: createKafka({
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      logger,
    }),
    logger,
    metrics,
  });
  await producer.connect();
  const ingestionMetrics = new IngestionMetrics(metrics);
  const ingestor = new MarketDataIngestor({
    feeds,
    publisher: new TickPublisher({
      producer,
      ticksTopic: config.ticksTopic,
      lastPriceTopic: config.lastPriceTopic,
      batchSize: config.batchSize,
      lingerMs: config.lingerMs,
      bufferCapacity: config.bufferCapacity,
      lastPriceIntervalMs: config.lastPriceIntervalMs,
      metrics: ingestionMetrics,
      logger,
    }),
    metrics: ingestionMetrics,
    bandBps: config.bandBps,
    staleAfterMs: config.staleAfterMs,
    switchBackAfterMs: config.switchBackAfterMs,
    logger,
  });
  ingestor.registerReadiness(readiness);
  readiness.register('kafka-producer', () => producer.isConnected());
  const ops = await startOpsServer({
    port: config.observability.metricsPort,
    host: '0.0.0.0',
    metrics,
    readiness,
    logger,
  });
  new GracefulShutdown({ readiness, logger, drainDelayMs: config.drainDelayMs })
    // Feeds stop first, then the publisher flushes every accepted tick, then Kafka closes.
    .onShutdown('ingestor', () => ingestor.stop())
    .onShutdown('kafka-producer', () => producer.close())
    .onShutdown('ops-server', () => ops.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  ingestor.start();
  logger.info(
    {
      opsPort: ops.port,
      instance: config.instance,
      feeds: feeds.map((f) => ({
        name: f.name,
        primary: f.primary.source,
        backup: f.backup?.source,
        symbols: f.instruments.length,
      })),
    },
    'marketdata-ingestor started',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `marketdata-ingestor failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
