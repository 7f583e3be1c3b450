import { GbmConfigError } from './feed.error';
import { type FeedInstrument } from './feed-instrument';
import { formatFixed, parseFixed, rescale } from './fixed-point';
import { SeededRandom, symbolSeed } from './seeded-random';

/** Parameters of one symbol's geometric Brownian motion. */
export interface GbmOptions {
  readonly instrument: FeedInstrument;
  /** Starting price, a decimal string on the tick grid, e.g. "100.00". */
  readonly startPrice: string;
  /** Annualised drift (mu), e.g. 0.05. */
  readonly drift: number;
  /** Annualised volatility (sigma), e.g. 0.3. */
  readonly volatility: number;
  /** Model time between two ticks, in seconds (how far the process moves per tick). */
  readonly stepSeconds: number;
  /** Run seed; each symbol derives its own stream from it, so adding symbols changes no other. */
  readonly seed: number;
  /** Ask - bid in ticks (>= 1). Default 1. */
  readonly spreadTicks?: number;
  /** Sizes are 1..maxLots lots. Default 100. */
  readonly maxLots?: number;
}

/** One generated update: exact decimal strings on the instrument's grids. */
export interface GeneratedQuote {
  readonly symbol: string;
  readonly sequence: bigint;
  readonly bidPrice: string;
  readonly bidSize: string;
  readonly askPrice: string;
  readonly askSize: string;
  readonly lastPrice: string;
  readonly lastSize: string;
}

const SECONDS_PER_YEAR = 365 * 24 * 3600;

/**
 * Seeded GBM: S(t+dt) = S(t) * exp((mu - sigma^2/2) dt + sigma sqrt(dt) Z). The process state is
 * a float (it is a model, not money); every published price is the state rounded to a whole
 * number of ticks (at least one) and formatted exactly, so it is always positive and on the grid.
 * The same options give the same quotes, tick for tick.
 */
export class GbmGenerator {
  readonly symbol: string;
  private readonly random: SeededRandom;
  private readonly instrument: FeedInstrument;
  private readonly driftTerm: number;
  private readonly diffusionTerm: number;
  private readonly spreadTicks: bigint;
  private readonly maxLots: number;
  /** Price in ticks as a float. */
  private state: number;
  private sequence = 0n;

  constructor(options: GbmOptions) {
    const { instrument } = options;
    this.symbol = instrument.symbol;
    this.instrument = instrument;
    const start = parseFixed(options.startPrice);
    if (start === undefined || start.units <= 0n)
      throw new GbmConfigError(this.symbol, `startPrice "${options.startPrice}" must be positive`);
    const scale = Math.max(start.scale, instrument.tick.scale);
    const tickUnits = rescale(instrument.tick, scale);
    const startUnits = rescale(start, scale);
    if (startUnits % tickUnits !== 0n)
      throw new GbmConfigError(this.symbol, 'startPrice is not on the tick grid');
    const startTicks = startUnits / tickUnits;
    if (startTicks > BigInt(Number.MAX_SAFE_INTEGER) / 1024n)
      throw new GbmConfigError(this.symbol, 'startPrice is too many ticks for the model');
    for (const [name, value] of [
      ['drift', options.drift],
      ['volatility', options.volatility],
      ['stepSeconds', options.stepSeconds],
    ] as const)
      if (!Number.isFinite(value)) throw new GbmConfigError(this.symbol, `${name} must be finite`);
    if (options.volatility < 0) throw new GbmConfigError(this.symbol, 'volatility must be >= 0');
    if (options.stepSeconds <= 0) throw new GbmConfigError(this.symbol, 'stepSeconds must be > 0');
    const spread = options.spreadTicks ?? 1;
    const maxLots = options.maxLots ?? 100;
    if (!Number.isSafeInteger(spread) || spread < 1)
      throw new GbmConfigError(this.symbol, 'spreadTicks must be an integer >= 1');
    if (!Number.isSafeInteger(maxLots) || maxLots < 1)
      throw new GbmConfigError(this.symbol, 'maxLots must be an integer >= 1');
    const dt = options.stepSeconds / SECONDS_PER_YEAR;
    const sigma = options.volatility;
    this.driftTerm = (options.drift - (sigma * sigma) / 2) * dt;
    this.diffusionTerm = sigma * Math.sqrt(dt);
    this.spreadTicks = BigInt(spread);
    this.maxLots = maxLots;
    this.state = Number(startTicks);
    this.random = new SeededRandom(symbolSeed(options.seed, this.symbol));
  }

  /** The next update: moves the process one step and quotes around it. */
  next(): GeneratedQuote {
    this.state *= Math.exp(this.driftTerm + this.diffusionTerm * this.random.normal());
    // Keep the model inside the representable range; a real feed would halt long before.
    if (this.state > Number.MAX_SAFE_INTEGER / 1024) this.state = Number.MAX_SAFE_INTEGER / 1024;
    const bid = BigInt(Math.max(1, Math.round(this.state)));
    const ask = bid + this.spreadTicks;
    // Trades print at the touch: a buyer lifts the ask or a seller hits the bid.
    const last = this.random.next() < 0.5 ? bid : ask;
    this.sequence += 1n;
    return {
      symbol: this.symbol,
      sequence: this.sequence,
      bidPrice: this.price(bid),
      bidSize: this.size(),
      askPrice: this.price(ask),
      askSize: this.size(),
      lastPrice: this.price(last),
      lastSize: this.size(),
    };
  }

  private price(ticks: bigint): string {
    const tick = this.instrument.tick;
    return formatFixed(ticks * tick.units, tick.scale);
  }

  private size(): string {
    const lot = this.instrument.lot;
    return formatFixed(BigInt(this.random.int(1, this.maxLots)) * lot.units, lot.scale);
  }
}
