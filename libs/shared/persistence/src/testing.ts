import { testInfrastructure, uniqueName } from '@meridian/shared-testing';
import type { Database, PgPoolOptions } from './database.types';
import { createPgPool } from './pg-pool';

/** The machine's test PostgreSQL (PG* env wins): 127.0.0.1:5432, user postgres, database test. */
export function testPgOptions(env: NodeJS.ProcessEnv = process.env): PgPoolOptions {
  return {
    ...testInfrastructure(env).pg,
    ...(env['PGPASSWORD'] === undefined ? {} : { password: env['PGPASSWORD'] }),
  };
}

export interface TestSchema {
  readonly schema: string;
  /** Pool whose search_path is the test schema first, then public. */
  readonly db: Database;
  /** Drops the schema (CASCADE) and closes the pool. Call in afterAll. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh schema on the test PostgreSQL and a pool that works inside it, so spec files
 * running in parallel (and other engineers' tests) never see each other's tables.
 */
export async function createTestSchema(
  prefix: string,
  options: Partial<PgPoolOptions> = {},
): Promise<TestSchema> {
  const schema = uniqueName(prefix);
  const admin = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.close();
  }
  const db = await createPgPool({ ...testPgOptions(), searchPath: [schema, 'public'], ...options });
  return {
    schema,
    db,
    async drop() {
      await db.close();
      const cleaner = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
      try {
        await cleaner.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await cleaner.close();
      }
    },
  };
}
