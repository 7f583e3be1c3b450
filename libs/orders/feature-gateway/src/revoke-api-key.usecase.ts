import type { admin } from '@meridian/contracts';
import { ApiKeysRepository } from '@meridian/orders-data-access';
import type { Database } from '@meridian/shared-persistence';
import type { ApiKeyAuthenticator, Principal } from './api-key.authenticator';
import { AdminNotFoundReason, AdminTargetNotFoundError } from './admin.error';
import { writeAudit } from './admin-audit.writer';
import { nanosOf, requireAdmin, validateKeyId, validateReason } from './admin-request.validator';

/**
 * AdminService.RevokeApiKey: the key stops working now (also one in its rotation grace). A retry
 * on a revoked key answers its revocation time and records nothing new.
 */
export class RevokeApiKeyUseCase {
  constructor(
    private readonly db: Database,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  async execute(
    principal: Principal,
    request: admin.RevokeApiKeyRequest,
  ): Promise<admin.RevokeApiKeyResponse> {
    requireAdmin(principal);
    const keyId = validateKeyId(request.keyId);
    const reason = validateReason(request.reason, false);
    const revokedAt = await this.db.withTransaction(async (tx) => {
      const keys = new ApiKeysRepository(tx);
      const key = await keys.find(keyId);
      if (key === null)
        throw new AdminTargetNotFoundError(AdminNotFoundReason.API_KEY, 'API key', keyId);
      if (!key.active && key.revokedAt !== null) return key.revokedAt;
      await keys.revoke(keyId);
      await writeAudit(tx, principal, {
        action: 'RevokeApiKey',
        targetScope: 'api_key',
        targetId: keyId,
        reason,
        details: { agentId: key.agentId },
      });
      return (await keys.find(keyId))?.revokedAt ?? new Date();
    });
    this.authenticator.invalidate();
    return { revokedAtUnixNanos: nanosOf(revokedAt) };
  }
}
