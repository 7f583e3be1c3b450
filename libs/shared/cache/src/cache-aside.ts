import { Redis } from 'ioredis';
import { jsonCodec, type CacheCodec } from './cache.codec';
import { CacheOptionsError, CacheUnavailableError } from './cache.error';
import type {
  ApiCache,
  ApiCachePolicy,
  Cache,
  CacheLogger,
  CacheMetrics,
  CacheMissReason,
  CacheOperation,
  CacheOptions,
  RedisFailureMode,
} from './cache.types';

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const DEFAULT_OPERATION_TIMEOUT_MS = 250;

const NO_METRICS: CacheMetrics = {
  hit: () => undefined,
  miss: () => undefined,
  error: () => undefined,
};
const NO_LOGGER: CacheLogger = { warn: () => undefined };

/** A load in progress; `invalidated` stops it from writing back a value older than the delete. */
interface Flight {
  promise: Promise<unknown>;
  invalidated: boolean;
}

function assertName(kind: string, value: string): void {
  if (!NAME.test(value)) {
    throw new CacheOptionsError(
      `${kind} "${value}" must be letters, digits, '.', '_' or '-' (no ':')`,
      {
        [kind]: value,
      },
    );
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Shared by every API of one cache: the client, the failure policy and the in-flight loads. */
class CacheCore {
  readonly flights = new Map<string, Flight>();
  readonly ttlByApi = new Map<string, number>();

  constructor(
    readonly client: Redis,
    readonly ownsClient: boolean,
    readonly namespace: string,
    readonly codec: CacheCodec<unknown>,
    readonly failureMode: RedisFailureMode,
    readonly timeoutMs: number,
    readonly metrics: CacheMetrics,
    readonly logger: CacheLogger,
  ) {}

  /** Runs one Redis command, bounded by `timeoutMs` even if the client would queue it forever. */
  async command<R>(run: () => Promise<R>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const pending = run();
    // If the timeout wins, the late rejection must not become an unhandled one.
    pending.catch(() => undefined);
    try {
      return await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new CacheUnavailableError(`Redis gave no reply within ${this.timeoutMs} ms`, {
                  reason: 'timeout',
                }),
              ),
            this.timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Counts and logs a Redis failure; throws CACHE_UNAVAILABLE only when failing closed. */
  redisFailed(api: string, operation: CacheOperation, key: string, error: unknown): void {
    this.metrics.error(api, operation);
    this.logger.warn({ api, operation, key, error: errorMessage(error) }, 'redis command failed');
    if (this.failureMode === 'fail-closed') {
      throw new CacheUnavailableError(
        `Redis ${operation} failed for cache API ${api}: ${errorMessage(error)}`,
        { api, operation },
        error,
      );
    }
  }
}

class RedisApiCache<T> implements ApiCache<T> {
  private readonly codec: CacheCodec<T>;

  constructor(
    private readonly core: CacheCore,
    readonly name: string,
    readonly ttlSeconds: number,
    codec: CacheCodec<T> | undefined,
  ) {
    this.codec = codec ?? (core.codec as CacheCodec<T>);
  }

  get(key: string, loader: () => Promise<T>): Promise<T> {
    if (key === '') return Promise.reject(this.emptyKey());
    const redisKey = this.redisKey(key);
    const existing = this.core.flights.get(redisKey);
    if (existing !== undefined) return existing.promise as Promise<T>;

    const flight: Flight = { promise: Promise.resolve(), invalidated: false };
    const promise = this.fetch(redisKey, loader, flight).finally(() => {
      if (this.core.flights.get(redisKey) === flight) this.core.flights.delete(redisKey);
    });
    flight.promise = promise;
    this.core.flights.set(redisKey, flight);
    return promise;
  }

  async invalidate(key: string): Promise<void> {
    const redisKey = this.redisKey(key);
    const flight = this.core.flights.get(redisKey);
    if (flight !== undefined) {
      flight.invalidated = true;
      this.core.flights.delete(redisKey);
    }
    try {
      await this.core.command(() => this.core.client.del(redisKey));
    } catch (error) {
      this.core.redisFailed(this.name, 'del', redisKey, error);
    }
  }

  private redisKey(key: string): string {
    if (key === '') throw this.emptyKey();
    return `${this.core.namespace}:${this.name}:${key}`;
  }

  private emptyKey(): CacheOptionsError {
    return new CacheOptionsError(`cache API ${this.name} was given an empty key`, {
      api: this.name,
    });
  }

  private async fetch(redisKey: string, loader: () => Promise<T>, flight: Flight): Promise<T> {
    let redisUp = true;
    if (this.ttlSeconds > 0) {
      let raw: string | null = null;
      try {
        raw = await this.core.command(() => this.core.client.get(redisKey));
      } catch (error) {
        this.core.redisFailed(this.name, 'get', redisKey, error);
        redisUp = false;
      }
      let reason: CacheMissReason = redisUp ? 'absent' : 'unavailable';
      if (raw !== null) {
        try {
          const value = this.codec.decode(raw);
          this.core.metrics.hit(this.name);
          return value;
        } catch (error) {
          reason = 'corrupt';
          this.core.logger.warn(
            { api: this.name, key: redisKey, error: errorMessage(error) },
            'cached value does not decode; reloading and overwriting it',
          );
        }
      }
      this.core.metrics.miss(this.name, reason);
    } else {
      this.core.metrics.miss(this.name, 'bypass');
    }

    const value = await loader();
    // After a failed GET, Redis is most likely down: do not pay a second timeout for the SET.
    if (redisUp && !flight.invalidated) await this.store(redisKey, value);
    return value;
  }

  private async store(redisKey: string, value: T): Promise<void> {
    let encoded: string;
    try {
      encoded = this.codec.encode(value);
    } catch (error) {
      // A value the codec cannot represent is still a valid answer; it just is not cached.
      this.core.metrics.error(this.name, 'encode');
      this.core.logger.warn(
        { api: this.name, key: redisKey, error: errorMessage(error) },
        'value not cacheable',
      );
      return;
    }
    try {
      await this.core.command(() =>
        this.ttlSeconds > 0
          ? this.core.client.set(redisKey, encoded, 'PX', this.ttlSeconds * 1000)
          : this.core.client.set(redisKey, encoded),
      );
    } catch (error) {
      this.core.redisFailed(this.name, 'set', redisKey, error);
    }
  }
}

class RedisCache implements Cache {
  constructor(private readonly core: CacheCore) {}

  get namespace(): string {
    return this.core.namespace;
  }

  api<T>(name: string, policy: ApiCachePolicy<T>): ApiCache<T> {
    assertName('api', name);
    const { ttlSeconds } = policy;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) {
      throw new CacheOptionsError(
        `ttlSeconds of cache API ${name} must be a non-negative integer, got ${ttlSeconds}`,
        {
          api: name,
        },
      );
    }
    const registered = this.core.ttlByApi.get(name);
    if (registered !== undefined && registered !== ttlSeconds) {
      // Two policies for one key space would make each other's entries live by the wrong TTL.
      throw new CacheOptionsError(
        `cache API ${name} is already registered with ttlSeconds ${registered}`,
        { api: name },
      );
    }
    this.core.ttlByApi.set(name, ttlSeconds);
    return new RedisApiCache(this.core, name, ttlSeconds, policy.codec);
  }

  async close(): Promise<void> {
    if (!this.core.ownsClient) return;
    const { client } = this.core;
    if (client.status === 'ready') {
      try {
        await this.core.command(() => client.quit());
        return;
      } catch {
        // Fall through: a client that cannot quit politely is disconnected.
      }
    }
    client.disconnect();
  }
}

function clientFromUrl(url: string, timeoutMs: number, logger: CacheLogger): Redis {
  const client = new Redis(url, {
    // Fail fast while disconnected instead of queueing: the loader answers (fail-open).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
  });
  let reported = false;
  // Without a listener ioredis prints every reconnect failure; log one per outage instead.
  client.on('error', (error: Error) => {
    if (!reported)
      logger.warn(
        { error: error.message },
        'redis connection failed; cache is bypassed until it is back',
      );
    reported = true;
  });
  client.on('ready', () => {
    reported = false;
  });
  return client;
}

/**
 * Cache-aside over Redis with one TTL policy per API (`cache.api(name, { ttlSeconds })`).
 * Never hangs on Redis: every command is bounded by `operationTimeoutMs`, and by default a
 * Redis failure falls back to the loader (fail-open) and is counted.
 */
export function createCache(options: CacheOptions): Cache {
  assertName('namespace', options.namespace);
  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new CacheOptionsError(`operationTimeoutMs must be a positive integer, got ${timeoutMs}`);
  }
  const logger = options.logger ?? NO_LOGGER;
  const owns = typeof options.redis === 'string';
  const client =
    typeof options.redis === 'string'
      ? clientFromUrl(options.redis, timeoutMs, logger)
      : options.redis;
  return new RedisCache(
    new CacheCore(
      client,
      owns,
      options.namespace,
      options.codec ?? jsonCodec<unknown>(),
      options.onRedisError ?? 'fail-open',
      timeoutMs,
      options.metrics ?? NO_METRICS,
      logger,
    ),
  );
}
