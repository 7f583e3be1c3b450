import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

/** What an audited change applies to. */
export type AuditTargetScope = 'account' | 'agent' | 'api_key' | 'global';

/** One administrative change: who (the admin key), what, on which target, why. */
export interface AdminAuditEntry {
  readonly actorAgentId: string;
  readonly actorKeyId: string;
  /** The AdminService method, e.g. `SetTradingState`. */
  readonly action: string;
  readonly targetScope: AuditTargetScope;
  /** '' for the global scope. */
  readonly targetId: string;
  readonly reason: string;
  /** The new values; never secrets (no key material). */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AdminAuditRecord extends AdminAuditEntry {
  readonly auditId: string;
  readonly occurredAt: Date;
}

const auditRow = z.object({
  audit_id: z.string(),
  occurred_at: z.date(),
  actor_agent_id: z.string(),
  actor_key_id: z.string(),
  action: z.string(),
  target_scope: z.enum(['account', 'agent', 'api_key', 'global']),
  target_id: z.string(),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()),
});

/** The append-only audit log of AdminService changes (table `admin_audit`). */
export class AdminAuditRepository {
  constructor(private readonly db: Queryable) {}

  /** Appends an entry; run it in the transaction of the change so neither exists without the other. */
  async record(entry: AdminAuditEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO admin_audit (actor_agent_id, actor_key_id, action, target_scope, target_id, reason, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.actorAgentId,
        entry.actorKeyId,
        entry.action,
        entry.targetScope,
        entry.targetId,
        entry.reason,
        JSON.stringify(entry.details),
      ],
    );
  }

  /** The entries of one target, oldest first. */
  async listForTarget(scope: AuditTargetScope, targetId: string): Promise<AdminAuditRecord[]> {
    const { rows } = await this.db.query(
      `SELECT audit_id::text, occurred_at, actor_agent_id, actor_key_id, action, target_scope,
              target_id, reason, details
         FROM admin_audit WHERE target_scope = $1 AND target_id = $2
        ORDER BY audit_id`,
      [scope, targetId],
      { rowSchema: auditRow },
    );
    return rows.map((row) => ({
      auditId: row.audit_id,
      occurredAt: row.occurred_at,
      actorAgentId: row.actor_agent_id,
      actorKeyId: row.actor_key_id,
      action: row.action,
      targetScope: row.target_scope,
      targetId: row.target_id,
      reason: row.reason,
      details: row.details,
    }));
  }
}
