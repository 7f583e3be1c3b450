import type { Redis } from 'ioredis';
import type { CacheCodec } from './cache.codec';

/**
 * Why a lookup did not come from Redis: nothing there, an undecodable entry (overwritten),
 * a TTL-0 API (always loads), or Redis failing (fail-open).
 */
export type CacheMissReason = 'absent' | 'corrupt' | 'bypass' | 'unavailable';
export type CacheOperation = 'get' | 'set' | 'del' | 'encode';

/**
 * Counters the cache reports. The observability lib implements it with prom-client; this lib
 * stays free of it. Calls are synchronous and must not throw.
 */
export interface CacheMetrics {
  hit(api: string): void;
  miss(api: string, reason: CacheMissReason): void;
  error(api: string, operation: CacheOperation): void;
}

/** pino-compatible subset. */
export interface CacheLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export type RedisFailureMode = 'fail-open' | 'fail-closed';

export interface CacheOptions {
  /** An ioredis client (the caller owns it) or a redis:// URL (the cache owns the client). */
  readonly redis: Redis | string;
  /** First key segment, e.g. the service name: keys are `<namespace>:<api>:<key>`. */
  readonly namespace: string;
  /** Default codec for every API. Default: bigint-safe JSON. */
  readonly codec?: CacheCodec<unknown>;
  /**
   * 'fail-open' (default): a Redis error or timeout is counted and logged and the loader answers.
   * 'fail-closed': it becomes CACHE_UNAVAILABLE.
   */
  readonly onRedisError?: RedisFailureMode;
  /** Upper bound on every Redis command, whatever the client's own settings. Default 250 ms. */
  readonly operationTimeoutMs?: number;
  readonly metrics?: CacheMetrics;
  readonly logger?: CacheLogger;
}

export interface ApiCachePolicy<T> {
  /**
   * 0: always call the loader and store the fresh value (never served from Redis, no expiry).
   * N > 0: serve from Redis for N seconds after the value was stored, then load again.
   */
  readonly ttlSeconds: number;
  readonly codec?: CacheCodec<T>;
}

/** Cache-aside for one API, under `<namespace>:<api>:`. */
export interface ApiCache<T> {
  readonly name: string;
  readonly ttlSeconds: number;
  /**
   * The value for `key`: from Redis when the policy allows and the entry decodes, otherwise from
   * `loader` (then stored). Concurrent calls for one key in this process share one load, with
   * the first caller's loader. Loader errors propagate and nothing is stored.
   */
  get(key: string, loader: () => Promise<T>): Promise<T>;
  /** Deletes the entry, and keeps a load already in flight from writing its (older) value back. */
  invalidate(key: string): Promise<void>;
}

export interface Cache {
  readonly namespace: string;
  api<T>(name: string, policy: ApiCachePolicy<T>): ApiCache<T>;
  /** Closes the Redis client if the cache created it from a URL; a passed-in client is left open. */
  close(): Promise<void>;
}
