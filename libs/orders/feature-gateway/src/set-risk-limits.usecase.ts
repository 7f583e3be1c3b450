import type { admin } from '@meridian/contracts';
import { AccountsRepository, RiskLimitsRepository } from '@meridian/orders-data-access';
import {
  InvalidRequestReason,
  OrderRequestInvalidError,
  riskLimitProblems,
} from '@meridian/orders-domain-pretrade';
import type { Database } from '@meridian/shared-persistence';
import type { Principal } from './api-key.authenticator';
import { AdminNotFoundReason, AdminTargetNotFoundError } from './admin.error';
import { writeAudit } from './admin-audit.writer';
import {
  limitsFromWire,
  limitsToWire,
  requireAdmin,
  validateId,
  validateReason,
} from './admin-request.validator';
import type { RiskLimitsCache } from './risk-limits.cache';

/**
 * AdminService.SetRiskLimits: replaces an account's limits in PostgreSQL (audited) and drops
 * them from this process' cache, so the next order here is checked against them; other gateway
 * replicas pick them up within their cache TTL (1 s).
 */
export class SetRiskLimitsUseCase {
  constructor(
    private readonly db: Database,
    private readonly cache: RiskLimitsCache,
  ) {}

  async execute(
    principal: Principal,
    request: admin.SetRiskLimitsRequest,
  ): Promise<admin.SetRiskLimitsResponse> {
    requireAdmin(principal);
    const accountId = validateId(request.accountId, 'account_id');
    const limits = limitsFromWire(request.limits);
    const reason = validateReason(request.reason, false);
    // The domain's own rules as a last guard; limitsFromWire already names the field.
    const problem = riskLimitProblems(limits)[0];
    if (problem !== undefined)
      throw new OrderRequestInvalidError(
        InvalidRequestReason.INVALID_FIELD,
        'limits',
        'malformed',
        problem,
      );
    const stored = await this.db.withTransaction(async (tx) => {
      if (!(await new AccountsRepository(tx).accountExists(accountId)))
        throw new AdminTargetNotFoundError(AdminNotFoundReason.ACCOUNT, 'account', accountId);
      const repository = new RiskLimitsRepository(tx);
      await repository.upsert(accountId, limits);
      await writeAudit(tx, principal, {
        action: 'SetRiskLimits',
        targetScope: 'account',
        targetId: accountId,
        reason,
        details: { ...limits },
      });
      return (await repository.get(accountId)) ?? limits;
    });
    this.cache.invalidate(accountId);
    return { limits: limitsToWire(stored) };
  }
}
