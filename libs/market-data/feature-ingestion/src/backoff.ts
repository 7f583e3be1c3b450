export interface BackoffOptions {
  /** First delay. Default 250 ms. */
  readonly initialMs?: number;
  /** Cap of the delay. Default 30 s. */
  readonly maxMs?: number;
  /** Growth per attempt. Default 2. */
  readonly multiplier?: number;
  /**
   * Share of the delay that is randomised: the delay is drawn from [d * (1 - jitter), d]
   * ("equal jitter" at 0.5), so reconnecting clients do not retry in lockstep. Default 0.5.
   */
  readonly jitter?: number;
  /** Uniform [0, 1) source; injected for tests. */
  readonly random?: () => number;
}

/** Exponential backoff with jitter for reconnect attempts. */
export class ExponentialBackoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 250;
    this.maxMs = options.maxMs ?? 30_000;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.5;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs >= 0) || !(this.maxMs >= this.initialMs))
      throw new RangeError('backoff needs 0 <= initialMs <= maxMs');
    if (!(this.multiplier >= 1)) throw new RangeError('backoff multiplier must be >= 1');
    if (!(this.jitter >= 0 && this.jitter <= 1))
      throw new RangeError('backoff jitter is in [0, 1]');
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.multiplier ** this.attempt);
    this.attempt += 1;
    return base * (1 - this.jitter * this.random());
  }

  /** After a successful connection: the next failure starts from `initialMs` again. */
  reset(): void {
    this.attempt = 0;
  }
}
