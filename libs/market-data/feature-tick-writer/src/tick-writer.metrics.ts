import type { StorableTick } from '@meridian/market-data-domain';
import type { MetricsRegistry } from '@meridian/shared-observability';
import type { Counter, Histogram } from 'prom-client';

/** Buckets of `tickwriter_ingest_lag_seconds` (the ingest-lag SLO is < 5 s). */
export const INGEST_LAG_BUCKETS: readonly number[] = Object.freeze([
  0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30,
]);
const BATCH_SIZE_BUCKETS = [1, 10, 100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000];
const BATCH_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The tick-writer's metrics. Names are a contract: the SLO rules (ingest lag) and dashboards
 * are generated against them.
 */
export class TickWriterMetrics {
  readonly ingestLag: Histogram;
  readonly written: Counter;
  readonly duplicates: Counter;
  readonly rejected: Counter<'reason'>;
  readonly deadLettered: Counter;
  readonly batchSize: Histogram;
  readonly batchDuration: Histogram;
  readonly batchFailures: Counter;

  constructor(registry: MetricsRegistry) {
    this.ingestLag = registry.histogram('tickwriter_ingest_lag_seconds', {
      help: 'Time from a tick being received by the ingestor to its database commit (seconds)',
      buckets: INGEST_LAG_BUCKETS,
    });
    this.written = registry.counter('tickwriter_ticks_written_total', {
      help: 'Ticks newly stored',
    });
    this.duplicates = registry.counter('tickwriter_ticks_duplicate_total', {
      help: 'Ticks skipped because their natural key was already stored (replays)',
    });
    this.rejected = registry.counter('tickwriter_ticks_rejected_total', {
      help: 'Malformed ticks (undecodable or invalid), by reason; each goes to the DLQ',
      labelNames: ['reason'],
    });
    this.deadLettered = registry.counter('tickwriter_ticks_dead_lettered_total', {
      help: 'Records written to the ticks DLQ',
    });
    this.batchSize = registry.histogram('tickwriter_batch_size', {
      help: 'Records per database transaction',
      buckets: BATCH_SIZE_BUCKETS,
    });
    this.batchDuration = registry.histogram('tickwriter_batch_duration_seconds', {
      help: 'Time to store and commit one batch (seconds); records are decoded as they arrive',
      buckets: BATCH_DURATION_BUCKETS,
    });
    this.batchFailures = registry.counter('tickwriter_batch_failures_total', {
      help: 'Batches whose transaction failed (retried; offsets not committed)',
    });
  }

  /** Ingest lag of each tick of a committed batch: commit time - the ingestor's received time. */
  observeLags(
    committedAtMs: number,
    ticks: readonly Pick<StorableTick, 'receivedTimeNanos'>[],
  ): void {
    for (const tick of ticks) {
      // ms precision is plenty for lag buckets of 50 ms and more (and avoids bigint division).
      const receivedMs = Math.floor(Number(tick.receivedTimeNanos) / 1e6);
      this.ingestLag.observe(Math.max(0, (committedAtMs - receivedMs) / 1000));
    }
  }
}
