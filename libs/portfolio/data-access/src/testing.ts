import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { orders } from '@meridian/contracts';
import { type Queryable, runMigrations } from '@meridian/shared-persistence';
import { createTestSchema, type TestSchema } from '@meridian/shared-persistence/testing';
import { REPO_ROOT } from '@meridian/shared-testing';
import { Redis } from 'ioredis';
import { migratePortfolioSchema } from './portfolio.migrations';

/** A migrated portfolio schema of its own (plus the order-store's ledger tables) and Redis. */
export interface PortfolioTestStores {
  readonly pg: TestSchema;
  readonly redis: Redis;
  /** Unique key prefix for this test's Redis keys (pass it to PortfolioRedisView). */
  readonly redisPrefix: string;
  /** Drops the schema, deletes the prefix's keys, closes both. */
  cleanup(): Promise<void>;
}

/**
 * The order-store's migrations, applied by directory (not imported: another scope's lib), so the
 * ledger tables the reconciliation reads are the real ones.
 */
export const ORDER_STORE_MIGRATIONS_DIR = join(
  REPO_ROOT,
  'libs',
  'orders',
  'data-access',
  'migrations',
);

export async function createPortfolioTestStores(name: string): Promise<PortfolioTestStores> {
  const pg = await createTestSchema(name);
  await migratePortfolioSchema(pg.db, pg.schema);
  await runMigrations(pg.db, {
    dir: ORDER_STORE_MIGRATIONS_DIR,
    schemaTable: 'orders_gateway_migrations',
    schema: pg.schema,
  });
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const redisPrefix = `test:${name}:${randomBytes(4).toString('hex')}`;
  return {
    pg,
    redis,
    redisPrefix,
    async cleanup() {
      const keys = await redis.keys(`${redisPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await pg.drop();
    },
  };
}

/** A ledger fill as the order-store records it: an `orders` row (side in terms) + an execution. */
export interface LedgerFill {
  readonly executionId: string;
  readonly orderId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly sequence: bigint;
  readonly price: string;
  readonly quantity: string;
}

/** Writes fills into the order-store tables the way RecordOrderEventUseCase does. */
export async function insertLedgerFills(
  db: Queryable,
  fills: readonly LedgerFill[],
): Promise<void> {
  for (const f of fills) {
    const terms = orders.NewOrder.encode(
      orders.NewOrder.fromPartial({
        side: f.side === 'buy' ? 1 : 2,
        orderType: orders.OrderType.LIMIT,
        timeInForce: orders.TimeInForce.GTC,
        quantity: { value: f.quantity },
        limitPrice: { value: f.price },
      }),
    ).finish();
    await db.query(
      `INSERT INTO orders (order_id, agent_id, account_id, client_order_id, symbol, terms, status,
                           leaves_quantity, created_at_unix_nanos, updated_at_unix_nanos)
       VALUES ($1, 'agent-1', $2, $1, $3, $4, 4, 0, 0, 0) ON CONFLICT (order_id) DO NOTHING`,
      [f.orderId, f.accountId, f.symbol, Buffer.from(terms)],
    );
    await db.query(
      `INSERT INTO executions (execution_id, order_id, trade_id, symbol, sequence, price, quantity,
                               liquidity, executed_at_unix_nanos)
       VALUES ($1, $2, $1, $3, $4, $5, $6, 2, 0)`,
      [f.executionId, f.orderId, f.symbol, f.sequence.toString(), f.price, f.quantity],
    );
  }
}
