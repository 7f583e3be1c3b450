/**
 * Meridian's SLOs, defined once. `generate.ts` turns this file into the Prometheus recording
 * rules and burn-rate alerts (charts/meridian/files/prometheus/), their promtool unit tests
 * (tools/slo/tests/) and the Grafana dashboards (charts/meridian/files/dashboards/).
 *
 * METRICS is the metric contract: the names and labels the services export (read from their
 * definitions in libs/ and apps/). Rules and dashboards may only use metrics listed here; a spec
 * checks that.
 */
import type { AlertPolicy, MetricDefinition, Slo } from './slo.types';

/** The SLO window: error budgets are spent over 30 days. */
export const SLO_WINDOW = '30d';
/** The same window in hours (burn-rate arithmetic, docs). */
export const SLO_WINDOW_HOURS = 30 * 24;

/** Where the runbooks live (the `runbook_url` annotation is this + `<slo>.md`). */
export const RUNBOOK_PREFIX = 'docs/runbooks/slo-';

/**
 * Multi-window multi-burn-rate alerts, Google SRE workbook ch. 5 ("Alerting on SLOs", table 5-8):
 * page when 2 % of the 30-day budget burns in 1 h or 5 % in 6 h; ticket when 10 % burns in 3 d.
 * The short window (1/12 of the long one) makes the alert stop soon after the burn stops.
 */
export const ALERT_POLICIES: readonly AlertPolicy[] = [
  {
    severity: 'page',
    conditions: [
      { long: '1h', short: '5m', factor: 14.4 },
      { long: '6h', short: '30m', factor: 6 },
    ],
  },
  { severity: 'ticket', conditions: [{ long: '3d', short: '6h', factor: 1 }] },
];

const ORDER_SERVICE = 'meridian.orders.v1.OrderService';

/** gRPC codes that mean the server failed (client mistakes such as InvalidArgument do not count). */
export const SERVER_ERROR_CODES = [
  'Unknown',
  'Internal',
  'Unavailable',
  'DeadlineExceeded',
  'DataLoss',
  'Unimplemented',
] as const;

const KAFKA_CONSUMERS = {
  kind: 'kafka-consumers',
  services: ['order-gateway', 'order-store', 'tick-writer', 'portfolio', 'risk-monitor'],
} as const;
const KAFKA_PRODUCERS = {
  kind: 'service',
  // order-store only consumes (its dead-letter producer reports no send metrics).
  services: ['order-gateway', 'marketdata-ingestor', 'portfolio', 'risk-monitor'],
} as const;
const EVERY_PROCESS = { kind: 'every-process' } as const;
const GRPC_SERVERS = ['order-gateway', 'marketdata-api', 'portfolio'] as const;

