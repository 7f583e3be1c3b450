export interface TokenBucketOptions {
  /** Burst size: tokens available at once. */
  readonly capacity: number;
  /** Tokens added per second (the sustained rate a provider allows). */
  readonly refillPerSecond: number;
  /** Milliseconds clock. */
  readonly now: () => number;
}

/**
 * Token bucket for provider rate limits (connection attempts, subscribe requests): `take()` when
 * `tryTake()` is true, otherwise wait `msUntilToken()`.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.capacity >= 1)) throw new RangeError('token bucket capacity must be >= 1');
    if (!(options.refillPerSecond > 0)) throw new RangeError('token bucket refill must be > 0');
    this.tokens = options.capacity;
    this.updatedAt = options.now();
  }

  /** Takes one token if one is available. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available (0 when one is). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.options.refillPerSecond) * 1_000;
  }

  private refill(): void {
    const now = this.options.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(
      this.options.capacity,
      this.tokens + (elapsed / 1_000) * this.options.refillPerSecond,
    );
  }
}

/** Waits for a token of `bucket`, sleeping with `sleep` as long as needed; false when aborted. */
export async function takeToken(
  bucket: TokenBucket,
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  signal?: AbortSignal,
): Promise<boolean> {
  while (signal?.aborted !== true) {
    if (bucket.tryTake()) return true;
    await sleep(bucket.msUntilToken(), signal);
  }
  return false;
}
