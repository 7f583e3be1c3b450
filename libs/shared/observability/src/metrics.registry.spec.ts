import { LOW_LATENCY_BUCKETS, MetricsRegistry } from './metrics.registry';
import { MetricDefinitionError } from './observability.error';

/** The value of one sample line, e.g. `x_total{a="b"} 3`, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('MetricsRegistry.red', () => {
  it('counts requests by outcome and buckets their durations', async () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const submit = metrics.red('orders_submit', { labelNames: ['method'] });
    submit.observe({ method: 'limit' }, 0.004, 'ok');
    submit.observe({ method: 'limit' }, 0.0009, 'ok');
    submit.observe({ method: 'limit' }, 0.2, 'error');
    submit.observe({ method: 'market' }, 0.001, 'ok');
    const text = await metrics.metricsText();

    expect(text).toContain('# TYPE orders_submit_requests_total counter');
    expect(text).toContain('# TYPE orders_submit_duration_seconds histogram');
    expect(sample(text, 'orders_submit_requests_total{method="limit",outcome="ok"}')).toBe(2);
    expect(sample(text, 'orders_submit_requests_total{method="limit",outcome="error"}')).toBe(1);
    expect(sample(text, 'orders_submit_requests_total{method="market",outcome="ok"}')).toBe(1);
    const okLimit = 'orders_submit_duration_seconds_bucket{le="%s",method="limit",outcome="ok"}';
    expect(sample(text, okLimit.replace('%s', '0.0005'))).toBe(0);
    expect(sample(text, okLimit.replace('%s', '0.001'))).toBe(1);
    expect(sample(text, okLimit.replace('%s', '0.0025'))).toBe(1);
    expect(sample(text, okLimit.replace('%s', '0.005'))).toBe(2);
    expect(sample(text, okLimit.replace('%s', '+Inf'))).toBe(2);
    expect(sample(text, 'orders_submit_duration_seconds_count{method="limit",outcome="ok"}')).toBe(
      2,
    );
    expect(
      sample(text, 'orders_submit_duration_seconds_sum{method="limit",outcome="ok"}'),
    ).toBeCloseTo(0.0049, 10);
  });

  it('uses buckets from 0.5 ms to 5 s that include the SLO thresholds', async () => {
    expect(LOW_LATENCY_BUCKETS[0]).toBe(0.0005);
    expect(LOW_LATENCY_BUCKETS.at(-1)).toBe(5);
    expect(LOW_LATENCY_BUCKETS).toEqual(expect.arrayContaining([0.01, 0.025, 0.05]));
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    metrics.red('ack', { labelNames: [] }).observe({}, 0.01, 'ok');
    const text = await metrics.metricsText();
    const les = [...text.matchAll(/ack_duration_seconds_bucket\{le="([^"]+)",outcome="ok"\}/g)].map(
      (m) => m[1],
    );
    expect(les).toEqual([...LOW_LATENCY_BUCKETS.map(String), '+Inf']);
    // le is inclusive: an observation exactly on the 10 ms SLO bound counts as within it.
    expect(sample(text, 'ack_duration_seconds_bucket{le="0.01",outcome="ok"}')).toBe(1);
    expect(sample(text, 'ack_duration_seconds_bucket{le="0.0075",outcome="ok"}')).toBe(0);
  });

  it('exposes both outcomes at zero from the start when there are no other labels', async () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    metrics.red('ticks_ingest', { labelNames: [] });
    const text = await metrics.metricsText();
    expect(sample(text, 'ticks_ingest_requests_total{outcome="ok"}')).toBe(0);
    expect(sample(text, 'ticks_ingest_requests_total{outcome="error"}')).toBe(0);
  });

  it('times work with startTimer', async () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const cancel = metrics.red('orders_cancel', { labelNames: ['venue'] });
    const stop = cancel.startTimer({ venue: 'sim' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const seconds = stop('error');
    expect(seconds).toBeGreaterThan(0);
    const text = await metrics.metricsText();
    expect(sample(text, 'orders_cancel_requests_total{venue="sim",outcome="error"}')).toBe(1);
    expect(
      sample(text, 'orders_cancel_duration_seconds_sum{venue="sim",outcome="error"}'),
    ).toBeCloseTo(seconds, 9);
  });

  it('rejects a reserved outcome label', () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    expect(() => metrics.red('x', { labelNames: ['outcome'] })).toThrow(MetricDefinitionError);
  });

  it.each([-0.001, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects a duration of %s seconds',
    async (seconds) => {
      const metrics = new MetricsRegistry({ defaultMetrics: false });
      const red = metrics.red('y', { labelNames: [] });
      expect(() => red.observe({}, seconds, 'ok')).toThrow(MetricDefinitionError);
      expect(sample(await metrics.metricsText(), 'y_requests_total{outcome="ok"}')).toBe(0);
    },
  );
});

describe('MetricsRegistry', () => {
  it('creates counters, gauges and histograms with the common labels', async () => {
    const metrics = new MetricsRegistry({
      defaultMetrics: false,
      commonLabels: { region: 'us-central1' },
    });
    metrics
      .counter('orders_rejected_total', { help: 'rejected orders', labelNames: ['reason'] })
      .inc({ reason: 'risk' });
    metrics
      .gauge('book_depth', { help: 'resting orders', labelNames: ['symbol'] })
      .set({ symbol: 'ETH-USD' }, 17);
    metrics
      .histogram('batch_size', { help: 'ticks per COPY', buckets: [10, 100, 1000] })
      .observe(250);
    const text = await metrics.metricsText();
    expect(sample(text, 'orders_rejected_total{reason="risk",region="us-central1"}')).toBe(1);
    expect(sample(text, 'book_depth{symbol="ETH-USD",region="us-central1"}')).toBe(17);
    expect(sample(text, 'batch_size_bucket{le="100",region="us-central1"}')).toBe(0);
    expect(sample(text, 'batch_size_bucket{le="1000",region="us-central1"}')).toBe(1);
  });

  it('collects the default Node metrics, with an optional prefix', async () => {
    const plain = await new MetricsRegistry().metricsText();
    expect(plain).toContain('process_cpu_user_seconds_total');
    expect(plain).toContain('nodejs_eventloop_lag_seconds');
    expect(plain).toContain('nodejs_heap_size_used_bytes');
    const prefixed = await new MetricsRegistry({ defaultMetricsPrefix: 'meridian_' }).metricsText();
    expect(prefixed).toContain('meridian_process_cpu_user_seconds_total');
    expect(prefixed).not.toMatch(/^process_cpu_user_seconds_total/m);
    expect(await new MetricsRegistry({ defaultMetrics: false }).metricsText()).not.toContain(
      'process_cpu',
    );
  });

  it('keeps registries isolated from each other and from the prom-client global', async () => {
    const a = new MetricsRegistry({ defaultMetrics: false });
    const b = new MetricsRegistry({ defaultMetrics: false });
    a.counter('only_in_a_total', { help: 'a' }).inc();
    b.counter('only_in_a_total', { help: 'same name, other registry' }).inc(5);
    expect(sample(await a.metricsText(), 'only_in_a_total')).toBe(1);
    expect(sample(await b.metricsText(), 'only_in_a_total')).toBe(5);
    const { register } = await import('prom-client');
    expect(register.getSingleMetric('only_in_a_total')).toBeUndefined();
  });

  it('refuses a duplicate or invalid metric name', () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    metrics.counter('dup_total', { help: 'x' });
    expect(() => metrics.gauge('dup_total', { help: 'x' })).toThrow(MetricDefinitionError);
    metrics.red('route', { labelNames: [] });
    expect(() => metrics.red('route', { labelNames: [] })).toThrow(/already registered/);
    expect(() => metrics.counter('bad-name', { help: 'x' })).toThrow(MetricDefinitionError);
    expect(() => metrics.counter('ok_total', { help: 'x', labelNames: ['bad-label'] })).toThrow(
      MetricDefinitionError,
    );
  });

  it('reports the Prometheus text content type', () => {
    expect(new MetricsRegistry({ defaultMetrics: false }).contentType).toMatch(
      /^text\/plain; version=0\.0\.4/,
    );
  });
});
