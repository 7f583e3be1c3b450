import { isMeridianError, type MeridianError } from '@meridian/shared-errors';
import { DatabaseError } from 'pg';
import {
  CheckViolationError,
  DatabaseAuthError,
  DatabaseUnavailableError,
  ForeignKeyViolationError,
  QueryFailedError,
  SerializationFailureError,
  START_POSTGRES_HINT,
  StatementTimeoutError,
  UniqueViolationError,
} from './persistence.error';

/** Where the failing pool points; only used to make "unreachable" messages actionable. */
export interface PgErrorContext {
  readonly host?: string;
  readonly port?: number;
}

/** SQLSTATEs a retry may cure: serialization_failure and deadlock_detected. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

// Errors pg and pg-pool raise as plain Errors (no code) when the socket or the pool gives up.
const CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'connection timeout',
  'is not queryable',
  'Client was closed and is not queryable',
];

// 08xxx connection_exception, 57P01-03 shutdown / starting up, 53300 too_many_connections,
// 3D000 database does not exist: all mean "this pool cannot serve anyone right now".
function isUnavailableSqlState(sqlstate: string): boolean {
  return (
    sqlstate.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '3D000'].includes(sqlstate)
  );
}

function stringProp(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prop: unknown = (value as Record<string, unknown>)[key];
  return typeof prop === 'string' ? prop : undefined;
}

/** The network error code (ECONNREFUSED, ...), looking inside AggregateError (happy eyeballs). */
function networkCode(error: unknown): string | undefined {
  const code = stringProp(error, 'code');
  if (code !== undefined && NETWORK_ERROR_CODES.has(code)) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const innerCode = networkCode(inner);
      if (innerCode !== undefined) return innerCode;
    }
  }
  return undefined;
}

/** SQLSTATE of a server error, or undefined for client-side failures. */
export function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof DatabaseError) return error.code;
  if (isMeridianError(error)) return error.metadata['sqlstate'];
  return undefined;
}

function unavailable(
  reason: string,
  context: PgErrorContext,
  cause: unknown,
  extra: Record<string, string> = {},
): DatabaseUnavailableError {
  const where = `${context.host ?? 'localhost'}:${context.port ?? 5432}`;
  return new DatabaseUnavailableError(
    `PostgreSQL at ${where} is unavailable (${reason}). If it is not running on this machine, start it with: ${START_POSTGRES_HINT}`,
    { ...extra, reason, address: where },
    cause,
  );
}

/**
 * Turns whatever pg threw into a MeridianError with a precise code. The server's detail (which
 * may quote row values) stays in `cause` for the log and never reaches the message.
 */
export function mapPgError(error: unknown, context: PgErrorContext = {}): MeridianError {
  if (isMeridianError(error)) return error;

  const netCode = networkCode(error);
  if (netCode !== undefined) return unavailable(netCode, context, error);

  if (error instanceof DatabaseError && error.code !== undefined) {
    const sqlstate = error.code;
    const base: Record<string, string> = { sqlstate };
    if (error.table !== undefined) base['table'] = error.table;
    if (error.constraint !== undefined) base['constraint'] = error.constraint;

    switch (sqlstate) {
      case '23505':
        return new UniqueViolationError(
          `unique constraint "${error.constraint ?? '?'}" violated${error.table === undefined ? '' : ` on ${error.table}`}`,
          base,
          error,
        );
      case '23503':
        return new ForeignKeyViolationError(
          `foreign key constraint "${error.constraint ?? '?'}" violated${error.table === undefined ? '' : ` on ${error.table}`}`,
          base,
          error,
        );
      case '23514':
      case '23502':
        if (error.column !== undefined) base['column'] = error.column;
        return new CheckViolationError(error.message, base, error);
      case '40001':
      case '40P01':
        return new SerializationFailureError(error.message, base, error);
      case '57014':
        return new StatementTimeoutError(error.message, base, error);
      case '28P01':
      case '28000':
        return new DatabaseAuthError(
          `PostgreSQL rejected the credentials: ${error.message}`,
          base,
          error,
        );
      default:
        if (isUnavailableSqlState(sqlstate))
          return unavailable(`${sqlstate} ${error.message}`, context, error, base);
        return new QueryFailedError(error.message, base, error);
    }
  }

  const message = error instanceof Error ? error.message : String(error);
  if (message === 'Query read timeout') {
    return new StatementTimeoutError('query timed out on the client', {}, error);
  }
  if (CONNECTION_MESSAGES.some((fragment) => message.includes(fragment))) {
    return unavailable(message, context, error);
  }
  return new QueryFailedError(message, {}, error);
}
