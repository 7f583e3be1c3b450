import { NestFactory } from '@nestjs/core';
import { migrateGatewaySchema } from '@meridian/orders-data-access';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  MetricsRegistry,
  ReadinessRegistry,
  type TelemetryHandle,
} from '@meridian/shared-observability';
import { PinoNestLogger } from '@meridian/shared-observability/nest';
import { createPgPool } from '@meridian/shared-persistence';
import { createSecrets } from '@meridian/shared-secrets';
import { Redis } from 'ioredis';
import { AppModule } from './app.module';
import { loadOrderGatewayConfig } from './order-gateway.config';
import { buildGatewayRuntime } from './order-gateway.runtime';

/** Where the API-key pepper lives in the secrets store (Vault KV v2 or the local fallback). */
const PEPPER = { path: 'meridian/order-gateway', key: 'apiKeyPepper' } as const;

/**
 * Opens the connections, migrates, builds the gateway, starts Nest (ops endpoints; the gRPC
 * server and the events consumer start at its bootstrap) and installs the graceful shutdown.
 */
export async function bootstrap(telemetry: TelemetryHandle): Promise<void> {
  const config = loadOrderGatewayConfig();
  const logger = createLogger({
    serviceName: config.observability.serviceName,
    level: config.observability.logLevel,
  });
  const metrics = new MetricsRegistry();
  const readiness = new ReadinessRegistry();
  const secrets = await createSecrets(process.env, { logger });
  const pepper = await secrets.store.get(PEPPER.path, PEPPER.key);

  const db = await createPgPool({
    ...config.postgres,
    searchPath: [config.schema, 'public'],
    applicationName: config.observability.serviceName,
    logger,
  });
  if (config.migrate) {
    const report = await migrateGatewaySchema(db, config.schema);
    logger.info({ schema: config.schema, report }, 'gateway migrations applied');
  }
  // Auto-pipelining: the Lua reservations of concurrent orders share one write to Redis.
  const redis = new Redis(config.redis.url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
  });
  const kafka = createKafka({
    brokers: [...config.kafka.brokers],
    clientId: config.kafka.clientId,
    logger,
  });
  // Commands of concurrent orders go out in one produce request (linger), each ack still waits
  // for the brokers' acknowledgement of its own record.
  const producer = new KafkaProducer({
    kafka,
    logger,
    metrics,
    linger: { maxMessages: config.publishMaxBatch, maxDelayMs: config.publishLingerMs },
  });
  await producer.connect();

  const connections = { config, db, redis, kafka, producer, pepper, logger, metrics, readiness };
  const runtime = await buildGatewayRuntime(connections);
  const app = await NestFactory.create(AppModule.register(connections, runtime), {
    logger: new PinoNestLogger(logger),
  });
  await app.listen(config.observability.metricsPort, '0.0.0.0');

  // Order matters: stop taking RPCs and drain them (they publish), stop consuming, flush the
  // producer, then close the ops endpoints and the pools; telemetry last.
  new GracefulShutdown({ readiness, logger, drainDelayMs: config.drainDelayMs })
    .onShutdown('grpc-server', async () => {
      await runtime.server.close(config.grpc.graceMs);
      await runtime.entry.settle();
    })
    .onShutdown('events-consumer', () => runtime.consumer.stop())
    .onShutdown('risk-controls-consumer', () => runtime.controlsConsumer.stop())
    .onShutdown('market-prices-consumer', () => runtime.pricesConsumer.stop())
    .onShutdown('kafka-producer', async () => {
      await producer.flush();
      await producer.close();
    })
    .onShutdown('nest', () => app.close())
    .onShutdown('redis', async () => {
      await redis.quit();
    })
    .onShutdown('postgres', () => db.close())
    .onShutdown('secrets', () => secrets.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  logger.info(
    { opsPort: config.observability.metricsPort, instruments: runtime.catalog.size },
    'order gateway started',
  );
}
