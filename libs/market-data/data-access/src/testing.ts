/** Test helpers over the market-data tables. Specs only. */
import { normalizeDecimal } from '@meridian/market-data-domain';
import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const count = z.object({ n: z.string() });

/** Rows in `ticks`. */
export async function countTicks(db: Queryable): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::text AS n FROM ticks', [], {
    rowSchema: count,
  });
  return Number(rows[0]?.n ?? 0);
}

/** Natural keys stored more than once (must always be 0). */
export async function countDuplicateKeys(db: Queryable): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::text AS n FROM (
       SELECT 1 FROM ticks GROUP BY symbol, exchange_time, source, sequence HAVING count(*) > 1) d`,
    [],
    { rowSchema: count },
  );
  return Number(rows[0]?.n ?? 0);
}

/** Stored sequences per symbol/source, sorted: to check for holes. */
export async function storedSequences(db: Queryable): Promise<Map<string, bigint[]>> {
  const { rows } = await db.query(
    'SELECT t.symbol, t.source, t.sequence::text AS sequence FROM ticks t ORDER BY t.symbol, t.source, t.sequence',
    [],
    { rowSchema: z.object({ symbol: z.string(), source: z.string(), sequence: z.string() }) },
  );
  const result = new Map<string, bigint[]>();
  for (const row of rows) {
    const key = `${row.symbol}/${row.source}`;
    const list = result.get(key) ?? [];
    list.push(BigInt(row.sequence));
    result.set(key, list);
  }
  return result;
}

export interface BarRow {
  readonly interval: '1m' | '5m' | '1h' | '1d';
  readonly symbol: string;
  readonly startNanos: bigint;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly tradeCount: bigint;
}

/** Every stored bar, ordered like the golden file (interval, symbol, start). */
export async function allBars(db: Queryable): Promise<BarRow[]> {
  const result: BarRow[] = [];
  for (const interval of ['1m', '5m', '1h', '1d'] as const) {
    const { rows } = await db.query(
      `SELECT symbol, (extract(epoch FROM bucket) * 1000000)::bigint::text AS us, open::text, high::text,
              low::text, close::text, volume::text, trade_count::text AS n
         FROM bars_${interval} ORDER BY symbol, bucket`,
      [],
      {
        rowSchema: z.object({
          symbol: z.string(),
          us: z.string(),
          open: z.string(),
          high: z.string(),
          low: z.string(),
          close: z.string(),
          volume: z.string(),
          n: z.string(),
        }),
      },
    );
    for (const row of rows)
      result.push({
        interval,
        symbol: row.symbol,
        startNanos: BigInt(row.us) * 1000n,
        open: normalizeDecimal(row.open),
        high: normalizeDecimal(row.high),
        low: normalizeDecimal(row.low),
        close: normalizeDecimal(row.close),
        volume: normalizeDecimal(row.volume),
        tradeCount: BigInt(row.n),
      });
  }
  return result;
}
