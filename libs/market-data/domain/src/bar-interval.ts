/** The bar widths the platform stores: one table (or continuous aggregate) each. */
export type BarIntervalId = '1m' | '5m' | '1h' | '1d';

export interface BarIntervalSpec {
  readonly id: BarIntervalId;
  /** Width in nanoseconds. */
  readonly widthNanos: bigint;
  /** The PostgreSQL interval literal (date_bin / time_bucket width). */
  readonly sql: string;
  /** Table (plain PostgreSQL) or continuous aggregate (TimescaleDB) holding these bars. */
  readonly table: string;
}

const NS_PER_SECOND = 1_000_000_000n;

function spec(id: BarIntervalId, seconds: bigint, sql: string): BarIntervalSpec {
  return Object.freeze({ id, widthNanos: seconds * NS_PER_SECOND, sql, table: `bars_${id}` });
}

/** Every interval, narrowest first. */
export const BAR_INTERVALS: readonly BarIntervalSpec[] = Object.freeze([
  spec('1m', 60n, '1 minute'),
  spec('5m', 300n, '5 minutes'),
  spec('1h', 3600n, '1 hour'),
  spec('1d', 86_400n, '1 day'),
]);

const BY_ID = new Map(BAR_INTERVALS.map((interval) => [interval.id, interval]));

/** The interval of an id; undefined for anything else (input from a request or config). */
export function findBarInterval(id: string): BarIntervalSpec | undefined {
  return BY_ID.get(id as BarIntervalId);
}

export function barInterval(id: BarIntervalId): BarIntervalSpec {
  const found = BY_ID.get(id);
  if (found === undefined) throw new RangeError(`unknown bar interval ${String(id)}`);
  return found;
}

/**
 * Start of the bar holding `timeNanos`: the largest multiple of the width not after it,
 * counted from the Unix epoch in UTC. That is PostgreSQL's
 * `date_bin(width, time, '1970-01-01 00:00:00+00')` and TimescaleDB's `time_bucket(width, time)`
 * for these widths (a day bar starts at 00:00 UTC). Floors, also before 1970.
 */
export function bucketStart(timeNanos: bigint, interval: BarIntervalSpec): bigint {
  const rest = timeNanos % interval.widthNanos;
  return rest < 0n ? timeNanos - rest - interval.widthNanos : timeNanos - rest;
}
