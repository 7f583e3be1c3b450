import { hostname } from 'node:os';
import { Topics } from '@meridian/contracts';
import {
  boolean,
  duration,
  field,
  host,
  kafkaConfig,
  loadConfig,
  observabilityConfig,
  oneOf,
  port,
  positiveInt,
  postgresConfig,
  redisConfig,
  text,
} from '@meridian/shared-config';
import { z } from 'zod';

/** Integer basis points, 0..10000 (fees are never floats). */
const bps = (env: string) =>
  field(
    env,
    z
      .string()
      .regex(/^(0|[1-9][0-9]{0,4})$/)
      .transform(Number)
      .refine((n) => n <= 10_000),
    'integer basis points 0..10000',
  );

/** The portfolio service's configuration, validated at boot (docs/configuration.md lists it). */
export const portfolioConfigSchema = {
  grpc: {
    host: host('GRPC_HOST').describe(
      'Interface of the PortfolioService gRPC server (0.0.0.0 in a pod).',
    ),
    port: port('GRPC_PORT').default('50053').describe('Port of the PortfolioService gRPC server.'),
    graceMs: duration('GRPC_SHUTDOWN_GRACE')
      .default('5s')
      .describe('How long in-flight calls may finish at shutdown before they are cut.'),
  },
  kafka: kafkaConfig({ clientId: 'portfolio' }),
  postgres: postgresConfig(),
  redis: redisConfig(),
  observability: {
    ...observabilityConfig({ serviceName: 'portfolio' }),
    metricsPort: port('METRICS_PORT')
      .default('9470')
      .describe('Port of the ops endpoints (/metrics, /health/live, /health/ready).'),
  },
  schema: text('PORTFOLIO_DB_SCHEMA')
    .default('public')
    .describe('PostgreSQL schema of the portfolio tables.'),
  ledgerSchema: text('PORTFOLIO_LEDGER_SCHEMA')
    .default('public')
    .describe(
      "Schema of the order-store's executions ledger (executions, orders) read by rebuild and reconciliation.",
    ),
  migrate: boolean('PORTFOLIO_MIGRATE')
    .default('true')
    .describe('Apply the portfolio migrations at boot (idempotent).'),
  eventsTopic: text('PORTFOLIO_EVENTS_TOPIC')
    .default(Topics.ordersEvents.name)
    .describe('Execution reports (fills) to apply.'),
  ticksTopic: text('PORTFOLIO_TICKS_TOPIC')
    .default(Topics.marketdataTicks.name)
    .describe('Ticks whose last price (else bid/ask mid) marks positions.'),
  updatesTopic: text('PORTFOLIO_UPDATES_TOPIC')
    .default(Topics.portfolioUpdates.name)
    .describe('Where PositionUpdates are published (keyed by account).'),
  controlsTopic: text('PORTFOLIO_CONTROLS_TOPIC')
    .default(Topics.riskControls.name)
    .describe('Where the reconciliation publishes REDUCING for mismatched accounts.'),
  fillsGroupId: text('PORTFOLIO_GROUP_ID')
    .default('portfolio')
    .describe(
      'Consumer group of the fill consumer (run one active instance: state is per process).',
    ),
  marksGroupId: text('PORTFOLIO_MARKS_GROUP_ID')
    .default('portfolio-marks')
    .describe('Consumer group of the mark (tick) consumer.'),
  markThrottleMs: duration('PORTFOLIO_MARK_THROTTLE')
    .default('250ms')
    .describe(
      'At most one mark-driven PositionUpdate per account and symbol per this interval (0ms: every tick).',
    ),
  defaultStartingCash: field(
    'PORTFOLIO_DEFAULT_STARTING_CASH',
    z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]{1,16})?$/),
    'a non-negative decimal',
  )
    .default('1000000')
    .describe(
      'Starting cash of an account first seen in a fill (portfolio_accounts.starting_cash).',
    ),
  currency: field('PORTFOLIO_CURRENCY', z.string().regex(/^[A-Z]{3}$/), 'an ISO 4217 code')
    .default('USD')
    .describe('Currency of an account first seen in a fill.'),
  makerFeeBps: bps('PORTFOLIO_FEE_MAKER_BPS')
    .default('0')
    .describe(
      'Fee of a maker fill in basis points of its notional (fills carry no fee on the wire).',
    ),
  takerFeeBps: bps('PORTFOLIO_FEE_TAKER_BPS')
    .default('0')
    .describe('Fee of a taker (or unspecified) fill in basis points of its notional.'),
  updateGranularity: oneOf('PORTFOLIO_UPDATE_GRANULARITY', ['position', 'fill'])
    .default('position')
    .describe(
      'PositionUpdates per fill batch: one per position changed, as of its last fill (ADR 0015), or one per fill.',
    ),
  pipelineDepth: positiveInt('PORTFOLIO_PIPELINE_DEPTH')
    .default('2')
    .describe(
      'Fill batches in flight: the next is applied in memory while earlier ones are written and published.',
    ),
  maxBatchBytes: positiveInt('PORTFOLIO_MAX_BATCH_BYTES')
    .default('1048576')
    .describe(
      'Largest fetch per partition, which bounds a fill batch (one PostgreSQL statement each).',
    ),
  redisPrefix: text('PORTFOLIO_REDIS_PREFIX')
    .default('portfolio')
    .describe('Key prefix of the Redis hot view (`<prefix>:{account}:positions`, `...:account`).'),
  drainDelayMs: duration('PORTFOLIO_DRAIN_DELAY')
    .default('5s')
    .describe('Pause between turning unready and draining.'),
  instance: text('PORTFOLIO_INSTANCE')
    .optional()
    .describe('Shown in logs. Default: the host name.'),
};

export type PortfolioConfig = ReturnType<typeof loadPortfolioConfig>;

export function loadPortfolioConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(portfolioConfigSchema, { appName: 'portfolio', env });
  // Host-dependent defaults are resolved here, not in the schema, so generated docs stay stable.
  return { ...config, instance: config.instance ?? hostname() };
}
