/**
 * Exact decimal arithmetic for feed prices and sizes: a canonical decimal string becomes an integer
 * of units at a scale (`"101.25"` -> 10125n at scale 2). Never goes through a float.
 */
export interface FixedPoint {
  /** The value in units of 10^-scale. */
  readonly units: bigint;
  /** Number of decimals. */
  readonly scale: number;
}

// The wire grammar of meridian.common.v1.Decimal (see libs/contracts wire/decimal-string.ts).
const CANONICAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const MAX_TEXT = 64;

/** Parses a canonical decimal string; undefined when it is not one (exponent, '+', spaces...). */
export function parseFixed(text: string): FixedPoint | undefined {
  if (text.length > MAX_TEXT) return undefined;
  const match = CANONICAL.exec(text);
  if (match === null) return undefined;
  const fraction = match[3] ?? '';
  const magnitude = BigInt((match[2] ?? '0') + fraction);
  if (match[1] === '-' && magnitude === 0n) return undefined; // "-0" is not canonical
  return { units: match[1] === '-' ? -magnitude : magnitude, scale: fraction.length };
}

/** `value` re-expressed at a larger scale (exact). */
export function rescale(value: FixedPoint, scale: number): bigint {
  if (scale < value.scale) throw new RangeError(`cannot rescale ${value.scale} -> ${scale}`);
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compareFixed(a: FixedPoint, b: FixedPoint): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Canonical decimal string of `units` at `scale` (`formatFixed(10125n, 2)` = "101.25"). */
export function formatFixed(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  const text = scale === 0 ? whole : `${whole}.${fraction}`;
  return negative ? `-${text}` : text;
}

/** Whether `value` is an integer multiple of `increment` (both positive or zero). */
export function isMultipleOf(value: FixedPoint, increment: FixedPoint): boolean {
  const scale = Math.max(value.scale, increment.scale);
  const step = rescale(increment, scale);
  return step !== 0n && rescale(value, scale) % step === 0n;
}
