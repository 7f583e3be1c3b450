import type { CacheMetrics, CacheMissReason, CacheOperation } from './cache.types';

/** CacheMetrics that remembers every call, for asserting hit/miss/error counts in specs. */
export class RecordingCacheMetrics implements CacheMetrics {
  readonly hits: string[] = [];
  readonly misses: { api: string; reason: CacheMissReason }[] = [];
  readonly errors: { api: string; operation: CacheOperation }[] = [];

  hit(api: string): void {
    this.hits.push(api);
  }

  miss(api: string, reason: CacheMissReason): void {
    this.misses.push({ api, reason });
  }

  error(api: string, operation: CacheOperation): void {
    this.errors.push({ api, operation });
  }

  /** Misses of `api` (optionally of one reason). */
  missCount(api: string, reason?: CacheMissReason): number {
    return this.misses.filter(
      (miss) => miss.api === api && (reason === undefined || miss.reason === reason),
    ).length;
  }

  hitCount(api: string): number {
    return this.hits.filter((hit) => hit === api).length;
  }
}
