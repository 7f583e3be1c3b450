/**
 * Exact decimal helpers for prices and quantities. Values travel as canonical decimal strings
 * (`meridian.common.v1.Decimal`, grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?`) and are computed on as
 * bigint fixed-point units; a JS number never holds money or a quantity here.
 */
import { type common, isCanonicalDecimal } from '@meridian/contracts';

/** A decimal string that is not canonical (exponent, '+', leading zero, NaN, empty, ...). */
export class DecimalFormatError extends RangeError {
  override readonly name = 'DecimalFormatError';
  constructor(readonly value: string) {
    super(`not a canonical decimal: ${JSON.stringify(value)}`);
  }
}

/** `value` has more fractional digits than the scale it is converted to. */
export class DecimalPrecisionError extends RangeError {
  override readonly name = 'DecimalPrecisionError';
  constructor(
    readonly value: string,
    readonly scale: number,
  ) {
    super(`${value} has more than ${scale} decimal places`);
  }
}

function assertCanonical(value: string): void {
  if (!isCanonicalDecimal(value)) throw new DecimalFormatError(value);
}

/** The wire `Decimal` of a canonical decimal string (throws DecimalFormatError otherwise). */
export function decimal(value: string): common.Decimal {
  assertCanonical(value);
  return { value };
}

/** Number of fractional digits of a canonical decimal (`"0.50"` → 2). */
export function scaleOf(value: string): number {
  assertCanonical(value);
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/**
 * `value` as an integer count of 10^-scale units (`toUnits("1.25", 4)` → 12500n). Throws
 * DecimalPrecisionError when `value` has more digits than `scale`: nothing is rounded silently.
 */
export function toUnits(value: string, scale: number): bigint {
  assertCanonical(value);
  const negative = value.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? value.slice(1) : value).split('.');
  if (fraction.replace(/0+$/, '').length > scale) throw new DecimalPrecisionError(value, scale);
  const units =
    BigInt(whole) * 10n ** BigInt(scale) +
    BigInt(fraction.padEnd(scale, '0').slice(0, scale) || '0');
  return negative ? -units : units;
}

/**
 * The canonical decimal string of `units` × 10^-scale, with trailing zeros removed unless
 * `minDecimals` asks to keep them (`fromUnits(12500n, 4)` → `"1.25"`; with 2 → `"1.25"`).
 */
export function fromUnits(units: bigint, scale: number, minDecimals = 0): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const base = 10n ** BigInt(scale);
  let fraction = scale === 0 ? '' : (abs % base).toString().padStart(scale, '0');
  fraction = fraction.replace(/0+$/, '').padEnd(Math.min(minDecimals, scale), '0');
  const text = `${(abs / base).toString()}${fraction === '' ? '' : `.${fraction}`}`;
  return negative && abs !== 0n ? `-${text}` : text;
}

function commonScale(...values: string[]): number {
  return Math.max(...values.map(scaleOf));
}

/** `a + b`, exact. */
export function addDecimals(a: string, b: string): string {
  const scale = commonScale(a, b);
  return fromUnits(toUnits(a, scale) + toUnits(b, scale), scale);
}

/** `a - b`, exact. */
export function subtractDecimals(a: string, b: string): string {
  const scale = commonScale(a, b);
  return fromUnits(toUnits(a, scale) - toUnits(b, scale), scale);
}

/** `a × b`, exact (the scale is the sum of both scales). */
export function multiplyDecimals(a: string, b: string): string {
  const sa = scaleOf(a);
  const sb = scaleOf(b);
  return fromUnits(toUnits(a, sa) * toUnits(b, sb), sa + sb);
}

/** -1, 0 or 1 as `a` is below, equal to or above `b` (`"1.50"` equals `"1.5"`). */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const scale = commonScale(a, b);
  const d = toUnits(a, scale) - toUnits(b, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export type RoundingMode = 'down' | 'up' | 'nearest';

/**
 * `value` moved onto the grid of `increment` (a tick or lot size): `down` toward minus infinity,
 * `up` toward plus infinity, `nearest` half-up. The result keeps the increment's scale, so it is
 * valid for the instrument (`roundToIncrement("190.127", "0.01", "down")` → `"190.12"`).
 */
export function roundToIncrement(
  value: string,
  increment: string,
  mode: RoundingMode = 'nearest',
): string {
  const scale = commonScale(value, increment);
  const units = toUnits(value, scale);
  const step = toUnits(increment, scale);
  if (step <= 0n) throw new RangeError(`increment must be positive, got ${increment}`);
  const floor = (units / step - (units % step < 0n ? 1n : 0n)) * step;
  const rest = units - floor;
  let rounded = floor;
  if (mode === 'up' && rest > 0n) rounded = floor + step;
  if (mode === 'nearest' && rest * 2n >= step) rounded = floor + step;
  return fromUnits(rounded, scale, scaleOf(increment));
}

/** Whether `value` is an exact multiple of `increment`. */
export function isOnIncrement(value: string, increment: string): boolean {
  const scale = commonScale(value, increment);
  const step = toUnits(increment, scale);
  return step > 0n && toUnits(value, scale) % step === 0n;
}

/** `base + steps × increment` (steps may be negative), e.g. a price `n` ticks away. */
export function offsetByIncrements(
  base: string,
  increment: string,
  steps: bigint | number,
): string {
  const scale = commonScale(base, increment);
  const moved = toUnits(base, scale) + BigInt(steps) * toUnits(increment, scale);
  return fromUnits(moved, scale, scaleOf(increment));
}
