import { isCanonicalDecimal } from './decimal-string';

describe('isCanonicalDecimal', () => {
  it.each([
    '0',
    '1',
    '-1',
    '10',
    '101.25',
    '100.50',
    '0.0001',
    '-0.5',
    '123456789012345678901234567890.1',
  ])('accepts %s', (value) => {
    expect(isCanonicalDecimal(value)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['exponent', '1e3'],
    ['plus sign', '+1'],
    ['leading zero', '007'],
    ['comma separator', '1,5'],
    ['thousands separator', '1,000.00'],
    ['bare dot', '.5'],
    ['trailing dot', '5.'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['negative zero', '-0'],
    ['negative zero with scale', '-0.00'],
    ['whitespace', ' 1'],
    ['hex', '0x10'],
  ])('rejects %s (%s)', (_why, value) => {
    expect(isCanonicalDecimal(value)).toBe(false);
  });
});
