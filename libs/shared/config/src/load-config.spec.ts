import { isMeridianError, registeredErrorCodes } from '@meridian/shared-errors';
import { ConfigError } from './config.error';
import { type ConfigOutput } from './config-field';
import {
  boolean,
  duration,
  field,
  host,
  list,
  logLevel,
  oneOf,
  port,
  positiveInt,
  text,
  url,
} from './config-fields';
import { kafkaConfig, observabilityConfig, postgresConfig, redisConfig } from './config-fragments';
import { describeConfig, loadConfig, redactConfig } from './load-config';
import { z } from 'zod';

const gatewaySchema = {
  grpcPort: port('GRPC_PORT').default('50051').describe('gRPC listen port.'),
  grpcHost: host('GRPC_HOST'),
  requestTimeoutMs: duration('REQUEST_TIMEOUT').default('250ms'),
  idempotencyTtlMs: duration('IDEMPOTENCY_TTL').default('1m'),
  riskEnabled: boolean('RISK_ENABLED').default('true'),
  maxOpenOrders: positiveInt('MAX_OPEN_ORDERS').default('1000'),
  apiKeyPepper: text('API_KEY_PEPPER').secret().describe('Pepper for hashing agent API keys.'),
  kafka: kafkaConfig({ clientId: 'order-gateway' }),
  postgres: postgresConfig(),
  redis: redisConfig(),
  observability: observabilityConfig({ serviceName: 'order-gateway' }),
};
type GatewayConfig = ConfigOutput<typeof gatewaySchema>;

const MINIMAL_ENV = {
  API_KEY_PEPPER: 'pepper-value-123',
  KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9092',
  DATABASE_URL: 'postgres://gateway:hunter2@db:5432/orders',
};

function loadGateway(env: Record<string, string | undefined>): GatewayConfig {
  return loadConfig(gatewaySchema, { appName: 'order-gateway', env });
}

