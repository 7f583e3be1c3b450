import fc from 'fast-check';
import { OffsetTracker } from './offset-tracker';

describe('OffsetTracker', () => {
  it('commits only past the completed prefix', () => {
    const tracker = new OffsetTracker();
    ['10', '11', '12', '13'].forEach((o) => tracker.dispatched(o));
    expect(tracker.commitOffset()).toBeUndefined();
    expect(tracker.complete('12')).toBe(false);
    expect(tracker.commitOffset()).toBeUndefined();
    expect(tracker.complete('10')).toBe(true);
    expect(tracker.commitOffset()).toBe('11');
    expect(tracker.complete('11')).toBe(true);
    expect(tracker.lastCompleted()).toBe('12');
    expect(tracker.commitOffset()).toBe('13');
    expect(tracker.pending()).toBe(1);
  });

  it('handles offsets beyond 2^53', () => {
    const tracker = new OffsetTracker();
    tracker.dispatched('9007199254740993');
    tracker.complete('9007199254740993');
    expect(tracker.commitOffset()).toBe('9007199254740994');
  });

  it('refuses offsets dispatched out of order', () => {
    const tracker = new OffsetTracker();
    tracker.dispatched('5');
    expect(() => tracker.dispatched('5')).toThrow(/out of order/);
    expect(() => tracker.dispatched('4')).toThrow(/out of order/);
  });

  it('never commits past an unfinished record, whatever the completion order', () => {
    expect(() =>
      fc.assert(
        fc.property(
          fc
            .integer({ min: 1, max: 40 })
            .chain((n) =>
              fc.tuple(
                fc.constant(n),
                fc.shuffledSubarray([...Array(n).keys()], { minLength: 0, maxLength: n }),
              ),
            ),
          ([n, completedOrder]) => {
            const tracker = new OffsetTracker();
            for (let i = 0; i < n; i++) tracker.dispatched(String(100 + i));
            const done = new Set<number>();
            for (const i of completedOrder) {
              tracker.complete(String(100 + i));
              done.add(i);
              let prefix = 0;
              while (done.has(prefix)) prefix++;
              const expected = prefix === 0 ? undefined : String(100 + prefix);
              if (tracker.commitOffset() !== expected) return false;
            }
            return true;
          },
        ),
      ),
    ).not.toThrow();
  });
});
