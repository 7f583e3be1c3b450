import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const eventRow = z.object({ sequence: z.string(), event: z.instanceof(Buffer) });

/** One execution report as the replay log keeps it: the encoded meridian.orders.v1.OrderEvent. */
export interface StoredOrderEvent {
  readonly symbol: string;
  readonly sequence: bigint;
  readonly accountId: string;
  readonly agentId: string;
  readonly event: Uint8Array;
}

/**
 * The replay log of execution reports, keyed by (symbol, sequence): written by every gateway
 * replica from orders.events.v1 (a copy already there is left as is) and read to resume streams.
 */
export class OrderEventsRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores events not yet stored; returns how many were new. */
  async append(events: readonly StoredOrderEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const { rowCount } = await this.db.query(
      `INSERT INTO order_events (symbol, sequence, account_id, agent_id, event)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bytea[])
       ON CONFLICT (symbol, sequence) DO NOTHING`,
      [
        events.map((e) => e.symbol),
        events.map((e) => e.sequence.toString()),
        events.map((e) => e.accountId),
        events.map((e) => e.agentId),
        events.map((e) => Buffer.from(e.event)),
      ],
    );
    return rowCount;
  }

  /** Up to `limit` of the agent's events of `symbol` with sequence >= `fromSequence`, in order. */
  async page(
    agentId: string,
    symbol: string,
    fromSequence: bigint,
    limit: number,
  ): Promise<{ sequence: bigint; event: Uint8Array }[]> {
    const { rows } = await this.db.query(
      `SELECT sequence::text, event FROM order_events
        WHERE agent_id = $1 AND symbol = $2 AND sequence >= $3
        ORDER BY order_events.sequence LIMIT $4`,
      [agentId, symbol, fromSequence.toString(), limit],
      { rowSchema: eventRow },
    );
    return rows.map((row) => ({ sequence: BigInt(row.sequence), event: row.event }));
  }
}
