import { hostname } from 'node:os';
import { Topics } from '@meridian/contracts';
import {
  boolean,
  duration,
  kafkaConfig,
  loadConfig,
  observabilityConfig,
  positiveInt,
  postgresConfig,
  text,
} from '@meridian/shared-config';

/** The order-store's configuration, validated at boot. */
export const orderStoreConfigSchema = {
  kafka: kafkaConfig({ clientId: 'order-store' }),
  postgres: postgresConfig(),
  observability: observabilityConfig({ serviceName: 'order-store' }),
  schema: text('ORDER_STORE_DB_SCHEMA')
    .default('public')
    .describe('PostgreSQL schema of the order tables (shared with the gateway).'),
  migrate: boolean('ORDER_STORE_MIGRATE')
    .default('true')
    .describe('Apply the gateway migrations at boot (idempotent; the tables are shared).'),
  eventsTopic: text('ORDER_STORE_EVENTS_TOPIC')
    .default(Topics.ordersEvents.name)
    .describe('Execution reports to persist.'),
  groupId: text('ORDER_STORE_GROUP_ID')
    .default('order-store')
    .describe('Consumer group (shared by the replicas: each report is stored once).'),
  maxInFlight: positiveInt('ORDER_STORE_MAX_IN_FLIGHT')
    .default('32')
    .describe('Reports handled at once (one symbol at a time each).'),
  drainDelayMs: duration('ORDER_STORE_DRAIN_DELAY')
    .default('5s')
    .describe('Pause between turning unready and draining.'),
  instance: text('ORDER_STORE_INSTANCE')
    .optional()
    .describe('Shown in logs. Default: the host name.'),
};

export type OrderStoreConfig = ReturnType<typeof loadOrderStoreConfig>;

export function loadOrderStoreConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(orderStoreConfigSchema, { appName: 'order-store', env });
  // Host-dependent defaults are resolved here, not in the schema, so generated docs stay stable.
  return { ...config, instance: config.instance ?? hostname() };
}
