import type { admin } from '@meridian/contracts';
import { type ApiKeyHasher, ApiKeysRepository } from '@meridian/orders-data-access';
import type { Database } from '@meridian/shared-persistence';
import type { ApiKeyAuthenticator, Principal } from './api-key.authenticator';
import { AdminNotFoundReason, AdminTargetNotFoundError, ApiKeyRevokedError } from './admin.error';
import { writeAudit } from './admin-audit.writer';
import {
  nanosOf,
  requireAdmin,
  validateGraceSeconds,
  validateKeyId,
  validateReason,
} from './admin-request.validator';

/**
 * AdminService.RotateApiKey: a successor key for the same agent and role; the old key ends after
 * `grace_seconds` (plus, in other gateway replicas, at most their verification-cache TTL).
 */
export class RotateApiKeyUseCase {
  constructor(
    private readonly db: Database,
    private readonly hasher: ApiKeyHasher,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  async execute(
    principal: Principal,
    request: admin.RotateApiKeyRequest,
  ): Promise<admin.RotateApiKeyResponse> {
    requireAdmin(principal);
    const keyId = validateKeyId(request.keyId);
    const graceSeconds = validateGraceSeconds(request.graceSeconds);
    const reason = validateReason(request.reason, false);
    const issued = await this.hasher.issue();
    const revokedAt = await this.db.withTransaction(async (tx) => {
      const keys = new ApiKeysRepository(tx);
      const old = await keys.find(keyId);
      if (old === null)
        throw new AdminTargetNotFoundError(AdminNotFoundReason.API_KEY, 'API key', keyId);
      if (old.revokedAt !== null) throw new ApiKeyRevokedError(keyId, old.revokedAt);
      await keys.insert({
        keyId: issued.keyId,
        agentId: old.agentId,
        role: old.role,
        salt: issued.salt,
        hash: issued.hash,
      });
      const end = await keys.revokeAfter(keyId, graceSeconds);
      // A concurrent rotation or revocation got there first.
      if (end === null) throw new ApiKeyRevokedError(keyId, new Date());
      await writeAudit(tx, principal, {
        action: 'RotateApiKey',
        targetScope: 'api_key',
        targetId: keyId,
        reason,
        details: {
          successorKeyId: issued.keyId,
          graceSeconds,
          revokedAt: end.toISOString(),
        },
      });
      return end;
    });
    // Effective at once in this process; with a grace the old key's cached result expires anyway.
    if (graceSeconds === 0) this.authenticator.invalidate();
    return {
      keyId: issued.keyId,
      apiKey: issued.plaintext,
      oldKeyRevokedAtUnixNanos: nanosOf(revokedAt),
    };
  }
}
