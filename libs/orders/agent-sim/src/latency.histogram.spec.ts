import { LatencyHistogram } from './latency.histogram';
import { SeededRandom } from './seeded-random';

/** The exact percentile of sorted samples, nearest-rank (what HdrHistogram approximates). */
function exact(sorted: readonly number[], percentile: number): number {
  // Integer arithmetic: 0.999 * 50000 is 49950.00000000001 in floating point.
  const rank = Math.max(1, Math.ceil((Math.round(percentile * 1000) * sorted.length) / 100_000));
  return sorted[rank - 1] ?? 0;
}

describe('LatencyHistogram', () => {
  it('reports percentiles within 0.1 % of a brute-force sort (3 significant digits)', () => {
    const random = new SeededRandom(42);
    const samples: number[] = [];
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 50_000; i++) {
      // Log-normal-ish latencies from 50 µs to seconds, with a long tail.
      const micros = Math.round(50 * Math.exp(random.next() * 6) * (random.chance(0.01) ? 40 : 1));
      samples.push(micros);
      histogram.recordMicros(micros);
    }
    samples.sort((a, b) => a - b);
    expect(histogram.count).toBe(samples.length);
    for (const p of [50, 90, 99, 99.9, 100]) {
      const want = exact(samples, p);
      const got = histogram.percentileMicros(p);
      expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.max(1, want * 0.001));
    }
    const summary = histogram.summary();
    expect(summary.count).toBe(50_000);
    expect(summary.p50Ms).toBeLessThanOrEqual(summary.p90Ms);
    expect(summary.p99Ms).toBeLessThanOrEqual(summary.p999Ms);
    expect(summary.p999Ms).toBeLessThanOrEqual(summary.maxMs);
    expect(Math.abs(summary.maxMs * 1000 - (samples.at(-1) ?? 0))).toBeLessThanOrEqual(
      (samples.at(-1) ?? 0) * 0.001,
    );
  });

  it('records nanosecond differences at microsecond resolution and merges histograms', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.recordNanos(1_500_000n); // 1.5 ms
    b.recordNanos(3_000_000n);
    b.recordMicros(-5); // a clock oddity counts as 0, never throws
    a.add(b);
    expect(a.count).toBe(3);
    expect(a.summary()).toMatchObject({ count: 3, p50Ms: 1.5, maxMs: 3 });
  });

  it('round-trips through the compressed HdrHistogram encoding, for merging across processes', () => {
    const worker = new LatencyHistogram();
    for (const micros of [100, 250, 900, 12_000, 480_000]) worker.recordMicros(micros);
    const decoded = LatencyHistogram.decode(worker.encode());
    // The encoding keeps buckets, not the exact max: equal within the histogram's 0.1 %.
    const [a, b] = [decoded.summary(), worker.summary()];
    expect(a.count).toBe(b.count);
    for (const key of ['p50Ms', 'p90Ms', 'p99Ms', 'maxMs'] as const)
      expect(Math.abs(a[key] - b[key])).toBeLessThanOrEqual(b[key] * 0.001);
    const total = new LatencyHistogram();
    total.recordMicros(50);
    total.add(decoded);
    expect(total.count).toBe(6);
  });

  it('summarizes an empty histogram as zeros and clamps values above one hour', () => {
    expect(new LatencyHistogram().summary()).toEqual({
      count: 0,
      minMs: 0,
      meanMs: 0,
      p50Ms: 0,
      p90Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      maxMs: 0,
    });
    const h = new LatencyHistogram();
    h.recordMicros(7_200_000_000);
    expect(h.clamped).toBe(1);
    expect(h.count).toBe(1);
  });
});
