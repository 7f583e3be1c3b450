import type { RiskLimits } from '@meridian/orders-domain-pretrade';
import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const limitsRow = z.object({
  max_order_quantity: z.string().nullable(),
  max_order_notional: z.string().nullable(),
  price_band_bps: z.number().int().nullable(),
  max_open_orders: z.number().int().nullable(),
  max_position: z.string().nullable(),
  max_gross_exposure: z.string().nullable(),
  order_rate_per_second: z.number().int(),
  order_burst: z.number().int(),
});

/** Pre-trade limits per account (the source of truth; the gateway caches them briefly). */
export class RiskLimitsRepository {
  constructor(private readonly db: Queryable) {}

  async get(accountId: string): Promise<RiskLimits | null> {
    const { rows } = await this.db.query(
      `SELECT max_order_quantity::text, max_order_notional::text, price_band_bps, max_open_orders,
              max_position::text, max_gross_exposure::text, order_rate_per_second, order_burst
         FROM risk_limits WHERE account_id = $1`,
      [accountId],
      { rowSchema: limitsRow },
    );
    const row = rows[0];
    return row === undefined
      ? null
      : {
          maxOrderQuantity: row.max_order_quantity,
          maxOrderNotional: row.max_order_notional,
          priceBandBps: row.price_band_bps,
          maxOpenOrders: row.max_open_orders,
          maxPosition: row.max_position,
          maxGrossExposure: row.max_gross_exposure,
          orderRatePerSecond: row.order_rate_per_second,
          orderBurst: row.order_burst,
        };
  }

  async upsert(accountId: string, limits: RiskLimits): Promise<void> {
    await this.db.query(
      `INSERT INTO risk_limits (account_id, max_order_quantity, max_order_notional, price_band_bps,
                                max_open_orders, max_position, max_gross_exposure,
                                order_rate_per_second, order_burst)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (account_id) DO UPDATE SET
         max_order_quantity = EXCLUDED.max_order_quantity, max_order_notional = EXCLUDED.max_order_notional,
         price_band_bps = EXCLUDED.price_band_bps, max_open_orders = EXCLUDED.max_open_orders,
         max_position = EXCLUDED.max_position, max_gross_exposure = EXCLUDED.max_gross_exposure,
         order_rate_per_second = EXCLUDED.order_rate_per_second, order_burst = EXCLUDED.order_burst,
         updated_at = now()`,
      [
        accountId,
        limits.maxOrderQuantity,
        limits.maxOrderNotional,
        limits.priceBandBps,
        limits.maxOpenOrders,
        limits.maxPosition,
        limits.maxGrossExposure,
        limits.orderRatePerSecond,
        limits.orderBurst,
      ],
    );
  }
}
