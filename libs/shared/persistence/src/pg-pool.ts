import type { DatabaseCredentials } from '@meridian/shared-secrets';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type {
  Connection,
  Database,
  IsolationLevel,
  PersistenceLogger,
  PgPoolOptions,
  QueryOptions,
  QueryResult,
  Queryable,
  TransactionOptions,
} from './database.types';
import {
  mapPgError,
  type PgErrorContext,
  RETRYABLE_SQLSTATES,
  sqlStateOf,
} from './pg-error.mapper';
import {
  DatabaseClosedError,
  DatabaseOptionsError,
  DatabaseUnavailableError,
  RowInvalidError,
  SerializationFailureError,
  TransactionFinishedError,
} from './persistence.error';

const DEFAULTS = {
  maxConnections: 10,
  statementTimeoutMs: 30_000,
  applicationName: 'meridian',
  idleTimeoutMs: 10_000,
  connectionTimeoutMs: 5_000,
  transactionRetries: 3,
  healthCheckTimeoutMs: 2_000,
} as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

const BEGIN_SQL: Readonly<Record<IsolationLevel, string>> = {
  'read committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
};

const SILENT_LOGGER: PersistenceLogger = { info: () => undefined, warn: () => undefined };

function assertNonNegativeInt(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new DatabaseOptionsError(`${name} must be a non-negative integer, got ${value}`, {
      option: name,
    });
  }
}

function validateOptions(options: PgPoolOptions): void {
  assertNonNegativeInt('maxConnections', options.maxConnections);
  assertNonNegativeInt('statementTimeoutMs', options.statementTimeoutMs);
  assertNonNegativeInt('idleTimeoutMs', options.idleTimeoutMs);
  assertNonNegativeInt('connectionTimeoutMs', options.connectionTimeoutMs);
  if (options.maxConnections === 0) {
    throw new DatabaseOptionsError('maxConnections must be at least 1', {
      option: 'maxConnections',
    });
  }
  if (
    options.credentials !== undefined &&
    (options.user !== undefined || options.password !== undefined)
  ) {
    throw new DatabaseOptionsError('give either user/password or a credentials source, not both', {
      option: 'credentials',
    });
  }
  for (const schema of options.searchPath ?? []) {
    // Goes into the startup `options` string unquoted, so only plain identifiers are allowed.
    if (!IDENTIFIER.test(schema)) {
      throw new DatabaseOptionsError(
        `searchPath entry "${schema}" is not a lower-case SQL identifier`,
        {
          option: 'searchPath',
        },
      );
    }
  }
  if (options.connectionString !== undefined) {
    try {
      new URL(options.connectionString);
    } catch {
      throw new DatabaseOptionsError('connectionString is not a valid postgres:// URL', {
        option: 'connectionString',
      });
    }
  }
}

function errorContext(options: PgPoolOptions): PgErrorContext {
  if (options.connectionString !== undefined) {
    const url = new URL(options.connectionString);
    return { host: url.hostname || 'localhost', port: url.port === '' ? 5432 : Number(url.port) };
  }
  return {
    host: options.host ?? process.env['PGHOST'] ?? 'localhost',
    port:
      options.port ?? (process.env['PGPORT'] === undefined ? 5432 : Number(process.env['PGPORT'])),
  };
}

function poolConfig(
  options: PgPoolOptions,
  credentials: DatabaseCredentials | undefined,
): PoolConfig {
  const statementTimeout = options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs;
  const config: PoolConfig = {
    max: options.maxConnections ?? DEFAULTS.maxConnections,
    idleTimeoutMillis: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULTS.connectionTimeoutMs,
    application_name: options.applicationName ?? DEFAULTS.applicationName,
    statement_timeout: statementTimeout === 0 ? false : statementTimeout,
  };
  if (options.searchPath !== undefined && options.searchPath.length > 0) {
    config.options = `-c search_path=${options.searchPath.join(',')}`;
  }
  if (options.connectionString !== undefined) {
    // pg lets the URL win over user/password fields, so rotated credentials go into the URL.
    const url = new URL(options.connectionString);
    if (credentials !== undefined) {
      url.username = credentials.username;
      url.password = credentials.password;
    }
    config.connectionString = url.toString();
  } else {
    config.host = options.host;
    config.port = options.port;
    config.database = options.database;
    config.user = credentials?.username ?? options.user;
    config.password = credentials?.password ?? options.password;
  }
  return config;
}

