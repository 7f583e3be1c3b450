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

/**
 * Text form of a timestamptz for COPY: 'YYYY-MM-DD HH:MM:SS.ffffff+00'. The second's prefix is
 * cached, since a batch's ticks share few seconds.
 */
export class TimestampFormatter {
  private second = Number.NaN;
  private prefix = '';

  format(nanos: bigint): string {
    // One bigint division; microseconds since 1970 stay far below 2^53, so Number maths is exact.
    const micros = Number(nanosToMicros(nanos));
    const second = Math.floor(micros / 1_000_000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ');
    }
    const fraction = micros - second * 1_000_000;
    return `${this.prefix}.${fraction < 100_000 ? String(fraction).padStart(6, '0') : fraction}+00`;
  }
}
