import * as hdr from 'hdr-histogram-js';

/** Percentiles of a latency histogram, in milliseconds (3 significant digits). */
export interface LatencySummary {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Highest latency tracked: 1 hour, in microseconds (higher values are clamped, and counted). */
const HIGHEST_US = 3_600_000_000;

/**
 * Latencies in an HDR histogram (hdr-histogram-js, microsecond resolution, 3 significant
 * digits: any reported percentile is within 0.1 % of the exact one), so percentiles of millions
 * of samples cost constant memory and the histograms of several workers can be merged.
 */
export class LatencyHistogram {
  private readonly histogram: hdr.Histogram;
  /** Values above one hour, recorded as one hour. */
  clamped = 0;

  constructor(histogram?: hdr.Histogram) {
    this.histogram =
      histogram ??
      hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: HIGHEST_US,
        numberOfSignificantValueDigits: 3,
        bitBucketSize: 32,
        useWebAssembly: false,
      });
  }

  /**
   * The samples in HdrHistogram's compressed base64 form (the format every HdrHistogram port
   * reads), so several generator processes can ship their histograms to one place to merge.
   */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  /** A histogram from `encode()` output. */
  static decode(encoded: string): LatencyHistogram {
    return new LatencyHistogram(hdr.decodeFromCompressedBase64(encoded, 32, false));
  }

  /** Records one latency given in nanoseconds (a bigint difference of process.hrtime.bigint()). */
  recordNanos(nanos: bigint): void {
    this.recordMicros(Number(nanos / 1000n));
  }

  /** Records one latency in microseconds (negative values count as 0, see `recordMicros`). */
  recordMicros(micros: number): void {
    let value = Math.max(0, Math.round(micros));
    if (value > HIGHEST_US) {
      this.clamped += 1;
      value = HIGHEST_US;
    }
    this.histogram.recordValue(value);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The value at `percentile` (0..100) in microseconds; 0 when empty. */
  percentileMicros(percentile: number): number {
    return this.count === 0 ? 0 : this.histogram.getValueAtPercentile(percentile);
  }

  /** Adds every sample of `other`. */
  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
    this.clamped += other.clamped;
  }

  summary(): LatencySummary {
    const ms = (micros: number) => Math.round(micros) / 1000;
    if (this.count === 0)
      return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
    // Percentiles are the highest value equivalent to their bucket; the max is exact: cap them.
    const max = this.histogram.maxValue;
    const at = (percentile: number) => ms(Math.min(max, this.percentileMicros(percentile)));
    return {
      count: this.count,
      minMs: ms(
        this.histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : this.percentileMicros(0),
      ),
      meanMs: ms(this.histogram.mean),
      p50Ms: at(50),
      p90Ms: at(90),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: ms(max),
    };
  }
}