/** The metric contract (libs/shared/observability, libs/shared/messaging, the services' own). */
export const METRICS: readonly MetricDefinition[] = [
  // gRPC servers: GrpcServerMetrics of shared-observability (order-gateway, marketdata-api, with
  // grpc_type) and of feature-portfolio (portfolio, without grpc_type)
  {
    name: 'grpc_server_started_total',
    type: 'counter',
    labels: ['grpc_service', 'grpc_method', 'grpc_type'],
    source: { kind: 'service', services: ['order-gateway', 'marketdata-api'] },
    help: 'RPCs started on the server',
  },
  {
    name: 'grpc_server_handled_total',
    type: 'counter',
    labels: ['grpc_service', 'grpc_method', 'grpc_type', 'grpc_code'],
    source: { kind: 'service', services: GRPC_SERVERS },
    help: 'RPCs completed on the server, by status code',
  },
  {
    name: 'grpc_server_handling_seconds',
    type: 'histogram',
    labels: ['grpc_service', 'grpc_method', 'grpc_type'],
    source: { kind: 'service', services: GRPC_SERVERS },
    help: 'Time from the request arriving to the status being sent',
    sloBuckets: ['0.01'],
  },
  {
    name: 'grpc_server_msg_sent_total',
    type: 'counter',
    labels: ['grpc_service', 'grpc_method', 'grpc_type'],
    source: { kind: 'service', services: ['order-gateway', 'marketdata-api'] },
    help: 'Stream messages sent by the server',
  },
  // Kafka clients (libs/shared/messaging/src/messaging.metrics.ts)
  {
    name: 'messaging_consumer_handled_total',
    type: 'counter',
    labels: ['topic', 'group'],
    source: KAFKA_CONSUMERS,
    help: 'Kafka records whose handler succeeded',
  },
  {
    name: 'messaging_consumer_retries_total',
    type: 'counter',
    labels: ['topic', 'group'],
    source: KAFKA_CONSUMERS,
    help: 'Kafka handler failures that were retried',
  },
  {
    name: 'messaging_consumer_dead_lettered_total',
    type: 'counter',
    labels: ['topic', 'group'],
    source: KAFKA_CONSUMERS,
    help: 'Kafka records written to the dead-letter topic',
  },
  {
    name: 'messaging_consumer_backpressure_pauses_total',
    type: 'counter',
    labels: ['topic', 'group'],
    source: KAFKA_CONSUMERS,
    help: 'Times fetching paused because in-flight records reached maxInFlight',
  },
  {
    name: 'messaging_consumer_in_flight',
    type: 'gauge',
    labels: ['topic', 'group'],
    source: KAFKA_CONSUMERS,
    help: 'Kafka records handed to handlers and not finished yet',
  },
  {
    name: 'messaging_producer_send_requests_total',
    type: 'counter',
    labels: ['topic', 'outcome'],
    source: KAFKA_PRODUCERS,
    help: 'Kafka sends acknowledged by the brokers, by outcome',
  },
  {
    name: 'messaging_producer_send_duration_seconds',
    type: 'histogram',
    labels: ['topic', 'outcome'],
    source: KAFKA_PRODUCERS,
    help: 'Kafka send latency (acks=all)',
  },
  // cache-aside (libs/shared/cache/src/cache.metrics.ts)
  {
    name: 'cache_hits_total',
    type: 'counter',
    labels: ['api'],
    source: { kind: 'service', services: ['marketdata-api'] },
    help: 'Cache lookups answered from Redis',
  },
  {
    name: 'cache_misses_total',
    type: 'counter',
    labels: ['api', 'reason'],
    source: { kind: 'service', services: ['marketdata-api'] },
    help: 'Cache lookups answered by the loader, by reason (absent, corrupt, bypass, unavailable)',
  },
  {
    name: 'cache_errors_total',
    type: 'counter',
    labels: ['api', 'operation'],
    source: { kind: 'service', services: ['marketdata-api'] },
    help: 'Redis commands that failed or timed out, and values the codec could not encode',
  },
  // executor (libs/orders/feature-execution/src/executor-metrics.ts)
  {
    name: 'executor_command_latency_seconds',
    type: 'histogram',
    labels: [],
    source: { kind: 'service', services: ['executor'] },
    help: 'From the gateway publishing a command to its events being committed',
    sloBuckets: ['0.05'],
  },
  {
    name: 'executor_commands_total',
    type: 'counter',
    labels: ['outcome'],
    source: { kind: 'service', services: ['executor'] },
    help: 'Commands consumed, by outcome (applied, replayed, duplicate, no_book, dead_lettered)',
  },
  {
    name: 'executor_events_total',
    type: 'counter',
    labels: ['topic'],
    source: { kind: 'service', services: ['executor'] },
    help: 'Messages published, by topic (events, trades, dlq)',
  },
  {
    name: 'executor_stage_duration_seconds',
    type: 'histogram',
    labels: ['stage'],
    source: { kind: 'service', services: ['executor'] },
    help: 'Duration of each stage of a consumed batch (decode, match, encode, publish)',
  },
  {
    name: 'executor_batch_commands',
    type: 'histogram',
    labels: [],
    source: { kind: 'service', services: ['executor'] },
    help: 'Commands per consumed batch',
  },
  {
    name: 'executor_worker_queue_depth',
    type: 'gauge',
    labels: [],
    source: { kind: 'service', services: ['executor'] },
    help: 'Commands handed to workers and not answered yet',
  },
  {
    name: 'executor_uncommitted_commands',
    type: 'gauge',
    labels: [],
    source: { kind: 'service', services: ['executor'] },
    help: 'Commands consumed whose transaction has not committed',
  },
  {
    name: 'executor_worker_restarts_total',
    type: 'counter',
    labels: [],
    source: { kind: 'service', services: ['executor'] },
    help: 'Worker threads restarted after a crash',
  },
  {
    name: 'executor_publish_retries_total',
    type: 'counter',
    labels: [],
    source: { kind: 'service', services: ['executor'] },
    help: 'Kafka transactions retried',
  },
  {
    name: 'executor_recovering',
    type: 'gauge',
    labels: [],
    source: { kind: 'service', services: ['executor'] },
    help: '1 while books are being rebuilt (replay or worker restart)',
  },
  // marketdata-ingestor (being built: names from the metric contract of issue #7)
  {
    name: 'marketdata_tick_freshness_seconds',
    type: 'histogram',
    labels: [],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: 'Received minus exchange time of accepted ticks',
    sloBuckets: ['2'],
  },
  {
    name: 'marketdata_tick_age_seconds',
    type: 'gauge',
    labels: ['symbol'],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: 'Seconds since the last accepted tick of the symbol, refreshed every second',
  },
  {
    name: 'marketdata_ticks_total',
    type: 'counter',
    labels: ['feed', 'source'],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: 'Ticks published, by feed and source (primary/backup)',
  },
  {
    name: 'marketdata_ticks_rejected_total',
    type: 'counter',
    labels: ['feed', 'reason'],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: 'Ticks rejected by validation, by reason',
  },
  {
    name: 'marketdata_sequence_gaps_total',
    type: 'counter',
    labels: ['feed', 'symbol'],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: 'Sequence gaps detected on a feed',
  },
  {
    name: 'marketdata_feed_active_source',
    type: 'gauge',
    labels: ['feed', 'source'],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: '1 for the source (primary/backup) a feed publishes from, 0 for its standby',
  },
  {
    name: 'marketdata_feed_failovers_total',
    type: 'counter',
    labels: ['feed'],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: 'Switches of the active source of a feed',
  },
  {
    name: 'marketdata_feed_connected',
    type: 'gauge',
    labels: ['feed', 'source'],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: '1 while the source is connected to its provider',
  },
  {
    name: 'marketdata_ticks_dropped_total',
    type: 'counter',
    labels: ['reason'],
    source: { kind: 'service', services: ['marketdata-ingestor'] },
    help: 'Accepted ticks not published (buffer overflow, failed publish)',
  },
  // tick-writer
  {
    name: 'tickwriter_ingest_lag_seconds',
    type: 'histogram',
    labels: [],
    source: { kind: 'service', services: ['tick-writer'] },
    help: 'Time from the ingestor receiving a tick to its database commit',
    sloBuckets: ['5'],
  },
  {
    name: 'tickwriter_ticks_written_total',
    type: 'counter',
    labels: [],
    source: { kind: 'service', services: ['tick-writer'] },
    help: 'Ticks newly stored',
  },
  {
    name: 'tickwriter_ticks_rejected_total',
    type: 'counter',
    labels: ['reason'],
    source: { kind: 'service', services: ['tick-writer'] },
    help: 'Malformed ticks, by reason (each goes to the DLQ)',
  },
  {
    name: 'tickwriter_batch_duration_seconds',
    type: 'histogram',
    labels: [],
    source: { kind: 'service', services: ['tick-writer'] },
    help: 'Time to decode, store and commit one batch',
  },
  {
    name: 'tickwriter_batch_failures_total',
    type: 'counter',
    labels: [],
    source: { kind: 'service', services: ['tick-writer'] },
    help: 'Batches whose transaction failed (retried)',
  },
  // portfolio
  {
    name: 'portfolio_fills_applied_total',
    type: 'counter',
    labels: [],
    source: { kind: 'service', services: ['portfolio'] },
    help: 'Fills applied to positions',
  },
  {
    name: 'portfolio_fill_apply_seconds',
    type: 'histogram',
    labels: [],
    source: { kind: 'service', services: ['portfolio'] },
    help: 'Time to apply one consumer batch of fills (state, PostgreSQL, Redis, publish)',
  },
  // risk-monitor
  {
    name: 'risk_limit_breaches_total',
    type: 'counter',
    labels: ['limit', 'action'],
    source: { kind: 'service', services: ['risk-monitor'] },
    help: 'Post-trade limit breaches, by limit and the action taken',
  },
  {
    name: 'risk_accounts_by_state',
    type: 'gauge',
    labels: ['state'],
    source: { kind: 'service', services: ['risk-monitor'] },
    help: 'Accounts per trading state',
  },
  {
    name: 'risk_evaluation_seconds',
    type: 'histogram',
    labels: ['outcome'],
    source: { kind: 'service', services: ['risk-monitor'] },
    help: 'Time to evaluate the limits of one portfolio update',
  },
  // prom-client default metrics, every Node process
  {
    name: 'process_cpu_seconds_total',
    type: 'counter',
    labels: [],
    source: EVERY_PROCESS,
    help: 'CPU time of the process',
  },
  {
    name: 'process_resident_memory_bytes',
    type: 'gauge',
    labels: [],
    source: EVERY_PROCESS,
    help: 'Resident memory of the process',
  },
  {
    name: 'nodejs_eventloop_lag_p99_seconds',
    type: 'gauge',
    labels: [],
    source: EVERY_PROCESS,
    help: 'p99 event-loop delay',
  },
  {
    name: 'nodejs_heap_size_used_bytes',
    type: 'gauge',
    labels: [],
    source: EVERY_PROCESS,
    help: 'V8 heap in use',
  },
  // Not exported by Meridian
  {
    name: 'up',
    type: 'gauge',
    labels: ['job', 'instance'],
    source: { kind: 'external', by: 'Prometheus (scrape health)' },
    help: '1 when the last scrape of the target succeeded',
  },
  {
    name: 'ALERTS',
    type: 'gauge',
    labels: ['alertname', 'alertstate', 'severity', 'slo'],
    source: { kind: 'external', by: 'Prometheus (alert state)' },
    help: 'Pending and firing alerts',
  },
  {
    name: 'kafka_consumergroup_lag',
    type: 'gauge',
    labels: ['consumergroup', 'topic', 'partition'],
    source: { kind: 'external', by: 'Strimzi Kafka Exporter' },
    help: 'Records a consumer group is behind the log end, per partition',
  },
];

