import type { Database } from '@meridian/shared-persistence';
import { z } from 'zod';

const pendingRow = z.object({
  seq: z.string(),
  topic: z.string(),
  record_key: z.string().nullable(),
  message_type: z.string(),
  message_id: z.string(),
  payload: z.instanceof(Buffer),
});

/** A record waiting in the outbox. */
export interface PendingOutboxRecord {
  readonly seq: bigint;
  readonly topic: string;
  readonly key: string | null;
  readonly messageType: string;
  readonly messageId: string;
  readonly payload: Buffer;
}

/** Reads and acknowledges the outbox written by RiskStateStore.transact. */
export class RiskOutboxRepository {
  constructor(private readonly db: Database) {}

  /** Unpublished records, oldest first. */
  async pending(limit = 500): Promise<PendingOutboxRecord[]> {
    const { rows } = await this.db.query(
      `SELECT seq::text AS seq, topic, record_key, message_type, message_id, payload FROM risk_outbox
       WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
      [limit],
      { rowSchema: pendingRow },
    );
    return rows.map((r) => ({
      seq: BigInt(r.seq),
      topic: r.topic,
      key: r.record_key,
      messageType: r.message_type,
      messageId: r.message_id,
      payload: r.payload,
    }));
  }

  async markPublished(seqs: readonly bigint[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.db.query(
      'UPDATE risk_outbox SET published_at = now() WHERE seq = ANY($1::bigint[]) AND published_at IS NULL',
      [seqs.map(String)],
    );
  }

  /** How many records wait (readiness detail, metrics). */
  async backlog(): Promise<number> {
    const { rows } = await this.db.query(
      'SELECT count(*)::int AS n FROM risk_outbox WHERE published_at IS NULL',
      [],
      { rowSchema: z.object({ n: z.number() }) },
    );
    return rows[0]?.n ?? 0;
  }
}
