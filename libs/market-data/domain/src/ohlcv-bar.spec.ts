import fc from 'fast-check';
import { BAR_INTERVALS, barInterval } from './bar-interval';
import {
  aggregateBars,
  BarMergeMismatchError,
  mergeBars,
  toBarRecord,
  type PartialBar,
} from './ohlcv-bar';
import { type StorableTick, validateTick } from './storable-tick';
import { goldenBars, goldenTicks } from './testing';

function storable(): StorableTick[] {
  return goldenTicks().map((tick) => {
    const result = validateTick(tick);
    if (!result.ok) throw new Error(`golden tick invalid: ${result.rejection.detail}`);
    return result.tick;
  });
}

function comparable(bars: PartialBar[]) {
  return bars.map((bar) => {
    const { openKey: _o, closeKey: _c, ...rest } = toBarRecord(bar);
    return rest;
  });
}

describe('OHLCV aggregation', () => {
  it('matches the hand-computed golden bars for 1m, 5m, 1h and 1d', () => {
    expect(comparable(aggregateBars(storable()))).toEqual(goldenBars());
  });

  it('does not depend on tick order', () => {
    const ticks = storable();
    expect(comparable(aggregateBars([...ticks].reverse()))).toEqual(goldenBars());
  });

  it('ignores quote-only ticks entirely', () => {
    const quotes = storable().filter((tick) => tick.lastPrice === undefined);
    expect(quotes.length).toBeGreaterThan(0);
    expect(aggregateBars(quotes)).toEqual([]);
  });

  it('aggregates only the requested intervals', () => {
    const bars = aggregateBars(storable(), [barInterval('1d')]);
    expect(new Set(bars.map((bar) => bar.interval))).toEqual(new Set(['1d']));
    expect(bars).toHaveLength(3);
  });

  it('merges any split of a batch into the same bars (associative, commutative)', () => {
    const ticks = storable();
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), {
          minLength: ticks.length,
          maxLength: ticks.length,
        }),
        (assignment) => {
          const parts = [0, 1, 2, 3].map((part) => ticks.filter((_, i) => assignment[i] === part));
          const merged = new Map<string, PartialBar>();
          for (const part of [...parts].reverse()) {
            for (const bar of aggregateBars(part)) {
              const key = `${bar.interval}/${bar.symbol}/${bar.startNanos}`;
              const existing = merged.get(key);
              merged.set(key, existing === undefined ? bar : mergeBars(bar, existing));
            }
          }
          const all = aggregateBars(ticks);
          expect(
            all.map((bar) => merged.get(`${bar.interval}/${bar.symbol}/${bar.startNanos}`)),
          ).toEqual(all);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses to merge bars of different buckets', () => {
    const [first, second] = aggregateBars(storable(), BAR_INTERVALS.slice(0, 1));
    if (first === undefined || second === undefined) throw new Error('fixture too small');
    expect(() => mergeBars(first, second)).toThrow(BarMergeMismatchError);
  });
});
