import { Instrument, type InstrumentSpec } from '@meridian/orders-domain';
import { z } from 'zod';

import { InstrumentsConfigError } from './execution.error';

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

const instrumentSchema = z.object({
  symbol: z.string().regex(/^[A-Z0-9][A-Z0-9._-]{0,31}$/, 'symbol: 1-32 of A-Z 0-9 . _ -'),
  tickSize: z.string().regex(DECIMAL, 'decimal string'),
  lotSize: z.string().regex(DECIMAL, 'decimal string'),
  minPrice: z.string().regex(DECIMAL, 'decimal string'),
  maxPrice: z.string().regex(DECIMAL, 'decimal string'),
  currencyDecimals: z.number().int().min(0).max(18),
});

const instrumentsSchema = z.array(instrumentSchema).min(1, 'at least one instrument');

/**
 * Parses the static instrument list (JSON, e.g. from EXECUTOR_INSTRUMENTS): schema first, then
 * each instrument is compiled once so a bad tick/lot/band fails at boot, not on the first order.
 * The list order is the pool's symbol order (and thus the worker assignment).
 */
export function parseInstruments(json: string): InstrumentSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new InstrumentsConfigError('not valid JSON', error);
  }
  const parsed = instrumentsSchema.safeParse(raw);
  if (!parsed.success)
    throw new InstrumentsConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const seen = new Set<string>();
  for (const spec of parsed.data) {
    if (seen.has(spec.symbol)) throw new InstrumentsConfigError(`${spec.symbol} is defined twice`);
    seen.add(spec.symbol);
    try {
      new Instrument(spec);
    } catch (error) {
      throw new InstrumentsConfigError(
        error instanceof Error ? error.message : String(error),
        error,
      );
    }
  }
  return parsed.data;
}

/** A small default universe for local runs and tests. */
export const DEFAULT_INSTRUMENTS_JSON = JSON.stringify([
  {
    symbol: 'AAPL',
    tickSize: '0.01',
    lotSize: '1',
    minPrice: '0.01',
    maxPrice: '100000.00',
    currencyDecimals: 2,
  },
  {
    symbol: 'MSFT',
    tickSize: '0.01',
    lotSize: '1',
    minPrice: '0.01',
    maxPrice: '100000.00',
    currencyDecimals: 2,
  },
  {
    symbol: 'BTC-USD',
    tickSize: '0.5',
    lotSize: '0.0001',
    minPrice: '1',
    maxPrice: '10000000',
    currencyDecimals: 2,
  },
  {
    symbol: 'EUR-USD',
    tickSize: '0.00001',
    lotSize: '1000',
    minPrice: '0.00001',
    maxPrice: '100',
    currencyDecimals: 2,
  },
]);
