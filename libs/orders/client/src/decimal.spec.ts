import {
  addDecimals,
  compareDecimals,
  decimal,
  DecimalFormatError,
  DecimalPrecisionError,
  fromUnits,
  isOnIncrement,
  multiplyDecimals,
  offsetByIncrements,
  roundToIncrement,
  scaleOf,
  subtractDecimals,
  toUnits,
} from './decimal';

describe('decimal helpers', () => {
  it('wraps canonical strings and refuses everything else', () => {
    expect(decimal('190.25')).toEqual({ value: '190.25' });
    expect(decimal('-0.5')).toEqual({ value: '-0.5' });
    for (const bad of [
      '',
      'NaN',
      'Infinity',
      '1e3',
      '+1',
      '01',
      '1.',
      '.5',
      '-0',
      ' 1',
      '1,5',
      '0x10',
    ])
      expect(() => decimal(bad)).toThrow(DecimalFormatError);
  });

  it('converts to and from fixed-point units exactly, without rounding', () => {
    expect(toUnits('1.25', 4)).toBe(12500n);
    expect(toUnits('-3', 2)).toBe(-300n);
    expect(toUnits('1.2500', 2)).toBe(125n);
    expect(toUnits('123456789012345678901234567890.123456789', 9)).toBe(
      123456789012345678901234567890123456789n,
    );
    expect(() => toUnits('1.255', 2)).toThrow(DecimalPrecisionError);
    expect(fromUnits(12500n, 4)).toBe('1.25');
    expect(fromUnits(12500n, 4, 2)).toBe('1.25');
    expect(fromUnits(100n, 2, 2)).toBe('1.00');
    expect(fromUnits(-5n, 2)).toBe('-0.05');
    expect(fromUnits(0n, 2)).toBe('0');
    expect(fromUnits(7n, 0)).toBe('7');
    expect(scaleOf('0.50')).toBe(2);
    expect(scaleOf('12')).toBe(0);
  });

  it('adds, subtracts, multiplies and compares where floats would drift', () => {
    // 0.1 + 0.2 is 0.30000000000000004 in floating point.
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(subtractDecimals('0.3', '0.1')).toBe('0.2');
    expect(subtractDecimals('0.1', '0.3')).toBe('-0.2');
    expect(multiplyDecimals('190.25', '0.0003')).toBe('0.057075');
    expect(multiplyDecimals('9007199254740993', '3')).toBe('27021597764222979');
    expect(compareDecimals('1.50', '1.5')).toBe(0);
    expect(compareDecimals('1.49', '1.5')).toBe(-1);
    expect(compareDecimals('-1', '-2')).toBe(1);
  });

  it('rounds onto a tick or lot grid in the asked direction, keeping the grid scale', () => {
    expect(roundToIncrement('190.127', '0.01', 'down')).toBe('190.12');
    expect(roundToIncrement('190.121', '0.01', 'up')).toBe('190.13');
    expect(roundToIncrement('190.125', '0.01', 'nearest')).toBe('190.13');
    expect(roundToIncrement('190.124', '0.01', 'nearest')).toBe('190.12');
    expect(roundToIncrement('190', '0.01')).toBe('190.00');
    expect(roundToIncrement('65001.3', '0.5', 'down')).toBe('65001.0');
    expect(roundToIncrement('-1.25', '0.5', 'down')).toBe('-1.5');
    expect(roundToIncrement('-1.25', '0.5', 'up')).toBe('-1.0');
    expect(() => roundToIncrement('1', '0')).toThrow(RangeError);
    expect(isOnIncrement('190.10', '0.05')).toBe(true);
    expect(isOnIncrement('190.12', '0.05')).toBe(false);
    expect(isOnIncrement('0.0003', '0.0001')).toBe(true);
  });

  it('moves a price by whole ticks', () => {
    expect(offsetByIncrements('190.00', '0.01', 3)).toBe('190.03');
    expect(offsetByIncrements('190.00', '0.01', -250n)).toBe('187.50');
    expect(offsetByIncrements('65000.0', '0.5', -1)).toBe('64999.5');
  });
});
