/**
 * The order platform on this machine: the Kafka dev broker (started if needed), its own topics
 * per run, a fresh PostgreSQL schema and Redis prefix, and the services as child processes the
 * way they run in production. Used by the demo (`npm start`) and the end-to-end benchmarks, so
 * both run exactly the same wiring.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { dlqTopicOf, Topics } from '@meridian/contracts';
import { AdminClient, type RiskLimitsInput } from '@meridian/orders-client';
import { AccountsRepository, ApiKeyHasher, ApiKeysRepository } from '@meridian/orders-data-access';
import { createPgPool } from '@meridian/shared-persistence';
import {
  createTopics,
  deleteTopics,
  ensureDatabase,
  ensureKafka,
  type LocalKafka,
} from './local-stack';
import { ServiceProcess, type ServiceSpec } from './service.process';

export const ROOT = resolve(__dirname, '..', '..');
export const LOCAL_DB = {
  host: '127.0.0.1',
  port: 5432,
  user: 'postgres',
  database: 'meridian',
} as const;
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** An instrument as the executor and the gateway's catalog seed both take it. */
export interface PlatformInstrument {
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  readonly currencyDecimals: number;
  readonly referencePrice: string;
}

export interface PlatformPorts {
  readonly gatewayGrpc: number;
  readonly gatewayOps: number;
  readonly executorOps: number;
  readonly orderStoreOps: number;
  /** Used with `postTrade` only. */
  readonly portfolioGrpc?: number;
  readonly portfolioOps?: number;
  readonly riskMonitorOps?: number;
}

export interface PlatformOptions {
  /** Logs, snapshots; wiped at start. */
  readonly dir: string;
  /** PostgreSQL schema and Redis prefix of the run (dropped / cleared at start). */
  readonly schema: string;
  readonly redisPrefix: string;
  readonly instruments: readonly PlatformInstrument[];
  /** Fixed ports (the demo's, in docs/ports.md); default free ephemeral ones. */
  readonly ports?: PlatformPorts;
  /** Extra environment per service name (e.g. log level, tuning knobs). */
  readonly env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly log?: (line: string) => void;
  readonly readyTimeoutMs?: number;
  /** Also run portfolio and risk-monitor (positions, PnL, post-trade limits, kill switch). */
  readonly postTrade?: boolean;
  /** The Kafka to use (tests pass their dev broker); default `ensureKafka()`. */
  readonly kafka?: LocalKafka;
}

export interface RunTopics {
  readonly commands: string;
  readonly events: string;
  readonly trades: string;
  readonly riskControls: string;
  readonly ticks: string;
  readonly portfolioUpdates: string;
  readonly alerts: string;
  readonly all: readonly { name: string; partitions: number; replicationFactor: number }[];
}

export interface ProvisionedAgent {
  readonly agentId: string;
  readonly accountId: string;
  readonly apiKey: string;
}

