import { DecimalFormatError } from './portfolio.error';
import fc from 'fast-check';
import {
  divRoundHalfEven,
  formatFixed,
  parseFixed,
  parseFixedReference,
  rescale,
} from './fixed-point';

describe('fixed point', () => {
  it('parses and formats canonical decimals exactly', () => {
    expect(parseFixed('1.5', 8)).toBe(150_000_000n);
    expect(parseFixed('-0.00000001', 8)).toBe(-1n);
    expect(parseFixed('100', 2)).toBe(10_000n);
    expect(parseFixed('1.50000000000', 8)).toBe(150_000_000n);
    expect(formatFixed(150_000_000n, 8)).toBe('1.5');
    expect(formatFixed(-1n, 8)).toBe('-0.00000001');
    expect(formatFixed(0n, 16)).toBe('0');
    expect(formatFixed(-12_300n, 2)).toBe('-123');
  });

  it.each([['1e3'], ['+1'], ['01'], ['1.'], ['.5'], [''], ['NaN'], [' 1'], ['1,5']])(
    'rejects %p',
    (text) => {
      expect(() => parseFixed(text, 8)).toThrow(DecimalFormatError);
    },
  );

  it('rejects digits finer than the scale instead of rounding them', () => {
    expect(() => parseFixed('0.000000001', 8, 'price')).toThrow(/more than 8 fractional digits/);
  });

  it('rounds half to even, symmetrically for negatives', () => {
    expect(divRoundHalfEven(5n, 2n)).toBe(2n);
    expect(divRoundHalfEven(7n, 2n)).toBe(4n);
    expect(divRoundHalfEven(-5n, 2n)).toBe(-2n);
    expect(divRoundHalfEven(-7n, 2n)).toBe(-4n);
    expect(divRoundHalfEven(10n, 3n)).toBe(3n);
    expect(divRoundHalfEven(20n, 3n)).toBe(7n);
    expect(divRoundHalfEven(20n, -3n)).toBe(-7n);
    expect(() => divRoundHalfEven(1n, 0n)).toThrow(RangeError);
    expect(rescale(125n, 2, 1)).toBe(12n);
    expect(rescale(135n, 2, 1)).toBe(14n);
    expect(rescale(12n, 1, 3)).toBe(1200n);
  });
});

describe('formatFixed', () => {
  it.each([
    [0n, 8, '0'],
    [1n, 8, '0.00000001'],
    [-1n, 8, '-0.00000001'],
    [100_000_000n, 8, '1'],
    [-12_345_000_000n, 8, '-123.45'],
    [10n, 0, '10'],
    [123_456_789_012_345_678n, 16, '12.3456789012345678'],
    [5n, 1, '0.5'],
    [50n, 1, '5'],
  ])('formats %p at scale %p as %p', (value, scale, text) => {
    expect(formatFixed(value, scale)).toBe(text);
  });

  it('round-trips with parseFixed', () => {
    for (const v of [0n, 7n, -7n, 10n ** 20n + 3n, -(10n ** 9n), 123_000n])
      expect(parseFixed(formatFixed(v, 8), 8)).toBe(v);
  });
});

describe('parseFixed fast path', () => {
  const outcome = (f: () => bigint): string => {
    try {
      return `ok ${f()}`;
    } catch (error) {
      return `err ${error instanceof Error ? `${error.constructor.name} ${error.message}` : ''}`;
    }
  };
  const decimalLike = fc.oneof(
    fc.stringMatching(/^-?[0-9]{0,9}(\.[0-9]{0,12})?$/),
    fc.string({ maxLength: 20, unit: fc.constantFrom('0', '1', '9', '.', '-', '+', 'e', ' ') }),
    fc
      .tuple(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.integer({ min: 0, max: 12 }))
      .map(([v, s]) => formatFixed(v, s)),
  );

  it('agrees with the reference parser on results and errors', () => {
    fc.assert(
      fc.property(decimalLike, fc.integer({ min: 0, max: 18 }), (text, scale) => {
        expect(outcome(() => parseFixed(text, scale, 'x'))).toBe(
          outcome(() => parseFixedReference(text, scale, 'x')),
        );
      }),
      { numRuns: 5000 },
    );
  });
});
