import { AdminAuditRepository, type AuditTargetScope } from '@meridian/orders-data-access';
import type { Queryable } from '@meridian/shared-persistence';
import type { Principal } from './api-key.authenticator';

/**
 * Appends the audit row of an AdminService change, in the caller's transaction: the change and
 * its record of who, why and when commit together or not at all.
 */
export function writeAudit(
  tx: Queryable,
  principal: Principal,
  change: {
    action: string;
    targetScope: AuditTargetScope;
    targetId: string;
    reason: string;
    details: Readonly<Record<string, unknown>>;
  },
): Promise<void> {
  return new AdminAuditRepository(tx).record({
    actorAgentId: principal.agentId,
    actorKeyId: principal.keyId,
    ...change,
  });
}
