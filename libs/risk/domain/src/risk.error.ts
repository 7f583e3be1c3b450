import { errorCode, MeridianError } from '@meridian/shared-errors';

const RISK_LIMITS_INVALID = errorCode('RISK_LIMITS_INVALID', 'PostTradeLimitsInvalidError');
const RISK_SNAPSHOT_INVALID = errorCode('RISK_SNAPSHOT_INVALID', 'AccountSnapshotInvalidError');
const RISK_CONTROL_INVALID = errorCode('RISK_CONTROL_INVALID', 'RiskControlInvalidError');

/**
 * A post-trade limit setting is invalid. `field` is the setting (`maxDailyLoss`,
 * `actions.DAILY_LOSS`, `accountId`); `problem` a short word (`malformed`, `not-positive`,
 * `above-100`, `unknown-action`, `too-precise`, ...).
 */
export class PostTradeLimitsInvalidError extends MeridianError {
  readonly code = RISK_LIMITS_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(
    readonly field: string,
    readonly problem: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`, { metadata: { field, problem } });
  }
}

/** An account valuation (PositionUpdate.account) cannot be evaluated: missing or bad field. */
export class AccountSnapshotInvalidError extends MeridianError {
  readonly code = RISK_SNAPSHOT_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(
    readonly field: string,
    readonly problem: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`, { metadata: { field, problem } });
  }
}

/** A trading-state change (RiskControl) is not one risk-monitor can apply. */
export class RiskControlInvalidError extends MeridianError {
  readonly code = RISK_CONTROL_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`, { metadata: { field } });
  }
}
