import type { admin } from '@meridian/contracts';
import {
  AccountsRepository,
  type PretradeRiskStore,
  TradingStatesRepository,
} from '@meridian/orders-data-access';
import type { Database, Queryable } from '@meridian/shared-persistence';
import type { Principal } from './api-key.authenticator';
import { AdminNotFoundReason, AdminTargetNotFoundError } from './admin.error';
import { writeAudit } from './admin-audit.writer';
import {
  nanosOf,
  requireAdmin,
  type StateTarget,
  stateFromWire,
  stateToWire,
  validateReason,
  validateStateTarget,
} from './admin-request.validator';

/** Throws NOT_FOUND unless the agent or account of `target` exists (global always does). */
export async function requireStateTarget(db: Queryable, target: StateTarget): Promise<void> {
  const accounts = new AccountsRepository(db);
  if (target.scope === 'account' && !(await accounts.accountExists(target.scopeId)))
    throw new AdminTargetNotFoundError(AdminNotFoundReason.ACCOUNT, 'account', target.scopeId);
  if (target.scope === 'agent' && (await accounts.findAgent(target.scopeId)) === null)
    throw new AdminTargetNotFoundError(AdminNotFoundReason.AGENT, 'agent', target.scopeId);
}

/**
 * AdminService.SetTradingState: writes the state and its audit row to PostgreSQL in one
 * transaction, then to Redis, where every gateway replica's pre-trade script reads it: the next
 * order anywhere sees it. If the Redis write fails the call fails and a retry (idempotent)
 * completes it; a gateway that reloads the states from PostgreSQL gets it too.
 */
export class SetTradingStateUseCase {
  constructor(
    private readonly db: Database,
    private readonly store: PretradeRiskStore,
  ) {}

  async execute(
    principal: Principal,
    request: admin.SetTradingStateRequest,
  ): Promise<admin.SetTradingStateResponse> {
    requireAdmin(principal);
    const target = validateStateTarget(request.scope, request.targetId);
    const state = stateFromWire(request.state);
    const reason = validateReason(request.reason, true);
    const effectiveAt = await this.db.withTransaction(async (tx) => {
      await requireStateTarget(tx, target);
      const states = new TradingStatesRepository(tx);
      const previous = (await states.get(target.scope, target.scopeId))?.state ?? 'ACTIVE';
      const at = await states.set({ ...target, state }, reason);
      await writeAudit(tx, principal, {
        action: 'SetTradingState',
        targetScope: target.scope,
        targetId: target.scopeId,
        reason,
        details: { state, previous },
      });
      return at;
    });
    await this.store.setTradingState(target.scope, target.scopeId, state);
    return { state: stateToWire(state), effectiveAtUnixNanos: nanosOf(effectiveAt) };
  }
}
