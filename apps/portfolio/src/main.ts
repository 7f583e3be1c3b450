/**
 * Portfolio service:
 * `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/portfolio/src/main.ts`.
 * Wiring only: PortfolioService (@meridian/portfolio-feature-portfolio) with its consumers,
 * publisher and gRPC server, plus ops endpoints and graceful shutdown.
 */
// Keep this import first: it starts telemetry before the modules below are loaded.
import { telemetry } from './telemetry.start';
import { MONEY_SCALE, parseFixed } from '@meridian/portfolio-domain';
import { migratePortfolioSchema } from '@meridian/portfolio-data-access';
import { PortfolioService } from '@meridian/portfolio-feature-portfolio';
import { createKafka } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  MetricsRegistry,
  ReadinessRegistry,
  startOpsServer,
} from '@meridian/shared-observability';
import { createPgPool } from '@meridian/shared-persistence';
import { Redis } from 'ioredis';
import { loadPortfolioConfig } from './portfolio.config';

async function main(): Promise<void> {
  const config = loadPortfolioConfig();
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
  if (config.migrate) await migratePortfolioSchema(db, config.schema);
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3 });
  const service = new PortfolioService({
    kafka: createKafka({
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      logger,
    }),
    db,
    redis,
    redisPrefix: config.redisPrefix,
    eventsTopic: config.eventsTopic,
    ticksTopic: config.ticksTopic,
    updatesTopic: config.updatesTopic,
    fillsGroupId: config.fillsGroupId,
    marksGroupId: config.marksGroupId,
    clock: () => BigInt(Date.now()) * 1_000_000n,
    fees: { makerBps: config.makerFeeBps, takerBps: config.takerFeeBps },
    defaultStartingCash: parseFixed(config.defaultStartingCash, MONEY_SCALE),
    defaultCurrency: config.currency,
    markThrottleMs: config.markThrottleMs,
    updateGranularity: config.updateGranularity,
    pipelineDepth: config.pipelineDepth,
    metrics,
    logger,
    grpc: { host: config.grpc.host, port: config.grpc.port, graceMs: config.grpc.graceMs },
    maxBytesPerPartition: config.maxBatchBytes,
  });
  readiness.register('postgres', async () => {
    await db.healthCheck(1000);
    return true;
  });
  readiness.register('redis', async () => (await redis.ping()) === 'PONG');
  readiness.register('consumers', () => service.isReady());
  const ops = await startOpsServer({
    port: config.observability.metricsPort,
    host: '0.0.0.0',
    metrics,
    readiness,
    logger,
  });
  new GracefulShutdown({ readiness, logger, drainDelayMs: config.drainDelayMs })
    // gRPC closes, each consumer finishes and commits its in-flight batch, marks are flushed.
    .onShutdown('portfolio', () => service.stop())
    .onShutdown('ops-server', () => ops.close())
    .onShutdown('redis', async () => {
      await redis.quit();
    })
    .onShutdown('postgres', () => db.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  await service.start();
  logger.info(
    { grpcPort: service.grpcPort, opsPort: ops.port, instance: config.instance },
    'portfolio started',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `portfolio failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
