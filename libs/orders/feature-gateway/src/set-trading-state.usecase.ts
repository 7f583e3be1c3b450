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
import { controlOfChange, newChange, type RiskControlPublisher } from './risk-controls';
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
 * AdminService.SetTradingState: records the change (trading_state_changes, with actor
 * `admin:<agent>`) and its admin audit row and sets the state in PostgreSQL in one transaction,
 * then in Redis, where every gateway replica's pre-trade script reads it (the next order anywhere
 * sees it), then publishes it on risk.controls.v1, from which the executor cancels a halted
 * target's resting orders. If Redis or Kafka fails the call fails; the retry makes a new change
 * with the same state, which is harmless.
 */
export class SetTradingStateUseCase {
  constructor(
    private readonly db: Database,
    private readonly store: PretradeRiskStore,
    private readonly controls: RiskControlPublisher,
  ) {}

  async execute(
    principal: Principal,
    request: admin.SetTradingStateRequest,
  ): Promise<admin.SetTradingStateResponse> {
    requireAdmin(principal);
    const target = validateStateTarget(request.scope, request.targetId);
    const state = stateFromWire(request.state);
    const reason = validateReason(request.reason, true);
    const change = newChange(target, state, reason, `admin:${principal.agentId}`);
    // `current` differs from `state` only when a change with a later effective time (another
    // replica's clock) is already in force; Redis and the answer follow PostgreSQL then.
    const current = await this.db.withTransaction(async (tx) => {
      await requireStateTarget(tx, target);
      const states = new TradingStatesRepository(tx);
      const outcome = await states.applyChange(change);
      await writeAudit(tx, principal, {
        action: 'SetTradingState',
        targetScope: target.scope,
        targetId: target.scopeId,
        reason,
        details: {
          state,
          previous: outcome.kind === 'applied' ? outcome.previous : state,
          controlId: change.controlId,
        },
      });
      return (await states.get(target.scope, target.scopeId))?.state ?? 'ACTIVE';
    });
    await this.store.setTradingState(target.scope, target.scopeId, current);
    await this.controls.publish(controlOfChange(change));
    return { state: stateToWire(current), effectiveAtUnixNanos: nanosOf(change.effectiveAt) };
  }
}
