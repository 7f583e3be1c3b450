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
