import { common, orders } from '@meridian/contracts';
import { type FillInput } from '@meridian/portfolio-domain';
import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';
import { LedgerRowInvalidError } from './portfolio-data.error';

const ledgerRow = z.object({
  execution_id: z.string(),
  order_id: z.string(),
  symbol: z.string(),
  sequence: z.string(),
  price: z.string(),
  quantity: z.string(),
  liquidity: z.number().int(),
  executed_at_unix_nanos: z.string(),
  account_id: z.string().nullable(),
  terms: z.instanceof(Buffer).nullable(),
});

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Reads the order-store's executions ledger (`executions` joined with `orders` for the account
 * and the side, which lives in the order's encoded terms) with plain SQL: the ledger is the
 * source of truth a rebuild or reconciliation recomputes positions from. Rows come in
 * (symbol, sequence) order: per symbol the order the fills happened in, which is the order the
 * live consumer applied them in.
 */
export class LedgerReader {
  private readonly executions: string;
  private readonly orders: string;

  /** `schema`: where the order-store keeps `executions` and `orders` (default public). */
  constructor(
    private readonly db: Queryable,
    schema = 'public',
  ) {
    this.executions = `${quoteIdent(schema)}.executions`;
    this.orders = `${quoteIdent(schema)}.orders`;
  }

  /** All ledger fills, paged by (symbol, sequence); throws on a row that cannot be a fill. */
  async *fills(pageSize = 50_000): AsyncGenerator<FillInput[]> {
    let after: { symbol: string; sequence: string } | undefined;
    for (;;) {
      const { rows } = await this.db.query(
        `SELECT e.execution_id, e.order_id, e.symbol, e.sequence::text, e.price::text,
                e.quantity::text, e.liquidity, e.executed_at_unix_nanos::text, o.account_id, o.terms
           FROM ${this.executions} e LEFT JOIN ${this.orders} o ON o.order_id = e.order_id
          WHERE $1::text IS NULL OR (e.symbol, e.sequence) > ($1::text, $2::bigint)
          ORDER BY e.symbol, e.sequence, e.execution_id
          LIMIT $3`,
        [after?.symbol ?? null, after?.sequence ?? null, pageSize],
        { rowSchema: ledgerRow },
      );
      if (rows.length === 0) return;
      yield rows.map(toFillInput);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < pageSize) return;
      after = { symbol: last.symbol, sequence: last.sequence };
    }
  }
}

function toFillInput(r: z.infer<typeof ledgerRow>): FillInput {
  if (r.account_id === null || r.terms === null)
    throw new LedgerRowInvalidError(r.execution_id, `order ${r.order_id} is not in the ledger`);
  let side: common.Side;
  try {
    side = orders.NewOrder.decode(r.terms).side;
  } catch (error) {
    throw new LedgerRowInvalidError(r.execution_id, `terms do not decode: ${String(error)}`);
  }
  if (side !== common.Side.BUY && side !== common.Side.SELL)
    throw new LedgerRowInvalidError(r.execution_id, `order ${r.order_id} has no side`);
  return {
    executionId: r.execution_id,
    accountId: r.account_id,
    symbol: r.symbol,
    side: side === common.Side.BUY ? 'buy' : 'sell',
    quantity: r.quantity,
    price: r.price,
    liquidity:
      r.liquidity === orders.Liquidity.MAKER
        ? 'maker'
        : r.liquidity === orders.Liquidity.TAKER
          ? 'taker'
          : 'unspecified',
    sequence: BigInt(r.sequence),
    executedAtUnixNanos: BigInt(r.executed_at_unix_nanos),
  };
}
