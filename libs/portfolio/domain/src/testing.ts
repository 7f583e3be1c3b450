/**
 * Test helpers for portfolio specs (this lib's golden files and properties, and the feature
 * lib's fills). Specs only.
 */
import { formatFixed, MONEY_SCALE, PRICE_SCALE, QTY_SCALE } from './fixed-point';
import type { AccountValuation } from './account';
import { averageCost, marketValue, type PositionState, unrealizedPnl } from './position';

/** A position as canonical decimal strings (null where the wire leaves a field absent). */
export function describePosition(p: PositionState): Record<string, string | null> {
  const money = (v: bigint | null): string | null =>
    v === null ? null : formatFixed(v, MONEY_SCALE);
  const avg = averageCost(p);
  return {
    quantity: formatFixed(p.quantity, QTY_SCALE),
    averageCost: avg === null ? null : formatFixed(avg, PRICE_SCALE),
    costBasis: money(p.costBasis),
    realizedPnl: money(p.realizedPnl),
    fees: money(p.fees),
    unrealizedPnl: money(unrealizedPnl(p)),
    marketValue: money(marketValue(p)),
    markPrice: p.markPrice === null ? null : formatFixed(p.markPrice, PRICE_SCALE),
  };
}

/** An account valuation as canonical decimal strings; `realizedPnl` is net of fees (the wire's). */
export function describeValuation(v: AccountValuation, version: bigint): Record<string, string> {
  const money = (x: bigint): string => formatFixed(x, MONEY_SCALE);
  return {
    cashBalance: money(v.cashBalance),
    equity: money(v.equity),
    realizedPnl: money(v.realizedNet),
    fees: money(v.fees),
    unrealizedPnl: money(v.unrealizedPnl),
    grossExposure: money(v.grossExposure),
    netExposure: money(v.netExposure),
    highWaterMark: money(v.highWaterMark),
    drawdown: money(v.drawdown),
    dayPnl: money(v.dayPnl),
    version: version.toString(),
  };
}
