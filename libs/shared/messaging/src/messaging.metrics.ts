import type { MetricsRegistry } from '@meridian/shared-observability';

/** Label values of one consumer's series. */
export interface ConsumerMetricLabels {
  readonly topic: string;
  readonly group: string;
}

const CONSUMER_LABELS = ['topic', 'group'] as const;

function defineConsumerFamilies(metrics: MetricsRegistry) {
  const labelNames = CONSUMER_LABELS;
  return {
    handled: metrics.counter('messaging_consumer_handled_total', {
      help: 'Kafka records whose handler succeeded',
      labelNames,
    }),
    retries: metrics.counter('messaging_consumer_retries_total', {
      help: 'Kafka handler failures that were retried',
      labelNames,
    }),
    deadLettered: metrics.counter('messaging_consumer_dead_lettered_total', {
      help: 'Kafka records written to the dead-letter topic',
      labelNames,
    }),
    backpressurePauses: metrics.counter('messaging_consumer_backpressure_pauses_total', {
      help: 'Times fetching paused because in-flight records reached maxInFlight',
      labelNames,
    }),
    inFlight: metrics.gauge('messaging_consumer_in_flight', {
      help: 'Kafka records handed to handlers and not finished yet',
      labelNames,
    }),
  };
}

function defineProducerFamilies(metrics: MetricsRegistry) {
  return {
    send: metrics.red('messaging_producer_send', {
      help: 'Kafka sends acknowledged by the brokers (acks=all)',
      labelNames: ['topic'],
    }),
  };
}

// A registry refuses a metric name twice, and every consumer/producer of a process shares one
// registry: the families are defined once per registry, each client adds its own label values.
const consumerFamilies = new WeakMap<MetricsRegistry, ReturnType<typeof defineConsumerFamilies>>();
const producerFamilies = new WeakMap<MetricsRegistry, ReturnType<typeof defineProducerFamilies>>();

function once<F>(cache: WeakMap<MetricsRegistry, F>, metrics: MetricsRegistry, define: () => F): F {
  let families = cache.get(metrics);
  if (families === undefined) {
    families = define();
    cache.set(metrics, families);
  }
  return families;
}

/**
 * What a `KafkaConsumer` reports, mirroring `stats()`: counters of handled, retried and
 * dead-lettered records and back-pressure pauses, and a gauge of records in flight.
 */
export class ConsumerMetrics {
  private readonly families: ReturnType<typeof defineConsumerFamilies>;

  constructor(
    metrics: MetricsRegistry,
    private readonly labels: ConsumerMetricLabels,
  ) {
    this.families = once(consumerFamilies, metrics, () => defineConsumerFamilies(metrics));
    // Every series exists from the start, so rates read 0 rather than "no data".
    for (const counter of [
      this.families.handled,
      this.families.retries,
      this.families.deadLettered,
      this.families.backpressurePauses,
    ]) {
      counter.inc(this.labels, 0);
    }
    this.families.inFlight.inc(this.labels, 0);
  }

  handled(): void {
    this.families.handled.inc(this.labels);
  }

  retried(): void {
    this.families.retries.inc(this.labels);
  }

  deadLettered(): void {
    this.families.deadLettered.inc(this.labels);
  }

  backpressurePaused(): void {
    this.families.backpressurePauses.inc(this.labels);
  }

  /** +1 when a record is dispatched, -1 when it finished (either way). */
  inFlight(delta: 1 | -1): void {
    this.families.inFlight.inc(this.labels, delta);
  }
}

/** Latency and outcome of producer sends: `messaging_producer_send_{requests_total,duration_seconds}`. */
export class ProducerMetrics {
  private readonly families: ReturnType<typeof defineProducerFamilies>;

  constructor(metrics: MetricsRegistry) {
    this.families = once(producerFamilies, metrics, () => defineProducerFamilies(metrics));
  }

  /** Starts timing one send to `topic`; call the result with its outcome. */
  startSend(topic: string): (outcome: 'ok' | 'error') => number {
    return this.families.send.startTimer({ topic });
  }
}
