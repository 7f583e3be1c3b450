import { StalenessTracker } from './staleness-tracker';

describe('StalenessTracker', () => {
  it('ages symbols from their last tick, and silent symbols from the start', () => {
    let now = 1_000;
    const tracker = new StalenessTracker(['AAPL', 'MSFT'], 500, () => now);
    now = 1_200;
    tracker.touch('AAPL');
    now = 1_600;
    expect(tracker.ageMs('AAPL')).toBe(400);
    expect(tracker.ageMs('MSFT')).toBe(600);
    expect(tracker.staleSymbols()).toEqual(['MSFT']);
    expect(tracker.snapshot()).toEqual([
      { symbol: 'AAPL', ageMs: 400, seen: true, stale: false },
      { symbol: 'MSFT', ageMs: 600, seen: false, stale: true },
    ]);
    now = 1_700;
    expect(tracker.isStale('AAPL')).toBe(true);
    expect(tracker.lastTickAt('AAPL')).toBe(1_200);
  });

  it('refuses a threshold that is not positive', () => {
    expect(() => new StalenessTracker([], 0, () => 0)).toThrow(RangeError);
  });
});
