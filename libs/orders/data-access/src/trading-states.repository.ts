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

  async set(entry: TradingStateEntry, reason = ''): Promise<void> {
    await this.db.query(
      `INSERT INTO trading_states (scope, scope_id, state, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope, scope_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, updated_at = now()`,
      [entry.scope, entry.scopeId, entry.state, reason],
    );
  }
}
