import type { MetricsRegistry } from '@meridian/shared-observability';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** Batch sizes are many fills at once: buckets from 100 us to 10 s. */
const BATCH_BUCKETS = [
  0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The portfolio service's own series (names are part of the dashboards' contract). */
export class PortfolioMetrics {
  readonly fillsApplied: Counter<never>;
  readonly fillsDuplicate: Counter<never>;
  readonly marksApplied: Counter<never>;
  readonly updatesPublished: Counter<never>;
  /** Seconds to apply one consumer batch of fills: memory, PostgreSQL, Redis, publish. */
  readonly fillApplySeconds: Histogram<never>;
  readonly reconciliationMismatches: Gauge<never>;

  constructor(registry: MetricsRegistry) {
    this.fillsApplied = registry.counter('portfolio_fills_applied_total', {
      help: 'Fills applied to positions (each execution id once).',
    });
    this.fillsDuplicate = registry.counter('portfolio_fills_duplicate_total', {
      help: 'Fills skipped because their execution id was already applied (redelivery, replay).',
    });
    this.marksApplied = registry.counter('portfolio_marks_applied_total', {
      help: "Marks applied to at least one position (per symbol and tick batch: the batch's last price).",
    });
    this.updatesPublished = registry.counter('portfolio_updates_published_total', {
      help: 'PositionUpdates published on portfolio.updates.v1.',
    });
    this.fillApplySeconds = registry.histogram('portfolio_fill_apply_seconds', {
      help: 'Time to apply one consumer batch of fills (state, PostgreSQL, Redis, publish).',
      buckets: BATCH_BUCKETS,
    });
    this.reconciliationMismatches = registry.gauge('portfolio_reconciliation_mismatches', {
      help: 'Position fields that differed from the executions ledger at the last reconciliation.',
    });
  }
}
