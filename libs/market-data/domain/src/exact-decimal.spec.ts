import {
  addExact,
  compareExact,
  formatExact,
  normalizeDecimal,
  parseExactDecimal,
} from './exact-decimal';

describe('exact decimals', () => {
  it.each([
    ['0', 0n, 0],
    ['100.50', 10050n, 2],
    ['-1.25', -125n, 2],
    ['0.000000001', 1n, 9],
  ])('parses %s', (text, units, scale) => {
    expect(parseExactDecimal(text)).toEqual({ units, scale });
  });

  it.each(['', '1e5', '+1', '01', '1.', '.5', '-0', '-0.00', 'NaN', ' 1', '1'.repeat(41)])(
    'refuses %j',
    (text) => {
      expect(parseExactDecimal(text)).toBeUndefined();
    },
  );

  it('compares across scales exactly', () => {
    const p = (s: string) => parseExactDecimal(s) ?? { units: 0n, scale: 0 };
    expect(compareExact(p('1.50'), p('1.5'))).toBe(0);
    expect(compareExact(p('0.1'), p('0.09999999999999999999'))).toBe(1);
    expect(compareExact(p('-2'), p('1'))).toBe(-1);
  });

  it('adds without float error and formats the shortest form', () => {
    const p = (s: string) => parseExactDecimal(s) ?? { units: 0n, scale: 0 };
    expect(formatExact(addExact(p('0.1'), p('0.2')))).toBe('0.3');
    expect(formatExact(addExact(p('13.5'), p('0.50')))).toBe('14');
    expect(formatExact(addExact(p('-0.75'), p('0.25')))).toBe('-0.5');
    expect(formatExact({ units: 5n, scale: 3 })).toBe('0.005');
    expect(normalizeDecimal('100.000')).toBe('100');
    expect(() => normalizeDecimal('1e3')).toThrow(RangeError);
  });
});
