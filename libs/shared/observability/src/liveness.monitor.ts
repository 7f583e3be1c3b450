/** Liveness as reported by `/health/live`. */
export interface LivenessReport {
  alive: boolean;
  /** Worst event-loop delay seen recently (the last sample, or a remembered stall), in ms. */
  eventLoopLagMs: number;
  /** Allowed lag, in ms. */
  maxEventLoopLagMs: number;
}

export interface LivenessMonitorOptions {
  /** Lag above which the process counts as stuck. Default 5000 ms. */
  maxEventLoopLagMs?: number;
  /** How often the loop is sampled. Default 500 ms. */
  sampleIntervalMs?: number;
  /**
   * How long a stall beyond the limit keeps the verdict at not alive. A probe is only answered
   * once the loop turns again, by which time the sampler has usually run and seen no lag, so
   * without this memory a probe would almost never see a stall. Default 15 s (longer than the
   * kubelet's default 10 s probe period).
   */
  stallMemoryMs?: number;
}

/**
 * Tells whether the event loop still turns. A timer samples how late it fires; the process is
 * not alive when the last sample, or the time since the last sample, exceeds the allowed lag.
 * (A loop blocked right now cannot answer the probe at all, which Kubernetes counts as a failure
 * too; this catches loops that come back but keep stalling.) The timer is unref'd, so it never
 * keeps a process alive.
 */
export class LivenessMonitor {
  readonly maxEventLoopLagMs: number;
  private readonly sampleIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private expectedAt = 0;
  private lastSampleAt = 0;
  private lastLagMs = 0;
  private readonly stallMemoryMs: number;
  /** Worst lag of the last stall beyond the limit, remembered until `stalledUntil`. */
  private stallLagMs = 0;
  private stalledUntil = 0;

  constructor(options: LivenessMonitorOptions = {}) {
    this.maxEventLoopLagMs = options.maxEventLoopLagMs ?? 5000;
    this.sampleIntervalMs = options.sampleIntervalMs ?? 500;
    this.stallMemoryMs = options.stallMemoryMs ?? 15_000;
  }

  /** Starts sampling; idempotent. */
  start(): this {
    if (this.timer !== undefined) {
      return this;
    }
    const now = performance.now();
    this.lastSampleAt = now;
    this.expectedAt = now + this.sampleIntervalMs;
    this.lastLagMs = 0;
    this.timer = setInterval(() => this.sample(), this.sampleIntervalMs);
    this.timer.unref();
    return this;
  }

  /** Stops sampling; `check()` then reports alive (a stopped monitor has no opinion). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The current verdict. */
  check(): LivenessReport {
    const now = performance.now();
    const remembered = now < this.stalledUntil ? this.stallLagMs : 0;
    const lag =
      this.timer === undefined
        ? 0
        : Math.max(remembered, this.lastLagMs, now - this.lastSampleAt - this.sampleIntervalMs);
    const eventLoopLagMs = Math.max(0, Math.round(lag));
    return {
      alive: eventLoopLagMs <= this.maxEventLoopLagMs,
      eventLoopLagMs,
      maxEventLoopLagMs: this.maxEventLoopLagMs,
    };
  }

  private sample(): void {
    const now = performance.now();
    this.lastLagMs = Math.max(0, now - this.expectedAt);
    if (this.lastLagMs > this.maxEventLoopLagMs) {
      this.stallLagMs =
        now < this.stalledUntil ? Math.max(this.stallLagMs, this.lastLagMs) : this.lastLagMs;
      this.stalledUntil = now + this.stallMemoryMs;
    }
    this.lastSampleAt = now;
    this.expectedAt = now + this.sampleIntervalMs;
  }
}
