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

  it('equals the merge of one-trade bars for random ticks in any order (bucket jumps, equal times)', () => {
    const T = 1_772_443_800_000_000_000n; // 2026-03-02T09:30:00Z, a 1h boundary
    const tick = fc
      .record({
        symbol: fc.constantFrom('AAA', 'BBB'),
        source: fc.constantFrom('a', 'b'),
        sequence: fc.bigInt({ min: 1n, max: 5n }),
        // ±3 minutes around the boundary, often on equal times.
        offset: fc.oneof(fc.bigInt({ min: -180n, max: 180n }), fc.constantFrom(-1n, 0n, 59n, 60n)),
        nanos: fc.constantFrom(0n, 1n, 999_999_999n),
        price: fc.constantFrom('1', '1.5', '1.50', '0.9', '12.125', '100'),
        size: fc.option(fc.constantFrom('0', '1', '2.5', '0.001'), { nil: undefined }),
        trade: fc.boolean(),
      })
      .map((t): StorableTick => ({
        symbol: t.symbol,
        source: t.source,
        sequence: t.sequence,
        exchangeTimeNanos: T + t.offset * 1_000_000_000n + t.nanos,
        receivedTimeNanos: T,
        bidPrice: '1',
        bidSize: undefined,
        askPrice: undefined,
        askSize: undefined,
        lastPrice: t.trade ? t.price : undefined,
        lastSize: t.trade ? t.size : undefined,
      }));
    fc.assert(
      fc.property(fc.array(tick, { maxLength: 60 }), (ticks) => {
        const merged = new Map<string, PartialBar>();
        for (const one of ticks) {
          for (const bar of aggregateBars([one])) {
            const key = `${bar.interval}/${bar.symbol}/${bar.startNanos}`;
            const existing = merged.get(key);
            merged.set(key, existing === undefined ? bar : mergeBars(existing, bar));
          }
        }
        const all = aggregateBars(ticks);
        expect(all).toHaveLength(merged.size);
        expect(comparable(all)).toEqual(
          comparable(
            all.map((bar) => merged.get(`${bar.interval}/${bar.symbol}/${bar.startNanos}`) ?? bar),
          ),
        );
        expect(all.map((bar) => [bar.openKey, bar.closeKey])).toEqual(
          all.map((bar) => {
            const reference = merged.get(`${bar.interval}/${bar.symbol}/${bar.startNanos}`);
            return [reference?.openKey, reference?.closeKey];
          }),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('refuses to merge bars of different buckets', () => {
    const [first, second] = aggregateBars(storable(), BAR_INTERVALS.slice(0, 1));
    if (first === undefined || second === undefined) throw new Error('fixture too small');
    expect(() => mergeBars(first, second)).toThrow(BarMergeMismatchError);
  });
});
