import type { admin } from '@meridian/contracts';
import { AccountsRepository, TradingStatesRepository } from '@meridian/orders-data-access';
import {
  strictestState,
  type TradingState,
  type TradingStateScope,
} from '@meridian/orders-domain-pretrade';
import type { Queryable } from '@meridian/shared-persistence';
import type { Principal } from './api-key.authenticator';
import {
  nanosOf,
  requireAdmin,
  scopeToWire,
  stateToWire,
  validateStateTarget,
} from './admin-request.validator';
import { requireStateTarget } from './set-trading-state.usecase';

/**
 * AdminService.GetTradingState: the state set on the target and the one in force for it (the
 * strictest of global, account and agent), read from PostgreSQL, the source of truth.
 */
export class GetTradingStateUseCase {
  constructor(private readonly db: Queryable) {}

  async execute(
    principal: Principal,
    request: admin.GetTradingStateRequest,
  ): Promise<admin.GetTradingStateResponse> {
    requireAdmin(principal);
    const target = validateStateTarget(request.scope, request.targetId);
    await requireStateTarget(this.db, target);
    const states = new TradingStatesRepository(this.db);
    const own = await states.get(target.scope, target.scopeId);
    const chain: { scope: TradingStateScope; scopeId: string }[] = [
      { scope: 'global', scopeId: '' },
    ];
    if (target.scope === 'account') chain.push(target);
    if (target.scope === 'agent') {
      const agent = await new AccountsRepository(this.db).findAgent(target.scopeId);
      if (agent !== null) chain.push({ scope: 'account', scopeId: agent.accountId });
      chain.push(target);
    }
    const inForce: { scope: TradingStateScope; state: TradingState }[] = [];
    for (const link of chain) {
      const entry = link.scope === target.scope ? own : await states.get(link.scope, link.scopeId);
      inForce.push({ scope: link.scope, state: entry?.state ?? 'ACTIVE' });
    }
    const effective = strictestState(inForce);
    return {
      state: stateToWire(own?.state ?? 'ACTIVE'),
      reason: own?.reason ?? '',
      updatedAtUnixNanos: own === null ? 0n : nanosOf(own.updatedAt),
      effectiveState: stateToWire(effective.state),
      effectiveScope: scopeToWire(effective.scope),
    };
  }
}
