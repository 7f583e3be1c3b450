import type { DatabaseCredentialsSource } from '@meridian/shared-secrets';
import type { PoolClient } from 'pg';
import type { ZodType } from 'zod';

/** Rows of one statement. bigint/numeric columns arrive as strings (pg's default): never floats. */
export interface QueryResult<T> {
  readonly rows: T[];
  /** Rows returned or affected (UPDATE/DELETE/INSERT count). */
  readonly rowCount: number;
}

export interface QueryOptions<T> {
  /** Parses every row; a mismatch throws DB_ROW_INVALID instead of handing back a lie. */
  readonly rowSchema?: ZodType<T>;
}

/** Anything that runs SQL: the pool, a transaction, a dedicated connection. */
export interface Queryable {
  /**
   * Runs one parameterised statement (`$1`, `$2`, ...). Without `rowSchema` the row type is the
   * caller's assertion; with it, every row is validated and typed by the schema.
   * Errors are MeridianErrors (DB_UNIQUE_VIOLATION, DB_UNAVAILABLE, DB_STATEMENT_TIMEOUT, ...).
   */
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions<T>,
  ): Promise<QueryResult<T>>;
}

/** A connection held for the duration of a callback (advisory locks, LISTEN, COPY). */
export interface Connection extends Queryable {
  /** The underlying pg client, for streaming APIs such as pg-copy-streams. Never release it yourself. */
  readonly client: PoolClient;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default 'read committed'. */
  readonly isolation?: IsolationLevel;
  /**
   * How many times to re-run the whole callback after a serialization failure or deadlock
   * (SQLSTATE 40001/40P01). Default 3; 0 disables. The callback must therefore be safe to
   * re-run: keep side effects other than SQL outside it.
   */
  readonly retries?: number;
  readonly readOnly?: boolean;
}

/** pino-compatible subset, so the observability lib's logger plugs in without an import here. */
export interface PersistenceLogger {
  info(context: Record<string, unknown>, message: string): void;
  warn(context: Record<string, unknown>, message: string): void;
}

/** The facade data-access libs use; created by `createPgPool`. */
export interface Database extends Queryable {
  /**
   * Runs `fn` in a transaction on one connection: COMMIT when it resolves, ROLLBACK when it
   * throws (its error is rethrown unchanged). Serialization failures are retried with backoff.
   */
  withTransaction<R>(fn: (tx: Queryable) => Promise<R>, options?: TransactionOptions): Promise<R>;
  /** Lends one connection for session-scoped work; on error the connection is discarded, not reused. */
  withConnection<R>(fn: (connection: Connection) => Promise<R>): Promise<R>;
  /** `SELECT 1` within `timeoutMs` (default 2000); throws DB_UNAVAILABLE (or DB_AUTH_FAILED) otherwise. */
  healthCheck(timeoutMs?: number): Promise<void>;
  /**
   * Resolves once every pool retired by a credential rotation has finished its in-flight queries
   * and closed its connections, i.e. the old credentials are no longer in use and may be revoked.
   */
  whenDrained(): Promise<void>;
  /** Refuses new work (DB_POOL_CLOSED), waits for in-flight queries, then closes every connection. */
  close(): Promise<void>;
}

export interface PgPoolOptions {
  /** `postgres://user:pass@host:port/db`; otherwise host/port/database/user/password (or PG* env). */
  readonly connectionString?: string;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly user?: string;
  readonly password?: string;
  /**
   * Dynamic credentials (e.g. Vault). Overrides user/password; on rotation new queries go to a
   * fresh pool and the old one is drained, without failing any query. The pool does not close it.
   */
  readonly credentials?: DatabaseCredentialsSource;
  /** Connections per pool. Default 10. */
  readonly maxConnections?: number;
  /** Server-side statement_timeout in ms; 0 disables. Default 30000. */
  readonly statementTimeoutMs?: number;
  /** Shown in pg_stat_activity. Default 'meridian'. */
  readonly applicationName?: string;
  /** Idle connections are closed after this many ms. Default 10000. */
  readonly idleTimeoutMs?: number;
  /** How long to wait for a connection (new or from the pool). Default 5000. */
  readonly connectionTimeoutMs?: number;
  /** Schemas for unqualified names, e.g. ['orders', 'public']. */
  readonly searchPath?: readonly string[];
  readonly logger?: PersistenceLogger;
}
