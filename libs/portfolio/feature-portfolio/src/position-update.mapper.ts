import { type common, type portfolio } from '@meridian/contracts';
import {
  type AccountBook,
  type AccountValuation,
  averageCost,
  formatFixed,
  marketValue,
  MONEY_SCALE,
  type PositionState,
  PRICE_SCALE,
  QTY_SCALE,
  unrealizedPnl,
} from '@meridian/portfolio-domain';

function dec(value: bigint, scale: number): common.Decimal {
  return { value: formatFixed(value, scale) };
}

function optionalDec(value: bigint | null, scale: number): common.Decimal | undefined {
  return value === null ? undefined : dec(value, scale);
}

/**
 * A position on the wire. `realized_pnl` is net of the position's fees (the proto's rule: fees
 * are already deducted); average cost, unrealized PnL, mark and market value are absent when the
 * domain has none.
 */
export function toPositionProto(p: PositionState): portfolio.Position {
  return {
    accountId: p.accountId,
    symbol: p.symbol,
    quantity: dec(p.quantity, QTY_SCALE),
    averageCost: optionalDec(averageCost(p), PRICE_SCALE),
    realizedPnl: dec(p.realizedPnl - p.fees, MONEY_SCALE),
    unrealizedPnl: optionalDec(unrealizedPnl(p), MONEY_SCALE),
    markPrice: optionalDec(p.markPrice, PRICE_SCALE),
    marketValue: optionalDec(marketValue(p), MONEY_SCALE),
    updatedAtUnixNanos: p.updatedAtUnixNanos,
  };
}

/** An account snapshot on the wire (positions left empty unless given). */
export function toAccountSnapshot(
  account: AccountBook,
  valuation: AccountValuation,
  version: bigint,
  asOfUnixNanos: bigint,
  positions: readonly PositionState[] = [],
): portfolio.AccountSnapshot {
  const m = (x: bigint): common.Decimal => dec(x, MONEY_SCALE);
  return {
    accountId: account.accountId,
    currency: account.currency,
    cashBalance: m(valuation.cashBalance),
    equity: m(valuation.equity),
    realizedPnl: m(valuation.realizedNet),
    unrealizedPnl: m(valuation.unrealizedPnl),
    grossExposure: m(valuation.grossExposure),
    netExposure: m(valuation.netExposure),
    positions: positions.map(toPositionProto),
    version,
    asOfUnixNanos,
    fees: m(valuation.fees),
    highWaterMark: m(valuation.highWaterMark),
    drawdown: m(valuation.drawdown),
    dayPnl: m(valuation.dayPnl),
  };
}
