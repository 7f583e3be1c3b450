import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, grpcHealth, orders } from '@meridian/contracts';
import { AccountsRepository, ApiKeyHasher, ApiKeysRepository } from '@meridian/orders-data-access';
import { TEST_INSTRUMENT } from '@meridian/orders-domain/testing';
import { collectTopic, createExecutorTopics } from '@meridian/orders-feature-execution/testing';
import { createKafka } from '@meridian/shared-messaging';
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
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { z } from 'zod';

import { generatePythonStubs, runPythonAgent } from './testing/python-agent.process';

const PEPPER = 'platform-e2e-pepper-0123456789abcdef';
const SYMBOL = TEST_INSTRUMENT.symbol;

const apiError = z.object({
  code: z.string(),
  reason: z.string().nullable(),
  domain: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
});
const orderState = z.object({
  orderId: z.string(),
  status: z.string(),
  quantity: z.string(),
  limitPrice: z.string(),
  cumulativeQuantity: z.string(),
  leavesQuantity: z.string(),
  averagePrice: z.string().nullable(),
  lastSequence: z.number().int(),
});
/** What meridian_agent.py `scenario` prints on stdout. */
const summarySchema = z.object({
  symbol: z.string(),
  errors: z.object({
    invalidQuantity: apiError,
    unauthenticated: apiError,
    resumeWithoutSymbol: apiError,
    cancelFilled: apiError,
    getUnknown: apiError,
  }),
  idempotentRetry: z.object({ first: z.string(), retry: z.string() }),
  stream: z.object({
    connections: z.array(
      z.object({ fromSequence: z.number().int(), sequences: z.array(z.number().int()) }),
    ),
    lastBeforeDisconnect: z.number().int(),
    receivedAfterResume: z.number().int(),
    duplicatesDropped: z.number().int(),
    events: z.array(
      z.object({
        sequence: z.number().int(),
        orderId: z.string(),
        clientOrderId: z.string(),
        kind: z.string(),
        status: z.string(),
        fill: z
          .object({ executionId: z.string(), price: z.string(), quantity: z.string() })
          .optional(),
      }),
    ),
    replay: z.array(z.number().int()),
  }),
  orders: z.record(z.string(), orderState),
  orderByClientId: orderState,
  openOrders: z.array(z.string()),
  taker: z.object({ orderIds: z.array(z.string()), sequences: z.array(z.number().int()) }),
});

