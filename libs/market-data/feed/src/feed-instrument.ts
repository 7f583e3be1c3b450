import { z } from 'zod';
import { FeedInstrumentsError } from './feed.error';
import { type FixedPoint, parseFixed } from './fixed-point';

/**
 * What the feeds need to know about an instrument. The JSON format is the executor's
 * (`EXECUTOR_INSTRUMENTS`: symbol, tickSize, lotSize, minPrice, ...), so one file can configure
 * both; fields the feeds do not use are accepted and ignored.
 */
export interface FeedInstrumentSpec {
  readonly symbol: string;
  /** Minimum price increment, e.g. "0.01": every price a feed publishes is a multiple of it. */
  readonly tickSize: string;
  /** Minimum size increment, e.g. "1": synthetic sizes are multiples of it. */
  readonly lotSize: string;
}

/** A spec compiled once: increments as exact fixed-point values. */
export interface FeedInstrument {
  readonly spec: FeedInstrumentSpec;
  readonly symbol: string;
  readonly tick: FixedPoint;
  readonly lot: FixedPoint;
}

const SYMBOL = /^[A-Z0-9][A-Z0-9._-]{0,31}$/;
const POSITIVE_DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

const specSchema = z.object({
  symbol: z.string().regex(SYMBOL, 'symbol: 1-32 of A-Z 0-9 . _ -'),
  tickSize: z.string().regex(POSITIVE_DECIMAL, 'decimal string'),
  lotSize: z.string().regex(POSITIVE_DECIMAL, 'decimal string').default('1'),
});

/** Compiles one spec; throws FeedInstrumentsError when an increment is not a positive decimal. */
export function compileInstrument(spec: FeedInstrumentSpec): FeedInstrument {
  const tick = parseFixed(spec.tickSize);
  const lot = parseFixed(spec.lotSize);
  if (tick === undefined || tick.units <= 0n)
    throw new FeedInstrumentsError(`${spec.symbol}: tickSize must be a positive decimal`);
  if (lot === undefined || lot.units <= 0n)
    throw new FeedInstrumentsError(`${spec.symbol}: lotSize must be a positive decimal`);
  return { spec: { ...spec }, symbol: spec.symbol, tick, lot };
}

/** Parses the instrument list (JSON array); every problem is named in one FeedInstrumentsError. */
export function parseFeedInstruments(json: string): FeedInstrument[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new FeedInstrumentsError('not valid JSON', error);
  }
  const parsed = z.array(specSchema).min(1, 'at least one instrument').safeParse(raw);
  if (!parsed.success)
    throw new FeedInstrumentsError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  const seen = new Set<string>();
  return parsed.data.map((spec) => {
    if (seen.has(spec.symbol)) throw new FeedInstrumentsError(`${spec.symbol} is defined twice`);
    seen.add(spec.symbol);
    return compileInstrument(spec);
  });
}

/** The default universe: the executor's default symbols with the same increments. */
export const DEFAULT_FEED_INSTRUMENTS_JSON = JSON.stringify([
  { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' },
  { symbol: 'MSFT', tickSize: '0.01', lotSize: '1' },
  { symbol: 'BTC-USD', tickSize: '0.5', lotSize: '0.0001' },
  { symbol: 'EUR-USD', tickSize: '0.00001', lotSize: '1000' },
]);
