/**
 * Executor service: `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/executor/src/main.ts`
 * (or `npx nx run executor:serve`). Wiring only; the code is in @meridian/orders-feature-execution.
 */
import { Executor, ExecutorMetrics, FileSnapshotStore } from '@meridian/orders-feature-execution';
import { createKafka } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  MetricsRegistry,
  ReadinessRegistry,
  startOpsServer,
  startTelemetry,
} from '@meridian/shared-observability';

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
  readiness.register('executor', () => ({
    up: executor.isReady(),
    details: { failure: executor.failure()?.message },
  }));
  const ops = await startOpsServer({
    port: config.observability.metricsPort,
    host: '0.0.0.0',
    metrics,
    readiness,
    logger,
  });
  new GracefulShutdown({
    readiness,
    logger,
    drainDelayMs: Number(process.env['EXECUTOR_DRAIN_DELAY_MS'] ?? 5000),
  })
    .onShutdown('executor', () => executor.stop())
    .onShutdown('ops-server', () => ops.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  await executor.start();
  logger.info(
    { workers: config.workers, instruments: config.instruments.length, opsPort: ops.port },
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
