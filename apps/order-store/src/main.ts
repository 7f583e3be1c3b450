/**
 * Order-store service:
 * `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/order-store/src/main.ts`.
 * Wiring only: RecordOrderEventUseCase (@meridian/orders-feature-gateway) behind a consumer of
 * orders.events.v1, plus ops endpoints and graceful shutdown.
 */
// Keep this import first: it starts telemetry before the modules below are loaded.
import { telemetry } from './telemetry.start';
import { migrateGatewaySchema } from '@meridian/orders-data-access';
import {
  createOrderEventsConsumer,
  RecordOrderEventUseCase,
} from '@meridian/orders-feature-gateway';
import { createKafka } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  MetricsRegistry,
  ReadinessRegistry,
  startOpsServer,
} from '@meridian/shared-observability';
import { createPgPool } from '@meridian/shared-persistence';
import { loadOrderStoreConfig } from './order-store.config';

async function main(): Promise<void> {
  const config = loadOrderStoreConfig();
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
  if (config.migrate) await migrateGatewaySchema(db, config.schema);
  const consumer = createOrderEventsConsumer(new RecordOrderEventUseCase(db), {
    kafka: createKafka({
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      logger,
    }),
    groupId: config.groupId,
    topicName: config.eventsTopic,
    fromBeginning: true,
    maxInFlight: config.maxInFlight,
    logger,
    metrics,
  });
  readiness.register('postgres', async () => {
    await db.healthCheck(1000);
    return true;
  });
  readiness.register('events-consumer', () => ({
    up: consumer.isReady(),
    details: { failure: consumer.failure()?.message },
  }));
  const ops = await startOpsServer({
    port: config.observability.metricsPort,
    host: '0.0.0.0',
    metrics,
    readiness,
    logger,
  });
  new GracefulShutdown({ readiness, logger, drainDelayMs: config.drainDelayMs })
    .onShutdown('events-consumer', () => consumer.stop())
    .onShutdown('ops-server', () => ops.close())
    .onShutdown('postgres', () => db.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  await consumer.start();
  logger.info({ opsPort: ops.port, instance: config.instance }, 'order-store started');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `order-store failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
