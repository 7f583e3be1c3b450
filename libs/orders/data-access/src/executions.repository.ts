import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const executionRow = z.object({
  execution_id: z.string(),
  order_id: z.string(),
  trade_id: z.string(),
  symbol: z.string(),
  sequence: z.string(),
  price: z.string(),
  quantity: z.string(),
  liquidity: z.number().int(),
  executed_at_unix_nanos: z.string(),
});

/** One fill of one order (a trade gives one per side). Decimals are canonical strings. */
export interface ExecutionRecord {
  readonly executionId: string;
  readonly orderId: string;
  readonly tradeId: string;
  readonly symbol: string;
  readonly sequence: bigint;
  readonly price: string;
  readonly quantity: string;
  /** meridian.orders.v1.Liquidity number. */
  readonly liquidity: number;
  readonly executedAtUnixNanos: bigint;
}

/** The executions ledger: append-only, one row per execution id. */
export class ExecutionsRepository {
  constructor(private readonly db: Queryable) {}

  /** Records a fill; false (and no change) when its execution id is already recorded. */
  async insert(e: ExecutionRecord): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO executions (execution_id, order_id, trade_id, symbol, sequence, price, quantity,
                               liquidity, executed_at_unix_nanos)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (execution_id) DO NOTHING`,
      [
        e.executionId,
        e.orderId,
        e.tradeId,
        e.symbol,
        e.sequence.toString(),
        e.price,
        e.quantity,
        e.liquidity,
        e.executedAtUnixNanos.toString(),
      ],
    );
    return rowCount === 1;
  }

  /** The order's fills in sequence order. */
  async listByOrder(orderId: string): Promise<ExecutionRecord[]> {
    const { rows } = await this.db.query(
      `SELECT execution_id, order_id, trade_id, symbol, sequence::text, price::text, quantity::text,
              liquidity, executed_at_unix_nanos::text
         FROM executions WHERE order_id = $1 ORDER BY executions.sequence`,
      [orderId],
      { rowSchema: executionRow },
    );
    return rows.map((row) => ({
      executionId: row.execution_id,
      orderId: row.order_id,
      tradeId: row.trade_id,
      symbol: row.symbol,
      sequence: BigInt(row.sequence),
      price: row.price,
      quantity: row.quantity,
      liquidity: row.liquidity,
      executedAtUnixNanos: BigInt(row.executed_at_unix_nanos),
    }));
  }
}
