import { hostname } from 'node:os';
import { Topics } from '@meridian/contracts';
import type { InstrumentRecord } from '@meridian/orders-data-access';
import { OrderIdGenerator } from '@meridian/orders-feature-gateway';
import {
  boolean,
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

const decimal = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/);
const instrumentSeed = z.array(
  z.object({
    symbol: z.string(),
    tickSize: decimal,
    lotSize: decimal,
    minPrice: decimal,
    maxPrice: decimal,
    currencyDecimals: z.number().int().min(0).max(18),
    referencePrice: decimal.optional(),
  }),
);

const instruments = field<InstrumentRecord[]>(
  'GATEWAY_INSTRUMENTS_SEED',
  z.string().transform((json, ctx) => {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
    const parsed = instrumentSeed.safeParse(raw);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: parsed.error.message });
      return z.NEVER;
    }
    return parsed.data.map(({ referencePrice, ...spec }) => ({
      spec,
      referencePrice: referencePrice ?? null,
    }));
  }),
  'a JSON array of {symbol, tickSize, lotSize, minPrice, maxPrice, currencyDecimals, referencePrice?}',
);

/** The order gateway's configuration, validated at boot (docs/configuration.md lists it). */
export const orderGatewayConfigSchema = {
  grpc: {
    host: host('GRPC_HOST').describe('Interface of the gRPC server (0.0.0.0 in a pod).'),
    port: port('GRPC_PORT').default('50051').describe('Port of the gRPC server.'),
    graceMs: duration('GRPC_SHUTDOWN_GRACE')
      .default('10s')
      .describe('How long in-flight calls may finish at shutdown before they are cut.'),
    reflection: boolean('GRPC_REFLECTION')
      .default('true')
      .describe('Serve gRPC server reflection (grpcurl, Postman).'),
  },
  kafka: kafkaConfig({ clientId: 'order-gateway' }),
  postgres: postgresConfig(),
  redis: redisConfig(),
  observability: observabilityConfig({ serviceName: 'order-gateway' }),
  schema: text('GATEWAY_DB_SCHEMA')
    .default('public')
    .describe('PostgreSQL schema of the gateway tables (isolated test runs use their own).'),
  migrate: boolean('GATEWAY_MIGRATE')
    .default('true')
    .describe(
      'Apply the gateway migrations at boot (idempotent, safe across replicas); false when a release job does it.',
    ),
  redisPrefix: text('GATEWAY_REDIS_PREFIX')
    .default('mrd:gw:')
    .describe('Prefix of every Redis key of the pre-trade risk state.'),
  commandsTopic: text('GATEWAY_COMMANDS_TOPIC')
    .default(Topics.ordersCommands.name)
    .describe('Where accepted commands are published.'),
  eventsTopic: text('GATEWAY_EVENTS_TOPIC')
    .default(Topics.ordersEvents.name)
    .describe('Execution reports consumed for risk state and streams.'),
  eventsGroup: text('GATEWAY_EVENTS_GROUP')
    .optional()
    .describe(
      'Consumer group of the events consumer; one per replica (every replica needs every report). Default: order-gateway-events-<host name>.',
    ),
  riskControlsTopic: text('GATEWAY_RISK_CONTROLS_TOPIC')
    .default(Topics.riskControls.name)
    .describe(
      'Trading-state changes: AdminService publishes here; every control is applied to PostgreSQL (with its audit record) and Redis.',
    ),
  riskControlsGroup: text('GATEWAY_RISK_CONTROLS_GROUP')
    .default('order-gateway-risk-controls')
    .describe(
      'Consumer group applying risk.controls (one for all replicas: the state it writes is shared).',
    ),
  marketPricesTopic: text('GATEWAY_MARKET_PRICES_TOPIC')
    .default(Topics.marketdataLastPrice.name)
    .describe(
      'Market last prices (compacted): the price band is centred on them until a symbol trades on the platform.',
    ),
  marketPricesGroup: text('GATEWAY_MARKET_PRICES_GROUP')
    .optional()
    .describe(
      'Consumer group of the market prices consumer; one per process start (the whole compacted topic is re-read). Default: order-gateway-prices-<host name>-<pid>-<start time>.',
    ),
  eventsBatchSize: positiveInt('GATEWAY_EVENTS_BATCH_SIZE')
    .default('500')
    .describe(
      'Execution reports applied per round trip (one INSERT into the replay log, one Redis pipeline), in partition order.',
    ),
  eventsFromBeginning: boolean('GATEWAY_EVENTS_FROM_BEGINNING')
    .default('false')
    .describe('Where a new events group starts (true: replay the whole topic).'),
  instrumentsSeed: instruments
    .optional()
    .describe(
      'Instruments upserted into the instruments table at boot (the catalog source is the table).',
    ),
  maxStreamBuffer: positiveInt('GATEWAY_MAX_STREAM_BUFFER')
    .default('10000')
    .describe('Events a slow execution-report stream may fall behind before it is ended.'),
  authCacheTtlMs: positiveInt('GATEWAY_AUTH_CACHE_TTL_MS')
    .default('5000')
    .describe('How long an API-key verification is reused (a revocation takes this long).'),
  nodeId: field(
    'GATEWAY_NODE_ID',
    z
      .string()
      .regex(/^(0|[1-9][0-9]?)$/)
      .transform(Number)
      .refine((n) => n <= 63),
    'integer 0..63',
  )
    .optional()
    .describe(
      'Node id 0..63 inside order ids; unique per replica (the pod ordinal). Default: a hash of the host name.',
    ),
  publishLingerMs: duration('GATEWAY_PUBLISH_LINGER')
    .default('0ms')
    .describe(
      'How long a command waits for others to share its produce request (0: only those submitted in the same event-loop turn).',
    ),
  publishMaxBatch: positiveInt('GATEWAY_PUBLISH_MAX_BATCH')
    .default('500')
    .describe('Most commands in one produce request; a full batch is sent at once.'),
  drainDelayMs: duration('GATEWAY_DRAIN_DELAY')
    .default('5s')
    .describe('Pause between turning unready and draining (endpoint removal in Kubernetes).'),
};

export type OrderGatewayConfig = ReturnType<typeof loadOrderGatewayConfig>;

export function loadOrderGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(orderGatewayConfigSchema, { appName: 'order-gateway', env });
  // Host-dependent defaults are resolved here, not in the schema, so generated docs stay stable.
  return {
    ...config,
    eventsGroup: config.eventsGroup ?? `order-gateway-events-${hostname()}`,
    marketPricesGroup:
      config.marketPricesGroup ?? `order-gateway-prices-${hostname()}-${process.pid}-${Date.now()}`,
    nodeId: config.nodeId ?? OrderIdGenerator.nodeIdFromHostname(),
  };
}
