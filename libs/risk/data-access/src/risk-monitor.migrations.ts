import { join } from 'node:path';
import { type Database, type MigrationReport, runMigrations } from '@meridian/shared-persistence';

/** The SQL migrations of risk-monitor's tables (`NNNN_description.sql`). */
export const RISK_MONITOR_MIGRATIONS_DIR = join(__dirname, '..', 'migrations');
/** The table recording which of them are applied (its own: the service shares no tables). */
export const RISK_MONITOR_MIGRATIONS_TABLE = 'risk_monitor_migrations';

/** Applies the risk-monitor migrations in `schema` (default `public`); safe to run concurrently. */
export function migrateRiskMonitorSchema(db: Database, schema?: string): Promise<MigrationReport> {
  return runMigrations(db, {
    dir: RISK_MONITOR_MIGRATIONS_DIR,
    schemaTable: RISK_MONITOR_MIGRATIONS_TABLE,
    ...(schema === undefined ? {} : { schema }),
  });
}
