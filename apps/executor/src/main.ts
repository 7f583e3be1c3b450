/**
 * Executor service: `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/executor/src/main.ts`
 * (or `npx nx run executor:serve`). Wiring only; the code is in @meridian/orders-feature-execution.
 * Boots through Nest (lifecycle, ops endpoints) like every service; the executor itself is
 * framework-free and built here, so the hot path never runs through Nest (ADR 0005).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Executor, ExecutorMetrics, FileSnapshotStore } from '@meridian/orders-feature-execution';
import { createKafka } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  MetricsRegistry,
  ReadinessRegistry,
  startTelemetry,
} from '@meridian/shared-observability';
import { PinoNestLogger } from '@meridian/shared-observability/nest';

import { ExecutorAppModule } from './app.module';
import { loadExecutorConfig } from './executor.config';

async function main(): Promise<void> {
  const config = loadExecutorConfig();
  const telemetry = startTelemetry({
    serviceName: config.observability.serviceName,
    ...(config.observability.otlpEndpoint === undefined
      ? {}
      : { otlpEndpoint: config.observability.otlpEndpoint }),
  });
  // The executor's I/O is kafkajs and node:fs (no instrumented clients), so importing its
  // modules before the SDK starts costs no spans.

  const logger = createLogger({
    serviceName: config.observability.serviceName,
    level: config.observability.logLevel,
  });
  const metrics = new MetricsRegistry();
  const readiness = new ReadinessRegistry();
  const executor = new Executor({
    kafka: createKafka({
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      logger,
    }),
    groupId: config.groupId,
    instruments: config.instruments,
    workers: config.workers,
    transport: config.transport,
    tradingDayEndUtc: config.tradingDayEndUtc,
    snapshots: new FileSnapshotStore(config.snapshotDir, config.groupId),
    snapshotEveryCommands: config.snapshotEveryCommands,
    snapshotEveryMs: config.snapshotEveryMs,
    dedupWindow: config.dedupWindow,
    maxBytesPerPartition: config.maxBytesPerPartition,
    topics: {
      commands: config.commandsTopic,
      events: config.eventsTopic,
      trades: config.tradesTopic,
      riskControls: config.riskTopic,
      commandsDlq: config.dlqTopic,
    },
    logger,
    metrics: new ExecutorMetrics(metrics),
    onFatal: (error) => {
      // State may be ahead of Kafka now; a fresh process recovers from snapshot + replay.
      logger.fatal({ err: error.message }, 'executor cannot continue; exiting to recover');
      process.exit(1);
    },
  });
  const app = await NestFactory.create(
    ExecutorAppModule.register({
      serviceName: config.observability.serviceName,
      executor,
      metrics,
      readiness,
      logger,
    }),
    { logger: new PinoNestLogger(logger) },
  );
  // Order matters: unready, stop consuming and let the running round commit, close the pool;
  // then the ops endpoints; telemetry last.
  new GracefulShutdown({
    readiness,
    logger,
    drainDelayMs: Number(process.env['EXECUTOR_DRAIN_DELAY_MS'] ?? 5000),
  })
    .onShutdown('executor', () => executor.stop())
    .onShutdown('nest', () => app.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  // The ops endpoints open before the executor starts: liveness holds during a long replay,
  // readiness stays down until the books are rebuilt.
  await app.listen(config.observability.metricsPort, '0.0.0.0');
  await executor.start();
  logger.info(
    { workers: config.workers, instruments: config.instruments.length, ops: await app.getUrl() },
    'executor started',
  );
}

main().catch((error: unknown) => {
  // The logger may not exist yet (config errors): stderr is the only channel left.
  process.stderr.write(
    `executor failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
