import { errorCode, MeridianError, type MeridianErrorOptions } from '@meridian/shared-errors';

const SECRETS_NOT_FOUND = errorCode('SECRETS_NOT_FOUND', 'SecretNotFoundError');
const SECRETS_FORBIDDEN = errorCode('SECRETS_FORBIDDEN', 'SecretsForbiddenError');
const SECRETS_UNAVAILABLE = errorCode('SECRETS_UNAVAILABLE', 'SecretsUnavailableError');
const SECRETS_AUTH_FAILED = errorCode('SECRETS_AUTH_FAILED', 'SecretsAuthError');
const SECRETS_REJECTED = errorCode('SECRETS_REJECTED', 'SecretsRejectedError');
const SECRETS_PATH_INVALID = errorCode('SECRETS_PATH_INVALID', 'SecretPathInvalidError');
const SECRETS_CONFIG_INVALID = errorCode('SECRETS_CONFIG_INVALID', 'SecretsConfigError');

/** The secret path, or the key inside it, does not exist. */
export class SecretNotFoundError extends MeridianError {
  readonly code = SECRETS_NOT_FOUND;
  readonly category = 'not-found' as const;
  constructor(message: string, options?: MeridianErrorOptions) {
    super(message, options);
  }
}

/** The identity we hold may not read this path (Vault answered 403, or a file is unreadable). */
export class SecretsForbiddenError extends MeridianError {
  readonly code = SECRETS_FORBIDDEN;
  readonly category = 'permission-denied' as const;
  constructor(message: string, options?: MeridianErrorOptions) {
    super(message, options);
  }
}

/** The secrets backend cannot be reached or is failing (refused, timeout, 5xx, sealed). Retryable. */
export class SecretsUnavailableError extends MeridianError {
  readonly code = SECRETS_UNAVAILABLE;
  readonly category = 'unavailable' as const;
  constructor(message: string, options?: MeridianErrorOptions) {
    super(message, options);
  }
}

/** Logging in to Vault failed: no service-account token, or Vault rejected the login. */
export class SecretsAuthError extends MeridianError {
  readonly code = SECRETS_AUTH_FAILED;
  readonly category = 'unauthenticated' as const;
  constructor(message: string, options?: MeridianErrorOptions) {
    super(message, options);
  }
}

/** Vault refused a request for a reason other than permissions (400: lease not found, not renewable, ...). */
export class SecretsRejectedError extends MeridianError {
  readonly code = SECRETS_REJECTED;
  readonly category = 'failed-precondition' as const;
  constructor(message: string, options?: MeridianErrorOptions) {
    super(message, options);
  }
}

/** The secrets configuration (env) is missing a variable or holds an invalid value. */
export class SecretsConfigError extends MeridianError {
  readonly code = SECRETS_CONFIG_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(message: string, options?: MeridianErrorOptions) {
    super(message, options);
  }
}

/** A secret path or key is malformed (empty segment, `..`, characters outside [A-Za-z0-9_.-]). */
export class SecretPathInvalidError extends MeridianError {
  readonly code = SECRETS_PATH_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(message: string, options?: MeridianErrorOptions) {
    super(message, options);
  }
}
