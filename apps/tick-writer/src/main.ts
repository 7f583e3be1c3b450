/**
 * tick-writer service:
 * `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/tick-writer/src/main.ts`.
 * Wiring only: marketdata.ticks.v1 → WriteTickBatchUseCase (@meridian/market-data-feature-tick-writer)
 * → PostgreSQL/TimescaleDB, with partition maintenance, ops endpoints and graceful shutdown
 * that drains the batch in progress.
 */
// Keep this import first: it starts telemetry before the modules below are loaded.
import { telemetry } from './telemetry.start';
import {
  epochDayOfNanos,
  migrateMarketDataSchema,
  readStorageMode,
  TickBatchWriter,
  TickPartitions,
} from '@meridian/market-data-data-access';
import {
  KafkaDeadLetterSink,
  TickWriterConsumer,
  TickWriterMetrics,
  WriteTickBatchUseCase,
} from '@meridian/market-data-feature-tick-writer';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  MetricsRegistry,
  ReadinessRegistry,
  startOpsServer,
} from '@meridian/shared-observability';
import { createPgPool } from '@meridian/shared-persistence';
import { loadTickWriterConfig } from './tick-writer.config';

async function main(): Promise<void> {
  const config = loadTickWriterConfig();
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
    maxConnections: config.partitionsConcurrently + 2,
    logger,
  });
  if (config.migrate) {
    const report = await migrateMarketDataSchema(db, config.schema);
    logger.info({ applied: report.applied.map((m) => m.name) }, 'market-data migrations checked');
  }
  const mode = await readStorageMode(db);
  const partitions = mode === 'plain' ? new TickPartitions(db) : undefined;
  const maintain = async (): Promise<void> => {
    if (partitions === undefined) return;
    const today = epochDayOfNanos(BigInt(Date.now()) * 1_000_000n);
    const created = await partitions.ensureRange(today - 1, today + config.partitionsAheadDays);
    const dropped = await partitions.dropBefore(today - config.retentionDays);
    await partitions.refresh();
    logger.info({ created, dropped }, 'tick partitions maintained');
  };
  await maintain();
  const maintenance = setInterval(() => {
    maintain().catch((error: unknown) =>
      logger.error({ err: error }, 'partition maintenance failed'),
    );
  }, config.maintenanceIntervalMs);
  maintenance.unref();

  const kafka = createKafka({
    brokers: [...config.kafka.brokers],
    clientId: config.kafka.clientId,
    logger,
  });
  const dlqProducer = new KafkaProducer({ kafka, logger, metrics });
  await dlqProducer.connect();
  const writer = new TickBatchWriter(db, {
    mode,
    strategy: config.copyStrategy,
    ...(partitions === undefined ? {} : { partitions }),
  });
  const consumer = new TickWriterConsumer({
    kafka,
    groupId: config.groupId,
    topic: config.ticksTopic,
    useCase: new WriteTickBatchUseCase(
      writer,
      new KafkaDeadLetterSink(dlqProducer),
      new TickWriterMetrics(metrics),
    ),
    maxBatchTicks: config.maxBatchTicks,
    maxBatchDelayMs: config.maxBatchDelayMs,
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    logger,
  });
  readiness.register('postgres', async () => {
    await db.healthCheck(1000);
    return true;
  });
  readiness.register('ticks-consumer', () => ({
    up: consumer.isReady(),
    details: { ...consumer.stats() },
  }));
  const ops = await startOpsServer({
    port: config.observability.metricsPort,
    host: '0.0.0.0',
    metrics,
    readiness,
    logger,
  });
  new GracefulShutdown({ readiness, logger, drainDelayMs: config.drainDelayMs })
    // Writes and commits the buffered batch before leaving the group.
    .onShutdown('ticks-consumer', () => consumer.stop())
    .onShutdown('dlq-producer', () => dlqProducer.close())
    .onShutdown('maintenance', () => {
      clearInterval(maintenance);
      return Promise.resolve();
    })
    .onShutdown('ops-server', () => ops.close())
    .onShutdown('postgres', () => db.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  await consumer.start();
  logger.info({ opsPort: ops.port, mode, instance: config.instance }, 'tick-writer started');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `tick-writer failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
