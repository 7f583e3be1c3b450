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

  get size(): number {
    return this.entries.size;
  }
}
