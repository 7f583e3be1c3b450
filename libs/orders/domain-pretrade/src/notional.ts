import type { InstrumentSpec } from '@meridian/orders-domain';
import { type ExactDecimal, parseExactDecimal } from './exact-decimal';

/** An instrument's increments as exact decimals (compiled once per instrument). */
export interface Increments {
  readonly tick: ExactDecimal;
  readonly lot: ExactDecimal;
  readonly currencyDecimals: number;
}

export function incrementsOf(spec: InstrumentSpec): Increments {
  const tick = parseExactDecimal(spec.tickSize);
  const lot = parseExactDecimal(spec.lotSize);
  // An Instrument was already built from the same spec, so these cannot fail in practice.
  if (tick === null || lot === null)
    throw new RangeError(`instrument ${spec.symbol}: bad increments`);
  return { tick, lot, currencyDecimals: spec.currencyDecimals };
}

/**
 * price x quantity in minor currency units, rounded up (risk never under-counts), exact:
 * `ticks * tick * lots * lot * 10^currencyDecimals`. Fits a safe integer whenever
 * ticks x lots <= Instrument.maxNotional, which the engine enforces as well.
 */
export function notionalMinorUnits(inc: Increments, priceTicks: number, lots: number): bigint {
  const numerator =
    BigInt(priceTicks) *
    inc.tick.units *
    BigInt(lots) *
    inc.lot.units *
    10n ** BigInt(inc.currencyDecimals);
  const denominator = 10n ** BigInt(inc.tick.scale + inc.lot.scale);
  return (numerator + denominator - 1n) / denominator;
}

/** A decimal amount of currency in minor units, rounded down (a limit never grows by rounding). */
export function minorUnitsFloor(amount: ExactDecimal, currencyDecimals: number): bigint {
  const shift = currencyDecimals - amount.scale;
  return shift >= 0 ? amount.units * 10n ** BigInt(shift) : amount.units / 10n ** BigInt(-shift);
}

/** A decimal quantity in whole lots of the instrument, rounded down. */
export function lotsFloor(quantity: ExactDecimal, inc: Increments): bigint {
  const scale = Math.max(quantity.scale, inc.lot.scale);
  const q = quantity.units * 10n ** BigInt(scale - quantity.scale);
  const l = inc.lot.units * 10n ** BigInt(scale - inc.lot.scale);
  return q / l;
}
