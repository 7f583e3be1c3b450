/**
 * Exact arithmetic for limit checks. Amounts arrive as canonical decimal strings (the wire type
 * of meridian.common.v1.Decimal) and become rationals of bigints, so "-50000.00" and "-5e4" style
 * float rounding never decides whether an account is halted.
 */

/** A decimal as an exact integer count of 10^-scale units: "-12.50" -> { units: -1250n, scale: 2 }. */
export interface ExactDecimal {
  readonly units: bigint;
  readonly scale: number;
}

/** n / d with d > 0 (not necessarily reduced). */
export interface Ratio {
  readonly n: bigint;
  readonly d: bigint;
}

/** Longer strings are refused before any work, so a huge "decimal" cannot cost CPU. */
export const MAX_DECIMAL_LENGTH = 64;
/** At most this many fraction digits (far beyond any currency; keeps bigints small). */
export const MAX_DECIMAL_SCALE = 18;

// The canonical grammar of meridian.common.v1.Decimal (see common.proto).
const SIGNED = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const NEGATIVE_ZERO = /^-0(?:\.0+)?$/;

/** Why a string is not an acceptable decimal. */
export type DecimalProblem = 'empty' | 'too-long' | 'malformed' | 'negative-zero' | 'too-precise';

/** Parses a canonical signed decimal exactly, or says what is wrong with it. */
export function parseDecimal(text: string): ExactDecimal | DecimalProblem {
  if (text.length === 0) return 'empty';
  if (text.length > MAX_DECIMAL_LENGTH) return 'too-long';
  const match = SIGNED.exec(text);
  if (match === null) return 'malformed';
  if (NEGATIVE_ZERO.test(text)) return 'negative-zero';
  const fraction = match[3] ?? '';
  if (fraction.length > MAX_DECIMAL_SCALE) return 'too-precise';
  const magnitude = BigInt((match[2] ?? '') + fraction);
  return { units: match[1] === '-' ? -magnitude : magnitude, scale: fraction.length };
}

export function isDecimalProblem(value: ExactDecimal | DecimalProblem): value is DecimalProblem {
  return typeof value === 'string';
}

/** The decimal as a canonical string ("-1250n, 2" -> "-12.50"). */
export function formatDecimal(value: ExactDecimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  const whole = digits.slice(0, digits.length - value.scale);
  const text = value.scale === 0 ? whole : `${whole}.${digits.slice(digits.length - value.scale)}`;
  return negative ? `-${text}` : text;
}

const POWERS_OF_TEN: readonly bigint[] = Array.from(
  { length: MAX_DECIMAL_SCALE + 1 },
  (_, i) => 10n ** BigInt(i),
);

/** 10^scale (cached for the scales decimals may have). */
export function powerOfTen(scale: number): bigint {
  return POWERS_OF_TEN[scale] ?? 10n ** BigInt(scale);
}

export function ratioOf(value: ExactDecimal): Ratio {
  return { n: value.units, d: powerOfTen(value.scale) };
}

export function multiply(a: Ratio, b: Ratio): Ratio {
  return { n: a.n * b.n, d: a.d * b.d };
}

/** a / b for b != 0 (the sign moves to the numerator so d stays positive). */
export function divide(a: Ratio, b: Ratio): Ratio {
  if (b.n === 0n) throw new RangeError('division by zero');
  const n = a.n * b.d;
  const d = a.d * b.n;
  return d < 0n ? { n: -n, d: -d } : { n, d };
}

export function negate(a: Ratio): Ratio {
  return { n: -a.n, d: a.d };
}

/** -1, 0 or 1 as a < b, a = b, a > b (exact). */
export function compareRatio(a: Ratio, b: Ratio): -1 | 0 | 1 {
  const x = a.n * b.d;
  const y = b.n * a.d;
  return x < y ? -1 : x > y ? 1 : 0;
}

export const ZERO: Ratio = Object.freeze({ n: 0n, d: 1n });
export const HUNDRED: Ratio = Object.freeze({ n: 100n, d: 1n });

/**
 * The ratio as a decimal string with `digits` fraction digits, truncated toward zero (for
 * messages and audit rows: "12.3456"); exact values print exactly when they fit.
 */
export function formatRatio(value: Ratio, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const scaled = (value.n * scale) / value.d; // bigint division truncates toward zero
  return formatDecimal({ units: scaled, scale: digits });
}

/** An approximation for metrics only (never for decisions): a / b as a JS number. */
export function approximateRatio(a: Ratio, b: Ratio): number {
  if (b.n === 0n) return 0;
  const q = divide(a, b);
  // Six significant fraction digits are plenty for a utilisation gauge.
  return Number((q.n * 1_000_000n) / q.d) / 1_000_000;
}