/** The run's own copies of the order topics (`<prefix>-<runId>.<topic>`), so runs never mix. */
export function runTopics(prefix: string, runId: string): RunTopics {
  const name = (topic: string): string => `${prefix}-${runId}.${topic}`;
  const like = (topic: string, as: { partitions: number; replicationFactor: number }) => ({
    name: topic,
    partitions: as.partitions,
    replicationFactor: as.replicationFactor,
  });
  const commands = name(Topics.ordersCommands.name);
  const events = name(Topics.ordersEvents.name);
  const trades = name(Topics.trades.name);
  const riskControls = name(Topics.riskControls.name);
  const ticks = name(Topics.marketdataTicks.name);
  const portfolioUpdates = name(Topics.portfolioUpdates.name);
  const alerts = name(Topics.alerts.name);
  return {
    commands,
    events,
    trades,
    riskControls,
    ticks,
    portfolioUpdates,
    alerts,
    all: [
      like(ticks, Topics.marketdataTicks),
      like(portfolioUpdates, Topics.portfolioUpdates),
      like(alerts, Topics.alerts),
      like(dlqTopicOf(portfolioUpdates), { partitions: 3, replicationFactor: 3 }),
      like(commands, Topics.ordersCommands),
      like(events, Topics.ordersEvents),
      like(trades, Topics.trades),
      like(riskControls, Topics.riskControls),
      like(dlqTopicOf(commands), { partitions: 3, replicationFactor: 3 }),
      like(dlqTopicOf(events), { partitions: 3, replicationFactor: 3 }),
      like(dlqTopicOf(riskControls), { partitions: 3, replicationFactor: 3 }),
    ],
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolvePort(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** A running platform; `stop()` ends the services (SIGTERM) and deletes the run's topics. */
export class LocalPlatform {
  private seededAdminKey: string | undefined;

  private constructor(
    readonly runId: string,
    readonly kafka: LocalKafka,
    readonly topics: RunTopics,
    readonly ports: PlatformPorts,
    readonly services: readonly ServiceProcess[],
    private readonly options: PlatformOptions,
    private readonly pepper: string,
  ) {}

  /** host:port of the order gateway. */
  get gatewayAddress(): string {
    return `127.0.0.1:${this.ports.gatewayGrpc}`;
  }

  /**
   * Prepares state and topics, then starts executor, order-gateway and order-store. Resolves
   * once every service is ready; `onDeath` hears of a service that exits on its own later.
   */
  static async start(
    options: PlatformOptions,
    onDeath: (error: Error) => void = () => undefined,
  ): Promise<LocalPlatform> {
    const log = options.log ?? (() => undefined);
    const runId = randomUUID().slice(0, 8);
    const kafka = options.kafka ?? (await ensureKafka());
    rmSync(options.dir, { recursive: true, force: true });
    mkdirSync(join(options.dir, 'executor-snapshots'), { recursive: true });
    await resetState(options.schema, options.redisPrefix);
    const topics = runTopics(options.schema, runId);
    await createTopics(kafka, topics.all);
    const ports = options.ports ?? {
      gatewayGrpc: await freePort(),
      gatewayOps: await freePort(),
      executorOps: await freePort(),
      orderStoreOps: await freePort(),
      portfolioGrpc: await freePort(),
      portfolioOps: await freePort(),
      riskMonitorOps: await freePort(),
    };
    const pepper =
      process.env['MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER'] ?? randomBytes(24).toString('base64url');
    const specs = serviceSpecs(runId, kafka.bootstrap, topics, ports, pepper, options);
    const services = specs.map((spec) => new ServiceProcess(spec, ROOT, options.dir, log));
    const platform = new LocalPlatform(runId, kafka, topics, ports, services, options, pepper);
    process.once('exit', () => services.forEach((s) => s.killNow()));
    for (const service of services) service.start(onDeath);
    await Promise.all(services.map((s) => s.waitReady(options.readyTimeoutMs ?? 60_000)));
    return platform;
  }

  /**
   * Accounts (with `limits`), trading agents and their API keys over AdminService
   * (@meridian/orders-client), as an operator would do it. Only the first admin key is written
   * with the gateway's repositories and hasher under its pepper: no admin exists yet to issue it.
   */
  async provision(
    who: readonly { agentId: string; accountId: string }[],
    limits: RiskLimitsInput,
  ): Promise<ProvisionedAgent[]> {
    const admin = new AdminClient({ address: this.gatewayAddress, apiKey: await this.adminKey() });
    try {
      const out: ProvisionedAgent[] = [];
      const seen = new Set<string>();
      for (const { agentId, accountId } of who) {
        const agent = await admin.provisionTrader({
          accountId,
          agentId,
          name: `agent ${agentId}`,
          limits,
          createAccount: !seen.has(accountId),
          reason: 'local platform',
        });
        seen.add(accountId);
        out.push({ agentId, accountId, apiKey: agent.apiKey });
      }
      return out;
    } finally {
      admin.close();
    }
  }

  /** The platform's admin key, seeded once per run in the gateway's tables. */
  private async adminKey(): Promise<string> {
    if (this.seededAdminKey !== undefined) return this.seededAdminKey;
    const db = await createPgPool({
      ...LOCAL_DB,
      searchPath: [this.options.schema],
      maxConnections: 1,
      applicationName: 'local-platform',
    });
    try {
      const accounts = new AccountsRepository(db);
      await accounts.createAccount('ops', 'operations');
      await accounts.createAgent({
        agentId: 'ops-admin',
        accountId: 'ops',
        name: 'ops admin',
        role: 'admin',
      });
      const issued = await new ApiKeyHasher(this.pepper).issue();
      await new ApiKeysRepository(db).insert({ ...issued, agentId: 'ops-admin', role: 'admin' });
      this.seededAdminKey = issued.plaintext;
      return issued.plaintext;
    } finally {
      await db.close();
    }
  }

  /** SIGTERM to every service; returns each one's exit code (null: killed after the timeout). */
  async stop(timeoutMs = 20_000): Promise<{ name: string; code: number | null | Error }[]> {
    const results = await Promise.allSettled(this.services.map((s) => s.stop(timeoutMs)));
    await deleteTopics(
      this.kafka,
      this.topics.all.map((t) => t.name),
    ).catch(() => undefined);
    return results.map((result, i) => ({
      name: this.services[i]?.spec.name ?? '?',
      code:
        result.status === 'fulfilled'
          ? result.value
          : result.reason instanceof Error
            ? result.reason
            : new Error(String(result.reason)),
    }));
  }
}

/** Drops and recreates the run's schema and deletes its Redis keys. */
async function resetState(schema: string, redisPrefix: string): Promise<void> {
  await ensureDatabase(LOCAL_DB, LOCAL_DB.database);
  const admin = await createPgPool({
    ...LOCAL_DB,
    maxConnections: 1,
    applicationName: 'local-platform',
  });
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.close();
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function serviceSpecs(
  runId: string,
  bootstrap: readonly string[],
  topics: RunTopics,
  ports: PlatformPorts,
  pepper: string,
  options: PlatformOptions,
): ServiceSpec[] {
  const shared = {
    KAFKA_BROKERS: bootstrap.join(','),
    PGHOST: LOCAL_DB.host,
    PGPORT: String(LOCAL_DB.port),
    PGUSER: LOCAL_DB.user,
    PGDATABASE: LOCAL_DB.database,
    REDIS_URL,
    SECRETS_PROVIDER: 'env',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
    TZ: 'UTC',
    // Extra Node flags for the services (`--inspect=0`, `--cpu-prof`, `-r <preload>`); never
    // the parent's NODE_OPTIONS, which carry tsx's loader.
    NODE_OPTIONS: process.env['MERIDIAN_DEMO_NODE_OPTIONS'] ?? '',
  };
  const extra = (name: string): Readonly<Record<string, string>> => options.env?.[name] ?? {};
  const engineInstruments = options.instruments.map(
    ({ referencePrice: _reference, ...spec }) => spec,
  );
  const specs: ServiceSpec[] = [
    {
      name: 'executor',
      entry: 'apps/executor/src/main.ts',
      opsPort: ports.executorOps,
      env: {
        ...shared,
        METRICS_PORT: String(ports.executorOps),
        EXECUTOR_GROUP_ID: `${options.schema}-executor-${runId}`,
        EXECUTOR_INSTRUMENTS: JSON.stringify(engineInstruments),
        EXECUTOR_SNAPSHOT_DIR: join(options.dir, 'executor-snapshots'),
        EXECUTOR_COMMANDS_TOPIC: topics.commands,
        EXECUTOR_EVENTS_TOPIC: topics.events,
        EXECUTOR_TRADES_TOPIC: topics.trades,
        EXECUTOR_RISK_TOPIC: topics.riskControls,
        EXECUTOR_DLQ_TOPIC: dlqTopicOf(topics.commands),
        EXECUTOR_DRAIN_DELAY_MS: '500',
        ...extra('executor'),
      },
    },
    {
      name: 'order-gateway',
      entry: 'apps/order-gateway/src/main.ts',
      opsPort: ports.gatewayOps,
      grpc: { port: ports.gatewayGrpc, service: 'meridian.orders.v1.OrderService' },
      env: {
        ...shared,
        METRICS_PORT: String(ports.gatewayOps),
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: String(ports.gatewayGrpc),
        MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER: pepper,
        GATEWAY_DB_SCHEMA: options.schema,
        GATEWAY_REDIS_PREFIX: options.redisPrefix,
        GATEWAY_COMMANDS_TOPIC: topics.commands,
        GATEWAY_EVENTS_TOPIC: topics.events,
        GATEWAY_EVENTS_GROUP: `${options.schema}-order-gateway-${runId}`,
        GATEWAY_EVENTS_FROM_BEGINNING: 'true',
        GATEWAY_RISK_CONTROLS_TOPIC: topics.riskControls,
        GATEWAY_RISK_CONTROLS_GROUP: `${options.schema}-order-gateway-controls-${runId}`,
        GATEWAY_INSTRUMENTS_SEED: JSON.stringify(options.instruments),
        GATEWAY_DRAIN_DELAY: '500ms',
        GRPC_SHUTDOWN_GRACE: '2s',
        ...extra('order-gateway'),
      },
    },
    {
      name: 'order-store',
      entry: 'apps/order-store/src/main.ts',
      opsPort: ports.orderStoreOps,
      env: {
        ...shared,
        METRICS_PORT: String(ports.orderStoreOps),
        ORDER_STORE_DB_SCHEMA: options.schema,
        ORDER_STORE_EVENTS_TOPIC: topics.events,
        ORDER_STORE_GROUP_ID: `${options.schema}-order-store-${runId}`,
        ORDER_STORE_DRAIN_DELAY: '500ms',
        ...extra('order-store'),
      },
    },
  ];
  if (options.postTrade !== true) return specs;
  const { portfolioGrpc, portfolioOps, riskMonitorOps } = ports;
  if (portfolioGrpc === undefined || portfolioOps === undefined || riskMonitorOps === undefined)
    throw new Error('postTrade needs portfolioGrpc, portfolioOps and riskMonitorOps ports');
  specs.push(
    {
      name: 'portfolio',
      entry: 'apps/portfolio/src/main.ts',
      opsPort: portfolioOps,
      grpc: { port: portfolioGrpc, service: 'meridian.portfolio.v1.PortfolioService' },
      env: {
        ...shared,
        METRICS_PORT: String(portfolioOps),
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: String(portfolioGrpc),
        PORTFOLIO_DB_SCHEMA: options.schema,
        PORTFOLIO_LEDGER_SCHEMA: options.schema,
        PORTFOLIO_EVENTS_TOPIC: topics.events,
        PORTFOLIO_TICKS_TOPIC: topics.ticks,
        PORTFOLIO_UPDATES_TOPIC: topics.portfolioUpdates,
        PORTFOLIO_CONTROLS_TOPIC: topics.riskControls,
        PORTFOLIO_GROUP_ID: `${options.schema}-portfolio-${runId}`,
        PORTFOLIO_MARKS_GROUP_ID: `${options.schema}-portfolio-marks-${runId}`,
        PORTFOLIO_REDIS_PREFIX: `${options.redisPrefix}pf:`,
        PORTFOLIO_DRAIN_DELAY: '500ms',
        ...extra('portfolio'),
      },
    },
    {
      name: 'risk-monitor',
      entry: 'apps/risk-monitor/src/main.ts',
      opsPort: riskMonitorOps,
      env: {
        ...shared,
        METRICS_PORT: String(riskMonitorOps),
        RISK_MONITOR_DB_SCHEMA: options.schema,
        RISK_MONITOR_UPDATES_TOPIC: topics.portfolioUpdates,
        RISK_MONITOR_CONTROLS_TOPIC: topics.riskControls,
        RISK_MONITOR_ALERTS_TOPIC: topics.alerts,
        RISK_MONITOR_GROUP_ID: `${options.schema}-risk-monitor-${runId}`,
        RISK_MONITOR_REFRESH_INTERVAL: '1s',
        RISK_MONITOR_DRAIN_DELAY: '500ms',
        ...extra('risk-monitor'),
      },
    },
  );
  return specs;
}
