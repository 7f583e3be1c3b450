import { MetricsRegistry } from '@meridian/shared-observability';
import { metricSample, testInfrastructure, uniqueName } from '@meridian/shared-testing';
import { Redis } from 'ioredis';
import { createCache } from './cache-aside';
import { registryCacheMetrics } from './cache.metrics';

const NAMESPACE = uniqueName('cache_metrics_spec');

describe('registryCacheMetrics', () => {
  let raw: Redis;

  beforeAll(async () => {
    raw = new Redis(testInfrastructure().redisUrl);
    await raw.ping();
  });

  afterAll(async () => {
    const keys = await raw.keys(`${NAMESPACE}:*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
  });

  it('exposes hits, misses by reason and encode errors of every cache sharing a registry', async () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const quotes = createCache({
      redis: raw,
      namespace: NAMESPACE,
      metrics: registryCacheMetrics(metrics),
    }).api<string>('quotes', { ttlSeconds: 60 });
    // A second cache on the same registry must not redefine the metrics.
    const live = createCache({
      redis: raw,
      namespace: NAMESPACE,
      metrics: registryCacheMetrics(metrics),
    }).api<unknown>('live', { ttlSeconds: 0 });

    await quotes.get('EURUSD', () => Promise.resolve('1.0850')); // absent
    await quotes.get('EURUSD', () => Promise.resolve('unused')); // hit
    await quotes.get('EURUSD', () => Promise.resolve('unused')); // hit
    await raw.set(`${NAMESPACE}:quotes:GBPUSD`, '{not json', 'PX', 60_000);
    await quotes.get('GBPUSD', () => Promise.resolve('1.2710')); // corrupt
    await live.get('x', () => Promise.resolve(1n << 70n)); // bypass, then stored
    const circular: { self?: unknown } = {};
    circular.self = circular;
    await live.get('y', () => Promise.resolve(circular)); // bypass, encode error

    const text = await metrics.metricsText();
    expect(metricSample(text, 'cache_hits_total{api="quotes"}')).toBe(2);
    expect(metricSample(text, 'cache_misses_total{api="quotes",reason="absent"}')).toBe(1);
    expect(metricSample(text, 'cache_misses_total{api="quotes",reason="corrupt"}')).toBe(1);
    expect(metricSample(text, 'cache_misses_total{api="live",reason="bypass"}')).toBe(2);
    expect(metricSample(text, 'cache_errors_total{api="live",operation="encode"}')).toBe(1);
    expect(metricSample(text, 'cache_hits_total{api="live"}')).toBeUndefined();
  });

  it('counts Redis failures by operation and the misses they cause', async () => {
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const cache = createCache({
      redis: 'redis://127.0.0.1:1',
      namespace: NAMESPACE,
      metrics: registryCacheMetrics(metrics),
      operationTimeoutMs: 200,
    });
    try {
      const api = cache.api<string>('down', { ttlSeconds: 60 });
      expect(await api.get('k', () => Promise.resolve('from source'))).toBe('from source');
      await api.invalidate('k');
    } finally {
      await cache.close();
    }
    const text = await metrics.metricsText();
    expect(metricSample(text, 'cache_errors_total{api="down",operation="get"}')).toBe(1);
    expect(metricSample(text, 'cache_errors_total{api="down",operation="del"}')).toBe(1);
    expect(metricSample(text, 'cache_misses_total{api="down",reason="unavailable"}')).toBe(1);
  });

  it('returns one instance per registry and a separate one for another registry', () => {
    const a = new MetricsRegistry({ defaultMetrics: false });
    const b = new MetricsRegistry({ defaultMetrics: false });
    expect(registryCacheMetrics(a)).toBe(registryCacheMetrics(a));
    expect(registryCacheMetrics(b)).not.toBe(registryCacheMetrics(a));
  });
});
