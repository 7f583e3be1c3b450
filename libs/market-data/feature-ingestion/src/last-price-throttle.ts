import { type marketdata } from '@meridian/contracts';

/**
 * At most one last price per symbol per `intervalMs` on the compacted topic, without losing the
 * latest: a price inside the window is held and replaces any held one; it goes out when the
 * window ends (`due`) or at shutdown (`drainAll`).
 */
export class LastPriceThrottle {
  private readonly lastSentAt = new Map<string, number>();
  private readonly held = new Map<string, marketdata.LastPrice>();

  constructor(private readonly intervalMs: number) {
    if (!(intervalMs >= 0)) throw new RangeError('last-price interval must be >= 0');
  }

  /** Offers the price of an accepted tick (replaces a held one of the symbol). */
  offer(price: marketdata.LastPrice): void {
    this.held.set(price.symbol, price);
  }

  /** Held prices whose window has ended at `now`; marks them sent. */
  due(now: number): marketdata.LastPrice[] {
    const out: marketdata.LastPrice[] = [];
    for (const [symbol, price] of this.held) {
      const last = this.lastSentAt.get(symbol);
      if (last !== undefined && now - last < this.intervalMs) continue;
      out.push(price);
      this.held.delete(symbol);
      this.lastSentAt.set(symbol, now);
    }
    return out;
  }

  /** Everything held, regardless of windows (shutdown). */
  drainAll(now: number): marketdata.LastPrice[] {
    const out = [...this.held.values()];
    for (const price of out) this.lastSentAt.set(price.symbol, now);
    this.held.clear();
    return out;
  }

  get heldCount(): number {
    return this.held.size;
  }
}
