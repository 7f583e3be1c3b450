import { SequenceTracker } from './sequence-tracker';

describe('SequenceTracker', () => {
  it('classifies first, next, gaps with the missing count, and duplicates', () => {
    const tracker = new SequenceTracker();
    expect(tracker.observe('ws-primary', 'AAPL', 5n)).toEqual({ kind: 'first' });
    expect(tracker.observe('ws-primary', 'AAPL', 6n)).toEqual({ kind: 'next' });
    expect(tracker.observe('ws-primary', 'AAPL', 10n)).toEqual({ kind: 'gap', missing: 3n });
    expect(tracker.observe('ws-primary', 'AAPL', 10n)).toEqual({ kind: 'duplicate', last: 10n });
    expect(tracker.observe('ws-primary', 'AAPL', 7n)).toEqual({ kind: 'duplicate', last: 10n });
    expect(tracker.lastOf('ws-primary', 'AAPL')).toBe(10n);
  });

  it('keeps one stream per source and symbol, and resets a source on a new session', () => {
    const tracker = new SequenceTracker();
    tracker.observe('a', 'AAPL', 1n);
    tracker.observe('a', 'MSFT', 100n);
    expect(tracker.observe('b', 'AAPL', 1n)).toEqual({ kind: 'first' });
    expect(tracker.observe('a', 'MSFT', 101n)).toEqual({ kind: 'next' });
    tracker.resetSource('a');
    expect(tracker.observe('a', 'AAPL', 1n)).toEqual({ kind: 'first' });
    expect(tracker.observe('b', 'AAPL', 1n)).toEqual({ kind: 'duplicate', last: 1n });
  });
});
