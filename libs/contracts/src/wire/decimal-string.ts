/**
 * The canonical decimal grammar of `meridian.common.v1.Decimal` (see common.proto):
 * optional '-', an integer part without leading zeros, an optional '.' and at least one digit.
 * No exponent, no '+', no NaN/Infinity. Negative zero is excluded separately.
 */
export const CANONICAL_DECIMAL_PATTERN = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** Whether `value` is a canonical decimal string (what every Decimal.value must be). */
export function isCanonicalDecimal(value: string): boolean {
  return CANONICAL_DECIMAL_PATTERN.test(value) && !/^-0(\.0+)?$/.test(value);
}
