import { DecimalFormatError } from './portfolio.error';

/**
 * Exact fixed-point arithmetic on bigint. A value `v` at scale `s` means `v / 10^s`.
 *
 * - Quantities and prices: scale 8 (`QTY_SCALE`, `PRICE_SCALE`); inputs with more fractional
 *   digits are rejected, never rounded.
 * - Money (cost basis, PnL, fees, equity, exposure): scale 16 (`MONEY_SCALE`), so the product of
 *   a quantity and a price is exact with no rounding at all.
 * - The only divisions (average cost shown on the wire, the cost share removed on a partial
 *   close, basis-point fees) round half to even (banker's rounding) to the target scale.
 */
export const QTY_SCALE = 8;
export const PRICE_SCALE = 8;
export const MONEY_SCALE = 16;

const POW10: bigint[] = [];
for (let i = 0n; i <= 40n; i++) POW10.push(10n ** i);

/** 10^n as bigint. */
export function pow10(n: number): bigint {
  const p = POW10[n];
  if (p === undefined) throw new RangeError(`scale ${n} out of range`);
  return p;
}

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * Parses a canonical decimal string (meridian.common.v1.Decimal grammar) into a bigint at
 * `scale`. Throws DecimalFormatError for a malformed string or more than `scale` fractional
 * digits (trailing zeros beyond the scale are accepted: "1.500000000" at scale 8 is fine).
 */
export function parseFixed(text: string, scale: number, what = 'value'): bigint {
  const fast = parseFixedFast(text, scale);
  return fast !== undefined ? fast : parseFixedReference(text, scale, what);
}

/** 10^n as a double, exact for n <= 22. */
const POW10_NUMBER: number[] = [];
for (let i = 0; i <= 22; i++) POW10_NUMBER.push(10 ** i);

/**
 * Single pass over the characters for the common case (canonical, at most 15 significant digits
 * after scaling, so the double holding them is exact); undefined for anything else, which the
 * reference parser then judges (errors included). Fills parse two decimals each, in the hot loop.
 */
function parseFixedFast(text: string, scale: number): bigint | undefined {
  const n = text.length;
  if (n === 0 || n > 17 || scale > 15) return undefined;
  let i = 0;
  const negative = text.charCodeAt(0) === 45;
  if (negative) i = 1;
  const first = i;
  let acc = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    acc = acc * 10 + c;
  }
  const intDigits = i - first;
  // No digits, or a leading zero followed by more digits: not canonical.
  if (intDigits === 0 || (intDigits > 1 && text.charCodeAt(first) === 48)) return undefined;
  let fracDigits = 0;
  if (i < n) {
    if (text.charCodeAt(i) !== 46) return undefined;
    i += 1;
    for (; i < n; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      acc = acc * 10 + c;
      fracDigits += 1;
    }
    if (fracDigits === 0 || fracDigits > scale) return undefined;
  }
  const shift = scale - fracDigits;
  if (intDigits + fracDigits + shift > 15) return undefined;
  const factor = POW10_NUMBER[shift];
  if (factor === undefined) return undefined;
  const magnitude = acc * factor;
  // "-0" style inputs keep the reference's result: -(0n) is 0n either way.
  return BigInt(negative ? -magnitude : magnitude);
}

/** The regex-based parser: the reference the fast path must agree with (tests). */
export function parseFixedReference(text: string, scale: number, what: string): bigint {
  if (!DECIMAL.test(text)) throw new DecimalFormatError(what, text, 'not a canonical decimal');
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const intPart = dot < 0 ? body : body.slice(0, dot);
  let frac = dot < 0 ? '' : body.slice(dot + 1);
  if (frac.length > scale) {
    const extra = frac.slice(scale);
    if (!/^0+$/.test(extra))
      throw new DecimalFormatError(what, text, `more than ${scale} fractional digits`);
    frac = frac.slice(0, scale);
  }
  const magnitude = BigInt(intPart) * pow10(scale) + BigInt(frac.padEnd(scale, '0') || '0');
  return negative ? -magnitude : magnitude;
}

/** Canonical decimal string of `value / 10^scale`, trailing fractional zeros removed, no "-0". */
export function formatFixed(value: bigint, scale: number): string {
  // One bigint-to-string conversion, then string surgery: this runs ~20 times per update.
  if (value === 0n) return '0';
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    let end = digits.length;
    const point = end - scale;
    while (end > point && digits.charCodeAt(end - 1) === 48) end -= 1;
    digits =
      end === point
        ? digits.slice(0, point)
        : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** `numerator / denominator` rounded half to even. `denominator` must not be 0. */
export function divRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let q = n / denominator;
  const r2 = (n % denominator) * 2n;
  if (r2 > denominator || (r2 === denominator && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** Rescales `value` from scale `from` to scale `to` (half-even when precision is dropped). */
export function rescale(value: bigint, from: number, to: number): bigint {
  if (to >= from) return value * pow10(to - from);
  return divRoundHalfEven(value, pow10(from - to));
}

/** |value| */
export function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/** -1n, 0n or 1n. */
export function sign(value: bigint): bigint {
  return value > 0n ? 1n : value < 0n ? -1n : 0n;
}

/** quantity (scale 8) * price (scale 8) = money (scale 16), exactly. */
export function notional(quantity: bigint, price: bigint): bigint {
  return quantity * price;
}
