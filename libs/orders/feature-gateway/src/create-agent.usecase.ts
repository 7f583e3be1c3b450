import type { admin } from '@meridian/contracts';
import { AccountsRepository } from '@meridian/orders-data-access';
import { type Database, UniqueViolationError } from '@meridian/shared-persistence';
import type { Principal } from './api-key.authenticator';
import {
  AdminExistsReason,
  AdminNotFoundReason,
  AdminTargetExistsError,
  AdminTargetNotFoundError,
} from './admin.error';
import { writeAudit } from './admin-audit.writer';
import {
  idOrGenerated,
  requireAdmin,
  roleFromWire,
  roleToWire,
  validateId,
  validateName,
  validateReason,
} from './admin-request.validator';

/** AdminService.CreateAgent: an agent of an existing account; its keys get `role`. */
export class CreateAgentUseCase {
  constructor(private readonly db: Database) {}

  async execute(
    principal: Principal,
    request: admin.CreateAgentRequest,
  ): Promise<admin.CreateAgentResponse> {
    requireAdmin(principal);
    const accountId = validateId(request.accountId, 'account_id');
    const agentId = idOrGenerated(request.agentId, 'agent_id', 'agent');
    const name = validateName(request.name);
    const role = roleFromWire(request.role);
    const reason = validateReason(request.reason, false);
    try {
      await this.db.withTransaction(async (tx) => {
        const accounts = new AccountsRepository(tx);
        if (!(await accounts.accountExists(accountId)))
          throw new AdminTargetNotFoundError(AdminNotFoundReason.ACCOUNT, 'account', accountId);
        await accounts.createAgent({ agentId, accountId, name, role });
        await writeAudit(tx, principal, {
          action: 'CreateAgent',
          targetScope: 'agent',
          targetId: agentId,
          reason,
          details: { accountId, name, role },
        });
      });
    } catch (error: unknown) {
      if (error instanceof UniqueViolationError)
        throw new AdminTargetExistsError(AdminExistsReason.AGENT, 'agent', agentId);
      throw error;
    }
    return { agentId, accountId, role: roleToWire(role) };
  }
}
