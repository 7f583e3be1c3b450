import {
  TRADING_STATES,
  type TradingState,
  type TradingStateScope,
} from '@meridian/orders-domain-pretrade';
import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const stateRow = z.object({
  scope: z.enum(['global', 'account', 'agent']),
  scope_id: z.string(),
  state: z.enum(TRADING_STATES),
});

const detailRow = z.object({
  state: z.enum(TRADING_STATES),
  reason: z.string(),
  updated_at: z.date(),
});

export interface TradingStateEntry {
  readonly scope: TradingStateScope;
  /** '' for the global scope. */
  readonly scopeId: string;
  readonly state: TradingState;
}

/** One trading-state change as risk.controls.v1 carries it, after validation. */
export interface TradingStateChange extends TradingStateEntry {
  readonly controlId: string;
  readonly reason: string;
  /** `admin:<agent id>` for AdminService, a service name for automatic controls. */
  readonly actor: string;
  readonly effectiveAt: Date;
}

/** What applying a change did. */
export type ApplyChangeOutcome =
  | { readonly kind: 'applied'; readonly previous: TradingState }
  /** A newer change of the target is in force: recorded in the history only. */
  | { readonly kind: 'superseded'; readonly current: TradingState }
  /** This control id was applied before (a replay). */
  | { readonly kind: 'duplicate' };

const historyRow = z.object({
  control_id: z.string(),
  state: z.enum(TRADING_STATES),
  previous_state: z.enum(TRADING_STATES),
  reason: z.string(),
  actor: z.string(),
  effective_at: z.date(),
  applied: z.boolean(),
});

/** One row of trading_state_changes. */
export interface TradingStateChangeRecord {
  readonly controlId: string;
  readonly state: TradingState;
  readonly previousState: TradingState;
  readonly reason: string;
  readonly actor: string;
  readonly effectiveAt: Date;
  readonly applied: boolean;
}

const currentRow = z.object({ state: z.enum(TRADING_STATES), updated_at: z.date() });

/** Trading states per agent, account and globally (no row = ACTIVE). */
export class TradingStatesRepository {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<TradingStateEntry[]> {
    const { rows } = await this.db.query('SELECT scope, scope_id, state FROM trading_states', [], {
      rowSchema: stateRow,
    });
    return rows.map((row) => ({ scope: row.scope, scopeId: row.scope_id, state: row.state }));
  }

  /** The state set on exactly this target with its reason; null when none was (ACTIVE). */
  async get(
    scope: TradingStateScope,
    scopeId: string,
  ): Promise<{ state: TradingState; reason: string; updatedAt: Date } | null> {
    const { rows } = await this.db.query(
      'SELECT state, reason, updated_at FROM trading_states WHERE scope = $1 AND scope_id = $2',
      [scope, scopeId],
      { rowSchema: detailRow },
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { state: row.state, reason: row.reason, updatedAt: row.updated_at };
  }

  /**
   * Applies a change and appends it to trading_state_changes, idempotently by control id. Run it
   * in a transaction: it locks the target's row, so concurrent changes of one target serialize and
   * the newest effective time wins whatever the arrival order.
   */
  async applyChange(change: TradingStateChange): Promise<ApplyChangeOutcome> {
    const { rows: seen } = await this.db.query(
      'SELECT 1 AS one FROM trading_state_changes WHERE control_id = $1',
      [change.controlId],
      { rowSchema: z.object({ one: z.number() }) },
    );
    if (seen.length > 0) return { kind: 'duplicate' };
    const { rows } = await this.db.query(
      'SELECT state, updated_at FROM trading_states WHERE scope = $1 AND scope_id = $2 FOR UPDATE',
      [change.scope, change.scopeId],
      { rowSchema: currentRow },
    );
    const current = rows[0];
    const previous = current?.state ?? 'ACTIVE';
    const newer = current !== undefined && current.updated_at > change.effectiveAt;
    const { rowCount } = await this.db.query(
      `INSERT INTO trading_state_changes
         (control_id, scope, scope_id, state, previous_state, reason, actor, effective_at, applied)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (control_id) DO NOTHING`,
      [
        change.controlId,
        change.scope,
        change.scopeId,
        change.state,
        previous,
        change.reason,
        change.actor,
        change.effectiveAt,
        !newer,
      ],
    );
    if (rowCount === 0) return { kind: 'duplicate' };
    if (newer) return { kind: 'superseded', current: previous };
    await this.db.query(
      `INSERT INTO trading_states (scope, scope_id, state, reason, updated_at, control_id)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (scope, scope_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason,
         updated_at = EXCLUDED.updated_at, control_id = EXCLUDED.control_id`,
      [
        change.scope,
        change.scopeId,
        change.state,
        change.reason,
        change.effectiveAt,
        change.controlId,
      ],
    );
    return { kind: 'applied', previous };
  }

  /** The recorded changes of one target, oldest first (the audit trail). */
  async history(scope: TradingStateScope, scopeId: string): Promise<TradingStateChangeRecord[]> {
    const { rows } = await this.db.query(
      `SELECT control_id, state, previous_state, reason, actor, effective_at, applied
       FROM trading_state_changes WHERE scope = $1 AND scope_id = $2
       ORDER BY effective_at, recorded_at`,
      [scope, scopeId],
      { rowSchema: historyRow },
    );
    return rows.map((row) => ({
      controlId: row.control_id,
      state: row.state,
      previousState: row.previous_state,
      reason: row.reason,
      actor: row.actor,
      effectiveAt: row.effective_at,
      applied: row.applied,
    }));
  }

  /** Sets a state and returns when it took effect (the database clock). */
  async set(entry: TradingStateEntry, reason = ''): Promise<Date> {
    const { rows } = await this.db.query(
      `INSERT INTO trading_states (scope, scope_id, state, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope, scope_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, updated_at = now()
       RETURNING updated_at`,
      [entry.scope, entry.scopeId, entry.state, reason],
      { rowSchema: z.object({ updated_at: z.date() }) },
    );
    return rows[0]?.updated_at ?? new Date();
  }
}