/** Normalises pg's result (an array of results for multi-statement simple queries). */
function lastResult(result: unknown): { rows: Record<string, unknown>[]; rowCount: number } {
  const single: unknown = Array.isArray(result) ? (result as unknown[]).at(-1) : result;
  if (typeof single !== 'object' || single === null) return { rows: [], rowCount: 0 };
  const { rows, rowCount } = single as { rows?: unknown; rowCount?: unknown };
  return {
    rows: Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [],
    rowCount: typeof rowCount === 'number' ? rowCount : 0,
  };
}

function parseRows<T>(rows: Record<string, unknown>[], options: QueryOptions<T> | undefined): T[] {
  const schema = options?.rowSchema;
  if (schema === undefined) return rows as unknown as T[];
  return rows.map((row, index) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`,
      );
      throw new RowInvalidError(
        `row ${index} does not match the expected shape: ${issues.join('; ')}`,
        {
          row: String(index),
          issues: issues.join('; '),
        },
      );
    }
    return parsed.data;
  });
}

async function runQuery<T>(
  target: Pool | PoolClient,
  sql: string,
  params: readonly unknown[] | undefined,
  options: QueryOptions<T> | undefined,
  context: PgErrorContext,
): Promise<QueryResult<T>> {
  let raw: unknown;
  try {
    raw = params === undefined ? await target.query(sql) : await target.query(sql, [...params]);
  } catch (error) {
    throw mapPgError(error, context);
  }
  const { rows, rowCount } = lastResult(raw);
  return { rows: parseRows(rows, options), rowCount };
}

/** One pg.Pool and the number of operations currently using it. */
class PoolGeneration {
  private inFlight = 0;
  private onIdle: (() => void) | undefined;
  private ended: Promise<void> | undefined;

  constructor(
    readonly pool: Pool,
    readonly username: string | undefined,
  ) {}

  get busy(): number {
    return this.inFlight;
  }

  acquire(): void {
    this.inFlight += 1;
  }

  release(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.onIdle?.();
  }

  /**
   * Ends the pool once its in-flight operations settle. pg-pool's own end() would strand callers
   * queued for a connection, hence the wait. Idempotent.
   */
  retire(): Promise<void> {
    if (this.ended === undefined) {
      const idle =
        this.inFlight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              this.onIdle = resolve;
            });
      this.ended = idle.then(() => this.pool.end());
    }
    return this.ended;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class PgDatabase implements Database {
  private current: PoolGeneration;
  private readonly draining = new Set<Promise<void>>();
  private readonly context: PgErrorContext;
  private readonly logger: PersistenceLogger;
  private readonly unsubscribe: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: PgPoolOptions,
    initialCredentials: DatabaseCredentials | undefined,
  ) {
    this.context = errorContext(options);
    this.logger = options.logger ?? SILENT_LOGGER;
    this.current = this.newGeneration(initialCredentials);
    this.unsubscribe = options.credentials?.onRotate((next) => this.rotate(next));
  }

  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions<T>,
  ): Promise<QueryResult<T>> {
    return this.lease((pool) => runQuery(pool, sql, params, options, this.context));
  }

  async withTransaction<R>(
    fn: (tx: Queryable) => Promise<R>,
    options: TransactionOptions = {},
  ): Promise<R> {
    const retries = options.retries ?? DEFAULTS.transactionRetries;
    assertNonNegativeInt('retries', retries);
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.lease((pool) => this.transactionOnce(pool, fn, options));
      } catch (error) {
        const sqlstate = sqlStateOf(error);
        if (sqlstate === undefined || !RETRYABLE_SQLSTATES.has(sqlstate)) throw error;
        if (attempt >= retries) {
          throw new SerializationFailureError(
            `transaction failed with SQLSTATE ${sqlstate} after ${attempt + 1} attempt(s)`,
            { sqlstate, attempts: String(attempt + 1) },
            error,
          );
        }
        // Jittered exponential backoff so the competing transactions stop colliding.
        const backoffMs = Math.random() * 10 * 2 ** attempt;
        this.logger.warn({ sqlstate, attempt: attempt + 1, backoffMs }, 'retrying transaction');
        await sleep(backoffMs);
      }
    }
  }

  withConnection<R>(fn: (connection: Connection) => Promise<R>): Promise<R> {
    return this.lease(async (pool) => {
      const client = await this.connect(pool);
      const connection: Connection = {
        client,
        query: (sql, params, options) => runQuery(client, sql, params, options, this.context),
      };
      let result: R;
      try {
        result = await fn(connection);
      } catch (error) {
        // Session state (open transaction, SET, locks) is unknown: do not hand it to the next user.
        client.release(true);
        throw error;
      }
      client.release();
      return result;
    });
  }

  async healthCheck(timeoutMs: number = DEFAULTS.healthCheckTimeoutMs): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const probe = this.query('SELECT 1 AS ok');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new DatabaseUnavailableError(
            `PostgreSQL health check did not answer within ${timeoutMs} ms`,
            {
              reason: 'timeout',
              address: `${this.context.host ?? 'localhost'}:${this.context.port ?? 5432}`,
            },
          ),
        );
      }, timeoutMs);
    });
    // The probe may settle after the timeout won; its rejection must not go unhandled.
    probe.catch(() => undefined);
    try {
      await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async whenDrained(): Promise<void> {
    await Promise.all([...this.draining]);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe?.();
      this.retire(this.current);
      await this.whenDrained();
    })();
    return this.closing;
  }

  /** Runs `fn` against the current pool and keeps that pool open until `fn` settles. */
  private async lease<R>(fn: (pool: Pool) => Promise<R>): Promise<R> {
    if (this.closing !== undefined) throw new DatabaseClosedError();
    const generation = this.current;
    generation.acquire();
    try {
      return await fn(generation.pool);
    } finally {
      generation.release();
    }
  }

  private async connect(pool: Pool): Promise<PoolClient> {
    try {
      return await pool.connect();
    } catch (error) {
      throw mapPgError(error, this.context);
    }
  }

  private async transactionOnce<R>(
    pool: Pool,
    fn: (tx: Queryable) => Promise<R>,
    options: TransactionOptions,
  ): Promise<R> {
    const client = await this.connect(pool);
    let finished = false;
    const tx: Queryable = {
      query: (sql, params, queryOptions) => {
        if (finished) return Promise.reject(new TransactionFinishedError());
        return runQuery(client, sql, params, queryOptions, this.context);
      },
    };
    try {
      const begin = BEGIN_SQL[options.isolation ?? 'read committed'];
      await runQuery(
        client,
        options.readOnly === true ? `${begin} READ ONLY` : begin,
        undefined,
        undefined,
        this.context,
      );
      const result = await fn(tx);
      await runQuery(client, 'COMMIT', undefined, undefined, this.context);
      finished = true;
      client.release();
      return result;
    } catch (error) {
      finished = true;
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        client.release(true);
        this.logger.warn({ error: String(rollbackError) }, 'ROLLBACK failed; connection discarded');
      }
      throw error;
    }
  }

  private newGeneration(credentials: DatabaseCredentials | undefined): PoolGeneration {
    const pool = new Pool(poolConfig(this.options, credentials));
    // Without a listener an idle client's socket error would crash the process.
    pool.on('error', (error) => {
      this.logger.warn(
        { error: error.message, sqlstate: sqlStateOf(error) },
        'idle PostgreSQL connection failed',
      );
    });
    return new PoolGeneration(pool, credentials?.username ?? this.options.user);
  }

  private rotate(next: DatabaseCredentials): void {
    if (this.closing !== undefined) return;
    const previous = this.current;
    this.current = this.newGeneration(next);
    this.logger.info(
      { from: previous.username, to: next.username, inFlight: previous.busy },
      'database credentials rotated; draining the previous pool',
    );
    this.retire(previous);
  }

  private retire(generation: PoolGeneration): void {
    const drained = generation.retire().catch((error: unknown) => {
      this.logger.warn({ error: String(error) }, 'closing a retired PostgreSQL pool failed');
    });
    this.draining.add(drained);
    void drained.finally(() => this.draining.delete(drained));
  }
}

/**
 * Opens a PostgreSQL pool and returns the `Database` facade. With a credentials source it reads
 * the current credentials first and follows every rotation. No connection is made until the
 * first query; call `healthCheck()` at boot to fail fast.
 */
export async function createPgPool(options: PgPoolOptions): Promise<Database> {
  validateOptions(options);
  const credentials =
    options.credentials === undefined ? undefined : await options.credentials.current();
  return new PgDatabase(options, credentials);
}
