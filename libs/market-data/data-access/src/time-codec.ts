/**
 * Nanosecond times to and from PostgreSQL timestamptz (microsecond precision, floored).
 * Integer arithmetic only: `to_timestamp(double)` would round.
 */
const NS_PER_US = 1000n;
const US_PER_DAY = 86_400_000_000n;

/** SQL expression of a timestamptz from a bigint microsecond parameter `$n`. */
export function timestampFromMicrosSql(param: string): string {
  return `(timestamptz 'epoch' + (${param})::bigint * interval '1 microsecond')`;
}

/** SQL expression of the bigint microseconds of a timestamptz column. */
export function microsOfSql(column: string): string {
  return `(extract(epoch FROM ${column}) * 1000000)::bigint`;
}

export function nanosToMicros(nanos: bigint): bigint {
  // Floors for negative values too, like the bucket maths.
  const q = nanos / NS_PER_US;
  return nanos < 0n && q * NS_PER_US !== nanos ? q - 1n : q;
}

/** Days since 1970-01-01 (UTC) of a time in ns: the daily partition holding it. */
export function epochDayOfNanos(nanos: bigint): number {
  const micros = nanosToMicros(nanos);
  const day = micros / US_PER_DAY;
  return Number(micros < 0n && day * US_PER_DAY !== micros ? day - 1n : day);
}

/** 'YYYY-MM-DD' of an epoch day. */
export function isoDate(epochDay: number): string {
  return new Date(epochDay * 86_400_000).toISOString().slice(0, 10);
}
