import { isMeridianError } from '@meridian/shared-errors';
import { testInfrastructure, uniqueName } from '@meridian/shared-testing';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { zodJsonCodec } from './cache.codec';
import { createCache } from './cache-aside';
import type { Cache } from './cache.types';
import { RecordingCacheMetrics } from './testing';

const REDIS_URL = testInfrastructure().redisUrl;
const NAMESPACE = uniqueName('cache_spec');

/** A loader that counts its calls and returns `value-<n>`. */
function countingLoader(): { load: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    load: () => {
      calls += 1;
      return Promise.resolve(`value-${calls}`);
    },
    calls: () => calls,
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('createCache (real Redis)', () => {
  let raw: Redis;
  let metrics: RecordingCacheMetrics;
  let cache: Cache;

  beforeAll(async () => {
    raw = new Redis(REDIS_URL);
    await raw.ping();
  });

  beforeEach(() => {
    metrics = new RecordingCacheMetrics();
    cache = createCache({ redis: raw, namespace: NAMESPACE, metrics });
  });

  afterAll(async () => {
    const keys = await raw.keys(`${NAMESPACE}:*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
  });

  describe('ttlSeconds = 0', () => {
    it('calls the loader on every get and stores the latest value in Redis without expiry', async () => {
      const quotes = cache.api<string>('quotes-live', { ttlSeconds: 0 });
      const loader = countingLoader();

      expect(await quotes.get('EURUSD', loader.load)).toBe('value-1');
      expect(await quotes.get('EURUSD', loader.load)).toBe('value-2');
      expect(await quotes.get('EURUSD', loader.load)).toBe('value-3');
      expect(loader.calls()).toBe(3);

      const key = `${NAMESPACE}:quotes-live:EURUSD`;
      expect(await raw.get(key)).toBe('"value-3"');
      expect(await raw.pttl(key)).toBe(-1);
      expect(metrics.missCount('quotes-live', 'bypass')).toBe(3);
      expect(metrics.hitCount('quotes-live')).toBe(0);
    });

    it('never serves what Redis holds, even a fresh entry', async () => {
      const quotes = cache.api<string>('quotes-never', { ttlSeconds: 0 });
      await raw.set(`${NAMESPACE}:quotes-never:EURUSD`, '"from redis"', 'PX', 60_000);
      expect(await quotes.get('EURUSD', () => Promise.resolve('from source'))).toBe('from source');
      expect(await raw.get(`${NAMESPACE}:quotes-never:EURUSD`)).toBe('"from source"');
    });
  });

  describe('ttlSeconds = N', () => {
    it('serves from Redis while younger than N seconds and reloads after expiry', async () => {
      const bars = cache.api<string>('bars-1s', { ttlSeconds: 1 });
      const loader = countingLoader();
      const key = `${NAMESPACE}:bars-1s:EURUSD:1m`;

      expect(await bars.get('EURUSD:1m', loader.load)).toBe('value-1');
      const pttl = await raw.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(1000);

      expect(await bars.get('EURUSD:1m', loader.load)).toBe('value-1');
      expect(loader.calls()).toBe(1);
      expect(metrics.hitCount('bars-1s')).toBe(1);

      // The one real wait in this file: Redis, not a fake clock, owns the expiry.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await raw.exists(key)).toBe(0);
      expect(await bars.get('EURUSD:1m', loader.load)).toBe('value-2');
      expect(loader.calls()).toBe(2);
      expect(await raw.pttl(key)).toBeGreaterThan(0);
      expect(metrics.missCount('bars-1s', 'absent')).toBe(2);
    });

    it('gives each API of one namespace its own TTL and key space', async () => {
      const live = cache.api<string>('px', { ttlSeconds: 0 });
      const bars = cache.api<string>('bars', { ttlSeconds: 60 });
      const reference = cache.api<string>('instruments', { ttlSeconds: 3600 });

      await live.get('BTCUSD', () => Promise.resolve('live'));
      await bars.get('BTCUSD', () => Promise.resolve('bar'));
      await reference.get('BTCUSD', () => Promise.resolve('ref'));

      expect(await raw.pttl(`${NAMESPACE}:px:BTCUSD`)).toBe(-1);
      const barTtl = await raw.pttl(`${NAMESPACE}:bars:BTCUSD`);
      expect(barTtl).toBeGreaterThan(59_000);
      expect(barTtl).toBeLessThanOrEqual(60_000);
      const referenceTtl = await raw.pttl(`${NAMESPACE}:instruments:BTCUSD`);
      expect(referenceTtl).toBeGreaterThan(3_599_000);
      expect(referenceTtl).toBeLessThanOrEqual(3_600_000);

      // Same key, different APIs, different values.
      expect(await bars.get('BTCUSD', () => Promise.resolve('unused'))).toBe('bar');
      expect(await reference.get('BTCUSD', () => Promise.resolve('unused'))).toBe('ref');
    });

    it('round-trips bigint money exactly and keeps decimal strings as strings', async () => {
      const positions = cache.api<{ qtyMinor: bigint; avgPrice: string }>('positions', {
        ttlSeconds: 60,
      });
      const value = { qtyMinor: 9_007_199_254_740_993n, avgPrice: '101.2500' };
      await positions.get('acct-1', () => Promise.resolve(value));
      const cached = await positions.get('acct-1', () =>
        Promise.reject(new Error('should be cached')),
      );
      expect(cached).toEqual(value);
      expect(typeof cached.qtyMinor).toBe('bigint');
      expect(await raw.get(`${NAMESPACE}:positions:acct-1`)).toBe(
        '{"qtyMinor":{"$bigint":"9007199254740993"},"avgPrice":"101.2500"}',
      );
    });
  });

  describe('single-flight', () => {
    it.each([0, 60])(
      'calls the loader once for concurrent gets of one key (ttl %i)',
      async (ttlSeconds) => {
        const api = cache.api<string>(`flight-${ttlSeconds}`, { ttlSeconds });
        const gate = deferred<string>();
        let calls = 0;
        const loader = (): Promise<string> => {
          calls += 1;
          return gate.promise;
        };
        const gets = Array.from({ length: 10 }, () => api.get('k', loader));
        const other = api.get('other-key', () => Promise.resolve('independent'));
        gate.resolve('shared');

        expect(await Promise.all(gets)).toEqual(Array(10).fill('shared'));
        expect(await other).toBe('independent');
        expect(calls).toBe(1);

        // The flight is over: a TTL-0 API loads again, a TTL-N API now hits Redis.
        const after = await api.get('k', () => Promise.resolve('second load'));
        expect(after).toBe(ttlSeconds === 0 ? 'second load' : 'shared');
      },
    );
  });

  describe('bad values and bad loaders', () => {
    it('treats an undecodable entry as a miss, overwrites it and counts it', async () => {
      const api = cache.api<{ bid: string }>('corrupt', { ttlSeconds: 60 });
      const key = `${NAMESPACE}:corrupt:EURUSD`;
      await raw.set(key, '{not json', 'PX', 60_000);

      expect(await api.get('EURUSD', () => Promise.resolve({ bid: '1.0850' }))).toEqual({
        bid: '1.0850',
      });
      expect(await raw.get(key)).toBe('{"bid":"1.0850"}');
      expect(metrics.missCount('corrupt', 'corrupt')).toBe(1);
      expect(await api.get('EURUSD', () => Promise.reject(new Error('should be cached')))).toEqual({
        bid: '1.0850',
      });
    });

    it('treats an entry of the wrong shape as corrupt when the codec validates', async () => {
      const api = cache.api('validated', {
        ttlSeconds: 60,
        codec: zodJsonCodec(z.object({ bid: z.string() })),
      });
      await raw.set(`${NAMESPACE}:validated:EURUSD`, '{"bid":1.085}', 'PX', 60_000);
      expect(await api.get('EURUSD', () => Promise.resolve({ bid: '1.0850' }))).toEqual({
        bid: '1.0850',
      });
      expect(metrics.missCount('validated', 'corrupt')).toBe(1);
    });

    it('propagates a loader error, caches nothing, and loads again next time', async () => {
      const api = cache.api<string>('failing', { ttlSeconds: 60 });
      const failure = new Error('upstream down');
      await expect(api.get('k', () => Promise.reject(failure))).rejects.toBe(failure);
      expect(await raw.exists(`${NAMESPACE}:failing:k`)).toBe(0);
      expect(await api.get('k', () => Promise.resolve('recovered'))).toBe('recovered');
    });

    it('returns a value the codec cannot encode without caching it', async () => {
      const api = cache.api<undefined>('unencodable', { ttlSeconds: 60 });
      expect(await api.get('k', () => Promise.resolve(undefined))).toBeUndefined();
      expect(await raw.exists(`${NAMESPACE}:unencodable:k`)).toBe(0);
      expect(metrics.errors).toEqual([{ api: 'unencodable', operation: 'encode' }]);
    });
  });

  describe('invalidate', () => {
    it('deletes the entry so the next get loads', async () => {
      const api = cache.api<string>('inv', { ttlSeconds: 60 });
      await api.get('k', () => Promise.resolve('old'));
      await api.invalidate('k');
      expect(await raw.exists(`${NAMESPACE}:inv:k`)).toBe(0);
      expect(await api.get('k', () => Promise.resolve('new'))).toBe('new');
    });

    it('keeps a load that started before the invalidation from writing its value back', async () => {
      const api = cache.api<string>('inv-race', { ttlSeconds: 60 });
      const gate = deferred<string>();
      const inFlight = api.get('k', () => gate.promise);
      await api.invalidate('k');
      gate.resolve('stale');
      expect(await inFlight).toBe('stale');
      expect(await raw.exists(`${NAMESPACE}:inv-race:k`)).toBe(0);
    });
  });

  describe('options', () => {
    it('refuses bad namespaces, API names, TTLs, keys and a second TTL for one API', async () => {
      const codes = [
        () => createCache({ redis: raw, namespace: 'a:b' }),
        () => cache.api('bad name', { ttlSeconds: 1 }),
        () => cache.api('neg', { ttlSeconds: -1 }),
        () => cache.api('frac', { ttlSeconds: 1.5 }),
        () => {
          cache.api('twice', { ttlSeconds: 1 });
          cache.api('twice', { ttlSeconds: 2 });
        },
      ].map((build) => {
        try {
          build();
          return 'no error';
        } catch (error) {
          return isMeridianError(error) ? error.code : String(error);
        }
      });
      expect(codes).toEqual(Array(5).fill('CACHE_OPTIONS_INVALID'));
      await expect(
        cache.api<string>('empty-key', { ttlSeconds: 1 }).get('', () => Promise.resolve('x')),
      ).rejects.toMatchObject({
        code: 'CACHE_OPTIONS_INVALID',
      });
    });
  });
});

describe('createCache with Redis down', () => {
  it('fails open: the loader answers, the error is counted, and nothing hangs', async () => {
    const metrics = new RecordingCacheMetrics();
    const cache = createCache({
      redis: 'redis://127.0.0.1:1',
      namespace: NAMESPACE,
      metrics,
      operationTimeoutMs: 200,
    });
    try {
      const api = cache.api<string>('down', { ttlSeconds: 60 });
      const started = Date.now();
      expect(await api.get('k', () => Promise.resolve('from source'))).toBe('from source');
      expect(await api.get('k', () => Promise.resolve('from source again'))).toBe(
        'from source again',
      );
      // Hang protection, not a performance claim: two gets well under one reconnect cycle.
      expect(Date.now() - started).toBeLessThan(2000);
      expect(metrics.errors).toEqual([
        { api: 'down', operation: 'get' },
        { api: 'down', operation: 'get' },
      ]);
      expect(metrics.missCount('down', 'unavailable')).toBe(2);
      await api.invalidate('k');
      expect(metrics.errors.at(-1)).toEqual({ api: 'down', operation: 'del' });
    } finally {
      await cache.close();
    }
  });

  it('bounds a caller-supplied client that would queue commands forever', async () => {
    const queueing = new Redis({
      host: '127.0.0.1',
      port: 1,
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    queueing.on('error', () => undefined);
    const cache = createCache({ redis: queueing, namespace: NAMESPACE, operationTimeoutMs: 100 });
    try {
      const api = cache.api<string>('queued', { ttlSeconds: 0 });
      expect(await api.get('k', () => Promise.resolve('from source'))).toBe('from source');
      const live = cache.api<string>('queued-ttl', { ttlSeconds: 60 });
      expect(await live.get('k', () => Promise.resolve('from source'))).toBe('from source');
    } finally {
      await cache.close();
      queueing.disconnect();
    }
  });

  it('fails closed with CACHE_UNAVAILABLE when configured to', async () => {
    const cache = createCache({
      redis: 'redis://127.0.0.1:1',
      namespace: NAMESPACE,
      onRedisError: 'fail-closed',
      operationTimeoutMs: 200,
    });
    try {
      let loaded = false;
      const api = cache.api<string>('closed', { ttlSeconds: 60 });
      await expect(
        api.get('k', () => {
          loaded = true;
          return Promise.resolve('x');
        }),
      ).rejects.toMatchObject({ code: 'CACHE_UNAVAILABLE', category: 'unavailable' });
      expect(loaded).toBe(false);
    } finally {
      await cache.close();
    }
  });
});
