import { BAR_INTERVALS, barInterval, bucketStart, findBarInterval } from './bar-interval';
import { isoToNanos } from './testing';

describe('bar intervals', () => {
  it('knows the four intervals and nothing else', () => {
    expect(BAR_INTERVALS.map((i) => i.id)).toEqual(['1m', '5m', '1h', '1d']);
    expect(findBarInterval('1d')?.table).toBe('bars_1d');
    expect(findBarInterval('2m')).toBeUndefined();
    expect(() => barInterval('7m' as '1m')).toThrow(RangeError);
  });

  it.each([
    ['1m', '2026-03-02T09:30:00Z', '2026-03-02T09:30:00Z'],
    ['1m', '2026-03-02T09:30:59.999999999Z', '2026-03-02T09:30:00Z'],
    ['5m', '2026-03-02T09:34:59.999999999Z', '2026-03-02T09:30:00Z'],
    ['5m', '2026-03-02T09:35:00Z', '2026-03-02T09:35:00Z'],
    ['1h', '2026-03-02T09:59:59.5Z', '2026-03-02T09:00:00Z'],
    ['1d', '2026-03-02T23:59:59.999999999Z', '2026-03-02T00:00:00Z'],
    ['1d', '2026-03-03T00:00:00Z', '2026-03-03T00:00:00Z'],
  ] as const)('%s bucket of %s starts at %s (UTC, date_bin from the epoch)', (id, time, start) => {
    expect(bucketStart(isoToNanos(time), barInterval(id))).toBe(isoToNanos(start));
  });

  it('floors before 1970 like date_bin', () => {
    expect(bucketStart(-1n, barInterval('1m'))).toBe(-60_000_000_000n);
    expect(bucketStart(-60_000_000_000n, barInterval('1m'))).toBe(-60_000_000_000n);
  });
});
