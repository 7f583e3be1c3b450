import type { InstrumentSpec } from '@meridian/orders-domain';
import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const instrumentRow = z.object({
  symbol: z.string(),
  tick_size: z.string(),
  lot_size: z.string(),
  min_price: z.string(),
  max_price: z.string(),
  currency_decimals: z.number().int(),
  reference_price: z.string().nullable(),
});

/** Reference data of a tradable instrument, as the gateway validates against it. */
export interface InstrumentRecord {
  readonly spec: InstrumentSpec;
  /** Centre of the price band until the first trade; null when there is none. */
  readonly referencePrice: string | null;
}

export class InstrumentsRepository {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<InstrumentRecord[]> {
    const { rows } = await this.db.query(
      `SELECT symbol, tick_size::text, lot_size::text, min_price::text, max_price::text,
              currency_decimals, reference_price::text FROM instruments ORDER BY symbol`,
      [],
      { rowSchema: instrumentRow },
    );
    return rows.map((row) => ({
      spec: {
        symbol: row.symbol,
        tickSize: row.tick_size,
        lotSize: row.lot_size,
        minPrice: row.min_price,
        maxPrice: row.max_price,
        currencyDecimals: row.currency_decimals,
      },
      referencePrice: row.reference_price,
    }));
  }

  async upsert(record: InstrumentRecord): Promise<void> {
    const s = record.spec;
    await this.db.query(
      `INSERT INTO instruments (symbol, tick_size, lot_size, min_price, max_price, currency_decimals, reference_price)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (symbol) DO UPDATE SET tick_size = EXCLUDED.tick_size, lot_size = EXCLUDED.lot_size,
         min_price = EXCLUDED.min_price, max_price = EXCLUDED.max_price,
         currency_decimals = EXCLUDED.currency_decimals, reference_price = EXCLUDED.reference_price, updated_at = now()`,
      [
        s.symbol,
        s.tickSize,
        s.lotSize,
        s.minPrice,
        s.maxPrice,
        s.currencyDecimals,
        record.referencePrice,
      ],
    );
  }
}
