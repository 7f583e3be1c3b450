import type { portfolio } from '@meridian/contracts';
import {
  AccountSnapshotInvalidError,
  type AccountRiskSnapshot,
  parseAccountRiskSnapshot,
} from '@meridian/risk-domain';

/**
 * The valuation in a PositionUpdate, validated. Throws AccountSnapshotInvalidError (the consumer
 * dead-letters it at once) when the account is missing, names another account than the position,
 * or an amount is missing or not a canonical decimal.
 */
export function snapshotOfUpdate(update: portfolio.PositionUpdate): AccountRiskSnapshot {
  const account = update.account;
  if (account === undefined) {
    throw new AccountSnapshotInvalidError(
      'account',
      'missing',
      'PositionUpdate.account is missing',
    );
  }
  const positionAccount = update.position?.accountId ?? '';
  if (positionAccount !== '' && account.accountId !== '' && positionAccount !== account.accountId) {
    throw new AccountSnapshotInvalidError(
      'account.accountId',
      'mismatch',
      `"${account.accountId}" differs from position.accountId "${positionAccount}"`,
    );
  }
  return parseAccountRiskSnapshot({
    accountId: account.accountId === '' ? positionAccount : account.accountId,
    version: update.version,
    asOfUnixNanos: account.asOfUnixNanos,
    currency: account.currency,
    equity: account.equity?.value,
    highWaterMark: account.highWaterMark?.value,
    drawdown: account.drawdown?.value,
    dayPnl: account.dayPnl?.value,
    grossExposure: account.grossExposure?.value,
  });
}
