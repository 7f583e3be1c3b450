import type { InstrumentRecord } from '@meridian/orders-data-access';
import { Instrument } from '@meridian/orders-domain';
import { type Increments, incrementsOf } from '@meridian/orders-domain-pretrade';

/** One tradable instrument as the gateway validates against it. */
export interface CatalogEntry {
  readonly instrument: Instrument;
  readonly increments: Increments;
  /** Centre of the price band until a trade prints, in ticks. */
  readonly referencePriceTicks: number | null;
}

/** The instruments the gateway accepts orders for (reference data from PostgreSQL). */
export class InstrumentCatalog {
  private entries = new Map<string, CatalogEntry>();
  private readonly marketPrices = new Map<string, number>();
  /** Last trade on this platform per symbol: price in ticks and the report's sequence. */
  private readonly lastTrades = new Map<string, { ticks: number; sequence: bigint }>();

  /** Replaces the catalog; a bad definition throws InstrumentConfigError and keeps the old one. */
  load(records: readonly InstrumentRecord[]): void {
    const next = new Map<string, CatalogEntry>();
    for (const record of records) {
      const instrument = new Instrument(record.spec);
      const reference =
        record.referencePrice === null ? null : instrument.parsePrice(record.referencePrice);
      next.set(record.spec.symbol, {
        instrument,
        increments: incrementsOf(record.spec),
        referencePriceTicks: reference?.ok === true ? reference.value : null,
      });
    }
    this.entries = next;
  }

  get(symbol: string): CatalogEntry | undefined {
    return this.entries.get(symbol);
  }

  /**
   * Records the market's last price of a symbol (marketdata.last-price.v1) as the centre of the
   * price band until the symbol trades here. Returns false, changing nothing, for an unknown
   * symbol or a price this instrument cannot express (off its tick grid or range).
   */
  setMarketPrice(symbol: string, price: string): boolean {
    const entry = this.entries.get(symbol);
    if (entry === undefined) return false;
    const parsed = entry.instrument.parsePrice(price);
    if (!parsed.ok) return false;
    this.marketPrices.set(symbol, parsed.value);
    return true;
  }

  /** The band centre before any trade here: the market's last price, else the static reference. */
  referenceTicks(symbol: string): number | null {
    return this.marketPrices.get(symbol) ?? this.entries.get(symbol)?.referencePriceTicks ?? null;
  }

  /**
   * Records a fill of `symbol` at `ticks` from the execution report with `sequence` (per symbol,
   * gapless). Reports older than the newest one seen change nothing, so a redelivered batch cannot
   * move the band back. `sequence` 0 (a seed read at boot) only fills an empty slot.
   */
  recordTrade(symbol: string, ticks: number, sequence: bigint): void {
    const last = this.lastTrades.get(symbol);
    if (last !== undefined && (sequence === 0n || sequence <= last.sequence)) return;
    this.lastTrades.set(symbol, { ticks, sequence });
  }

  /**
   * Centre of the price band, read in memory on every order: the last trade on this platform
   * (every gateway consumes every execution report, so replicas agree within the consumer lag),
   * else the market's last price, else the static reference.
   */
  bandCentreTicks(symbol: string): number | null {
    return this.lastTrades.get(symbol)?.ticks ?? this.referenceTicks(symbol);
  }

  /** Symbols of the catalog (to seed last trades at boot). */
  symbols(): string[] {
    return [...this.entries.keys()];
  }

  get size(): number {
    return this.entries.size;
  }
}
