import {
  type AccountRiskState,
  type BreachAction,
  initialRiskState,
  isBreachAction,
  isLimitKind,
  type LimitKind,
  TRADING_STATES,
  type TradingState,
} from '@meridian/risk-domain';
import type { Database, Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const stateRow = z.object({
  account_id: z.string(),
  state: z.enum(TRADING_STATES),
  tripped: z.record(z.string(), z.string()),
  warned_on: z.record(z.string(), z.string()),
  last_version: z.string(),
});
type StateRow = z.infer<typeof stateRow>;

function toState(row: StateRow): AccountRiskState {
  const tripped: Partial<Record<LimitKind, BreachAction>> = {};
  for (const [kind, action] of Object.entries(row.tripped)) {
    if (isLimitKind(kind) && isBreachAction(action)) tripped[kind] = action;
  }
  const warnedOn: Partial<Record<LimitKind, string>> = {};
  for (const [kind, day] of Object.entries(row.warned_on)) {
    if (isLimitKind(kind)) warnedOn[kind] = day;
  }
  return {
    accountId: row.account_id,
    state: row.state,
    tripped,
    warnedOn,
    lastVersion: BigInt(row.last_version),
  };
}

/** One breach to record. */
export interface BreachRecord {
  /** Deterministic (`<account>:v<version>:<limit>`), so re-deciding the same update inserts nothing. */
  readonly breachId: string;
  readonly limit: LimitKind;
  readonly observed: string;
  readonly threshold: string;
  readonly action: BreachAction;
  /** The state change it caused; undefined when the account was already that strict. */
  readonly controlId: string | undefined;
  readonly updateVersion: bigint;
  readonly reason: string;
  readonly actor: string;
  readonly occurredAt: Date;
}

/** One change of trading state (made or followed). */
export interface StateChangeRecord {
  readonly controlId: string;
  readonly from: TradingState;
  readonly to: TradingState;
  readonly actor: string;
  readonly reason: string;
  readonly effectiveAt: Date;
}

/** A record to publish after the transaction commits. */
export interface OutboxRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly messageType: string;
  readonly messageId: string;
  readonly payload: Uint8Array;
}

/** Everything one decision writes, atomically. */
export interface RiskStatePlan {
  readonly next: AccountRiskState;
  readonly updatedBy: string;
  readonly reason: string;
  readonly breaches: readonly BreachRecord[];
  readonly stateChange: StateChangeRecord | undefined;
  readonly outbox: readonly OutboxRecord[];
}

/** What `transact` tells the plan besides the stored state. */
export interface TransactContext {
  /** Effective time of the account's latest recorded state change; null when it never changed. */
  readonly lastChangeAt: Date | null;
}

export type TransactOutcome<P> =
  | { readonly kind: 'written'; readonly plan: P; readonly outboxSeqs: readonly bigint[] }
  | { readonly kind: 'unchanged'; readonly current: AccountRiskState }
  | { readonly kind: 'duplicate-control' };

/**
 * The latched risk state per account and what changes it: breaches, state changes (the audit
 * trail: who, why, when) and the outbox. `transact` reads the account's row FOR UPDATE, so two
 * deciders (replicas during a rebalance) serialise and the second sees the first's result.
 */
export class RiskStateStore {
  constructor(private readonly db: Database) {}

  async loadAll(): Promise<Map<string, AccountRiskState>> {
    const { rows } = await this.db.query(
      'SELECT account_id, state, tripped, warned_on, last_version FROM risk_account_states',
      [],
      { rowSchema: stateRow },
    );
    return new Map(rows.map((row) => [row.account_id, toState(row)]));
  }

  async load(accountId: string): Promise<AccountRiskState> {
    const { rows } = await this.db.query(
      `SELECT account_id, state, tripped, warned_on, last_version FROM risk_account_states
       WHERE account_id = $1`,
      [accountId],
      { rowSchema: stateRow },
    );
    const row = rows[0];
    return row === undefined ? initialRiskState(accountId) : toState(row);
  }

  /**
   * Runs `plan` on the account's current stored state (and the time of its latest state change)
   * inside a transaction and writes what it returns (undefined: nothing to write). With `controlId`, a control already recorded is a
   * duplicate and `plan` is not called.
   */
  async transact<P extends RiskStatePlan>(
    accountId: string,
    plan: (current: AccountRiskState, context: TransactContext) => P | undefined,
    options: { controlId?: string } = {},
  ): Promise<TransactOutcome<P>> {
    return this.db.withTransaction(async (tx) => {
      // One statement creates the row of an account seen for the first time, locks it (the
      // no-op update takes the row lock like FOR UPDATE) and returns what is stored.
      const { rows } = await tx.query(
        `INSERT INTO risk_account_states (account_id, state, updated_by) VALUES ($1, 'ACTIVE', 'risk-monitor')
         ON CONFLICT (account_id) DO UPDATE SET account_id = EXCLUDED.account_id
         RETURNING account_id, state, tripped, warned_on, last_version, last_change_at`,
        [accountId],
        { rowSchema: stateRow.extend({ last_change_at: z.date().nullable() }) },
      );
      const row = rows[0];
      if (row === undefined) throw new Error(`no state row for ${accountId}`);
      if (options.controlId !== undefined) {
        const { rowCount } = await tx.query(
          'SELECT 1 FROM risk_state_changes WHERE control_id = $1',
          [options.controlId],
        );
        if (rowCount > 0) return { kind: 'duplicate-control' as const };
      }
      const current = toState(row);
      const decided = plan(current, { lastChangeAt: row.last_change_at });
      if (decided === undefined) return { kind: 'unchanged' as const, current };
      await this.write(tx, decided);
      const outboxSeqs = await this.insertOutbox(tx, decided.outbox);
      return { kind: 'written' as const, plan: decided, outboxSeqs };
    });
  }

