/**
 * The vocabulary of the SLO spec (slos.ts): services, the metrics they export, SLIs and the
 * burn-rate alert policy. Everything generated (rules, rule tests, dashboards) reads these types.
 */

/** The services whose metrics the rules and dashboards read (Deployment names in the chart). */
export const SERVICES = [
  'order-gateway',
  'executor',
  'order-store',
  'marketdata-ingestor',
  'marketdata-api',
  'tick-writer',
  'portfolio',
  'risk-monitor',
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Where a metric comes from: a service, every Kafka consumer, every Node process, or outside. */
export type MetricSource =
  | { readonly kind: 'service'; readonly services: readonly ServiceName[] }
  | { readonly kind: 'kafka-consumers'; readonly services: readonly ServiceName[] }
  | { readonly kind: 'every-process' }
  /** Not exported by Meridian: Prometheus itself or the cluster's exporters. */
  | { readonly kind: 'external'; readonly by: string };

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One metric family of the metric contract. Histograms are named without `_bucket`. */
export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly source: MetricSource;
  readonly help: string;
  /** Histogram bucket bounds an SLI reads (exact `le` values: no interpolation). */
  readonly sloBuckets?: readonly string[];
}

/** Label matchers of a selector, e.g. `{ grpc_method: '="SubmitOrder"' }` (operator included). */
export type Matchers = Readonly<Record<string, string>>;

/**
 * Good events are the requests faster than `threshold` seconds, read from the histogram's
 * `_bucket{le=threshold}` (an exact bucket bound) against its `_count`.
 */
export interface LatencySli {
  readonly kind: 'latency';
  readonly histogram: string;
  readonly matchers: Matchers;
  /** The `le` label value exactly as the exporter writes it (prom-client: `0.01`, `2`). */
  readonly threshold: string;
}

/** Bad events are a subset of a counter's series (`bad` matchers on top of `matchers`). */
export interface ErrorsSli {
  readonly kind: 'errors';
  readonly counter: string;
  readonly matchers: Matchers;
  /** The label that tells a bad event apart, and its bad values. */
  readonly badLabel: string;
  readonly badValues: readonly string[];
  /** A value of `badLabel` that is good (used by the generated rule tests). */
  readonly goodValue: string;
}

export type Sli = LatencySli | ErrorsSli;

/** An alert on a gauge beside the SLO (e.g. tick age): simple threshold, held for `for`. */
export interface GaugeAlert {
  readonly alert: string;
  readonly gauge: string;
  /** Aggregation kept in the alert's labels, e.g. `['symbol']`. */
  readonly by: readonly string[];
  readonly threshold: number;
  readonly for: string;
  readonly severity: Severity;
  readonly summary: string;
}

export type Severity = 'page' | 'ticket';

export interface Slo {
  /** kebab-case id: the `slo` label of every rule and alert, and the runbook file name. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly service: ServiceName;
  /** Target ratio of good events over the window, e.g. 0.99. */
  readonly objective: number;
  readonly sli: Sli;
  readonly gaugeAlerts?: readonly GaugeAlert[];
}

/** One burn-rate condition: both windows must burn faster than `factor`. */
export interface BurnRateCondition {
  readonly long: Window;
  readonly short: Window;
  readonly factor: number;
}

/** The multi-window multi-burn-rate policy (Google SRE workbook, chapter 5). */
export interface AlertPolicy {
  readonly severity: Severity;
  /** Alert when any condition holds. */
  readonly conditions: readonly BurnRateCondition[];
}

/** Windows the SLI error ratios are recorded at. */
export const WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;
export type Window = (typeof WINDOWS)[number];
