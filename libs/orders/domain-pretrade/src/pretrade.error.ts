import { errorCode, MeridianError } from '@meridian/shared-errors';

const OWNER_INVALID = 'OrderRequestInvalidError';
/** Reasons of {@link OrderRequestInvalidError}; each is a google.rpc.ErrorInfo reason. */
export const InvalidRequestReason = {
  /** A required field is missing or a field has a value outside its allowed set. */
  INVALID_FIELD: errorCode('GATEWAY_INVALID_FIELD', OWNER_INVALID),
  /** An enum field holds a number the API does not define (or the UNSPECIFIED zero value). */
  UNKNOWN_ENUM_VALUE: errorCode('GATEWAY_UNKNOWN_ENUM_VALUE', OWNER_INVALID),
  INVALID_QUANTITY: errorCode('GATEWAY_INVALID_QUANTITY', OWNER_INVALID),
  INVALID_PRICE: errorCode('GATEWAY_INVALID_PRICE', OWNER_INVALID),
  UNKNOWN_SYMBOL: errorCode('GATEWAY_UNKNOWN_SYMBOL', OWNER_INVALID),
  /** Order type, time in force and the price fields do not fit together. */
  INVALID_ORDER_TYPE: errorCode('GATEWAY_INVALID_ORDER_TYPE', OWNER_INVALID),
  INVALID_EXPIRY: errorCode('GATEWAY_INVALID_EXPIRY', OWNER_INVALID),
} as const;
export type InvalidRequestReason = (typeof InvalidRequestReason)[keyof typeof InvalidRequestReason];

/**
 * A request field is invalid. `field` is the proto field path (`order.limit_price.value`);
 * `problem` a short machine-readable word (`malformed`, `not-positive`, `too-precise`,
 * `off-increment`, `overflow`, `missing`, `unknown`, `too-long`, ...).
 */
export class OrderRequestInvalidError extends MeridianError {
  readonly category = 'invalid-argument' as const;
  constructor(
    readonly code: InvalidRequestReason,
    field: string,
    problem: string,
    detail?: string,
  ) {
    super(`${field}: ${detail ?? problem}`, { metadata: { field, problem } });
  }
}

const OWNER_RISK = 'RiskLimitExceededError';
/** Reasons of {@link RiskLimitExceededError}. */
export const RiskReason = {
  MAX_ORDER_QUANTITY: errorCode('GATEWAY_RISK_MAX_ORDER_QUANTITY', OWNER_RISK),
  MAX_ORDER_NOTIONAL: errorCode('GATEWAY_RISK_MAX_ORDER_NOTIONAL', OWNER_RISK),
  PRICE_BAND: errorCode('GATEWAY_RISK_PRICE_BAND', OWNER_RISK),
  MAX_OPEN_ORDERS: errorCode('GATEWAY_RISK_MAX_OPEN_ORDERS', OWNER_RISK),
  MAX_POSITION: errorCode('GATEWAY_RISK_MAX_POSITION', OWNER_RISK),
  MAX_GROSS_EXPOSURE: errorCode('GATEWAY_RISK_MAX_GROSS_EXPOSURE', OWNER_RISK),
  /** The account has no risk limits configured: it may not trade until an admin sets them. */
  LIMITS_MISSING: errorCode('GATEWAY_RISK_LIMITS_MISSING', OWNER_RISK),
} as const;
export type RiskReason = (typeof RiskReason)[keyof typeof RiskReason];

/** Pre-trade risk refused the order; `metadata.limit` and `metadata.value` say by how much. */
export class RiskLimitExceededError extends MeridianError {
  readonly category = 'failed-precondition' as const;
  constructor(
    readonly code: RiskReason,
    message: string,
    metadata: Record<string, string> = {},
  ) {
    super(message, { metadata });
  }
}

const GATEWAY_TRADING_HALTED = errorCode('GATEWAY_TRADING_HALTED', 'TradingHaltedError');
const GATEWAY_TRADING_REDUCE_ONLY = errorCode(
  'GATEWAY_TRADING_REDUCE_ONLY',
  'TradingReduceOnlyError',
);

/** Trading is HALTED for the agent, its account or the platform: only cancels pass. */
export class TradingHaltedError extends MeridianError {
  readonly code = GATEWAY_TRADING_HALTED;
  readonly category = 'failed-precondition' as const;
  constructor(scope: string) {
    super(`trading is halted (${scope}): only cancels are accepted`, { metadata: { scope } });
  }
}

/** Trading is REDUCING: only orders that reduce the position (and cancels) pass. */
export class TradingReduceOnlyError extends MeridianError {
  readonly code = GATEWAY_TRADING_REDUCE_ONLY;
  readonly category = 'failed-precondition' as const;
  constructor(scope: string) {
    super(`trading is reduce-only (${scope}): the order would not reduce the position`, {
      metadata: { scope },
    });
  }
}

const GATEWAY_RATE_LIMITED = errorCode('GATEWAY_RATE_LIMITED', 'RateLimitedError');

/** The agent's token bucket is empty; `metadata.retryAfterMs` says when a token is back. */
export class RateLimitedError extends MeridianError {
  readonly code = GATEWAY_RATE_LIMITED;
  readonly category = 'resource-exhausted' as const;
  constructor(
    readonly retryAfterMs: number,
    ratePerSecond: number,
  ) {
    super(`order rate above ${ratePerSecond}/s; retry after ${retryAfterMs} ms`, {
      metadata: { retryAfterMs: String(retryAfterMs), ratePerSecond: String(ratePerSecond) },
    });
  }
}
