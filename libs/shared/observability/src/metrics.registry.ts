import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MetricDefinitionError } from './observability.error';

/**
 * Histogram buckets (seconds) for latency-critical paths: 0.5 ms .. 5 s. The SLO thresholds
 * (10 ms ack, 25 ms first report, 50 ms execution) are exact bucket bounds, so SLO ratios are
 * read straight off `_bucket{le=...}` with no interpolation.
 */
export const LOW_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

/** The outcome label of RED metrics. */
export type Outcome = 'ok' | 'error';

const OUTCOME_LABEL = 'outcome';

/** Label values for a metric declared with `labelNames: L[]`. */
export type Labels<L extends string> = Readonly<Record<L, string | number>>;

export interface MetricsRegistryOptions {
  /** Collect the prom-client default Node metrics (CPU, memory, event loop, GC). Default true. */
  defaultMetrics?: boolean;
  /** Prefix for the default metric names only, e.g. `meridian_`. Default none. */
  defaultMetricsPrefix?: string;
  /**
   * Labels added to every series of this registry, e.g. `{ region: 'us-central1' }`. Pod, job and
   * namespace come from Prometheus target labels; repeating them here only creates `exported_*`
   * clashes.
   */
  commonLabels?: Readonly<Record<string, string>>;
}

export interface MetricOptions<L extends string> {
  help: string;
  labelNames?: readonly L[];
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Bucket upper bounds in the metric's unit; default `LOW_LATENCY_BUCKETS`. */
  buckets?: readonly number[];
}

export interface RedOptions<L extends string> {
  /** Help text prefix; default derived from the name. */
  help?: string;
  /** Labels besides `outcome` (which is added and reserved), e.g. `['method']`. */
  labelNames: readonly L[];
  buckets?: readonly number[];
}

/**
 * Rate / errors / duration of one operation: `<name>_requests_total{outcome}` and
 * `<name>_duration_seconds{outcome}` (errors often fail fast, so latency SLOs read `outcome="ok"`).
 */
export interface RedMetric<L extends string> {
  /** Records one finished request that took `seconds`. */
  observe(labels: Labels<L>, seconds: number, outcome: Outcome): void;
  /** Starts a monotonic timer; call the returned function once with the outcome. Returns seconds. */
  startTimer(labels: Labels<L>): (outcome: Outcome) => number;
}

/**
 * A prom-client Registry of one process: its own registry rather than the global one, so two
 * instances (tests, several apps in one process) never share series.
 */
export class MetricsRegistry {
  /** The underlying prom-client registry, for libraries that take one. */
  readonly registry: Registry;

  constructor(options: MetricsRegistryOptions = {}) {
    this.registry = new Registry();
    if (options.commonLabels !== undefined) {
      this.registry.setDefaultLabels({ ...options.commonLabels });
    }
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({
        register: this.registry,
        ...(options.defaultMetricsPrefix === undefined
          ? {}
          : { prefix: options.defaultMetricsPrefix }),
      });
    }
  }

  /** Content-Type of `metricsText()` (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric, for `GET /metrics`. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** A counter; names of counters end in `_total` by convention. */
  counter<L extends string = never>(name: string, options: MetricOptions<L>): Counter<L> {
    return this.define(name, () => new Counter<L>({ name, ...this.common(options) }));
  }

  gauge<L extends string = never>(name: string, options: MetricOptions<L>): Gauge<L> {
    return this.define(name, () => new Gauge<L>({ name, ...this.common(options) }));
  }

  histogram<L extends string = never>(name: string, options: HistogramOptions<L>): Histogram<L> {
    const buckets = [...(options.buckets ?? LOW_LATENCY_BUCKETS)];
    return this.define(name, () => new Histogram<L>({ name, ...this.common(options), buckets }));
  }

  /** RED metrics for one operation, e.g. `red('orders_submit', { labelNames: ['method'] })`. */
  red<L extends string = never>(name: string, options: RedOptions<L>): RedMetric<L> {
    if ((options.labelNames as readonly string[]).includes(OUTCOME_LABEL)) {
      throw new MetricDefinitionError(`label "${OUTCOME_LABEL}" is reserved by RED metrics`, name);
    }
    const labelNames = [...options.labelNames, OUTCOME_LABEL] as (L | 'outcome')[];
    const help = options.help ?? name.replaceAll('_', ' ');
    const requests = this.counter(`${name}_requests_total`, {
      help: `${help}: requests by outcome`,
      labelNames,
    });
    const duration = this.histogram(`${name}_duration_seconds`, {
      help: `${help}: duration in seconds by outcome`,
      labelNames,
      ...(options.buckets === undefined ? {} : { buckets: options.buckets }),
    });
    if (options.labelNames.length === 0) {
      // Both outcomes exist from the start, so error ratios are 0 rather than "no data".
      requests.inc({ outcome: 'ok' } as Labels<L | 'outcome'>, 0);
      requests.inc({ outcome: 'error' } as Labels<L | 'outcome'>, 0);
    }
    const observe = (labels: Labels<L>, seconds: number, outcome: Outcome): void => {
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new MetricDefinitionError(
          `duration must be a finite number of seconds >= 0, got ${seconds}`,
          name,
        );
      }
      const all = { ...labels, outcome } as Labels<L | 'outcome'>;
      requests.inc(all);
      duration.observe(all, seconds);
    };
    return {
      observe,
      startTimer: (labels) => {
        const start = process.hrtime.bigint();
        return (outcome) => {
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          observe(labels, seconds, outcome);
          return seconds;
        };
      },
    };
  }

  private common<L extends string>(
    options: MetricOptions<L>,
  ): {
    help: string;
    labelNames: L[];
    registers: Registry[];
  } {
    return {
      help: options.help,
      labelNames: [...(options.labelNames ?? [])],
      registers: [this.registry],
    };
  }

  private define<M>(name: string, create: () => M): M {
    if (this.registry.getSingleMetric(name) !== undefined) {
      throw new MetricDefinitionError(`metric "${name}" is already registered`, name);
    }
    try {
      return create();
    } catch (error) {
      throw new MetricDefinitionError(`metric "${name}" is invalid: ${String(error)}`, name, error);
    }
  }
}
