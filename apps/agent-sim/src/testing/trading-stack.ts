/**
 * The trading stack for this app's integration tests: executor, order gateway and order-store
 * started as processes (like apps/platform-e2e) on the dev broker, PostgreSQL and Redis, with a
 * seeded admin key (the first admin key cannot come from AdminService).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountsRepository, ApiKeyHasher, ApiKeysRepository } from '@meridian/orders-data-access';
import { TEST_INSTRUMENT } from '@meridian/orders-domain/testing';
import { createExecutorTopics } from '@meridian/orders-feature-execution/testing';
import { OrderClient } from '@meridian/orders-client';
import { createPgPool } from '@meridian/shared-persistence';
import { testPgOptions } from '@meridian/shared-persistence/testing';
import {
  freePort,
  isReady,
  kafkaBrokers,
  type ServiceProcess,
  startService,
  stopService,
  uniqueName,
  waitFor,
} from '@meridian/shared-testing';
import { Redis } from 'ioredis';

const PEPPER = 'agent-sim-it-pepper-0123456789abcdef';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface TradingStack {
  readonly gatewayAddress: string;
  readonly adminKey: string;
  /** Ops port (/metrics) of the gateway. */
  readonly gatewayOpsPort: number;
  readonly services: readonly ServiceProcess[];
  /** Every service's output, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts the three services on fresh topics, schema and Redis prefix; resolves once all are ready. */
export async function startTradingStack(prefix: string): Promise<TradingStack> {
  const schema = uniqueName(prefix);
  const redisPrefix = `test:${schema}:`;
  const workDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const [topics, grpcPort, gatewayOps, executorOps, storeOps] = await Promise.all([
    createExecutorTopics(prefix, 3),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const pg = testPgOptions();
  const infra = {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    PGHOST: pg.host ?? '127.0.0.1',
    PGPORT: String(pg.port ?? 5432),
    PGUSER: pg.user ?? 'postgres',
    PGDATABASE: pg.database ?? 'test',
    LOG_LEVEL: 'warn',
  };
  const services = [
    startService('executor', {
      ...infra,
      METRICS_PORT: String(executorOps),
      EXECUTOR_GROUP_ID: uniqueName(`${prefix}-executor`),
      EXECUTOR_INSTRUMENTS: JSON.stringify([TEST_INSTRUMENT]),
      EXECUTOR_SNAPSHOT_DIR: join(workDir, 'snapshots'),
      EXECUTOR_COMMANDS_TOPIC: topics.commands,
      EXECUTOR_EVENTS_TOPIC: topics.events,
      EXECUTOR_TRADES_TOPIC: topics.trades,
      EXECUTOR_RISK_TOPIC: topics.riskControls,
      EXECUTOR_DLQ_TOPIC: topics.commandsDlq,
      EXECUTOR_DRAIN_DELAY_MS: '0',
    }),
    startService('order-gateway', {
      ...infra,
      GRPC_PORT: String(grpcPort),
      METRICS_PORT: String(gatewayOps),
      REDIS_URL,
      SECRETS_PROVIDER: 'env',
      MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER: PEPPER,
      GATEWAY_DB_SCHEMA: schema,
      GATEWAY_REDIS_PREFIX: redisPrefix,
      GATEWAY_COMMANDS_TOPIC: topics.commands,
      GATEWAY_EVENTS_TOPIC: topics.events,
      GATEWAY_EVENTS_GROUP: uniqueName(`${prefix}-gateway`),
      GATEWAY_INSTRUMENTS_SEED: JSON.stringify([{ ...TEST_INSTRUMENT, referencePrice: '100.00' }]),
      GATEWAY_DRAIN_DELAY: '100ms',
    }),
    startService('order-store', {
      ...infra,
      METRICS_PORT: String(storeOps),
      ORDER_STORE_DB_SCHEMA: schema,
      ORDER_STORE_EVENTS_TOPIC: topics.events,
      ORDER_STORE_GROUP_ID: uniqueName(`${prefix}-store`),
      ORDER_STORE_DRAIN_DELAY: '0s',
    }),
  ];
  const gatewayAddress = `127.0.0.1:${grpcPort}`;
  const logs = () => services.map((s) => `[${s.name}]\n${s.output()}`).join('\n');
  const stop = async () => {
    await Promise.all(services.map((service) => stopService(service, 10_000)));
    rmSync(workDir, { recursive: true, force: true });
    const pool = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  };

  try {
    const probe = new OrderClient({ address: gatewayAddress, apiKey: 'unused' });
    try {
      await waitFor(
        'executor, gateway and order-store to be ready',
        async () => {
          for (const service of services)
            if (service.child.exitCode !== null)
              throw new Error(`${service.name} exited early:\n${service.output()}`);
          return (
            (await isReady(executorOps)) &&
            (await isReady(storeOps)) &&
            (await probe.waitUntilServing(1000).then(
              () => true,
              () => false,
            ))
          );
        },
        80_000,
        250,
      );
    } finally {
      probe.close();
    }
    // The gateway migrated its schema at boot: seed an admin there, hashed under its pepper.
    const db = await createPgPool({ ...testPgOptions(), searchPath: [schema], maxConnections: 1 });
    const issued = await new ApiKeyHasher(PEPPER).issue();
    try {
      const accounts = new AccountsRepository(db);
      await accounts.createAccount('acct-ops', 'operations');
      await accounts.createAgent({
        agentId: 'agent-ops',
        accountId: 'acct-ops',
        name: 'ops',
        role: 'admin',
      });
      await new ApiKeysRepository(db).insert({ ...issued, agentId: 'agent-ops', role: 'admin' });
    } finally {
      await db.close();
    }
    return {
      gatewayAddress,
      adminKey: issued.plaintext,
      gatewayOpsPort: gatewayOps,
      services,
      logs,
      stop,
    };
  } catch (error) {
    process.stderr.write(`${logs()}\n`);
    await stop();
    throw error;
  }
}

/** A TCP proxy to `target` whose connections can be cut, to drop a client's channel for real. */
export interface CuttableProxy {
  readonly address: string;
  /** Destroys every open connection (both sides), as a network failure would. */
  cut(): number;
  close(): Promise<void>;
}

export async function startCuttableProxy(target: string): Promise<CuttableProxy> {
  const [host = '127.0.0.1', portText = '0'] = target.split(':');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(portText), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    }),
  );
  return {
    address: `127.0.0.1:${port}`,
    cut() {
      const count = sockets.size;
      for (const socket of [...sockets]) socket.destroy();
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
