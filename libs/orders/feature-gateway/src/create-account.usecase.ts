import type { admin } from '@meridian/contracts';
import { AccountsRepository } from '@meridian/orders-data-access';
import { type Database, UniqueViolationError } from '@meridian/shared-persistence';
import type { Principal } from './api-key.authenticator';
import { AdminExistsReason, AdminTargetExistsError } from './admin.error';
import { writeAudit } from './admin-audit.writer';
import {
  idOrGenerated,
  requireAdmin,
  validateName,
  validateReason,
} from './admin-request.validator';

/** AdminService.CreateAccount: a new account without limits (it cannot trade until it has some). */
export class CreateAccountUseCase {
  constructor(private readonly db: Database) {}

  async execute(
    principal: Principal,
    request: admin.CreateAccountRequest,
  ): Promise<admin.CreateAccountResponse> {
    requireAdmin(principal);
    const accountId = idOrGenerated(request.accountId, 'account_id', 'acct');
    const name = validateName(request.name);
    const reason = validateReason(request.reason, false);
    try {
      await this.db.withTransaction(async (tx) => {
        await new AccountsRepository(tx).createAccount(accountId, name);
        await writeAudit(tx, principal, {
          action: 'CreateAccount',
          targetScope: 'account',
          targetId: accountId,
          reason,
          details: { name },
        });
      });
    } catch (error: unknown) {
      if (error instanceof UniqueViolationError)
        throw new AdminTargetExistsError(AdminExistsReason.ACCOUNT, 'account', accountId);
      throw error;
    }
    return { accountId };
  }
}
