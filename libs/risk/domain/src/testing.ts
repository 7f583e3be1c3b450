/** Test helpers for risk specs: valuations and limits from plain strings. Specs only. */
import { type AccountRiskSnapshot, parseAccountRiskSnapshot } from './account-snapshot';
import { type Ratio } from './exact-ratio';
import { parsePostTradeLimits, type PostTradeLimitsInput } from './post-trade-limits';

/** 2026-01-02T00:00:00Z in nanoseconds. */
export const TEST_DAY_START_NANOS = 1_767_312_000_000_000_000n;

export interface SnapshotFigures {
  accountId?: string;
  version?: bigint;
  asOfUnixNanos?: bigint;
  currency?: string;
  equity?: string;
  highWaterMark?: string;
  drawdown?: string;
  dayPnl?: string;
  grossExposure?: string;
}

/** A valid valuation: equity 100000 at its high-water mark, flat day, no exposure, unless overridden. */
export function testSnapshot(figures: SnapshotFigures = {}): AccountRiskSnapshot {
  return parseAccountRiskSnapshot({
    accountId: figures.accountId ?? 'acct-1',
    version: figures.version ?? 1n,
    asOfUnixNanos: figures.asOfUnixNanos ?? TEST_DAY_START_NANOS + 3_600_000_000_000n,
    currency: figures.currency ?? 'USD',
    equity: figures.equity ?? '100000.00',
    highWaterMark: figures.highWaterMark ?? '100000.00',
    drawdown: figures.drawdown ?? '0.00',
    dayPnl: figures.dayPnl ?? '0.00',
    grossExposure: figures.grossExposure ?? '0.00',
  });
}

/** Limits of `acct-1` unless overridden: loss 5000 (HALTED), drawdown 2000 (REDUCING). */
export function testLimits(input: Partial<PostTradeLimitsInput> = {}) {
  return parsePostTradeLimits({
    accountId: 'acct-1',
    maxDailyLoss: '5000.00',
    maxDrawdown: '2000.00',
    ...input,
  });
}

/** 80 %: the default early-warning point. */
export const WARN_AT_80: { warningFraction: Ratio } = { warningFraction: { n: 8n, d: 10n } };
