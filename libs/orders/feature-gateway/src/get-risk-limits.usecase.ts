import type { admin } from '@meridian/contracts';
import { AccountsRepository, RiskLimitsRepository } from '@meridian/orders-data-access';
import type { Queryable } from '@meridian/shared-persistence';
import type { Principal } from './api-key.authenticator';
import { AdminNotFoundReason, AdminTargetNotFoundError } from './admin.error';
import { limitsToWire, requireAdmin, validateId } from './admin-request.validator';

/** AdminService.GetRiskLimits: the stored limits (the source of truth, not a cache). */
export class GetRiskLimitsUseCase {
  constructor(private readonly db: Queryable) {}

  async execute(
    principal: Principal,
    request: admin.GetRiskLimitsRequest,
  ): Promise<admin.GetRiskLimitsResponse> {
    requireAdmin(principal);
    const accountId = validateId(request.accountId, 'account_id');
    if (!(await new AccountsRepository(this.db).accountExists(accountId)))
      throw new AdminTargetNotFoundError(AdminNotFoundReason.ACCOUNT, 'account', accountId);
    const limits = await new RiskLimitsRepository(this.db).get(accountId);
    return limits === null ? {} : { limits: limitsToWire(limits) };
  }
}