  private async insertOutbox(tx: Queryable, records: readonly OutboxRecord[]): Promise<bigint[]> {
    if (records.length === 0) return [];
    const params: unknown[] = [];
    const values = records.map((record) => {
      params.push(
        record.topic,
        record.key,
        record.messageType,
        record.messageId,
        Buffer.from(record.payload),
      );
      const i = params.length;
      return `($${i - 4}, $${i - 3}, $${i - 2}, $${i - 1}, $${i})`;
    });
    const { rows } = await tx.query(
      `INSERT INTO risk_outbox (topic, record_key, message_type, message_id, payload)
       VALUES ${values.join(', ')} RETURNING seq::text AS seq`,
      params,
      { rowSchema: z.object({ seq: z.string() }) },
    );
    return rows.map((r) => BigInt(r.seq));
  }

  private async write(tx: Queryable, plan: RiskStatePlan): Promise<void> {
    const { next } = plan;
    await tx.query(
      `UPDATE risk_account_states SET state = $2, tripped = $3, warned_on = $4,
         last_version = GREATEST(last_version, $5::numeric), updated_by = $6, reason = $7,
         control_id = COALESCE($8, control_id),
         last_change_at = COALESCE($9::timestamptz, last_change_at), updated_at = now()
       WHERE account_id = $1`,
      [
        next.accountId,
        next.state,
        JSON.stringify(next.tripped),
        JSON.stringify(next.warnedOn),
        next.lastVersion.toString(),
        plan.updatedBy,
        plan.reason,
        plan.stateChange?.controlId ?? null,
        plan.stateChange?.effectiveAt ?? null,
      ],
    );
    if (plan.stateChange !== undefined) {
      const change = plan.stateChange;
      await tx.query(
        `INSERT INTO risk_state_changes (control_id, account_id, from_state, to_state, actor, reason, effective_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (control_id) DO NOTHING`,
        [
          change.controlId,
          next.accountId,
          change.from,
          change.to,
          change.actor,
          change.reason,
          change.effectiveAt,
        ],
      );
    }
    if (plan.breaches.length > 0) {
      const params: unknown[] = [];
      const values = plan.breaches.map((breach) => {
        params.push(
          breach.breachId,
          next.accountId,
          breach.limit,
          breach.observed,
          breach.threshold,
          breach.action,
          breach.controlId ?? null,
          breach.updateVersion.toString(),
          breach.reason,
          breach.actor,
          breach.occurredAt,
        );
        const first = params.length - 10;
        return `(${Array.from({ length: 11 }, (_, k) => `$${first + k}`).join(', ')})`;
      });
      await tx.query(
        `INSERT INTO risk_breaches (breach_id, account_id, limit_kind, observed, threshold, action,
           control_id, update_version, reason, actor, occurred_at)
         VALUES ${values.join(', ')} ON CONFLICT (breach_id) DO NOTHING`,
        params,
      );
    }
  }

  /** The breaches of an account, oldest first (audit, tests, the CLI). */
  async breaches(accountId: string): Promise<StoredBreach[]> {
    const { rows } = await this.db.query(
      `SELECT breach_id, limit_kind, observed::text AS observed, threshold::text AS threshold, action,
         control_id, update_version::text AS update_version, reason, actor, occurred_at
       FROM risk_breaches WHERE account_id = $1 ORDER BY occurred_at, breach_id`,
      [accountId],
      { rowSchema: storedBreachRow },
    );
    return rows.map((r) => ({
      breachId: r.breach_id,
      limit: r.limit_kind,
      observed: r.observed,
      threshold: r.threshold,
      action: r.action,
      controlId: r.control_id,
      updateVersion: BigInt(r.update_version),
      reason: r.reason,
      actor: r.actor,
      occurredAt: r.occurred_at,
    }));
  }

  /** The state changes of an account, in the order they were recorded. */
  async stateChanges(accountId: string): Promise<StoredStateChange[]> {
    const { rows } = await this.db.query(
      `SELECT control_id, from_state, to_state, actor, reason, effective_at, recorded_at
       FROM risk_state_changes WHERE account_id = $1 ORDER BY change_id`,
      [accountId],
      { rowSchema: storedChangeRow },
    );
    return rows.map((r) => ({
      controlId: r.control_id,
      from: r.from_state,
      to: r.to_state,
      actor: r.actor,
      reason: r.reason,
      effectiveAt: r.effective_at,
      recordedAt: r.recorded_at,
    }));
  }
}

const storedBreachRow = z.object({
  breach_id: z.string(),
  limit_kind: z.string(),
  observed: z.string(),
  threshold: z.string(),
  action: z.string(),
  control_id: z.string().nullable(),
  update_version: z.string(),
  reason: z.string(),
  actor: z.string(),
  occurred_at: z.date(),
});

export interface StoredBreach {
  readonly breachId: string;
  readonly limit: string;
  readonly observed: string;
  readonly threshold: string;
  readonly action: string;
  readonly controlId: string | null;
  readonly updateVersion: bigint;
  readonly reason: string;
  readonly actor: string;
  readonly occurredAt: Date;
}

const storedChangeRow = z.object({
  control_id: z.string(),
  from_state: z.enum(TRADING_STATES),
  to_state: z.enum(TRADING_STATES),
  actor: z.string(),
  reason: z.string(),
  effective_at: z.date(),
  recorded_at: z.date(),
});

export interface StoredStateChange {
  readonly controlId: string;
  readonly from: TradingState;
  readonly to: TradingState;
  readonly actor: string;
  readonly reason: string;
  readonly effectiveAt: Date;
  readonly recordedAt: Date;
}
