/** A decimal as an exact integer count of 10^-scale units: "12.50" -> { units: 1250n, scale: 2 }. */
export interface ExactDecimal {
  readonly units: bigint;
  readonly scale: number;
}

// The canonical grammar of meridian.common.v1.Decimal (see common.proto), unsigned.
const UNSIGNED = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
/** Longer strings are refused before any work, so a huge "decimal" cannot cost CPU. */
export const MAX_DECIMAL_LENGTH = 64;

/** Parses a non-negative canonical decimal string exactly; null when it is not one. */
export function parseExactDecimal(text: string): ExactDecimal | null {
  if (text.length === 0 || text.length > MAX_DECIMAL_LENGTH) return null;
  const match = UNSIGNED.exec(text);
  if (match === null) return null;
  const fraction = match[2] ?? '';
  return { units: BigInt((match[1] ?? '') + fraction), scale: fraction.length };
}

/** `a` rescaled to `scale` (which must be >= a.scale). */
function widen(a: ExactDecimal, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

/** -1, 0 or 1 as a < b, a = b, a > b (exact, whatever the scales). */
export function compareExact(a: ExactDecimal, b: ExactDecimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = widen(a, scale);
  const y = widen(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** floor(a / b) for positive b, exact. */
export function floorDivExact(a: ExactDecimal, b: ExactDecimal): bigint {
  const scale = Math.max(a.scale, b.scale);
  return widen(a, scale) / widen(b, scale);
}

/** The decimal as a canonical string ("1250n, 2" -> "12.50"). */
export function formatExact(value: ExactDecimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  const whole = digits.slice(0, digits.length - value.scale);
  const text = value.scale === 0 ? whole : `${whole}.${digits.slice(digits.length - value.scale)}`;
  return negative ? `-${text}` : text;
}
