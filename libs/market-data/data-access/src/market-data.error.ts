import { errorCode, MeridianError } from '@meridian/shared-errors';

const MARKETDATA_STORAGE_NOT_MIGRATED = errorCode(
  'MARKETDATA_STORAGE_NOT_MIGRATED',
  'StorageNotMigratedError',
);

/** The market-data tables are missing: run the migrations (or set the app's MIGRATE flag). */
export class StorageNotMigratedError extends MeridianError {
  readonly code = MARKETDATA_STORAGE_NOT_MIGRATED;
  readonly category = 'failed-precondition' as const;
  constructor() {
    super('market-data storage is not migrated (marketdata_storage has no row)');
  }
}
