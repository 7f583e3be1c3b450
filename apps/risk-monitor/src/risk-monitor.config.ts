import { hostname } from 'node:os';
import { Topics } from '@meridian/contracts';
import {
  boolean,
  duration,
  field,
  kafkaConfig,
  loadConfig,
  observabilityConfig,
  positiveInt,
  postgresConfig,
  text,
} from '@meridian/shared-config';
import { z } from 'zod';

// A percentage strictly between 0 and 100 with at most 4 decimals, e.g. "80" or "87.5".
const PERCENT = /^(?:[1-9][0-9]?|0)(?:\.[0-9]{1,4})?$/;

/** The early-warning point as an exact fraction of each limit ("80" -> 80/100). */
const warningPercent = z
  .string()
  .regex(PERCENT)
  .refine((value) => Number(value) > 0)
  .transform((value) => {
    const [whole = '0', fraction = ''] = value.split('.');
    return { n: BigInt(whole + fraction), d: 100n * 10n ** BigInt(fraction.length) };
  });

/** The risk-monitor's configuration, validated at boot. */
export const riskMonitorConfigSchema = {
  kafka: kafkaConfig({ clientId: 'risk-monitor' }),
  postgres: postgresConfig(),
  observability: observabilityConfig({ serviceName: 'risk-monitor' }),
  schema: text('RISK_MONITOR_DB_SCHEMA')
    .default('public')
    .describe('PostgreSQL schema of the risk-monitor tables (its own tables, no shared ones).'),
  migrate: boolean('RISK_MONITOR_MIGRATE')
    .default('true')
    .describe('Apply the risk-monitor migrations at boot (idempotent).'),
  updatesTopic: text('RISK_MONITOR_UPDATES_TOPIC')
    .default(Topics.portfolioUpdates.name)
    .describe('Position updates (with the account valuation) to evaluate.'),
  controlsTopic: text('RISK_MONITOR_CONTROLS_TOPIC')
    .default(Topics.riskControls.name)
    .describe('Trading states: published on a breach, read for human resets.'),
  alertsTopic: text('RISK_MONITOR_ALERTS_TOPIC')
    .default(Topics.alerts.name)
    .describe('Where breach and early-warning alerts go.'),
  groupId: text('RISK_MONITOR_GROUP_ID')
    .default('risk-monitor')
    .describe(
      'Consumer group of the position updates (shared by replicas); the controls group is `<group>.controls.<instance>`.',
    ),
  warningFraction: field('RISK_MONITOR_WARNING_PCT', warningPercent, 'a percentage 0 < p < 100')
    .default('80')
    .describe('Early warning (WARNING alert, once per limit per UTC day) at this % of a limit.'),
  refreshIntervalMs: duration('RISK_MONITOR_REFRESH_INTERVAL')
    .default('5s')
    .describe('How often limits are reloaded from PostgreSQL and the outbox is retried.'),
  maxInFlight: positiveInt('RISK_MONITOR_MAX_IN_FLIGHT')
    .default('16')
    .describe('Position updates evaluated at once (one account at a time each).'),
  maxUtilizationAccounts: positiveInt('RISK_MONITOR_MAX_UTILIZATION_ACCOUNTS')
    .default('1000')
    .describe(
      'Cap on accounts with risk_limit_utilization_ratio series (accounts with own limits).',
    ),
  drainDelayMs: duration('RISK_MONITOR_DRAIN_DELAY')
    .default('5s')
    .describe('Pause between turning unready and draining.'),
  instance: text('RISK_MONITOR_INSTANCE')
    .optional()
    .describe('Names this replica (logs, controls consumer group). Default: the host name.'),
};

export type RiskMonitorConfig = ReturnType<typeof loadRiskMonitorConfig>;

export function loadRiskMonitorConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(riskMonitorConfigSchema, { appName: 'risk-monitor', env });
  // Host-dependent defaults are resolved here, not in the schema, so generated docs stay stable.
  return { ...config, instance: config.instance ?? hostname() };
}

/** What the limits CLI needs: the database only. */
export const limitsCliConfigSchema = {
  postgres: postgresConfig(),
  schema: riskMonitorConfigSchema.schema,
};
