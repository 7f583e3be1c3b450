import { hostname } from 'node:os';
import { Topics } from '@meridian/contracts';
import {
  boolean,
  duration,
  kafkaConfig,
  loadConfig,
  observabilityConfig,
  oneOf,
  port,
  positiveInt,
  postgresConfig,
  text,
} from '@meridian/shared-config';

/** The tick-writer's configuration, validated at boot. */
export const tickWriterConfigSchema = {
  kafka: kafkaConfig({ clientId: 'tick-writer' }),
  postgres: postgresConfig(),
  observability: {
    ...observabilityConfig({ serviceName: 'tick-writer' }),
    metricsPort: port('METRICS_PORT')
      .default('9469')
      .describe('Port of the ops server: /metrics, /health/live, /health/ready.'),
  },
  schema: text('TICK_WRITER_DB_SCHEMA')
    .default('marketdata')
    .describe('PostgreSQL schema of the market-data tables (shared with marketdata-api).'),
  migrate: boolean('TICK_WRITER_MIGRATE')
    .default('true')
    .describe('Apply the market-data migrations at boot (idempotent; detects TimescaleDB).'),
  ticksTopic: text('TICK_WRITER_TICKS_TOPIC')
    .default(Topics.marketdataTicks.name)
    .describe('Ticks to store.'),
  groupId: text('TICK_WRITER_GROUP_ID')
    .default('tick-writer')
    .describe('Consumer group (shared by the replicas: each tick is stored once).'),
  maxBatchTicks: positiveInt('TICK_WRITER_MAX_BATCH_TICKS')
    .default('50000')
    .describe('Largest batch: records per database transaction.'),
  maxBatchDelayMs: duration('TICK_WRITER_MAX_BATCH_DELAY')
    .default('250ms')
    .describe(
      'How long records of a partition wait for a fuller batch (big batches cut the per-tick database cost; the ingest-lag SLO is 5 s).',
    ),
  partitionsConcurrently: positiveInt('TICK_WRITER_PARTITIONS_CONCURRENTLY')
    .default('2')
    .describe('Partitions written at once (one database connection each).'),
  copyStrategy: oneOf('TICK_WRITER_COPY_STRATEGY', ['staging', 'direct'] as const)
    .default('direct')
    .describe(
      'direct (measured faster): COPY into ticks, the staging path only after a conflict (a replay); staging: always COPY into a temp table, then INSERT ... ON CONFLICT DO NOTHING.',
    ),
  partitionsAheadDays: positiveInt('TICK_WRITER_PARTITIONS_AHEAD_DAYS')
    .default('3')
    .describe('Daily tick partitions kept created ahead of today (plain PostgreSQL).'),
  retentionDays: positiveInt('TICK_WRITER_RETENTION_DAYS')
    .default('90')
    .describe(
      'Tick partitions older than this are dropped (plain PostgreSQL; TimescaleDB has its own policy).',
    ),
  maintenanceIntervalMs: duration('TICK_WRITER_MAINTENANCE_INTERVAL')
    .default('1h')
    .describe('How often partitions ahead are created and old ones dropped.'),
  drainDelayMs: duration('TICK_WRITER_DRAIN_DELAY')
    .default('5s')
    .describe('Pause between turning unready and draining.'),
  instance: text('TICK_WRITER_INSTANCE')
    .optional()
    .describe('Shown in logs. Default: the host name.'),
};

export type TickWriterConfig = ReturnType<typeof loadTickWriterConfig>;

export function loadTickWriterConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(tickWriterConfigSchema, { appName: 'tick-writer', env });
  return { ...config, instance: config.instance ?? hostname() };
}
