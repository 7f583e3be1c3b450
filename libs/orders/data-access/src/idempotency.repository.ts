import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

export type CommandKindName = 'new' | 'cancel' | 'replace';

const recordRow = z.object({
  agent_id: z.string(),
  client_order_id: z.string(),
  request_hash: z.instanceof(Buffer),
  command_kind: z.enum(['new', 'cancel', 'replace']),
  order_id: z.string(),
  command_id: z.string(),
  accepted_at_unix_nanos: z.string(),
});

/** The durable record of one accepted request (new, cancel or replace) of an agent. */
export interface IdempotencyRecord {
  readonly agentId: string;
  readonly clientOrderId: string;
  /** sha256 of the canonical request encoding. */
  readonly requestHash: Buffer;
  readonly commandKind: CommandKindName;
  readonly orderId: string;
  readonly commandId: string;
  readonly acceptedAtUnixNanos: bigint;
}

export class IdempotencyRepository {
  constructor(private readonly db: Queryable) {}

  /** Records a request once; returns the record that holds (an existing one wins). */
  async recordOnce(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    await this.db.query(
      `INSERT INTO idempotency_records (agent_id, client_order_id, request_hash, command_kind, order_id,
                                        command_id, accepted_at_unix_nanos)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        record.agentId,
        record.clientOrderId,
        record.requestHash,
        record.commandKind,
        record.orderId,
        record.commandId,
        record.acceptedAtUnixNanos.toString(),
      ],
    );
    const existing = await this.find(record.agentId, record.clientOrderId);
    if (existing === null) throw new Error('idempotency record vanished after insert');
    return existing;
  }

  async find(agentId: string, clientOrderId: string): Promise<IdempotencyRecord | null> {
    const { rows } = await this.db.query(
      `SELECT agent_id, client_order_id, request_hash, command_kind, order_id, command_id,
              accepted_at_unix_nanos::text
         FROM idempotency_records WHERE agent_id = $1 AND client_order_id = $2`,
      [agentId, clientOrderId],
      { rowSchema: recordRow },
    );
    const row = rows[0];
    return row === undefined
      ? null
      : {
          agentId: row.agent_id,
          clientOrderId: row.client_order_id,
          requestHash: row.request_hash,
          commandKind: row.command_kind,
          orderId: row.order_id,
          commandId: row.command_id,
          acceptedAtUnixNanos: BigInt(row.accepted_at_unix_nanos),
        };
  }
}
