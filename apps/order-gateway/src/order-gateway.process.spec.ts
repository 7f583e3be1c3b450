import { type ChildProcess, spawn } from 'node:child_process';
import { admin, grpcHealth, orders } from '@meridian/contracts';
import {
  AccountsRepository,
  ApiKeyHasher,
  ApiKeysRepository,
  RiskLimitsRepository,
} from '@meridian/orders-data-access';
import { testRiskLimits } from '@meridian/orders-domain-pretrade/testing';
import { TEST_INSTRUMENT } from '@meridian/orders-domain/testing';
import { createTestEventsTopic } from '@meridian/orders-feature-gateway/testing';
import { createPgPool } from '@meridian/shared-persistence';
import { testPgOptions } from '@meridian/shared-persistence/testing';
import {
  exited,
  freePort,
  kafkaBrokers,
  REPO_ROOT,
  uniqueName,
  waitFor,
} from '@meridian/shared-testing';
import { credentials, Metadata } from '@grpc/grpc-js';
import { Redis } from 'ioredis';

const PEPPER = 'process-test-pepper-0123456789';

describe('order-gateway process', () => {
  const schema = uniqueName('gwproc');
  const redisPrefix = `test:${schema}:`;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    const pool = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.close();
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('boots, reports SERVING, takes an order, reports NOT_SERVING on SIGTERM and exits 0', async () => {
    const [grpcPort, opsPort, commandsTopic, eventsTopic] = await Promise.all([
      freePort(),
      freePort(),
      createTestEventsTopic('gwproc-commands'),
      createTestEventsTopic('gwproc'),
    ]);
    const pg = testPgOptions();
    child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/order-gateway/src/main.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          SWC_NODE_PROJECT: 'tsconfig.base.json',
          GRPC_PORT: String(grpcPort),
          METRICS_PORT: String(opsPort),
          KAFKA_BROKERS: kafkaBrokers().join(','),
          PGHOST: pg.host ?? '127.0.0.1',
          PGPORT: String(pg.port ?? 5432),
          PGUSER: pg.user ?? 'postgres',
          PGDATABASE: pg.database ?? 'test',
          REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
          SECRETS_PROVIDER: 'env',
          MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER: PEPPER,
          GATEWAY_DB_SCHEMA: schema,
          GATEWAY_REDIS_PREFIX: redisPrefix,
          GATEWAY_COMMANDS_TOPIC: commandsTopic,
          GATEWAY_EVENTS_TOPIC: eventsTopic,
          GATEWAY_EVENTS_GROUP: uniqueName('gwproc-events'),
          GATEWAY_INSTRUMENTS_SEED: JSON.stringify([
            { ...TEST_INSTRUMENT, referencePrice: '100.00' },
          ]),
          GATEWAY_DRAIN_DELAY: '1s',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const address = `127.0.0.1:${grpcPort}`;
    const health = new grpcHealth.HealthClient(address, credentials.createInsecure());
    const check = () =>
      new Promise<grpcHealth.HealthCheckResponse_ServingStatus | null>((resolve) =>
        health.check({ service: 'meridian.orders.v1.OrderService' }, (error, response) =>
          resolve(error ? null : response.status),
        ),
      );
    const { SERVING, NOT_SERVING } = grpcHealth.HealthCheckResponse_ServingStatus;
    await waitFor(
      'the gateway to report SERVING',
      async () => (await check()) === SERVING,
      60_000,
      200,
    );
    const ready = await fetch(`http://127.0.0.1:${opsPort}/health/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metrics).toContain('messaging_consumer');

    // Provision an agent with a key hashed under the same pepper the process got from its secrets.
    const db = await createPgPool({ ...pg, searchPath: [schema], maxConnections: 1 });
    const hasher = new ApiKeyHasher(PEPPER);
    const issued = await hasher.issue();
    await new AccountsRepository(db).createAccount('acct-p', 'process test');
    await new AccountsRepository(db).createAgent({
      agentId: 'agent-p',
      accountId: 'acct-p',
      name: 'p',
    });
    await new RiskLimitsRepository(db).upsert('acct-p', testRiskLimits());
    await new AccountsRepository(db).createAgent({
      agentId: 'agent-admin',
      accountId: 'acct-p',
      name: 'admin',
      role: 'admin',
    });
    await new ApiKeysRepository(db).insert({ ...issued, agentId: 'agent-admin', role: 'admin' });
    await db.close();

    // The trader's key comes from AdminService in the process (same server, same pepper).
    const adminClient = new admin.AdminServiceClient(address, credentials.createInsecure());
    const adminMetadata = new Metadata();
    adminMetadata.set('x-api-key', issued.plaintext);
    const traderKey = await new Promise<admin.IssueApiKeyResponse>((resolve, reject) =>
      adminClient.issueApiKey(
        { agentId: 'agent-p', reason: 'process test' },
        adminMetadata,
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
    adminClient.close();
    expect(traderKey.role).toBe(admin.ApiKeyRole.TRADER);

    const client = new orders.OrderServiceClient(address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('x-api-key', traderKey.apiKey);
    const ack = await new Promise<orders.SubmitOrderResponse>((resolve, reject) =>
      client.submitOrder(
        orders.SubmitOrderRequest.fromPartial({
          clientOrderId: 'proc-1',
          symbol: TEST_INSTRUMENT.symbol,
          order: {
            side: 1,
            orderType: orders.OrderType.LIMIT,
            timeInForce: orders.TimeInForce.GTC,
            quantity: { value: '5' },
            limitPrice: { value: '100.00' },
          },
        }),
        metadata,
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
    expect(ack.orderId).toMatch(/^[1-9][0-9]{0,15}$/);
    client.close();

    // During the drain delay the process still listens but tells balancers to go away.
    child.kill('SIGTERM');
    await waitFor(
      'NOT_SERVING after SIGTERM',
      async () => (await check()) === NOT_SERVING,
      5000,
      50,
    );
    const code = await exited(child);
    health.close();
    if (code !== 0) process.stderr.write(stderr);
    expect(code).toBe(0);
  });
});
