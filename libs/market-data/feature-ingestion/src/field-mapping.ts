import { type marketdata } from '@meridian/contracts';
import { z } from 'zod';

/** How a feed stamps time: ISO-8601 text or an integer count of a unit since the epoch. */
export const TIME_UNITS = ['iso', 's', 'ms', 'us', 'ns'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

/**
 * Where each tick field is in a provider's record: a key or a dotted path ("data.b"). Only
 * `symbol` is required; price/size fields a provider does not send are left out.
 */
export const fieldMappingSchema = z.strictObject({
  symbol: z.string().min(1),
  bidPrice: z.string().min(1).optional(),
  bidSize: z.string().min(1).optional(),
  askPrice: z.string().min(1).optional(),
  askSize: z.string().min(1).optional(),
  lastPrice: z.string().min(1).optional(),
  lastSize: z.string().min(1).optional(),
  /** Provider sequence per symbol; without it the adapter numbers ticks per symbol itself. */
  sequence: z.string().min(1).optional(),
  /** Exchange time; without it the receive time is used. */
  time: z.string().min(1).optional(),
  timeUnit: z.enum(TIME_UNITS).default('ms'),
});
export type FieldMapping = z.output<typeof fieldMappingSchema>;

/** The column names of replay files (CSV header / JSONL keys). */
export const REPLAY_FIELD_MAPPING: FieldMapping = {
  symbol: 'symbol',
  bidPrice: 'bid_price',
  bidSize: 'bid_size',
  askPrice: 'ask_price',
  askSize: 'ask_size',
  lastPrice: 'last_price',
  lastSize: 'last_size',
  sequence: 'sequence',
  time: 'time',
  timeUnit: 'iso',
};

/** A decoded record: the tick, with `sequence` 0n when the record has none. */
export type DecodedRecord =
  | { readonly ok: true; readonly tick: marketdata.Tick; readonly hasSequence: boolean }
  | { readonly ok: false; readonly error: string };

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const INTEGER = /^(0|[1-9][0-9]*)$/;
const UNIT_NANOS: Record<Exclude<TimeUnit, 'iso'>, bigint> = {
  s: 1_000_000_000n,
  ms: 1_000_000n,
  us: 1_000n,
  ns: 1n,
};

function lookup(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A field as text: strings as they are, finite JSON numbers in their shortest form. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Time text -> nanoseconds since the epoch, exactly (ISO fractions to the nanosecond). */
export function parseTime(value: string, unit: TimeUnit): bigint | undefined {
  if (unit === 'iso') {
    const match = ISO.exec(value);
    if (match === null) return undefined;
    const ms = Date.parse(`${match[1] ?? ''}${match[3] ?? ''}`);
    if (!Number.isFinite(ms)) return undefined;
    return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
  }
  if (!INTEGER.test(value) || value.length > 30) return undefined;
  return BigInt(value) * UNIT_NANOS[unit];
}

/**
 * One provider record -> a Tick (prices and sizes as the provider's text: the validator judges
 * them). Fails only when the record is unusable: no symbol, a field of the wrong type, bad time.
 */
export function decodeRecord(
  record: unknown,
  mapping: FieldMapping,
  source: string,
  receivedTimeUnixNanos: bigint,
): DecodedRecord {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return { ok: false, error: 'record is not an object' };
  const symbol = lookup(record, mapping.symbol);
  if (typeof symbol !== 'string' || symbol === '')
    return { ok: false, error: `no symbol at "${mapping.symbol}"` };
  const tick: marketdata.Tick = {
    symbol,
    exchangeTimeUnixNanos: receivedTimeUnixNanos,
    receivedTimeUnixNanos: 0n,
    sequence: 0n,
    source,
  };
  for (const field of [
    'bidPrice',
    'bidSize',
    'askPrice',
    'askSize',
    'lastPrice',
    'lastSize',
  ] as const) {
    const path = mapping[field];
    if (path === undefined) continue;
    const raw = lookup(record, path);
    if (raw === undefined || raw === null || raw === '') continue;
    const text = textOf(raw);
    if (text === undefined)
      return { ok: false, error: `${field} at "${path}" is not a number or string` };
    tick[field] = { value: text };
  }
  let hasSequence = false;
  if (mapping.sequence !== undefined) {
    const raw = textOf(lookup(record, mapping.sequence));
    if (raw !== undefined) {
      if (!INTEGER.test(raw) || raw.length > 20)
        return { ok: false, error: `sequence "${raw}" is not a non-negative integer` };
      tick.sequence = BigInt(raw);
      hasSequence = true;
    }
  }
  if (mapping.time !== undefined) {
    const raw = textOf(lookup(record, mapping.time));
    if (raw !== undefined) {
      const nanos = parseTime(raw, mapping.timeUnit);
      if (nanos === undefined)
        return {
          ok: false,
          error: `time "${raw}" is not ${mapping.timeUnit === 'iso' ? 'ISO-8601' : `an integer of ${mapping.timeUnit}`}`,
        };
      tick.exchangeTimeUnixNanos = nanos;
    }
  }
  return { ok: true, tick, hasSequence };
}

/** Numbers ticks per symbol for providers without sequences (1, 2, 3, ... per symbol). */
export class LocalSequencer {
  private readonly counters = new Map<string, bigint>();

  next(symbol: string): bigint {
    const value = (this.counters.get(symbol) ?? 0n) + 1n;
    this.counters.set(symbol, value);
    return value;
  }

  reset(): void {
    this.counters.clear();
  }
}
