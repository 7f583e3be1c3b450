/**
 * risk-monitor service:
 * `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register apps/risk-monitor/src/main.ts`.
 * Wiring only: RiskMonitor (@meridian/risk-feature-monitor) with its consumers of
 * portfolio.updates.v1 and risk.controls.v1, ops endpoints and graceful shutdown.
 */
// Keep this import first: it starts telemetry before the modules below are loaded.
import { telemetry } from './telemetry.start';
import { migrateRiskMonitorSchema } from '@meridian/risk-data-access';
import { RiskMonitor } from '@meridian/risk-feature-monitor';
import { createKafka } from '@meridian/shared-messaging';
import {
  createLogger,
  GracefulShutdown,
  MetricsRegistry,
  ReadinessRegistry,
  startOpsServer,
} from '@meridian/shared-observability';
import { createPgPool } from '@meridian/shared-persistence';
import { loadRiskMonitorConfig } from './risk-monitor.config';

async function main(): Promise<void> {
  const config = loadRiskMonitorConfig();
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
  if (config.migrate) await migrateRiskMonitorSchema(db, config.schema);
  const monitor = new RiskMonitor({
    db,
    kafka: createKafka({
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      logger,
    }),
    metrics,
    logger,
    topics: {
      positionUpdates: config.updatesTopic,
      riskControls: config.controlsTopic,
      alerts: config.alertsTopic,
    },
    groupId: config.groupId,
    controlsGroupId: `${config.groupId}.controls.${config.instance}`,
    warningFraction: config.warningFraction,
    refreshIntervalMs: config.refreshIntervalMs,
    maxInFlight: config.maxInFlight,
    maxUtilizationAccounts: config.maxUtilizationAccounts,
  });
  readiness.register('postgres', async () => {
    await db.healthCheck(1000);
    return true;
  });
  readiness.register('risk-monitor', () => monitor.readiness());
  const ops = await startOpsServer({
    port: config.observability.metricsPort,
    host: '0.0.0.0',
    metrics,
    readiness,
    logger,
  });
  new GracefulShutdown({ readiness, logger, drainDelayMs: config.drainDelayMs })
    .onShutdown('risk-monitor', () => monitor.stop())
    .onShutdown('ops-server', () => ops.close())
    .onShutdown('postgres', () => db.close())
    .onShutdown('telemetry', () => telemetry.shutdown())
    .listen();
  await monitor.start();
  logger.info({ opsPort: ops.port, instance: config.instance }, 'risk-monitor started');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `risk-monitor failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
