import { randomBytes } from 'node:crypto';
import { createTestSchema, type TestSchema } from '@meridian/shared-persistence/testing';
import { Redis } from 'ioredis';
import { migrateGatewaySchema } from './gateway.migrations';

/** A migrated gateway schema of its own plus a Redis connection and a unique key prefix. */
export interface GatewayTestStores {
  readonly pg: TestSchema;
  readonly redis: Redis;
  readonly redisPrefix: string;
  /** Drops the schema, deletes the prefix's keys, closes both. */
  cleanup(): Promise<void>;
}

export async function createGatewayTestStores(name: string): Promise<GatewayTestStores> {
  const pg = await createTestSchema(name);
  await migrateGatewaySchema(pg.db, pg.schema);
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', {
    lazyConnect: false,
  });
  const redisPrefix = `test:${name}:${randomBytes(4).toString('hex')}:`;
  return {
    pg,
    redis,
    redisPrefix,
    async cleanup() {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await pg.drop();
    },
  };
}
