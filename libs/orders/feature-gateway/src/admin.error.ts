import { errorCode, MeridianError } from '@meridian/shared-errors';

const OWNER_NOT_FOUND = 'AdminTargetNotFoundError';
const OWNER_EXISTS = 'AdminTargetExistsError';

/** Reasons of {@link AdminTargetNotFoundError}. */
export const AdminNotFoundReason = {
  ACCOUNT: errorCode('GATEWAY_ACCOUNT_NOT_FOUND', OWNER_NOT_FOUND),
  AGENT: errorCode('GATEWAY_AGENT_NOT_FOUND', OWNER_NOT_FOUND),
  API_KEY: errorCode('GATEWAY_API_KEY_NOT_FOUND', OWNER_NOT_FOUND),
} as const;
export type AdminNotFoundReason = (typeof AdminNotFoundReason)[keyof typeof AdminNotFoundReason];

/** Reasons of {@link AdminTargetExistsError}. */
export const AdminExistsReason = {
  ACCOUNT: errorCode('GATEWAY_ACCOUNT_EXISTS', OWNER_EXISTS),
  AGENT: errorCode('GATEWAY_AGENT_EXISTS', OWNER_EXISTS),
} as const;
export type AdminExistsReason = (typeof AdminExistsReason)[keyof typeof AdminExistsReason];

/** An AdminService request names an account, agent or API key that does not exist. */
export class AdminTargetNotFoundError extends MeridianError {
  readonly category = 'not-found' as const;
  constructor(
    readonly code: AdminNotFoundReason,
    what: string,
    id: string,
  ) {
    super(`no ${what} "${id}"`, { metadata: { id } });
  }
}

/** CreateAccount / CreateAgent with an id that is taken. */
export class AdminTargetExistsError extends MeridianError {
  readonly category = 'already-exists' as const;
  constructor(
    readonly code: AdminExistsReason,
    what: string,
    id: string,
  ) {
    super(`${what} "${id}" already exists`, { metadata: { id } });
  }
}

const GATEWAY_API_KEY_REVOKED = errorCode('GATEWAY_API_KEY_REVOKED', 'ApiKeyRevokedError');

/** Rotation of a key that is revoked or already rotated (it has an end). */
export class ApiKeyRevokedError extends MeridianError {
  readonly code = GATEWAY_API_KEY_REVOKED;
  readonly category = 'failed-precondition' as const;
  constructor(keyId: string, revokedAt: Date) {
    super(`API key ${keyId} is revoked or already rotated (ends ${revokedAt.toISOString()})`, {
      metadata: { keyId, revokedAt: revokedAt.toISOString() },
    });
  }
}
