/** Milliseconds since the epoch; injected so tests and replays control time. */
export type Clock = () => number;

/** One symbol's freshness at a point in time. */
export interface SymbolFreshness {
  readonly symbol: string;
  /** Milliseconds since the last accepted tick (or since tracking began when none arrived yet). */
  readonly ageMs: number;
  /** Whether a tick has been accepted at all. */
  readonly seen: boolean;
  readonly stale: boolean;
}

/**
 * Stale-symbol detection: a symbol is stale when no tick was accepted for it for `staleAfterMs`.
 * Symbols that never ticked age from the moment tracking began, so a feed that connects and
 * stays silent goes stale too.
 */
export class StalenessTracker {
  private readonly lastTick = new Map<string, number>();
  private readonly since: number;

  constructor(
    private readonly symbols: readonly string[],
    private readonly staleAfterMs: number,
    private readonly clock: Clock,
  ) {
    if (!(staleAfterMs > 0)) throw new RangeError(`staleAfterMs must be > 0, got ${staleAfterMs}`);
    this.since = clock();
  }

  /** Records an accepted tick of `symbol` at the clock's now. */
  touch(symbol: string): void {
    this.lastTick.set(symbol, this.clock());
  }

  /** Milliseconds since the last tick of `symbol` (since tracking began when none yet). */
  ageMs(symbol: string): number {
    return Math.max(0, this.clock() - (this.lastTick.get(symbol) ?? this.since));
  }

  /** Wall-clock time of the last accepted tick, if any. */
  lastTickAt(symbol: string): number | undefined {
    return this.lastTick.get(symbol);
  }

  isStale(symbol: string): boolean {
    return this.ageMs(symbol) >= this.staleAfterMs;
  }

  /** Every tracked symbol, in configuration order. */
  snapshot(): SymbolFreshness[] {
    return this.symbols.map((symbol) => {
      const ageMs = this.ageMs(symbol);
      return {
        symbol,
        ageMs,
        seen: this.lastTick.has(symbol),
        stale: ageMs >= this.staleAfterMs,
      };
    });
  }

  /** The symbols without a tick for `staleAfterMs`. */
  staleSymbols(): string[] {
    return this.symbols.filter((symbol) => this.isStale(symbol));
  }
}
