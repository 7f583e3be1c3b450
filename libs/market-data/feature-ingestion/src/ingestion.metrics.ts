import { type MetricsRegistry } from '@meridian/shared-observability';
import { type Counter, type Gauge, type Histogram } from 'prom-client';

/** Buckets of `marketdata_tick_freshness_seconds` (received - exchange time). */
export const FRESHNESS_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
/** Buckets of `marketdata_publish_batch_size` (ticks per Kafka request). */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000];

/** Reasons of `marketdata_ticks_dropped_total`. */
export const DropReason = {
  /** Evicted from the full buffer by a newer tick (drop-oldest-per-symbol). */
  bufferFull: 'buffer_full',
  /** The Kafka request carrying it failed after the producer's retries. */
  publishFailed: 'publish_failed',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/**
 * The ingestor's metrics. Names and labels are a contract with the SLOs and dashboards
 * (docs/market-data-ingestor.md#metrics): change them only together.
 */
export class IngestionMetrics {
  readonly tickAge: Gauge<'symbol'>;
  readonly freshness: Histogram;
  readonly ticks: Counter<'feed' | 'source'>;
  readonly rejected: Counter<'feed' | 'reason'>;
  readonly gaps: Counter<'feed' | 'symbol'>;
  readonly activeSource: Gauge<'feed' | 'source'>;
  readonly failovers: Counter<'feed'>;
  readonly connected: Gauge<'feed' | 'source'>;
  readonly batchSize: Histogram;
  readonly dropped: Counter<'reason'>;

  constructor(registry: MetricsRegistry) {
    this.tickAge = registry.gauge('marketdata_tick_age_seconds', {
      help: 'Seconds since the last accepted tick of the symbol (any feed), refreshed every second.',
      labelNames: ['symbol'],
    });
    this.freshness = registry.histogram('marketdata_tick_freshness_seconds', {
      help: 'Received minus exchange time of accepted ticks, in seconds.',
      buckets: FRESHNESS_BUCKETS,
    });
    this.ticks = registry.counter('marketdata_ticks_total', {
      help: 'Accepted ticks (validated, in sequence, from the active source).',
      labelNames: ['feed', 'source'],
    });
    this.rejected = registry.counter('marketdata_ticks_rejected_total', {
      help: 'Ticks rejected and not published, by reason.',
      labelNames: ['feed', 'reason'],
    });
    this.gaps = registry.counter('marketdata_sequence_gaps_total', {
      help: 'Sequence gaps (one per jump, whatever its size) on the active source.',
      labelNames: ['feed', 'symbol'],
    });
    this.activeSource = registry.gauge('marketdata_feed_active_source', {
      help: '1 for the source a feed publishes from, 0 for its standby.',
      labelNames: ['feed', 'source'],
    });
    this.failovers = registry.counter('marketdata_feed_failovers_total', {
      help: 'Switches of the active source of a feed (to the backup and back).',
      labelNames: ['feed'],
    });
    this.connected = registry.gauge('marketdata_feed_connected', {
      help: '1 while the source is connected to its provider.',
      labelNames: ['feed', 'source'],
    });
    this.batchSize = registry.histogram('marketdata_publish_batch_size', {
      help: 'Ticks per Kafka publish request.',
      buckets: BATCH_SIZE_BUCKETS,
    });
    this.dropped = registry.counter('marketdata_ticks_dropped_total', {
      help: 'Accepted ticks that were not published (buffer overflow, failed publish).',
      labelNames: ['reason'],
    });
    for (const reason of Object.values(DropReason)) this.dropped.inc({ reason }, 0);
  }
}
