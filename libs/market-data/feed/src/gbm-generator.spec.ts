import fc from 'fast-check';
import {
  compileInstrument,
  parseFeedInstruments,
  DEFAULT_FEED_INSTRUMENTS_JSON,
} from './feed-instrument';
import { GbmConfigError } from './feed.error';
import { isMultipleOf, parseFixed } from './fixed-point';
import { GbmGenerator, type GbmOptions } from './gbm-generator';
import { TickValidator } from './tick-validator';

const aapl = compileInstrument({ symbol: 'AAPL', tickSize: '0.01', lotSize: '1' });
const options = (over: Partial<GbmOptions> = {}): GbmOptions => ({
  instrument: aapl,
  startPrice: '100.00',
  drift: 0.05,
  volatility: 0.4,
  stepSeconds: 1,
  seed: 42,
  ...over,
});
const take = (generator: GbmGenerator, n: number) =>
  Array.from({ length: n }, () => generator.next());

describe('GbmGenerator', () => {
  it('repeats exactly for the same seed and differs for another', () => {
    const a = take(new GbmGenerator(options()), 500);
    const b = take(new GbmGenerator(options()), 500);
    const c = take(new GbmGenerator(options({ seed: 43 })), 500);
    expect(a).toEqual(b);
    expect(a.map((q) => q.lastPrice)).not.toEqual(c.map((q) => q.lastPrice));
    // Pinned: a change of the PRNG or the formula is a visible change of every synthetic run.
    expect(a.slice(0, 3).map((q) => [q.bidPrice, q.askPrice, q.lastPrice])).toMatchSnapshot();
  });

  it('numbers updates 1, 2, 3 and quotes one spread wide with the trade at the touch', () => {
    const quotes = take(new GbmGenerator(options({ spreadTicks: 3 })), 50);
    expect(quotes.map((q) => q.sequence)).toEqual(quotes.map((_, i) => BigInt(i + 1)));
    for (const q of quotes) {
      const bid = parseFixed(q.bidPrice)?.units ?? 0n;
      const ask = parseFixed(q.askPrice)?.units ?? 0n;
      expect(ask - bid).toBe(3n);
      expect([q.bidPrice, q.askPrice]).toContain(q.lastPrice);
    }
  });

  it('property: prices are always positive and on the tick grid, sizes on the lot grid, and valid ticks', () => {
    const instruments = parseFeedInstruments(DEFAULT_FEED_INSTRUMENTS_JSON);
    fc.assert(
      fc.property(
        fc.constantFrom(...instruments),
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (instrument, startTicks, drift, volatility, seed) => {
          const startPrice = `${BigInt(startTicks) * instrument.tick.units}`;
          const scale = instrument.tick.scale;
          const text =
            scale === 0
              ? startPrice
              : `${startPrice.padStart(scale + 1, '0').slice(0, -scale)}.${startPrice.padStart(scale + 1, '0').slice(-scale)}`;
          const generator = new GbmGenerator({
            instrument,
            startPrice: text,
            drift,
            volatility,
            stepSeconds: 3600,
            seed,
          });
          const validator = new TickValidator([instrument], { bandBps: 0 });
          for (const q of take(generator, 50)) {
            for (const price of [q.bidPrice, q.askPrice, q.lastPrice]) {
              const value = parseFixed(price);
              expect(value !== undefined && value.units > 0n).toBe(true);
              expect(value !== undefined && isMultipleOf(value, instrument.tick)).toBe(true);
            }
            for (const size of [q.bidSize, q.askSize, q.lastSize]) {
              const value = parseFixed(size);
              expect(value !== undefined && isMultipleOf(value, instrument.lot)).toBe(true);
            }
            const d = (value: string) => ({ value });
            const verdict = validator.validate({
              symbol: q.symbol,
              bidPrice: d(q.bidPrice),
              bidSize: d(q.bidSize),
              askPrice: d(q.askPrice),
              askSize: d(q.askSize),
              lastPrice: d(q.lastPrice),
              lastSize: d(q.lastSize),
            });
            expect(verdict).toEqual({ ok: true });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each<[string, Partial<GbmOptions>]>([
    ['a start price off the grid', { startPrice: '100.001' }],
    ['a zero start price', { startPrice: '0' }],
    ['a malformed start price', { startPrice: '1e2' }],
    ['a negative volatility', { volatility: -0.1 }],
    ['a zero step', { stepSeconds: 0 }],
    ['an infinite drift', { drift: Number.POSITIVE_INFINITY }],
    ['a zero spread', { spreadTicks: 0 }],
    ['a fractional lot count', { maxLots: 1.5 }],
  ])('refuses %s', (_name, over) => {
    expect(() => new GbmGenerator(options(over))).toThrow(GbmConfigError);
  });
});
