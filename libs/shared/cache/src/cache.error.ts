import { errorCode, MeridianError } from '@meridian/shared-errors';

const CACHE_UNAVAILABLE = errorCode('CACHE_UNAVAILABLE', 'CacheUnavailableError');
const CACHE_OPTIONS_INVALID = errorCode('CACHE_OPTIONS_INVALID', 'CacheOptionsError');

/** Redis failed or timed out and the cache is configured to fail closed. */
export class CacheUnavailableError extends MeridianError {
  readonly code = CACHE_UNAVAILABLE;
  readonly category = 'unavailable' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** A namespace, API name, key or TTL that cannot work. */
export class CacheOptionsError extends MeridianError {
  readonly code = CACHE_OPTIONS_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(message: string, metadata: Record<string, string> = {}) {
    super(message, { metadata });
  }
}
