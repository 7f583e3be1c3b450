import type { Instrument } from '@meridian/orders-domain';
import { compareExact, type ExactDecimal, formatExact, parseExactDecimal } from './exact-decimal';
import { type Increments, lotsFloor, minorUnitsFloor, notionalMinorUnits } from './notional';
import { RiskLimitExceededError, RiskReason } from './pretrade.error';

/**
 * Pre-trade limits of one account, as stored (decimal strings, exact). `null` means no limit
 * for that rule. Quantities are in instrument units (shares, contracts), money in the quote
 * currency, the price band in basis points around the reference price.
 */
export interface RiskLimits {
  readonly maxOrderQuantity: string | null;
  readonly maxOrderNotional: string | null;
  readonly priceBandBps: number | null;
  readonly maxOpenOrders: number | null;
  /** Largest |position| per symbol, counting filled plus open orders on the growing side. */
  readonly maxPosition: string | null;
  /** Largest sum over symbols of |position| at cost plus the notional of open orders. */
  readonly maxGrossExposure: string | null;
  /** Token bucket of each agent of the account: refill rate and capacity. */
  readonly orderRatePerSecond: number;
  readonly orderBurst: number;
}

/** An order's economics after validation, in the instrument's fixed point. */
export interface OrderEconomics {
  readonly lots: number;
  /** Limit price in ticks; null for market and stop orders (priced at the reference then). */
  readonly priceTicks: number | null;
}

/** What the atomic Redis check needs, in the instrument's integer units (-1 = unlimited). */
export interface ReservationLimits {
  readonly maxOpenOrders: number;
  readonly maxPositionLots: number;
  readonly maxGrossMinor: number;
}

function decimal(text: string | null): ExactDecimal | null {
  return text === null ? null : parseExactDecimal(text);
}

function safe(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

/**
 * Checks the rules that depend on the order alone (quantity, notional, price band) and returns
 * the order's notional in minor units. The price used for the notional is the limit price, or
 * for an unpriced order the reference price, or failing that the instrument's maximum price
 * (so a market order is never under-counted). Throws {@link RiskLimitExceededError}.
 */
export function checkOrderLimits(
  limits: RiskLimits,
  instrument: Instrument,
  increments: Increments,
  order: OrderEconomics,
  referencePriceTicks: number | null,
): number {
  const maxQuantity = decimal(limits.maxOrderQuantity);
  if (maxQuantity !== null) {
    const quantity: ExactDecimal = {
      units: BigInt(order.lots) * increments.lot.units,
      scale: increments.lot.scale,
    };
    if (compareExact(quantity, maxQuantity) > 0) {
      throw new RiskLimitExceededError(
        RiskReason.MAX_ORDER_QUANTITY,
        `quantity ${formatExact(quantity)} above the per-order limit ${limits.maxOrderQuantity ?? ''}`,
        { limit: limits.maxOrderQuantity ?? '', value: formatExact(quantity) },
      );
    }
  }
  if (order.priceTicks !== null && referencePriceTicks !== null && limits.priceBandBps !== null) {
    // |price - ref| <= ref * bps / 10000, in integers: |p - r| * 10000 <= r * bps.
    const distance = BigInt(Math.abs(order.priceTicks - referencePriceTicks)) * 10_000n;
    if (distance > BigInt(referencePriceTicks) * BigInt(limits.priceBandBps)) {
      throw new RiskLimitExceededError(
        RiskReason.PRICE_BAND,
        `price ${instrument.formatPrice(order.priceTicks)} outside ${limits.priceBandBps} bps of the reference ${instrument.formatPrice(referencePriceTicks)}`,
        {
          limit: String(limits.priceBandBps),
          value: instrument.formatPrice(order.priceTicks),
          referencePrice: instrument.formatPrice(referencePriceTicks),
        },
      );
    }
  }
  const pricingTicks = order.priceTicks ?? referencePriceTicks ?? instrument.maxPriceTicks;
  const notional = notionalMinorUnits(increments, pricingTicks, order.lots);
  const maxNotional = decimal(limits.maxOrderNotional);
  if (
    maxNotional !== null &&
    notional > minorUnitsFloor(maxNotional, increments.currencyDecimals)
  ) {
    const shown = formatExact({ units: notional, scale: increments.currencyDecimals });
    throw new RiskLimitExceededError(
      RiskReason.MAX_ORDER_NOTIONAL,
      `notional ${shown} above the per-order limit ${limits.maxOrderNotional ?? ''}`,
      { limit: limits.maxOrderNotional ?? '', value: shown },
    );
  }
  return safe(notional);
}

/** The account-wide limits converted to this instrument's lots and minor units. */
export function reservationLimits(limits: RiskLimits, increments: Increments): ReservationLimits {
  const maxPosition = decimal(limits.maxPosition);
  const maxGross = decimal(limits.maxGrossExposure);
  return {
    maxOpenOrders: limits.maxOpenOrders ?? -1,
    maxPositionLots: maxPosition === null ? -1 : safe(lotsFloor(maxPosition, increments)),
    maxGrossMinor:
      maxGross === null ? -1 : safe(minorUnitsFloor(maxGross, increments.currencyDecimals)),
  };
}

/** Validates limits an admin submits (also used when loading them). Returns problems, if any. */
export function riskLimitProblems(limits: RiskLimits): string[] {
  const problems: string[] = [];
  for (const [name, value] of [
    ['maxOrderQuantity', limits.maxOrderQuantity],
    ['maxOrderNotional', limits.maxOrderNotional],
    ['maxPosition', limits.maxPosition],
    ['maxGrossExposure', limits.maxGrossExposure],
  ] as const) {
    if (value !== null && parseExactDecimal(value) === null) {
      problems.push(`${name} must be a non-negative decimal string`);
    }
  }
  for (const [name, value] of [
    ['priceBandBps', limits.priceBandBps],
    ['maxOpenOrders', limits.maxOpenOrders],
  ] as const) {
    if (value !== null && (!Number.isSafeInteger(value) || value < 0)) {
      problems.push(`${name} must be a non-negative integer`);
    }
  }
  if (!Number.isSafeInteger(limits.orderRatePerSecond) || limits.orderRatePerSecond < 1) {
    problems.push('orderRatePerSecond must be a positive integer');
  }
  if (!Number.isSafeInteger(limits.orderBurst) || limits.orderBurst < 1) {
    problems.push('orderBurst must be a positive integer');
  }
  return problems;
}
