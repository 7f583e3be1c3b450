import { join } from 'node:path';
import { type Database, type MigrationReport, runMigrations } from '@meridian/shared-persistence';

/** The SQL migrations of the market-data tables (`NNNN_description.sql`). */
export const MARKETDATA_MIGRATIONS_DIR = join(__dirname, '..', 'migrations');
/** The table recording which of them are applied. */
export const MARKETDATA_MIGRATIONS_TABLE = 'marketdata_migrations';

/**
 * Applies the market-data migrations in `schema` (default `public`); safe to run concurrently.
 * The first one detects TimescaleDB and builds either storage path (see storage-mode.ts).
 */
export function migrateMarketDataSchema(db: Database, schema?: string): Promise<MigrationReport> {
  return runMigrations(db, {
    dir: MARKETDATA_MIGRATIONS_DIR,
    schemaTable: MARKETDATA_MIGRATIONS_TABLE,
    ...(schema === undefined ? {} : { schema }),
  });
}
