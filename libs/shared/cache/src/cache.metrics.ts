import type { MetricsRegistry } from '@meridian/shared-observability';
import type { CacheMetrics } from './cache.types';

function defineCacheMetrics(metrics: MetricsRegistry): CacheMetrics {
  const hits = metrics.counter('cache_hits_total', {
    help: 'Cache lookups answered from Redis',
    labelNames: ['api'],
  });
  const misses = metrics.counter('cache_misses_total', {
    help: 'Cache lookups answered by the loader, by reason (absent, corrupt, bypass, unavailable)',
    labelNames: ['api', 'reason'],
  });
  const errors = metrics.counter('cache_errors_total', {
    help: 'Redis commands that failed or timed out, and values the codec could not encode',
    labelNames: ['api', 'operation'],
  });
  return {
    hit: (api) => hits.inc({ api }),
    miss: (api, reason) => misses.inc({ api, reason }),
    error: (api, operation) => errors.inc({ api, operation }),
  };
}

// A registry refuses a metric name twice; every cache of a process reports to the same series.
const perRegistry = new WeakMap<MetricsRegistry, CacheMetrics>();

/**
 * `CacheMetrics` backed by a MetricsRegistry: `cache_hits_total{api}`,
 * `cache_misses_total{api,reason}` and `cache_errors_total{api,operation}`. Returns the same
 * instance for the same registry, so several caches may share it:
 * `createCache({ ..., metrics: registryCacheMetrics(registry) })`.
 */
export function registryCacheMetrics(metrics: MetricsRegistry): CacheMetrics {
  let cacheMetrics = perRegistry.get(metrics);
  if (cacheMetrics === undefined) {
    cacheMetrics = defineCacheMetrics(metrics);
    perRegistry.set(metrics, cacheMetrics);
  }
  return cacheMetrics;
}
