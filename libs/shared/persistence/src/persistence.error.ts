import { errorCode, MeridianError } from '@meridian/shared-errors';

const DB_UNAVAILABLE = errorCode('DB_UNAVAILABLE', 'DatabaseUnavailableError');
const DB_AUTH_FAILED = errorCode('DB_AUTH_FAILED', 'DatabaseAuthError');
const DB_POOL_CLOSED = errorCode('DB_POOL_CLOSED', 'DatabaseClosedError');
const DB_UNIQUE_VIOLATION = errorCode('DB_UNIQUE_VIOLATION', 'UniqueViolationError');
const DB_FOREIGN_KEY_VIOLATION = errorCode('DB_FOREIGN_KEY_VIOLATION', 'ForeignKeyViolationError');
const DB_CHECK_VIOLATION = errorCode('DB_CHECK_VIOLATION', 'CheckViolationError');
const DB_SERIALIZATION_FAILURE = errorCode('DB_SERIALIZATION_FAILURE', 'SerializationFailureError');
const DB_STATEMENT_TIMEOUT = errorCode('DB_STATEMENT_TIMEOUT', 'StatementTimeoutError');
const DB_QUERY_FAILED = errorCode('DB_QUERY_FAILED', 'QueryFailedError');
const DB_ROW_INVALID = errorCode('DB_ROW_INVALID', 'RowInvalidError');
const DB_TRANSACTION_FINISHED = errorCode('DB_TRANSACTION_FINISHED', 'TransactionFinishedError');
const DB_OPTIONS_INVALID = errorCode('DB_OPTIONS_INVALID', 'DatabaseOptionsError');
const MIGRATION_INVALID = errorCode('MIGRATION_INVALID', 'MigrationInvalidError');
const MIGRATION_CHECKSUM_MISMATCH = errorCode(
  'MIGRATION_CHECKSUM_MISMATCH',
  'MigrationChecksumError',
);
const MIGRATION_FAILED = errorCode('MIGRATION_FAILED', 'MigrationFailedError');

/** Shell command that starts the machine's PostgreSQL cluster (dev machines and CI runners). */
export const START_POSTGRES_HINT =
  'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/** PostgreSQL cannot be reached (refused, timed out, shutting down, too many connections). */
export class DatabaseUnavailableError extends MeridianError {
  readonly code = DB_UNAVAILABLE;
  readonly category = 'unavailable' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** The server rejected the credentials (28P01/28000), e.g. an expired dynamic role. */
export class DatabaseAuthError extends MeridianError {
  readonly code = DB_AUTH_FAILED;
  readonly category = 'unavailable' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** A query was issued after `close()`. */
export class DatabaseClosedError extends MeridianError {
  readonly code = DB_POOL_CLOSED;
  readonly category = 'unavailable' as const;
  constructor() {
    super('the database pool is closed');
  }
}

/** 23505: a row with the same unique key exists. `metadata.constraint` names the constraint. */
export class UniqueViolationError extends MeridianError {
  readonly code = DB_UNIQUE_VIOLATION;
  readonly category = 'already-exists' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** 23503: the referenced row does not exist (or is still referenced). */
export class ForeignKeyViolationError extends MeridianError {
  readonly code = DB_FOREIGN_KEY_VIOLATION;
  readonly category = 'failed-precondition' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** 23514/23502: a CHECK or NOT NULL constraint refused the row. */
export class CheckViolationError extends MeridianError {
  readonly code = DB_CHECK_VIOLATION;
  readonly category = 'invalid-argument' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** 40001/40P01 that outlived the transaction's retries. Safe for the caller to retry. */
export class SerializationFailureError extends MeridianError {
  readonly code = DB_SERIALIZATION_FAILURE;
  readonly category = 'aborted' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** 57014: the statement ran longer than statement_timeout (or was cancelled). */
export class StatementTimeoutError extends MeridianError {
  readonly code = DB_STATEMENT_TIMEOUT;
  readonly category = 'deadline-exceeded' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** Any other server error; `metadata.sqlstate` carries the SQLSTATE. */
export class QueryFailedError extends MeridianError {
  readonly code = DB_QUERY_FAILED;
  readonly category = 'internal' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** A row did not match the zod schema the caller expects: the SQL and the code disagree. */
export class RowInvalidError extends MeridianError {
  readonly code = DB_ROW_INVALID;
  readonly category = 'internal' as const;
  constructor(message: string, metadata: Record<string, string>, cause?: unknown) {
    super(message, { metadata, cause });
  }
}

/** A transaction handle was used after its callback settled (a leaked `tx`). */
export class TransactionFinishedError extends MeridianError {
  readonly code = DB_TRANSACTION_FINISHED;
  readonly category = 'internal' as const;
  constructor() {
    super(
      'the transaction has already committed or rolled back; use the handle only inside its callback',
    );
  }
}

/** `createPgPool`/`runMigrations` options that cannot work. */
export class DatabaseOptionsError extends MeridianError {
  readonly code = DB_OPTIONS_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(message: string, metadata: Record<string, string> = {}) {
    super(message, { metadata });
  }
}

/** The migration directory is malformed (bad name, gap, duplicate number, applied file missing). */
export class MigrationInvalidError extends MeridianError {
  readonly code = MIGRATION_INVALID;
  readonly category = 'failed-precondition' as const;
  constructor(message: string, metadata: Record<string, string>) {
    super(message, { metadata });
  }
}

/** A migration that was already applied has been edited since. Migrations are forward-only. */
export class MigrationChecksumError extends MeridianError {
  readonly code = MIGRATION_CHECKSUM_MISMATCH;
  readonly category = 'failed-precondition' as const;
  constructor(message: string, metadata: Record<string, string>) {
    super(message, { metadata });
  }
}

/** A migration's SQL failed; the ones before it stay applied. */
export class MigrationFailedError extends MeridianError {
  readonly code = MIGRATION_FAILED;
  readonly category = 'internal' as const;
  constructor(message: string, metadata: Record<string, string>, cause: unknown) {
    super(message, { metadata, cause });
  }
}
