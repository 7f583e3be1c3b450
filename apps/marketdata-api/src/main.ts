/**
 * Market data API:
 * `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/marketdata-api/src/main.ts`.
 * Wiring only: MarketDataService (@meridian/market-data-feature-query) on grpc-js, the
 * last-price table and live tick hub from Kafka, bars from PostgreSQL through the Redis cache,
 * ops endpoints and graceful shutdown.
 */
// Keep this import first: it starts telemetry before the modules below are loaded.
import { telemetry } from './telemetry.start';
import { randomUUID } from 'node:crypto';
import { MarketDataRepository } from '@meridian/market-data-data-access';
import {
  GetBarsUseCase,
  GetLastPriceUseCase,
  LastPriceTable,
  MarketDataGrpcServer,
  MarketDataShuttingDownError,
  StreamTicksUseCase,
  SymbolDirectory,
  TickStreamHub,
} from '@meridian/market-data-feature-query';
import { createCache, registryCacheMetrics } from '@meridian/shared-cache';
import { createKafka } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  GrpcServerMetrics,
  MetricsRegistry,
  ReadinessRegistry,
  startOpsServer,
} from '@meridian/shared-observability';
import { createPgPool } from '@meridian/shared-persistence';
import { loadMarketdataApiConfig } from './marketdata-api.config';

async function main(): Promise<void> {
  const config = loadMarketdataApiConfig();
  const logger = createLogger({
    serviceName: config.observability.serviceName,
    level: config.observability.logLevel,
  });
  const metrics = new MetricsRegistry();
  const readiness = new ReadinessRegistry();
  const db = await createPgPool({
    ...config.postgres,
    searchPath: [config.schema, 'public'],
    applicationName: config.observability.serviceName,
    logger,
  });
  const cache = createCache({
    redis: config.redis.url,
    namespace: config.observability.serviceName,
    metrics: registryCacheMetrics(metrics),
    logger,
  });
  const kafka = createKafka({
    brokers: [...config.kafka.brokers],
    clientId: config.kafka.clientId,
    logger,
  });
  // Per-replica groups: every replica needs every last price and every live tick.
  const replica = `${config.instance}-${randomUUID().slice(0, 8)}`;
  const repository = new MarketDataRepository(db);
  const symbols = new SymbolDirectory(repository);
  const table = new LastPriceTable({
    kafka,
    topic: config.lastPriceTopic,
    groupId: `${config.groupPrefix}-last-price-${replica}`,
    onSymbol: (symbol) => symbols.remember(symbol),
  });
  const hub = new TickStreamHub({
    kafka,
    topic: config.ticksTopic,
    groupId: `${config.groupPrefix}-ticks-${replica}`,
  });
  await table.start();
  await hub.start();

  const server = new MarketDataGrpcServer(
    {
      getBars: new GetBarsUseCase(repository, symbols, cache, config.barsCacheTtlSeconds, {
        defaultLimit: config.defaultBarLimit,
        maxLimit: config.maxBarLimit,
        maxRangeBars: config.maxRangeBars,
      }),
      getLastPrice: new GetLastPriceUseCase(
        table,
        repository,
        symbols,
        cache,
        config.lastPriceCacheTtlSeconds,
      ),
      streamTicks: new StreamTicksUseCase(hub, {
        maxSymbols: config.streamMaxSymbols,
        maxQueuedTicks: config.streamMaxQueuedTicks,
      }),
    },
    {
      logger,
      metrics: new GrpcServerMetrics(metrics),
      ready: () => Promise.resolve(table.isReady()),
      onClose: () => hub.stop(new MarketDataShuttingDownError()),
    },
  );
  readiness.register('postgres', async () => {
    await db.healthCheck(1000);
    return true;
  });
  readiness.register('last-price-table', () => ({
    up: table.isReady(),
    details: { symbols: table.size },
  }));
  readiness.register('tick-hub', () => ({
    up: hub.isReady(),
    details: { subscribers: hub.subscriberCount },
  }));
  const grpcPort = await server.listen(config.grpc.host, config.grpc.port);
  const ops = await startOpsServer({
    port: config.observability.metricsPort,
    host: '0.0.0.0',
    metrics,
    readiness,
    logger,
  });
  new GracefulShutdown({ readiness, logger, drainDelayMs: config.drainDelayMs })
    .onShutdown('grpc-server', () => server.close(config.grpc.graceMs))
    .onShutdown('last-price-table', () => table.stop())
    .onShutdown('cache', () => cache.close())
    .onShutdown('ops-server', () => ops.close())
    .onShutdown('postgres', () => db.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  logger.info({ grpcPort, opsPort: ops.port, instance: config.instance }, 'marketdata-api started');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `marketdata-api failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
