export * from './database.types';
export * from './persistence.error';
export {
  mapPgError,
  sqlStateOf,
  RETRYABLE_SQLSTATES,
  type PgErrorContext,
} from './pg-error.mapper';
export { createPgPool } from './pg-pool';
export {
  runMigrations,
  type AppliedMigration,
  type MigrationOptions,
  type MigrationReport,
} from './migration-runner';
export {
  loadMigrationFiles,
  migrationChecksum,
  NO_TRANSACTION_MARKER,
  type MigrationFile,
} from './migration-files';
