import { type ChildProcess, spawn } from 'node:child_process';
import { orders } from '@meridian/contracts';
import { ExecutionsRepository, OrdersRepository } from '@meridian/orders-data-access';
import { orderEventsTopic } from '@meridian/orders-feature-gateway';
import { createTestEventsTopic, testOrderEvent } from '@meridian/orders-feature-gateway/testing';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { createPgPool, type Database } from '@meridian/shared-persistence';
import { testPgOptions } from '@meridian/shared-persistence/testing';
import {
  exited,
  freePort,
  kafkaBrokers,
  REPO_ROOT,
  uniqueName,
  waitFor,
} from '@meridian/shared-testing';

const owner = { agentId: 'agent-s', accountId: 'acct-s' };

function fillEvent(orderId: string, sequence: bigint, quantity: string, cumulative: string) {
  const last = cumulative === '10';
  const fill = {
    executionId: `${orderId}-${sequence}`,
    tradeId: `t-${sequence}`,
    price: { value: '100.00' },
    quantity: { value: quantity },
    liquidity: orders.Liquidity.MAKER,
  };
  return testOrderEvent({
    ...owner,
    orderId,
    sequence,
    status: last ? orders.OrderStatus.FILLED : orders.OrderStatus.PARTIALLY_FILLED,
    body: last
      ? {
          $case: 'filled',
          value: {
            fill,
            cumulativeQuantity: { value: cumulative },
            averagePrice: { value: '100.00' },
          },
        }
      : {
          $case: 'partiallyFilled',
          value: {
            fill,
            cumulativeQuantity: { value: cumulative },
            leavesQuantity: { value: String(10 - Number(cumulative)) },
            averagePrice: { value: '100.00' },
          },
        },
  });
}

describe('order-store process', () => {
  const schema = uniqueName('ostore');
  let child: ChildProcess | undefined;
  let db: Database | undefined;

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await db?.close();
    const admin = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.close();
  });

  it('persists orders and fills from the topic once, even when reports are published twice', async () => {
    const topic = await createTestEventsTopic('ostore');
    const producer = new KafkaProducer({
      kafka: createKafka({ brokers: kafkaBrokers(), clientId: 'ostore-test' }),
    });
    await producer.connect();
    const binding = orderEventsTopic(topic);
    const events = [
      testOrderEvent({ ...owner, orderId: 'o-a', sequence: 1n }),
      testOrderEvent({ ...owner, orderId: 'o-b', sequence: 2n }),
      fillEvent('o-a', 3n, '4', '4'),
      fillEvent('o-a', 4n, '6', '10'),
    ];
    // Every report twice (a producer retry, a replay after an executor restart).
    for (const value of [...events, ...events])
      await producer.publish(binding, { key: value.symbol, value });
    await producer.close();

    const pg = testPgOptions();
    const opsPort = await freePort();
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/order-store/src/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        SWC_NODE_PROJECT: 'tsconfig.base.json',
        METRICS_PORT: String(opsPort),
        KAFKA_BROKERS: kafkaBrokers().join(','),
        PGHOST: pg.host ?? '127.0.0.1',
        PGPORT: String(pg.port ?? 5432),
        PGUSER: pg.user ?? 'postgres',
        PGDATABASE: pg.database ?? 'test',
        ORDER_STORE_DB_SCHEMA: schema,
        ORDER_STORE_EVENTS_TOPIC: topic,
        ORDER_STORE_GROUP_ID: uniqueName('ostore-group'),
        ORDER_STORE_DRAIN_DELAY: '0s',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    await waitFor(
      'the order-store to be ready',
      async () =>
        (await fetch(`http://127.0.0.1:${opsPort}/health/ready`).catch(() => null))?.status === 200,
      60_000,
      200,
    );
    db = await createPgPool({ ...pg, searchPath: [schema], maxConnections: 1 });
    const ordersRepo = new OrdersRepository(db);
    await waitFor(
      'the fills to be stored',
      async () => (await ordersRepo.get('o-a'))?.status === orders.OrderStatus.FILLED,
      30_000,
      100,
    );
    expect(await ordersRepo.get('o-a')).toMatchObject({
      cumulativeQuantity: '10',
      leavesQuantity: '0',
      lastSequence: 4n,
    });
    expect(await ordersRepo.get('o-b')).toMatchObject({
      status: orders.OrderStatus.NEW,
      leavesQuantity: '1',
    });
    const ledger = await new ExecutionsRepository(db).listByOrder('o-a');
    expect(ledger.map((e) => [e.executionId, e.quantity])).toEqual([
      ['o-a-3', '4'],
      ['o-a-4', '6'],
    ]);

    child.kill('SIGTERM');
    const code = await exited(child);
    if (code !== 0) process.stderr.write(stderr);
    expect(code).toBe(0);
  });
});
