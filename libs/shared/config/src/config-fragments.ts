import { ConfigGroup, type ConfigOutput } from './config-field';
import { z } from 'zod';
import { field, HOST_PORT, host, list, logLevel, port, text, url } from './config-fields';

/** Kafka connection: KAFKA_BROKERS (required) and KAFKA_CLIENT_ID. */
export function kafkaConfig(options: { clientId?: string } = {}) {
  const clientId = text('KAFKA_CLIENT_ID').describe(
    'Kafka client id (shows in broker logs and quotas).',
  );
  return {
    brokers: list('KAFKA_BROKERS', { item: HOST_PORT }).describe(
      'Bootstrap brokers, comma-separated host:port.',
    ),
    clientId: options.clientId === undefined ? clientId : clientId.default(options.clientId),
  };
}
export type KafkaConfig = ConfigOutput<ReturnType<typeof kafkaConfig>>;

const postgresShape = {
  connectionString: url('DATABASE_URL', ['postgres', 'postgresql'])
    .optional()
    .secret()
    .describe('Full connection URL; when set, pg uses it over the PG* variables.'),
  host: host('PGHOST').describe('PostgreSQL host.'),
  port: port('PGPORT').default('5432').describe('PostgreSQL port.'),
  database: text('PGDATABASE')
    .optional()
    .describe('Database name (required without DATABASE_URL).'),
  user: text('PGUSER').optional().describe('User name (required without DATABASE_URL).'),
  password: text('PGPASSWORD')
    .optional()
    .secret()
    .describe('Password (local only; Vault in clusters).'),
};

/**
 * PostgreSQL connection from the libpq variables or DATABASE_URL. The output has the
 * property names of `pg.PoolConfig`, so it can be spread into `new Pool(...)`.
 */
export function postgresConfig(): ConfigGroup<typeof postgresShape> {
  return new ConfigGroup(postgresShape, (values) => {
    if (values.connectionString !== undefined) return [];
    const reason = 'required unless DATABASE_URL is set';
    return [
      ...(values.database === undefined ? [{ variable: 'PGDATABASE', reason }] : []),
      ...(values.user === undefined ? [{ variable: 'PGUSER', reason }] : []),
    ];
  });
}
export type PostgresConfig = ConfigOutput<typeof postgresShape>;

/** Redis connection URL (may carry a password, hence secret). */
export function redisConfig() {
  return {
    url: url('REDIS_URL', ['redis', 'rediss'])
      .default('redis://127.0.0.1:6379')
      .secret()
      .describe('Redis URL, redis:// or rediss:// (TLS).'),
  };
}
export type RedisConfig = ConfigOutput<ReturnType<typeof redisConfig>>;

/** Logging, metrics, health and tracing settings every service has. */
export function observabilityConfig(options: { serviceName: string }) {
  return {
    serviceName: text('SERVICE_NAME')
      .default(options.serviceName)
      .describe('Service name in logs, metrics and traces.'),
    logLevel: logLevel('LOG_LEVEL').describe('Minimum log level.'),
    otlpEndpoint: url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http', 'https'])
      .optional()
      .describe('OTLP collector endpoint; tracing is off when unset.'),
    traceSampleRatio: field(
      'TRACE_SAMPLE_RATIO',
      z
        .string()
        .regex(/^(0(\.[0-9]+)?|1(\.0+)?)$/)
        .transform(Number),
      'a ratio from 0 to 1',
    )
      .default('1')
      .describe(
        'Share of new traces recorded (parent-based: a sampled caller is always followed). Lower it on hot paths.',
      ),
    metricsPort: port('METRICS_PORT').default('9464').describe('Port of the /metrics endpoint.'),
    healthPort: port('HEALTH_PORT')
      .default('8081')
      .describe('Port of the liveness/readiness endpoints.'),
  };
}
export type ObservabilityConfig = ConfigOutput<ReturnType<typeof observabilityConfig>>;
