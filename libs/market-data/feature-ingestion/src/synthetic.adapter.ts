import { type marketdata } from '@meridian/contracts';
import {
  type FeedInstrument,
  formatFixed,
  GbmGenerator,
  rescale,
} from '@meridian/market-data-feed';
import { type FeedAdapter, type FeedSink } from './feed-adapter';
import { msToNanos, type Scheduler, systemScheduler } from './scheduler';

export interface SyntheticFeedOptions {
  readonly source: string;
  readonly instruments: readonly FeedInstrument[];
  /** Run seed: the same seed and instruments give the same ticks. */
  readonly seed: number;
  /** Ticks per second over all symbols (round-robin). */
  readonly ratePerSecond: number;
  /** Start price per symbol; default the first tick-grid price at or above 100. */
  readonly startPrices?: Readonly<Record<string, string>>;
  /** Annualised volatility. Default 0.3. */
  readonly volatility?: number;
  /** Annualised drift. Default 0. */
  readonly drift?: number;
  /** How often the emitter wakes up to catch up with the rate. Default 10 ms. */
  readonly intervalMs?: number;
  readonly scheduler?: Scheduler;
}

/** The first price on `instrument`'s grid at or above 100. */
export function defaultStartPrice(instrument: FeedInstrument): string {
  const tick = instrument.tick;
  const hundred = rescale({ units: 100n, scale: 0 }, tick.scale);
  const ticks = (hundred + tick.units - 1n) / tick.units;
  return formatFixed(ticks * tick.units, tick.scale);
}

/**
 * Synthetic feed: one seeded GBM per symbol, ticks round-robin over the symbols at
 * `ratePerSecond`. Always "connected" while started.
 */
export class SyntheticFeedAdapter implements FeedAdapter {
  readonly source: string;
  private readonly generators: GbmGenerator[];
  private readonly scheduler: Scheduler;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private emitted = 0;
  private startedAt = 0;

  constructor(private readonly options: SyntheticFeedOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    if (options.instruments.length === 0) throw new RangeError('at least one instrument');
    this.source = options.source;
    this.scheduler = options.scheduler ?? systemScheduler;
    // The rate sets the model time step, so the volatility per wall-clock second is as configured.
    const stepSeconds = options.instruments.length / options.ratePerSecond;
    this.generators = options.instruments.map(
      (instrument) =>
        new GbmGenerator({
          instrument,
          startPrice: options.startPrices?.[instrument.symbol] ?? defaultStartPrice(instrument),
          drift: options.drift ?? 0,
          volatility: options.volatility ?? 0.3,
          stepSeconds,
          seed: options.seed,
        }),
    );
  }

  start(sink: FeedSink): void {
    if (this.timer !== undefined) return;
    this.startedAt = this.scheduler.now();
    this.emitted = 0;
    sink.connection(true);
    this.timer = setInterval(() => {
      const due = Math.floor(
        ((this.scheduler.now() - this.startedAt) / 1_000) * this.options.ratePerSecond,
      );
      // Never burst more than a second's worth after a stall (GC, a blocked loop).
      const cap = Math.ceil(this.options.ratePerSecond);
      let count = due - this.emitted;
      if (count > cap) {
        this.emitted = due - cap;
        count = cap;
      }
      this.emitted += count;
      this.generate(count, sink);
    }, this.options.intervalMs ?? 10);
  }

  /** Emits `count` ticks now (the emitter's step; also what benchmarks call directly). */
  generate(count: number, sink: FeedSink): void {
    const exchangeTime = msToNanos(this.scheduler.now());
    for (let i = 0; i < count; i++) sink.tick(this.nextTick(exchangeTime));
  }

  /** The next tick of the round-robin, stamped `exchangeTimeUnixNanos`. */
  nextTick(exchangeTimeUnixNanos: bigint): marketdata.Tick {
    const generator = this.generators[this.next] as GbmGenerator;
    this.next = (this.next + 1) % this.generators.length;
    const q = generator.next();
    return {
      symbol: q.symbol,
      bidPrice: { value: q.bidPrice },
      bidSize: { value: q.bidSize },
      askPrice: { value: q.askPrice },
      askSize: { value: q.askSize },
      lastPrice: { value: q.lastPrice },
      lastSize: { value: q.lastSize },
      exchangeTimeUnixNanos,
      receivedTimeUnixNanos: 0n,
      sequence: q.sequence,
      source: this.source,
    };
  }

  isConnected(): boolean {
    return this.timer !== undefined;
  }

  stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    return Promise.resolve();
  }
}
