import { type FeedInstrument } from './feed-instrument';
import { compareFixed, type FixedPoint, isMultipleOf, parseFixed, rescale } from './fixed-point';

/**
 * Why a tick was not published. Values are the `reason` label of
 * `marketdata_ticks_rejected_total`, so they are frozen like metric names.
 */
export const RejectReason = {
  /** The symbol is not in the instrument list. */
  unknownSymbol: 'unknown_symbol',
  /** A price or size is not a canonical decimal string, or a required field is missing. */
  malformed: 'malformed',
  /** Neither a quote side nor a last trade: nothing to publish. */
  empty: 'empty',
  /** A price is zero or negative. */
  nonPositivePrice: 'non_positive_price',
  /** A size is zero or negative. */
  nonPositiveSize: 'non_positive_size',
  /** A price is not a multiple of the instrument's tick size. */
  offTick: 'off_tick',
  /** bid >= ask: the book is crossed or locked. */
  crossedBook: 'crossed_book',
  /** A price is further from the reference price than the configured band allows. */
  outOfBand: 'out_of_band',
  /** The sequence is not above the last one of its (source, symbol): a replay or reorder. */
  duplicateSequence: 'duplicate_sequence',
  /** The message could not be decoded at all (bad JSON, bad CSV row). Counted by adapters. */
  undecodable: 'undecodable',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** A decimal as it travels on the wire (`meridian.common.v1.Decimal`). */
export interface DecimalText {
  readonly value: string;
}

/**
 * The fields of a tick the validator reads; `marketdata.Tick` (ts-proto) has exactly this shape,
 * declared structurally because domain code does not depend on the generated contracts.
 */
export interface QuoteFields {
  readonly symbol: string;
  readonly bidPrice?: DecimalText | undefined;
  readonly bidSize?: DecimalText | undefined;
  readonly askPrice?: DecimalText | undefined;
  readonly askSize?: DecimalText | undefined;
  readonly lastPrice?: DecimalText | undefined;
  readonly lastSize?: DecimalText | undefined;
}

export type TickVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

export interface TickValidatorOptions {
  /**
   * Largest distance of any price from the symbol's reference price (the last accepted trade, or
   * the last accepted mid), in basis points of the reference. 0 disables the band check.
   */
  readonly bandBps: number;
  /**
   * After this many consecutive out-of-band rejects of one symbol the band re-anchors on the new
   * price: the market really moved (or the first reference was the bad print). Default 5.
   */
  readonly reanchorAfterRejects?: number;
}

interface Reference {
  price: FixedPoint | undefined;
  bandRejects: number;
}

const ok: TickVerdict = { ok: true };
const reject = (reason: RejectReason, detail: string): TickVerdict => ({
  ok: false,
  reason,
  detail,
});

/**
 * Checks ticks of one feed against the instrument list: well-formed exact decimals, positive
 * prices and sizes on the tick grid, an uncrossed book, and prices within a band around the last
 * accepted price. Rejections are values; `validate` never throws on bad input.
 */
export class TickValidator {
  private readonly instruments: ReadonlyMap<string, FeedInstrument>;
  private readonly references = new Map<string, Reference>();
  private readonly bandBps: bigint;
  private readonly reanchorAfter: number;

  constructor(instruments: readonly FeedInstrument[], options: TickValidatorOptions) {
    if (!Number.isInteger(options.bandBps) || options.bandBps < 0)
      throw new RangeError(`bandBps must be a non-negative integer, got ${options.bandBps}`);
    this.instruments = new Map(instruments.map((i) => [i.symbol, i]));
    this.bandBps = BigInt(options.bandBps);
    this.reanchorAfter = options.reanchorAfterRejects ?? 5;
  }

  /** The instrument of `symbol`, if configured. */
  instrument(symbol: string): FeedInstrument | undefined {
    return this.instruments.get(symbol);
  }

  /**
   * Validates one tick and, when it passes, makes its price the symbol's new band reference
   * (callers that reject it later for another reason call `validate` only after those checks).
   */
  validate(tick: QuoteFields): TickVerdict {
    const instrument = this.instruments.get(tick.symbol);
    if (instrument === undefined)
      return reject(RejectReason.unknownSymbol, `symbol "${tick.symbol}" is not configured`);

    const prices: [string, FixedPoint][] = [];
    const sizes: [string, FixedPoint][] = [];
    const fields = [
      ['bidPrice', tick.bidPrice, prices],
      ['askPrice', tick.askPrice, prices],
      ['lastPrice', tick.lastPrice, prices],
      ['bidSize', tick.bidSize, sizes],
      ['askSize', tick.askSize, sizes],
      ['lastSize', tick.lastSize, sizes],
    ] as const;
    const parsed: Partial<Record<(typeof fields)[number][0], FixedPoint>> = {};
    for (const [name, decimal, into] of fields) {
      if (decimal === undefined) continue;
      const value = typeof decimal.value === 'string' ? parseFixed(decimal.value) : undefined;
      if (value === undefined)
        return reject(
          RejectReason.malformed,
          `${name} "${String(decimal.value)}" is not a decimal`,
        );
      parsed[name] = value;
      into.push([name, value]);
    }
    if (prices.length === 0) return reject(RejectReason.empty, 'no bid, ask or last price');
    // A side or a trade is a price with its size; one without the other is a broken update.
    for (const [price, size] of [
      ['bidPrice', 'bidSize'],
      ['askPrice', 'askSize'],
      ['lastPrice', 'lastSize'],
    ] as const) {
      if ((parsed[price] === undefined) !== (parsed[size] === undefined))
        return reject(RejectReason.malformed, `${price} and ${size} come together`);
    }
    for (const [name, value] of prices) {
      if (value.units <= 0n)
        return reject(RejectReason.nonPositivePrice, `${name} must be positive`);
      if (!isMultipleOf(value, instrument.tick))
        return reject(
          RejectReason.offTick,
          `${name} is not a multiple of the tick size ${instrument.spec.tickSize}`,
        );
    }
    for (const [name, value] of sizes)
      if (value.units <= 0n)
        return reject(RejectReason.nonPositiveSize, `${name} must be positive`);
    if (
      parsed.bidPrice !== undefined &&
      parsed.askPrice !== undefined &&
      compareFixed(parsed.bidPrice, parsed.askPrice) >= 0
    )
      return reject(RejectReason.crossedBook, 'bid is at or above ask');

    const reference = this.referenceOf(tick.symbol);
    const anchor = parsed.lastPrice ?? midOf(parsed.bidPrice, parsed.askPrice);
    if (reference.price !== undefined && this.bandBps > 0n) {
      for (const [name, value] of prices) {
        if (this.withinBand(value, reference.price)) continue;
        reference.bandRejects += 1;
        if (reference.bandRejects < this.reanchorAfter)
          return reject(RejectReason.outOfBand, `${name} is outside the band around the reference`);
        // Persistent: the reference was the outlier; accept and re-anchor below.
        break;
      }
    }
    reference.bandRejects = 0;
    if (anchor !== undefined) reference.price = anchor;
    return ok;
  }

  /** Forgets the band reference of every symbol (e.g. after a long outage). */
  resetReferences(): void {
    this.references.clear();
  }

  private referenceOf(symbol: string): Reference {
    let reference = this.references.get(symbol);
    if (reference === undefined) {
      reference = { price: undefined, bandRejects: 0 };
      this.references.set(symbol, reference);
    }
    return reference;
  }

  /** |price - reference| * 10_000 <= reference * bandBps, exactly. */
  private withinBand(price: FixedPoint, reference: FixedPoint): boolean {
    const scale = Math.max(price.scale, reference.scale);
    const p = rescale(price, scale);
    const r = rescale(reference, scale);
    const distance = p > r ? p - r : r - p;
    return distance * 10_000n <= r * this.bandBps;
  }
}

/** (bid + ask) / 2 exactly (one more decimal when the sum is odd); undefined without both. */
function midOf(bid: FixedPoint | undefined, ask: FixedPoint | undefined): FixedPoint | undefined {
  if (bid === undefined || ask === undefined) return undefined;
  const scale = Math.max(bid.scale, ask.scale) + 1;
  return { units: (rescale(bid, scale) + rescale(ask, scale)) / 2n, scale };
}
