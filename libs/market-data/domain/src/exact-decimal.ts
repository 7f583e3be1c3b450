/**
 * Exact decimals for market data: a bigint mantissa and a decimal scale, so prices and sizes
 * are compared and summed without binary floating point. Input and output are the canonical
 * decimal strings of `meridian.common.v1.Decimal` (see CANONICAL_DECIMAL_PATTERN in contracts).
 */
export interface ExactDecimal {
  /** The digits without the point: 12345n for "123.45". */
  readonly units: bigint;
  /** Digits after the point: 2 for "123.45". */
  readonly scale: number;
}

const DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
/** Longest decimal string accepted: far above any real price or size, far below abuse. */
export const MAX_DECIMAL_LENGTH = 40;

/**
 * Whether `value` is a canonical decimal string (what `parseExactDecimal` accepts), checked
 * without building a bigint.
 */
export function isDecimalText(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= MAX_DECIMAL_LENGTH &&
    DECIMAL.test(value) &&
    !(value.charCodeAt(0) === 45 && /^-0(?:\.0+)?$/.test(value))
  );
}

/** Parses a canonical decimal string; undefined for anything else (exponents, '+', '-0', ...). */
export function parseExactDecimal(value: string): ExactDecimal | undefined {
  if (value.length === 0 || value.length > MAX_DECIMAL_LENGTH) return undefined;
  const match = DECIMAL.exec(value);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  if (sign === '-' && units === 0n) return undefined;
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

function rescale(value: ExactDecimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** -1, 0 or 1, exactly (1.50 equals 1.5). */
export function compareExact(a: ExactDecimal, b: ExactDecimal): number {
  if (a.scale === b.scale) return a.units < b.units ? -1 : a.units > b.units ? 1 : 0;
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addExact(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  if (a.scale === b.scale) return { units: a.units + b.units, scale: a.scale };
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export const ZERO: ExactDecimal = Object.freeze({ units: 0n, scale: 0 });

/**
 * The shortest canonical string of the value: trailing fractional zeros removed ("1.50" and
 * "1.5" both give "1.5", "2.000" gives "2"). Bars use this form wherever they are produced
 * (writer, database, API), so equal values are equal strings.
 */
export function formatExact(value: ExactDecimal): string {
  let { units, scale } = value;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString();
  if (scale === 0) return negative ? `-${digits}` : digits;
  const padded = digits.padStart(scale + 1, '0');
  const text = `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/**
 * A canonical decimal string in its shortest form; the input must already be a decimal
 * (PostgreSQL numeric text or a validated tick field). Throws on anything else: that is a bug.
 */
export function normalizeDecimal(value: string): string {
  const parsed = parseExactDecimal(value);
  if (parsed === undefined) throw new RangeError(`"${value}" is not a canonical decimal`);
  return formatExact(parsed);
}