/** The SLOs. Thresholds are exact bucket bounds of the histograms they read. */
export const SLOS: readonly Slo[] = [
  {
    name: 'order-ack-latency',
    title: 'Order ack latency',
    description: '99% of SubmitOrder calls are answered in under 10 ms.',
    service: 'order-gateway',
    objective: 0.99,
    sli: {
      kind: 'latency',
      histogram: 'grpc_server_handling_seconds',
      matchers: { grpc_service: `="${ORDER_SERVICE}"`, grpc_method: '="SubmitOrder"' },
      threshold: '0.01',
    },
  },
  {
    name: 'order-api-availability',
    title: 'Order API availability',
    description:
      '99.95% of OrderService RPCs do not fail with a server-side code (Unknown, Internal, Unavailable, DeadlineExceeded, DataLoss, Unimplemented).',
    service: 'order-gateway',
    objective: 0.9995,
    sli: {
      kind: 'errors',
      counter: 'grpc_server_handled_total',
      matchers: { grpc_service: `="${ORDER_SERVICE}"` },
      badLabel: 'grpc_code',
      badValues: SERVER_ERROR_CODES,
      goodValue: 'OK',
    },
  },
  {
    name: 'execution-latency',
    title: 'Execution latency',
    description:
      '99% of order commands have their events committed less than 50 ms after the gateway published them.',
    service: 'executor',
    objective: 0.99,
    sli: {
      kind: 'latency',
      histogram: 'executor_command_latency_seconds',
      matchers: {},
      threshold: '0.05',
    },
  },
  {
    name: 'market-data-freshness',
    title: 'Market-data freshness',
    description: '99% of ticks are received less than 2 s after their exchange timestamp.',
    service: 'marketdata-ingestor',
    objective: 0.99,
    sli: {
      kind: 'latency',
      histogram: 'marketdata_tick_freshness_seconds',
      matchers: {},
      threshold: '2',
    },
    gaugeAlerts: [
      {
        alert: 'MarketDataStale',
        gauge: 'marketdata_tick_age_seconds',
        by: ['symbol'],
        threshold: 10,
        for: '1m',
        severity: 'page',
        summary: 'No tick for a symbol for more than 10 s (feed down or stuck)',
      },
    ],
  },
  {
    name: 'ingest-lag',
    title: 'Tick ingest lag',
    description:
      '99% of ticks are committed to the database less than 5 s after the ingestor received them.',
    service: 'tick-writer',
    objective: 0.99,
    sli: {
      kind: 'latency',
      histogram: 'tickwriter_ingest_lag_seconds',
      matchers: {},
      threshold: '5',
    },
  },
];
