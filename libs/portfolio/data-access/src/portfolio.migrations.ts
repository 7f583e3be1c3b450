import { join } from 'node:path';
import { type Database, type MigrationReport, runMigrations } from '@meridian/shared-persistence';

/** The SQL migrations of the portfolio tables (`NNNN_description.sql`). */
export const PORTFOLIO_MIGRATIONS_DIR = join(__dirname, '..', 'migrations');
/** The table recording which of them are applied (its own, beside the gateway's). */
export const PORTFOLIO_MIGRATIONS_TABLE = 'portfolio_migrations';

/** Applies the portfolio migrations in `schema` (default `public`); safe to run concurrently. */
export function migratePortfolioSchema(db: Database, schema?: string): Promise<MigrationReport> {
  return runMigrations(db, {
    dir: PORTFOLIO_MIGRATIONS_DIR,
    schemaTable: PORTFOLIO_MIGRATIONS_TABLE,
    ...(schema === undefined ? {} : { schema }),
  });
}
