import type { admin } from '@meridian/contracts';
import {
  AccountsRepository,
  type ApiKeyHasher,
  ApiKeysRepository,
} from '@meridian/orders-data-access';
import type { Database } from '@meridian/shared-persistence';
import type { Principal } from './api-key.authenticator';
import { AdminNotFoundReason, AdminTargetNotFoundError } from './admin.error';
import { writeAudit } from './admin-audit.writer';
import { requireAdmin, roleToWire, validateId, validateReason } from './admin-request.validator';

/** AdminService.IssueApiKey: a new key with the agent's role; the plaintext leaves only in the response. */
export class IssueApiKeyUseCase {
  constructor(
    private readonly db: Database,
    private readonly hasher: ApiKeyHasher,
  ) {}

  async execute(
    principal: Principal,
    request: admin.IssueApiKeyRequest,
  ): Promise<admin.IssueApiKeyResponse> {
    requireAdmin(principal);
    const agentId = validateId(request.agentId, 'agent_id');
    const reason = validateReason(request.reason, false);
    // scrypt takes tens of milliseconds: outside the transaction.
    const issued = await this.hasher.issue();
    const role = await this.db.withTransaction(async (tx) => {
      const agent = await new AccountsRepository(tx).findAgent(agentId);
      if (agent === null)
        throw new AdminTargetNotFoundError(AdminNotFoundReason.AGENT, 'agent', agentId);
      await new ApiKeysRepository(tx).insert({
        keyId: issued.keyId,
        agentId,
        role: agent.role,
        salt: issued.salt,
        hash: issued.hash,
      });
      await writeAudit(tx, principal, {
        action: 'IssueApiKey',
        targetScope: 'api_key',
        targetId: issued.keyId,
        reason,
        details: { agentId, role: agent.role },
      });
      return agent.role;
    });
    return { keyId: issued.keyId, apiKey: issued.plaintext, agentId, role: roleToWire(role) };
  }
}