/** The ConfigError `load` throws; fails the test when it does not throw one. */
function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses a good environment and fills in defaults', () => {
    const config = loadGateway(MINIMAL_ENV);
    expect(config).toEqual({
      grpcPort: 50051,
      grpcHost: '127.0.0.1',
      requestTimeoutMs: 250,
      idempotencyTtlMs: 60_000,
      riskEnabled: true,
      maxOpenOrders: 1000,
      apiKeyPepper: 'pepper-value-123',
      kafka: { brokers: ['kafka-0:9092', 'kafka-1:9092'], clientId: 'order-gateway' },
      postgres: {
        connectionString: 'postgres://gateway:hunter2@db:5432/orders',
        host: '127.0.0.1',
        port: 5432,
        database: undefined,
        user: undefined,
        password: undefined,
      },
      redis: { url: 'redis://127.0.0.1:6379' },
      observability: {
        serviceName: 'order-gateway',
        logLevel: 'info',
        otlpEndpoint: undefined,
        traceSampleRatio: 1,
        metricsPort: 9464,
        healthPort: 8081,
      },
    });
  });

  it('uses set values over defaults', () => {
    const config = loadGateway({
      ...MINIMAL_ENV,
      GRPC_PORT: '6000',
      GRPC_HOST: '0.0.0.0',
      REQUEST_TIMEOUT: '5s',
      IDEMPOTENCY_TTL: '2h',
      RISK_ENABLED: '0',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4317',
      KAFKA_CLIENT_ID: 'gw-1',
      DATABASE_URL: undefined,
      PGHOST: 'db.internal',
      PGPORT: '6432',
      PGDATABASE: 'orders',
      PGUSER: 'gateway',
      PGPASSWORD: 'hunter2',
    });
    expect(config.grpcPort).toBe(6000);
    expect(config.grpcHost).toBe('0.0.0.0');
    expect(config.requestTimeoutMs).toBe(5000);
    expect(config.idempotencyTtlMs).toBe(7_200_000);
    expect(config.riskEnabled).toBe(false);
    expect(config.observability.logLevel).toBe('debug');
    expect(config.observability.otlpEndpoint).toBe('http://otel-collector:4317');
    expect(config.kafka.clientId).toBe('gw-1');
    expect(config.postgres).toEqual({
      connectionString: undefined,
      host: 'db.internal',
      port: 6432,
      database: 'orders',
      user: 'gateway',
      password: 'hunter2',
    });
  });

  it.each(['localhost', 'db.internal', '10.0.0.7', '::1', '[::1]', 'fe80::1', '0.0.0.0'])(
    'accepts host %s',
    (value) => {
      expect(loadGateway({ ...MINIMAL_ENV, GRPC_HOST: value }).grpcHost).toBe(value);
    },
  );

  it('returns a deeply frozen object', () => {
    const config = loadGateway(MINIMAL_ENV);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.kafka)).toBe(true);
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
    expect(Object.isFrozen(config.postgres)).toBe(true);
  });

  it('ignores variables the schema does not name', () => {
    const config = loadGateway({ ...MINIMAL_ENV, PATH: '/usr/bin', GRPC_PORTT: 'typo', HOME: '' });
    expect(config).not.toHaveProperty('PATH');
    expect(config.grpcPort).toBe(50051);
  });

  it('treats an empty value as unset', () => {
    expect(loadGateway({ ...MINIMAL_ENV, GRPC_PORT: '' }).grpcPort).toBe(50051);
    expect(configErrorOf(() => loadGateway({ ...MINIMAL_ENV, KAFKA_BROKERS: '' })).issues).toEqual([
      { variable: 'KAFKA_BROKERS', reason: 'required' },
    ]);
  });

  it('reports every bad and missing variable at once, in schema order', () => {
    const error = configErrorOf(() =>
      loadGateway({ GRPC_PORT: 'abc', REQUEST_TIMEOUT: '5 seconds', LOG_LEVEL: 'verbose' }),
    );
    expect(error.message).toBe(
      [
        'order-gateway config invalid:',
        '  - GRPC_PORT: expected integer 1..65535, got "abc"',
        '  - REQUEST_TIMEOUT: expected a duration like 250ms, 5s, 1m or 2h, got "5 seconds"',
        '  - API_KEY_PEPPER: required',
        '  - KAFKA_BROKERS: required',
        '  - PGDATABASE: required unless DATABASE_URL is set',
        '  - PGUSER: required unless DATABASE_URL is set',
        '  - LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
      ].join('\n'),
    );
    expect(error.metadata).toEqual({
      appName: 'order-gateway',
      variables:
        'GRPC_PORT,REQUEST_TIMEOUT,API_KEY_PEPPER,KAFKA_BROKERS,PGDATABASE,PGUSER,LOG_LEVEL',
    });
  });

  it('is a MeridianError with code CONFIG_INVALID and category invalid-argument', () => {
    const error = configErrorOf(() => loadGateway({}));
    expect(isMeridianError(error)).toBe(true);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.category).toBe('invalid-argument');
    expect(error.name).toBe('ConfigError');
    expect(registeredErrorCodes().get('CONFIG_INVALID')).toBe('ConfigError');
  });

  it.each([
    ['GRPC_PORT', '0', 'expected integer 1..65535, got "0"'],
    ['GRPC_PORT', '65536', 'expected integer 1..65535, got "65536"'],
    ['GRPC_PORT', '80.5', 'expected integer 1..65535, got "80.5"'],
    ['GRPC_PORT', ' 80', 'expected integer 1..65535, got " 80"'],
    ['GRPC_HOST', 'http://api', 'expected a host name or IP address, got "http://api"'],
    ['GRPC_HOST', 'bad host', 'expected a host name or IP address, got "bad host"'],
    ['GRPC_HOST', '[::1', 'expected a host name or IP address, got "[::1"'],
    ['GRPC_HOST', '-api', 'expected a host name or IP address, got "-api"'],
    ['REQUEST_TIMEOUT', '250', 'expected a duration like 250ms, 5s, 1m or 2h, got "250"'],
    ['REQUEST_TIMEOUT', '1.5s', 'expected a duration like 250ms, 5s, 1m or 2h, got "1.5s"'],
    ['REQUEST_TIMEOUT', '-5s', 'expected a duration like 250ms, 5s, 1m or 2h, got "-5s"'],
    ['RISK_ENABLED', 'yes', 'expected true, false, 1 or 0, got "yes"'],
    ['RISK_ENABLED', 'TRUE', 'expected true, false, 1 or 0, got "TRUE"'],
    ['MAX_OPEN_ORDERS', '0', 'expected a positive integer, got "0"'],
    ['MAX_OPEN_ORDERS', '-3', 'expected a positive integer, got "-3"'],
    ['MAX_OPEN_ORDERS', '1e3', 'expected a positive integer, got "1e3"'],
    [
      'MAX_OPEN_ORDERS',
      '99999999999999999999',
      'expected a positive integer, got "99999999999999999999"',
    ],
    [
      'KAFKA_BROKERS',
      'kafka-0:9092,,kafka-1:9092',
      'expected a comma-separated list of host:port, got "kafka-0:9092,,kafka-1:9092"',
    ],
    ['KAFKA_BROKERS', 'kafka-0', 'expected a comma-separated list of host:port, got "kafka-0"'],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'otel:4317',
      'expected an absolute http or https URL, got "otel:4317"',
    ],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'not a url',
      'expected an absolute http or https URL, got "not a url"',
    ],
    ['METRICS_PORT', 'http', 'expected integer 1..65535, got "http"'],
  ])('names %s when it is %j', (variable, value, reason) => {
    const load = (): GatewayConfig => loadGateway({ ...MINIMAL_ENV, [variable]: value });
    expect(configErrorOf(load).issues).toEqual([{ variable, reason }]);
  });

  it('never prints secret values, only that they are bad', () => {
    const error = configErrorOf(() =>
      loadGateway({
        ...MINIMAL_ENV,
        DATABASE_URL: 'mysql://gateway:hunter2@db/orders',
        REDIS_URL: 'http://:s3cr3t-redis@cache:6379',
      }),
    );
    expect(error.issues).toEqual([
      {
        variable: 'DATABASE_URL',
        reason: 'expected an absolute postgres or postgresql URL, got <redacted>',
      },
      { variable: 'REDIS_URL', reason: 'expected an absolute redis or rediss URL, got <redacted>' },
    ]);
    expect(error.message).not.toMatch(/hunter2|s3cr3t/);
    expect(JSON.stringify(error.metadata)).not.toMatch(/hunter2|s3cr3t/);
  });

  it('reports a default that its own parser refuses (a schema bug) instead of using it', () => {
    const schema = { timeout: duration('TIMEOUT').default('5 sec') };
    expect(configErrorOf(() => loadConfig(schema, { appName: 'x', env: {} })).issues).toEqual([
      {
        variable: 'TIMEOUT',
        reason: 'invalid default: expected a duration like 250ms, 5s, 1m or 2h, got "5 sec"',
      },
    ]);
  });

  it('refuses a schema that reads one variable twice', () => {
    const schema = { a: port('PORT'), nested: { b: port('PORT') } };
    expect(() => loadConfig(schema, { appName: 'x', env: { PORT: '1' } })).toThrow(
      'config schema reads PORT twice (a and nested.b)',
    );
  });

  it('refuses variable names that are not UPPER_SNAKE_CASE', () => {
    expect(() => port('grpc-port')).toThrow(/UPPER_SNAKE_CASE/);
  });

  it('reads process.env when no env is given', () => {
    const schema = { home: text('MERIDIAN_CONFIG_SPEC_VAR') };
    process.env.MERIDIAN_CONFIG_SPEC_VAR = 'from-process';
    try {
      expect(loadConfig(schema, { appName: 'x' }).home).toBe('from-process');
    } finally {
      delete process.env.MERIDIAN_CONFIG_SPEC_VAR;
    }
  });

  it('parses custom fields with their own zod schema and zod message', () => {
    const schema = {
      ratio: field('RATIO', z.string().regex(/^0\.[0-9]+$/, { error: 'expected a fraction 0.x' })),
      mode: oneOf('MODE', ['paper', 'live']).default('paper'),
      seeds: list('SEEDS'),
      region: url('CALLBACK_URL').optional(),
    };
    expect(loadConfig(schema, { appName: 'x', env: { RATIO: '0.25', SEEDS: 'a' } })).toEqual({
      ratio: '0.25',
      mode: 'paper',
      seeds: ['a'],
      region: undefined,
    });
    expect(
      configErrorOf(() =>
        loadConfig(schema, { appName: 'x', env: { RATIO: '2', SEEDS: 'a', MODE: 'Live' } }),
      ).issues,
    ).toEqual([
      { variable: 'RATIO', reason: 'expected a fraction 0.x, got "2"' },
      { variable: 'MODE', reason: 'expected one of paper, live, got "Live"' },
    ]);
    expect(logLevel('LVL').defaultValue).toBe('info');
  });
});

