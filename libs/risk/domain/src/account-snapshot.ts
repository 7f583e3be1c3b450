import { type ExactDecimal, isDecimalProblem, parseDecimal } from './exact-ratio';
import { AccountSnapshotInvalidError } from './risk.error';

/** The figures of an account valuation that post-trade limits read (exact). */
export interface AccountRiskSnapshot {
  readonly accountId: string;
  /** The PositionUpdate version: per account, strictly increasing. */
  readonly version: bigint;
  /** When the valuation was taken (decides the UTC day of early warnings). */
  readonly asOfUnixNanos: bigint;
  readonly currency: string;
  readonly equity: ExactDecimal;
  readonly highWaterMark: ExactDecimal;
  /** high-water mark - equity, >= 0. */
  readonly drawdown: ExactDecimal;
  /** Equity change since 00:00 UTC; a loss is negative. */
  readonly dayPnl: ExactDecimal;
  /** Sum of |market value|, >= 0. */
  readonly grossExposure: ExactDecimal;
}

/** The snapshot as it arrives (decimal strings; undefined when the message lacks the field). */
export interface AccountRiskSnapshotInput {
  readonly accountId: string;
  readonly version: bigint;
  readonly asOfUnixNanos: bigint;
  readonly currency: string;
  readonly equity: string | undefined;
  readonly highWaterMark: string | undefined;
  readonly drawdown: string | undefined;
  readonly dayPnl: string | undefined;
  readonly grossExposure: string | undefined;
}

function decimalField(
  field: string,
  text: string | undefined,
  sign: 'any' | 'non-negative',
): ExactDecimal {
  if (text === undefined) throw new AccountSnapshotInvalidError(field, 'missing', 'is missing');
  const parsed = parseDecimal(text);
  if (isDecimalProblem(parsed)) {
    throw new AccountSnapshotInvalidError(field, parsed, `"${text}" is not a canonical decimal`);
  }
  if (sign === 'non-negative' && parsed.units < 0n) {
    throw new AccountSnapshotInvalidError(field, 'negative', `"${text}" must not be negative`);
  }
  return parsed;
}

/**
 * Validates a valuation. Throws AccountSnapshotInvalidError for a missing account id, a version
 * of 0, a missing or non-canonical amount, or a negative drawdown / gross exposure.
 */
export function parseAccountRiskSnapshot(input: AccountRiskSnapshotInput): AccountRiskSnapshot {
  if (input.accountId === '') {
    throw new AccountSnapshotInvalidError('accountId', 'missing', 'is empty');
  }
  if (input.version <= 0n) {
    throw new AccountSnapshotInvalidError('version', 'not-positive', 'must be at least 1');
  }
  return {
    accountId: input.accountId,
    version: input.version,
    asOfUnixNanos: input.asOfUnixNanos,
    currency: input.currency,
    equity: decimalField('equity', input.equity, 'any'),
    highWaterMark: decimalField('highWaterMark', input.highWaterMark, 'any'),
    drawdown: decimalField('drawdown', input.drawdown, 'non-negative'),
    dayPnl: decimalField('dayPnl', input.dayPnl, 'any'),
    grossExposure: decimalField('grossExposure', input.grossExposure, 'non-negative'),
  };
}

/** The UTC calendar day (YYYY-MM-DD) of a timestamp in nanoseconds. */
export function utcDayOf(unixNanos: bigint): string {
  return new Date(Number(unixNanos / 1_000_000n)).toISOString().slice(0, 10);
}
