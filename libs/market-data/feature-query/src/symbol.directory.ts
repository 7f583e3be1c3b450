import type { MarketDataRepository } from '@meridian/market-data-data-access';

/**
 * Which symbols have market data. A symbol never loses its data once it has some, so known
 * symbols are remembered for good; unknown ones are asked again each time (a new listing shows
 * up as soon as its first tick is stored).
 */
export class SymbolDirectory {
  private readonly known = new Set<string>();

  constructor(private readonly repository: Pick<MarketDataRepository, 'symbolExists'>) {}

  async exists(symbol: string): Promise<boolean> {
    if (this.known.has(symbol)) return true;
    const found = await this.repository.symbolExists(symbol);
    if (found) this.known.add(symbol);
    return found;
  }

  /** Marks a symbol as known (seen on the last-price topic). */
  remember(symbol: string): void {
    this.known.add(symbol);
  }
}
