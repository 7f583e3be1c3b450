import { MessagingConfigError } from './messaging.error';

export interface InFlightGateHooks {
  /** A caller had to wait for a slot (demand exceeds the limit): stop fetching more. */
  onSaturated(): void;
  /** In-flight count fell to the low-water mark with nobody waiting: fetching may resume. */
  onDrained(): void;
}

/**
 * Counting semaphore over records handed to handlers, with hysteresis: saturation is signalled when
 * a caller finds every slot taken and cleared once in-flight falls to `lowWaterMark`, so fetching
 * is not toggled on every record (a sequential consumer that never waits never pauses).
 */
export class InFlightGate {
  private inFlight = 0;
  private peak = 0;
  private saturated = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly lowWaterMark: number,
    private readonly hooks: InFlightGateHooks,
  ) {
    if (
      !Number.isInteger(limit) ||
      limit < 1 ||
      !Number.isInteger(lowWaterMark) ||
      lowWaterMark < 0 ||
      lowWaterMark >= limit
    ) {
      throw new MessagingConfigError(
        `in-flight gate needs limit >= 1 and 0 <= lowWaterMark < limit, got ${limit}/${lowWaterMark}`,
      );
    }
  }

  /**
   * Takes a slot, waiting while all are taken. Resolves false without a slot once `abort()`
   * returns true (checked whenever a slot frees and every `pollMs`).
   */
  async acquire(abort: () => boolean, pollMs = 100): Promise<boolean> {
    while (this.inFlight >= this.limit) {
      if (abort()) return false;
      if (!this.saturated) {
        this.saturated = true;
        this.hooks.onSaturated();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(done);
      });
    }
    if (abort()) return false;
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    return true;
  }

  release(): void {
    if (this.inFlight === 0) throw new Error('InFlightGate.release() without acquire()');
    this.inFlight -= 1;
    // Drained means the backlog is gone too: while callers wait, resuming would only refill it.
    if (this.saturated && this.inFlight <= this.lowWaterMark && this.waiters.length === 0) {
      this.saturated = false;
      this.hooks.onDrained();
    }
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  /** Wakes every waiter so it re-checks its abort condition (stop, rebalance, pause). */
  interrupt(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  current(): number {
    return this.inFlight;
  }

  /** Highest in-flight count ever reached. */
  peakInFlight(): number {
    return this.peak;
  }

  isSaturated(): boolean {
    return this.saturated;
  }
}
