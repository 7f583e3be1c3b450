import {
  formatPostTradeLimits,
  parsePostTradeLimits,
  type PostTradeLimits,
  type PostTradeLimitsText,
} from '@meridian/risk-domain';
import type { Database, Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const limitsRow = z.object({
  account_id: z.string(),
  max_daily_loss: z.string().nullable(),
  max_drawdown: z.string().nullable(),
  max_drawdown_pct: z.string().nullable(),
  max_gross_exposure: z.string().nullable(),
  actions: z.record(z.string(), z.string()),
  reason: z.string(),
  updated_by: z.string(),
  updated_at: z.date(),
});
type LimitsRow = z.infer<typeof limitsRow>;

/** Limits as stored, with who set them and when. */
export interface StoredPostTradeLimits {
  readonly limits: PostTradeLimits;
  readonly reason: string;
  readonly updatedBy: string;
  readonly updatedAt: Date;
}

const COLUMNS =
  'account_id, max_daily_loss, max_drawdown, max_drawdown_pct, max_gross_exposure, actions, reason, updated_by, updated_at';

function toStored(row: LimitsRow): StoredPostTradeLimits {
  // Through the domain parser: the CHECK constraints and the code must agree, or this throws.
  const limits = parsePostTradeLimits({
    accountId: row.account_id,
    maxDailyLoss: row.max_daily_loss ?? undefined,
    maxDrawdown: row.max_drawdown ?? undefined,
    maxDrawdownPct: row.max_drawdown_pct ?? undefined,
    maxGrossExposure: row.max_gross_exposure ?? undefined,
    actions: row.actions,
  });
  return { limits, reason: row.reason, updatedBy: row.updated_by, updatedAt: row.updated_at };
}

function auditJson(text: PostTradeLimitsText | null): string | null {
  return text === null ? null : JSON.stringify(text);
}

/** Post-trade limits per account ('*' = default), with an audit row for every change. */
export class PostTradeLimitsRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<StoredPostTradeLimits[]> {
    const { rows } = await this.db.query(
      `SELECT ${COLUMNS} FROM post_trade_limits ORDER BY account_id`,
      [],
      { rowSchema: limitsRow },
    );
    return rows.map(toStored);
  }

  async get(accountId: string, db: Queryable = this.db): Promise<StoredPostTradeLimits | null> {
    const { rows } = await db.query(
      `SELECT ${COLUMNS} FROM post_trade_limits WHERE account_id = $1`,
      [accountId],
      { rowSchema: limitsRow },
    );
    const row = rows[0];
    return row === undefined ? null : toStored(row);
  }

  /** Replaces an account's limits (absent thresholds remove that limit) and audits the change. */
  async set(
    limits: PostTradeLimits,
    updatedBy: string,
    reason = '',
  ): Promise<StoredPostTradeLimits> {
    const text = formatPostTradeLimits(limits);
    return this.db.withTransaction(async (tx) => {
      const before = await this.get(limits.accountId, tx);
      const { rows } = await tx.query(
        `INSERT INTO post_trade_limits (account_id, max_daily_loss, max_drawdown, max_drawdown_pct,
           max_gross_exposure, actions, reason, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (account_id) DO UPDATE SET
           max_daily_loss = EXCLUDED.max_daily_loss, max_drawdown = EXCLUDED.max_drawdown,
           max_drawdown_pct = EXCLUDED.max_drawdown_pct,
           max_gross_exposure = EXCLUDED.max_gross_exposure, actions = EXCLUDED.actions,
           reason = EXCLUDED.reason, updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING ${COLUMNS}`,
        [
          text.accountId,
          text.maxDailyLoss ?? null,
          text.maxDrawdown ?? null,
          text.maxDrawdownPct ?? null,
          text.maxGrossExposure ?? null,
          JSON.stringify(text.actions),
          reason,
          updatedBy,
        ],
        { rowSchema: limitsRow },
      );
      await tx.query(
        `INSERT INTO post_trade_limits_audit (account_id, before, after, updated_by, reason)
         VALUES ($1, $2, $3, $4, $5)`,
        [
          limits.accountId,
          auditJson(before === null ? null : formatPostTradeLimits(before.limits)),
          auditJson(text),
          updatedBy,
          reason,
        ],
      );
      const row = rows[0];
      if (row === undefined) throw new Error('upsert returned no row');
      return toStored(row);
    });
  }

  /** Removes an account's own limits (it falls back to the default); false when it had none. */
  async remove(accountId: string, updatedBy: string, reason = ''): Promise<boolean> {
    return this.db.withTransaction(async (tx) => {
      const before = await this.get(accountId, tx);
      if (before === null) return false;
      await tx.query('DELETE FROM post_trade_limits WHERE account_id = $1', [accountId]);
      await tx.query(
        `INSERT INTO post_trade_limits_audit (account_id, before, after, updated_by, reason)
         VALUES ($1, $2, NULL, $3, $4)`,
        [accountId, auditJson(formatPostTradeLimits(before.limits)), updatedBy, reason],
      );
      return true;
    });
  }

  /** The audit trail of one account's limits, oldest first. */
  async history(
    accountId: string,
  ): Promise<
    { updatedBy: string; reason: string; before: unknown; after: unknown; occurredAt: Date }[]
  > {
    const { rows } = await this.db.query(
      `SELECT updated_by, reason, before, after, occurred_at FROM post_trade_limits_audit
       WHERE account_id = $1 ORDER BY audit_id`,
      [accountId],
      {
        rowSchema: z.object({
          updated_by: z.string(),
          reason: z.string(),
          before: z.unknown(),
          after: z.unknown(),
          occurred_at: z.date(),
        }),
      },
    );
    return rows.map((r) => ({
      updatedBy: r.updated_by,
      reason: r.reason,
      before: r.before,
      after: r.after,
      occurredAt: r.occurred_at,
    }));
  }
}
