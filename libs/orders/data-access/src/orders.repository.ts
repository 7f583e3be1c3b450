import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const orderRow = z.object({
  order_id: z.string(),
  agent_id: z.string(),
  account_id: z.string(),
  client_order_id: z.string(),
  symbol: z.string(),
  terms: z.instanceof(Buffer),
  status: z.number().int(),
  cumulative_quantity: z.string(),
  leaves_quantity: z.string(),
  average_price: z.string().nullable(),
  created_at_unix_nanos: z.string(),
  updated_at_unix_nanos: z.string(),
  last_sequence: z.string(),
});

/** One order as stored; `terms` is the encoded meridian.orders.v1.NewOrder (after replaces). */
export interface OrderRecord {
  readonly orderId: string;
  readonly agentId: string;
  readonly accountId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly terms: Uint8Array;
  /** meridian.orders.v1.OrderStatus number; 0 = published, no execution report yet. */
  readonly status: number;
  readonly cumulativeQuantity: string;
  readonly leavesQuantity: string;
  readonly averagePrice: string | null;
  readonly createdAtUnixNanos: bigint;
  readonly updatedAtUnixNanos: bigint;
  readonly lastSequence: bigint;
}

/** A change of an order's state from one execution report; absent fields keep their value. */
export interface OrderTransition {
  readonly orderId: string;
  readonly sequence: bigint;
  readonly status: number;
  readonly updatedAtUnixNanos: bigint;
  readonly cumulativeQuantity?: string;
  readonly leavesQuantity?: string;
  readonly averagePrice?: string;
  readonly terms?: Uint8Array;
}

/** Statuses of a live order (published, NEW, PENDING_TRIGGER, PARTIALLY_FILLED). */
export const OPEN_ORDER_STATUSES: readonly number[] = [0, 1, 2, 3];

const COLUMNS = `order_id, agent_id, account_id, client_order_id, symbol, terms, status,
  cumulative_quantity::text, leaves_quantity::text, average_price::text,
  created_at_unix_nanos::text, updated_at_unix_nanos::text, last_sequence::text`;

function toRecord(row: z.infer<typeof orderRow>): OrderRecord {
  return {
    orderId: row.order_id,
    agentId: row.agent_id,
    accountId: row.account_id,
    clientOrderId: row.client_order_id,
    symbol: row.symbol,
    terms: row.terms,
    status: row.status,
    cumulativeQuantity: row.cumulative_quantity,
    leavesQuantity: row.leaves_quantity,
    averagePrice: row.average_price,
    createdAtUnixNanos: BigInt(row.created_at_unix_nanos),
    updatedAtUnixNanos: BigInt(row.updated_at_unix_nanos),
    lastSequence: BigInt(row.last_sequence),
  };
}

/** Orders of the order-store (written from orders.events.v1, read by GetOrder/ListOpenOrders). */
export class OrdersRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts an order; false (and no change) when its id or (agent, client_order_id) exists. */
  async insert(order: OrderRecord): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO orders (order_id, agent_id, account_id, client_order_id, symbol, terms, status,
                           cumulative_quantity, leaves_quantity, average_price,
                           created_at_unix_nanos, updated_at_unix_nanos, last_sequence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
      [
        order.orderId,
        order.agentId,
        order.accountId,
        order.clientOrderId,
        order.symbol,
        Buffer.from(order.terms),
        order.status,
        order.cumulativeQuantity,
        order.leavesQuantity,
        order.averagePrice,
        order.createdAtUnixNanos.toString(),
        order.updatedAtUnixNanos.toString(),
        order.lastSequence.toString(),
      ],
    );
    return rowCount === 1;
  }

  /**
   * Applies a transition unless the order already reflects `sequence` or a later event (events
   * of one symbol arrive in sequence order, so a redelivery is a no-op). False when nothing
   * changed: unknown order or an old sequence.
   */
  async applyTransition(t: OrderTransition): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE orders SET status = $3, updated_at_unix_nanos = $4, last_sequence = $2,
              cumulative_quantity = COALESCE($5::numeric, cumulative_quantity),
              leaves_quantity = COALESCE($6::numeric, leaves_quantity),
              average_price = COALESCE($7::numeric, average_price),
              terms = COALESCE($8::bytea, terms)
        WHERE order_id = $1 AND last_sequence < $2`,
      [
        t.orderId,
        t.sequence.toString(),
        t.status,
        t.updatedAtUnixNanos.toString(),
        t.cumulativeQuantity ?? null,
        t.leavesQuantity ?? null,
        t.averagePrice ?? null,
        t.terms === undefined ? null : Buffer.from(t.terms),
      ],
    );
    return rowCount === 1;
  }

  /** Any order by id (the order-store's own lookups; API reads go through findById). */
  async get(orderId: string): Promise<OrderRecord | null> {
    const { rows } = await this.db.query(
      `SELECT ${COLUMNS} FROM orders WHERE order_id = $1`,
      [orderId],
      {
        rowSchema: orderRow,
      },
    );
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  async findById(accountId: string, orderId: string): Promise<OrderRecord | null> {
    const { rows } = await this.db.query(
      `SELECT ${COLUMNS} FROM orders WHERE order_id = $1 AND account_id = $2`,
      [orderId, accountId],
      { rowSchema: orderRow },
    );
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  async findByClientOrderId(agentId: string, clientOrderId: string): Promise<OrderRecord | null> {
    const { rows } = await this.db.query(
      `SELECT ${COLUMNS} FROM orders WHERE agent_id = $1 AND client_order_id = $2`,
      [agentId, clientOrderId],
      { rowSchema: orderRow },
    );
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  /**
   * A page of the account's live orders in order_id order, after `afterOrderId` (keyset paging,
   * so concurrent inserts never shift a page). `symbol` '' means every symbol.
   */
  async listOpen(
    accountId: string,
    symbol: string,
    afterOrderId: string,
    limit: number,
  ): Promise<OrderRecord[]> {
    const { rows } = await this.db.query(
      `SELECT ${COLUMNS} FROM orders
        WHERE account_id = $1 AND status = ANY($2::smallint[]) AND ($3 = '' OR symbol = $3) AND order_id > $4
        ORDER BY order_id LIMIT $5`,
      [accountId, OPEN_ORDER_STATUSES, symbol, afterOrderId, limit],
      { rowSchema: orderRow },
    );
    return rows.map(toRecord);
  }
}