/** A unary grpc-js call as a promise: `call((done) => client.method(request, metadata, done))`. */
function call<Res>(
  start: (done: (error: ServiceError | null, response: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    start((error, response) => (error ? reject(error) : resolve(response))),
  );
}

describe('platform end to end: executor, order gateway, order-store and a Python agent', () => {
  const schema = uniqueName('pe2e');
  const redisPrefix = `test:${schema}:`;
  const workDir = mkdtempSync(join(tmpdir(), 'platform-e2e-'));
  const stubsDir = join(workDir, 'stubs');
  const services: ServiceProcess[] = [];
  let gatewayAddress = '';
  let tradesTopic = '';

  beforeAll(async () => {
    const [topics, grpcPort, gatewayOps, executorOps, storeOps] = await Promise.all([
      createExecutorTopics('pe2e', 3),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      generatePythonStubs(stubsDir),
    ]);
    tradesTopic = topics.trades;
    gatewayAddress = `127.0.0.1:${grpcPort}`;
    const pg = testPgOptions();
    const infra = {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      PGHOST: pg.host ?? '127.0.0.1',
      PGPORT: String(pg.port ?? 5432),
      PGUSER: pg.user ?? 'postgres',
      PGDATABASE: pg.database ?? 'test',
      LOG_LEVEL: 'warn',
    };
    services.push(
      startService('executor', {
        ...infra,
        METRICS_PORT: String(executorOps),
        EXECUTOR_GROUP_ID: uniqueName('pe2e-executor'),
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
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        SECRETS_PROVIDER: 'env',
        MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER: PEPPER,
        GATEWAY_DB_SCHEMA: schema,
        GATEWAY_REDIS_PREFIX: redisPrefix,
        GATEWAY_COMMANDS_TOPIC: topics.commands,
        GATEWAY_EVENTS_TOPIC: topics.events,
        GATEWAY_EVENTS_GROUP: uniqueName('pe2e-gateway'),
        GATEWAY_INSTRUMENTS_SEED: JSON.stringify([
          { ...TEST_INSTRUMENT, referencePrice: '100.00' },
        ]),
        GATEWAY_DRAIN_DELAY: '100ms',
      }),
      startService('order-store', {
        ...infra,
        METRICS_PORT: String(storeOps),
        ORDER_STORE_DB_SCHEMA: schema,
        ORDER_STORE_EVENTS_TOPIC: topics.events,
        ORDER_STORE_GROUP_ID: uniqueName('pe2e-store'),
        ORDER_STORE_DRAIN_DELAY: '0s',
      }),
    );

    const health = new grpcHealth.HealthClient(gatewayAddress, credentials.createInsecure());
    const serving = () =>
      new Promise<boolean>((resolve) =>
        health.check({ service: 'meridian.orders.v1.OrderService' }, (error, response) =>
          resolve(
            !error && response.status === grpcHealth.HealthCheckResponse_ServingStatus.SERVING,
          ),
        ),
      );
    try {
      await waitFor(
        'executor, gateway and order-store to be ready',
        async () => {
          for (const service of services) {
            if (service.child.exitCode !== null)
              throw new Error(`${service.name} exited early:\n${service.output()}`);
          }
          return (await isReady(executorOps)) && (await isReady(storeOps)) && (await serving());
        },
        60_000,
        200,
      );
    } finally {
      health.close();
    }
  });

  afterAll(async () => {
    // Normally stopped by the last test already; this covers a failure before it.
    await Promise.all(services.map((service) => stopService(service, 5_000)));
    rmSync(workDir, { recursive: true, force: true });
    const pool = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.close();
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** Two trading agents on two accounts, provisioned through AdminService in the process. */
  async function provisionAgents(): Promise<{ makerKey: string; takerKey: string }> {
    // The first admin key cannot come from AdminService: seed it in the gateway's tables,
    // hashed under the pepper the process read from its secrets.
    const db = await createPgPool({ ...testPgOptions(), searchPath: [schema], maxConnections: 1 });
    const issued = await new ApiKeyHasher(PEPPER).issue();
    const accounts = new AccountsRepository(db);
    await accounts.createAccount('acct-ops', 'operations');
    await accounts.createAgent({
      agentId: 'agent-ops',
      accountId: 'acct-ops',
      name: 'ops',
      role: 'admin',
    });
    await new ApiKeysRepository(db).insert({ ...issued, agentId: 'agent-ops', role: 'admin' });
    await db.close();

    const client = new admin.AdminServiceClient(gatewayAddress, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('x-api-key', issued.plaintext);
    try {
      const keys: string[] = [];
      for (const who of ['maker', 'taker']) {
        const { accountId } = await call<admin.CreateAccountResponse>((done) =>
          client.createAccount(
            { accountId: `acct-${who}`, name: `${who} account`, reason: 'e2e' },
            metadata,
            done,
          ),
        );
        const limits: admin.SetRiskLimitsRequest = {
          accountId,
          reason: 'e2e',
          limits: {
            maxOrderQuantity: { value: '1000' },
            maxOrderNotional: { value: '1000000' },
            priceBandBps: 1000,
            maxOpenOrders: 100,
            maxPosition: { value: '10000' },
            maxGrossExposure: { value: '10000000' },
            orderRatePerSecond: 100,
            orderBurst: 100,
          },
        };
        await call<admin.SetRiskLimitsResponse>((done) =>
          client.setRiskLimits(limits, metadata, done),
        );
        const { agentId } = await call<admin.CreateAgentResponse>((done) =>
          client.createAgent(
            {
              accountId,
              agentId: `agent-${who}`,
              name: `${who} (Python)`,
              role: admin.ApiKeyRole.TRADER,
              reason: 'e2e',
            },
            metadata,
            done,
          ),
        );
        const key = await call<admin.IssueApiKeyResponse>((done) =>
          client.issueApiKey({ agentId, reason: 'e2e' }, metadata, done),
        );
        expect(key.role).toBe(admin.ApiKeyRole.TRADER);
        keys.push(key.apiKey);
      }
      const [makerKey = '', takerKey = ''] = keys;
      return { makerKey, takerKey };
    } finally {
      client.close();
    }
  }

  it('a Python agent submits, replaces, cancels, gets fills, drops its stream and resumes without a gap', async () => {
    const { makerKey, takerKey } = await provisionAgents();
    const run = await runPythonAgent(
      [
        'scenario',
        '--target',
        gatewayAddress,
        '--maker-key',
        makerKey,
        '--taker-key',
        takerKey,
        '--symbol',
        SYMBOL,
      ],
      stubsDir,
      60_000,
    );
    if (run.code !== 0) {
      process.stderr.write(`[python agent]\n${run.stderr}\n${run.stdout}\n`);
      for (const service of services)
        process.stderr.write(`[${service.name}]\n${service.output()}\n`);
    }
    expect(run.code).toBe(0);
    const summary = summarySchema.parse(JSON.parse(run.stdout));

    // Errors: the google.rpc.ErrorInfo of grpc-status-details-bin, decoded in Python.
    expect(summary.errors.invalidQuantity).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: 'GATEWAY_INVALID_QUANTITY',
      domain: 'order-gateway.meridian',
      metadata: { field: 'order.quantity.value', problem: 'not-positive' },
    });
    expect(summary.errors.unauthenticated).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'GATEWAY_UNAUTHENTICATED',
    });
    expect(summary.errors.resumeWithoutSymbol).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: 'GATEWAY_INVALID_FIELD',
    });
    expect(summary.errors.cancelFilled).toMatchObject({
      code: 'FAILED_PRECONDITION',
      reason: 'GATEWAY_ORDER_NOT_OPEN',
    });
    expect(summary.errors.getUnknown).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'GATEWAY_ORDER_NOT_FOUND',
    });
    expect(summary.idempotentRetry.retry).toBe(summary.idempotentRetry.first);

    // The stream: two connections, the second resumed at last + 1, together exactly the log.
    const { stream } = summary;
    expect(stream.connections).toHaveLength(2);
    const [first, second] = stream.connections;
    expect(first?.fromSequence).toBe(1);
    expect(second?.fromSequence).toBe(stream.lastBeforeDisconnect + 1);
    expect(first?.sequences.at(-1)).toBe(stream.lastBeforeDisconnect);
    const received = stream.connections.flatMap((c) => c.sequences);
    expect(stream.duplicatesDropped).toBe(0);
    expect(new Set(received).size).toBe(received.length);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(received).toEqual(stream.replay); // nothing the server logged for the maker is missing
    expect(stream.receivedAfterResume).toBeGreaterThanOrEqual(3); // the fills made while away

    // Reports name the order (its client id), in the order the commands reached the book.
    expect(stream.events.map((e) => `${e.clientOrderId}:${e.kind}`)).toEqual([
      'm-bid-1:accepted',
      'm-bid-2:accepted',
      'm-ask-1:accepted',
      'm-bid-2:replaced',
      'm-ask-1:canceled',
      // dropped here; the taker's sells cross the bids; resumed:
      'm-bid-1:partially_filled',
      'm-bid-1:filled',
      'm-bid-2:partially_filled',
      'm-bid-2:canceled',
    ]);
    expect(stream.connections.map((c) => c.sequences.length)).toEqual([5, 4]);
    const fills = stream.events.flatMap((e) =>
      e.fill === undefined ? [] : [[e.orderId, e.fill.price, e.fill.quantity]],
    );
    const bid1 = summary.orders['m-bid-1'];
    const bid2 = summary.orders['m-bid-2'];
    expect(fills).toEqual([
      [bid1?.orderId, '99.00', '6'],
      [bid1?.orderId, '99.00', '4'],
      [bid2?.orderId, '98.50', '4'],
    ]);
    const fillSequences = stream.events.filter((e) => e.fill !== undefined).map((e) => e.sequence);
    expect(Math.min(...fillSequences)).toBeGreaterThan(stream.lastBeforeDisconnect);

    // Every sequence of the symbol is accounted for: the maker's reports, the taker's reports
    // and the trades (which share the symbol's sequence) are exactly 1..N.
    const trades = await collectTopic(
      createKafka({ brokers: kafkaBrokers(), clientId: 'pe2e-trades' }),
      tradesTopic,
      (messages) => messages.length >= 3,
      20_000,
    );
    const tradeSequences = trades.map((m) =>
      Number(orders.Trade.decode(m.value ?? Buffer.alloc(0)).sequence),
    );
    expect(tradeSequences).toHaveLength(3);
    const all = [...received, ...summary.taker.sequences, ...tradeSequences].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));

    // Final states through GetOrder (the order-store tables).
    expect(summary.orders).toMatchObject({
      'm-bid-1': {
        status: 'ORDER_STATUS_FILLED',
        quantity: '10',
        cumulativeQuantity: '10',
        leavesQuantity: '0',
      },
      'm-bid-2': {
        status: 'ORDER_STATUS_CANCELED',
        quantity: '5',
        limitPrice: '98.50',
        cumulativeQuantity: '4',
        leavesQuantity: '0',
      },
      'm-ask-1': {
        status: 'ORDER_STATUS_CANCELED',
        cumulativeQuantity: '0',
        averagePrice: null,
      },
    });
    expect(summary.orderByClientId).toEqual(summary.orders['m-bid-1']);
    expect(summary.openOrders).toEqual([]);
    // GetOrder's average_price is "absent while nothing has filled", so present after fills.
    // (Compared as numbers: the scale of PostgreSQL's numeric text is not the contract.)
    expect(Number(summary.orders['m-bid-1']?.averagePrice ?? NaN)).toBe(99);
    expect(Number(summary.orders['m-bid-2']?.averagePrice ?? NaN)).toBe(98.5);
  });

  it('stops every service cleanly on SIGTERM (exit 0)', async () => {
    const codes = await Promise.all(services.map((service) => stopService(service)));
    services.forEach((service, i) => {
      if (codes[i] !== 0) process.stderr.write(`[${service.name}] ${service.output()}\n`);
    });
    // Drain, flush, close: a clean shutdown ends every process with 0.
    expect(services.map((service, i) => [service.name, codes[i]])).toEqual([
      ['executor', 0],
      ['order-gateway', 0],
      ['order-store', 0],
    ]);
  });
});
