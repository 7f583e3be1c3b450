import { hostname } from 'node:os';
import { Topics } from '@meridian/contracts';
import {
  duration,
  field,
  host,
  kafkaConfig,
  loadConfig,
  observabilityConfig,
  port,
  positiveInt,
  postgresConfig,
  redisConfig,
  text,
} from '@meridian/shared-config';
import { z } from 'zod';

function ttlSeconds(env: string) {
  return field(
    env,
    z
      .string()
      .regex(/^[0-9]+$/)
      .transform(Number)
      .refine(Number.isSafeInteger),
    'a whole number of seconds (0 = always fetch from the source and store)',
  );
}

/** The market data API's configuration, validated at boot. */
export const marketdataApiConfigSchema = {
  kafka: kafkaConfig({ clientId: 'marketdata-api' }),
  postgres: postgresConfig(),
  redis: redisConfig(),
  observability: {
    ...observabilityConfig({ serviceName: 'marketdata-api' }),
    metricsPort: port('METRICS_PORT')
      .default('9471')
      .describe('Port of the ops server: /metrics, /health/live, /health/ready.'),
  },
  grpc: {
    host: host('GRPC_HOST')
      .default('127.0.0.1')
      .describe('Interface of the gRPC server (0.0.0.0 in a pod).'),
    port: port('GRPC_PORT').default('50052').describe('Port of the MarketDataService gRPC server.'),
    graceMs: duration('GRPC_SHUTDOWN_GRACE')
      .default('5s')
      .describe('How long in-flight calls may finish at shutdown.'),
  },
  schema: text('MARKETDATA_API_DB_SCHEMA')
    .default('marketdata')
    .describe('PostgreSQL schema of the market-data tables (written by tick-writer).'),
  barsCacheTtlSeconds: ttlSeconds('MARKETDATA_API_BARS_CACHE_TTL')
    .default('2')
    .describe('GetBars cache TTL in seconds; 0 always reads the database (and stores the answer).'),
  lastPriceCacheTtlSeconds: ttlSeconds('MARKETDATA_API_LAST_PRICE_CACHE_TTL')
    .default('0')
    .describe(
      'GetLastPrice cache TTL in seconds; 0 always reads the live table (and stores the answer).',
    ),
  defaultBarLimit: positiveInt('MARKETDATA_API_DEFAULT_BAR_LIMIT')
    .default('500')
    .describe('Bars returned when a request says limit 0.'),
  maxBarLimit: positiveInt('MARKETDATA_API_MAX_BAR_LIMIT')
    .default('5000')
    .describe('Largest number of bars one response carries (larger limits are capped).'),
  maxRangeBars: positiveInt('MARKETDATA_API_MAX_RANGE_BARS')
    .default('100000')
    .describe(
      'Widest [from, to) a request may span, in bars of its interval (INVALID_ARGUMENT above).',
    ),
  streamMaxSymbols: positiveInt('MARKETDATA_API_STREAM_MAX_SYMBOLS')
    .default('100')
    .describe('Symbols one StreamTicks call may ask for.'),
  streamMaxQueuedTicks: positiveInt('MARKETDATA_API_STREAM_MAX_QUEUED')
    .default('10000')
    .describe('Ticks queued for a slow StreamTicks client before it is cut (RESOURCE_EXHAUSTED).'),
  ticksTopic: text('MARKETDATA_API_TICKS_TOPIC')
    .default(Topics.marketdataTicks.name)
    .describe('Live ticks for StreamTicks.'),
  lastPriceTopic: text('MARKETDATA_API_LAST_PRICE_TOPIC')
    .default(Topics.marketdataLastPrice.name)
    .describe('Compacted last prices for GetLastPrice.'),
  groupPrefix: text('MARKETDATA_API_GROUP_PREFIX')
    .default('marketdata-api')
    .describe('Prefix of the per-replica consumer groups (each replica reads every record).'),
  drainDelayMs: duration('MARKETDATA_API_DRAIN_DELAY')
    .default('5s')
    .describe('Pause between turning unready and draining.'),
  instance: text('MARKETDATA_API_INSTANCE')
    .optional()
    .describe('Shown in logs and group ids. Default: the host name.'),
};

export type MarketdataApiConfig = ReturnType<typeof loadMarketdataApiConfig>;

export function loadMarketdataApiConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(marketdataApiConfigSchema, { appName: 'marketdata-api', env });
  return { ...config, instance: config.instance ?? hostname() };
}
