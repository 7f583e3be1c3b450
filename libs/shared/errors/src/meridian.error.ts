/**
 * How an error should be reported to a caller. One category maps to exactly one gRPC status
 * (see `grpcStatusFor`), so transports never decide that on their own.
 */
export type ErrorCategory =
  | 'invalid-argument'
  | 'not-found'
  | 'already-exists'
  | 'failed-precondition'
  | 'unauthenticated'
  | 'permission-denied'
  | 'resource-exhausted'
  | 'unavailable'
  | 'deadline-exceeded'
  | 'aborted'
  | 'internal';

const registeredCodes = new Map<string, string>();

/**
 * Reserves a machine-readable error code (UPPER_SNAKE_CASE, e.g. `CONFIG_INVALID`).
 * Throws at module load when two error classes claim the same code, so a collision can never
 * reach production; `registeredErrorCodes()` lets a test import every lib and list them.
 */
export function errorCode<const C extends string>(code: C, owner: string): C {
  if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(code)) {
    throw new Error(`error code "${code}" must be UPPER_SNAKE_CASE`);
  }
  const existing = registeredCodes.get(code);
  if (existing !== undefined && existing !== owner) {
    throw new Error(`error code "${code}" is claimed by both ${existing} and ${owner}`);
  }
  registeredCodes.set(code, owner);
  return code;
}

/** Every code reserved so far, with the class that owns it. */
export function registeredErrorCodes(): ReadonlyMap<string, string> {
  return registeredCodes;
}

export interface MeridianErrorOptions {
  cause?: unknown;
  /** Machine-readable context (field names, limits); becomes google.rpc.ErrorInfo metadata. */
  metadata?: Record<string, string>;
}

/**
 * Base class of every error the platform raises on purpose. Subclasses fix `code` (reserved
 * with `errorCode`) and `category`; callers branch on `code`, never on the message text.
 */
export abstract class MeridianError extends Error {
  abstract readonly code: string;
  abstract readonly category: ErrorCategory;
  readonly metadata: Readonly<Record<string, string>>;

  protected constructor(message: string, options: MeridianErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.metadata = Object.freeze({ ...options.metadata });
  }
}

export function isMeridianError(value: unknown): value is MeridianError {
  return value instanceof MeridianError;
}