describe('redactConfig', () => {
  it('replaces set secrets, keeps everything else', () => {
    const config = loadGateway({ ...MINIMAL_ENV, PGPASSWORD: 'pw' });
    const safe = redactConfig(gatewaySchema, config);
    expect(safe).toMatchObject({
      grpcPort: 50051,
      apiKeyPepper: '<redacted>',
      postgres: { connectionString: '<redacted>', password: '<redacted>', port: 5432 },
      redis: { url: '<redacted>' },
      kafka: { brokers: ['kafka-0:9092', 'kafka-1:9092'] },
    });
    expect(JSON.stringify(safe)).not.toMatch(/hunter2|pepper-value/);
  });
});

describe('describeConfig', () => {
  it('lists every variable with its description, expectation, default and flags', () => {
    const variables = describeConfig(gatewaySchema);
    expect(variables.map((variable) => variable.name)).toEqual([
      'GRPC_PORT',
      'GRPC_HOST',
      'REQUEST_TIMEOUT',
      'IDEMPOTENCY_TTL',
      'RISK_ENABLED',
      'MAX_OPEN_ORDERS',
      'API_KEY_PEPPER',
      'KAFKA_BROKERS',
      'KAFKA_CLIENT_ID',
      'DATABASE_URL',
      'PGHOST',
      'PGPORT',
      'PGDATABASE',
      'PGUSER',
      'PGPASSWORD',
      'REDIS_URL',
      'SERVICE_NAME',
      'LOG_LEVEL',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'TRACE_SAMPLE_RATIO',
      'METRICS_PORT',
      'HEALTH_PORT',
    ]);
    expect(variables[0]).toEqual({
      name: 'GRPC_PORT',
      description: 'gRPC listen port.',
      expected: 'integer 1..65535',
      default: '50051',
      required: false,
      secret: false,
    });
    const byName = new Map(variables.map((variable) => [variable.name, variable]));
    expect(byName.get('API_KEY_PEPPER')).toMatchObject({ required: true, secret: true });
    expect(byName.get('KAFKA_BROKERS')).toMatchObject({ required: true, default: undefined });
    expect(byName.get('DATABASE_URL')).toMatchObject({ required: false, secret: true });
    expect(byName.get('GRPC_HOST')?.default).toBe('127.0.0.1');
  });
});
