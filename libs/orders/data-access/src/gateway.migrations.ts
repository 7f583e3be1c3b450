import { join } from 'node:path';
import { type Database, type MigrationReport, runMigrations } from '@meridian/shared-persistence';

/** The SQL migrations of the order gateway tables (`NNNN_description.sql`). */
export const GATEWAY_MIGRATIONS_DIR = join(__dirname, '..', 'migrations');
/** The table recording which of them are applied. */
export const GATEWAY_MIGRATIONS_TABLE = 'orders_gateway_migrations';

/** Applies the gateway migrations in `schema` (default `public`); safe to run concurrently. */
export function migrateGatewaySchema(db: Database, schema?: string): Promise<MigrationReport> {
  return runMigrations(db, {
    dir: GATEWAY_MIGRATIONS_DIR,
    schemaTable: GATEWAY_MIGRATIONS_TABLE,
    ...(schema === undefined ? {} : { schema }),
  });
}
