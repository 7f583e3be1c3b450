import { type MetricsRegistry } from '@meridian/shared-observability';
import { type Counter, type Gauge, type Histogram } from 'prom-client';

/** Stage latencies are sub-millisecond to seconds: finer low buckets than the service default. */
const STAGE_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5,
];

/** The executor's Prometheus series. */
export class ExecutorMetrics {
  /** Per stage of a batch: decode (proto -> records), match (pool round trip), encode (records -> proto), publish (Kafka transaction). */
  readonly stage: Histogram<'stage'>;
  /** Gateway publish time -> events committed, per command. */
  readonly commandLatency: Histogram;
  readonly commands: Counter<'outcome'>;
  readonly events: Counter<'topic'>;
  readonly batchSize: Histogram;
  /** Commands handed to workers whose events have not come back yet. */
  readonly inFlight: Gauge;
  /** Commands consumed and not yet committed (a batch being processed or retried). */
  readonly pending: Gauge;
  readonly workerRestarts: Counter;
  readonly snapshots: Counter<'outcome'>;
  readonly publishRetries: Counter;
  readonly recovering: Gauge;

  constructor(registry: MetricsRegistry) {
    this.stage = registry.histogram('executor_stage_duration_seconds', {
      help: 'Duration of each stage of a consumed batch',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
    });
    this.commandLatency = registry.histogram('executor_command_latency_seconds', {
      help: 'From the gateway publishing a command to its events being committed',
    });
    this.commands = registry.counter('executor_commands_total', {
      help: 'Commands consumed, by outcome (applied, replayed, duplicate, no_book, dead_lettered)',
      labelNames: ['outcome'],
    });
    this.events = registry.counter('executor_events_total', {
      help: 'Messages published, by topic (events, trades, dlq)',
      labelNames: ['topic'],
    });
    this.batchSize = registry.histogram('executor_batch_commands', {
      help: 'Commands per consumed batch',
      buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384],
    });
    this.inFlight = registry.gauge('executor_worker_queue_depth', {
      help: 'Commands handed to workers and not answered yet',
    });
    this.pending = registry.gauge('executor_uncommitted_commands', {
      help: 'Commands consumed whose transaction has not committed',
    });
    this.workerRestarts = registry.counter('executor_worker_restarts_total', {
      help: 'Worker threads restarted after a crash',
    });
    this.snapshots = registry.counter('executor_snapshots_total', {
      help: 'Snapshots written',
      labelNames: ['outcome'],
    });
    this.publishRetries = registry.counter('executor_publish_retries_total', {
      help: 'Kafka transactions retried',
    });
    this.recovering = registry.gauge('executor_recovering', {
      help: '1 while books are being rebuilt (replay or worker restart)',
    });
  }
}
