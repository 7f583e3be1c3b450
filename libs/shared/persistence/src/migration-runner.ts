// Hand-written rather than Postgrator 8: Postgrator records md5 (we want sha256), takes no lock
// (two pods starting together would race), leaves transactions to the SQL file (no per-file
// BEGIN/COMMIT, so no "one transaction per migration" and no no-transaction marker), and is an
// ES module with up/down versioning we do not use (migrations are forward-only). What we need is
// ~150 lines on top of the Database facade.
import { createHash } from 'node:crypto';
import { isMeridianError, type MeridianError } from '@meridian/shared-errors';
import { DatabaseError } from 'pg';
import { z } from 'zod';
import type { Connection, Database, PersistenceLogger } from './database.types';
import { loadMigrationFiles, type MigrationFile } from './migration-files';
import {
  DatabaseOptionsError,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationInvalidError,
  StatementTimeoutError,
} from './persistence.error';
import { splitSqlStatements } from './sql-statement.splitter';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
// First half of every migration advisory-lock key ('MRID'), so ours cannot collide with other
// users of the two-key pg_advisory_lock form.
const LOCK_CLASS_ID = 0x4d524944;

export interface MigrationOptions {
  /** Directory of `NNNN_description.sql` files. */
  readonly dir: string;
  /** Table that records what is applied, one per data-access lib, e.g. `orders_migrations`. */
  readonly schemaTable: string;
  /**
   * Schema holding the table; also the search_path the migrations run with, so their
   * unqualified names land in it. Created if missing. Default `public`.
   */
  readonly schema?: string;
  /** How long to wait for a concurrent runner's lock. Default 60000 ms. */
  readonly lockTimeoutMs?: number;
  /** statement_timeout while applying; 0 (default) = none, as an index build may take long. */
  readonly statementTimeoutMs?: number;
  readonly logger?: PersistenceLogger;
}

export interface AppliedMigration {
  readonly name: string;
  readonly version: number;
  readonly checksum: string;
  readonly durationMs: number;
}

export interface MigrationReport {
  /** The table, schema-qualified. */
  readonly table: string;
  /** Applied by this run, in order. Empty when the database was already up to date. */
  readonly applied: readonly AppliedMigration[];
  /** Migrations found already applied (and verified). */
  readonly alreadyApplied: number;
}

const appliedRow = z.object({ version: z.number().int(), name: z.string(), checksum: z.string() });

function quote(identifier: string): string {
  return `"${identifier}"`;
}

function lockKey(table: string): number {
  return createHash('sha256').update(table).digest().readInt32BE(0);
}

/** 1-based line of a server error position (character offset) inside `sql`. */
function errorLine(error: MeridianError, sql: string): string | undefined {
  const cause = error.cause;
  if (!(cause instanceof DatabaseError) || cause.position === undefined) return undefined;
  return String(sql.slice(0, Number(cause.position)).split('\n').length);
}

function verifyApplied(
  applied: readonly z.infer<typeof appliedRow>[],
  files: readonly MigrationFile[],
  dir: string,
  table: string,
): void {
  for (const row of applied) {
    const file = files[row.version - 1];
    if (file === undefined) {
      throw new MigrationInvalidError(
        `${row.name} is recorded as applied in ${table} but is missing from ${dir}`,
        {
          dir,
          file: row.name,
        },
      );
    }
    if (file.name !== row.name) {
      throw new MigrationInvalidError(
        `${file.name} in ${dir} has number ${row.version}, but ${table} records ${row.name} under that number`,
        { dir, file: file.name },
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationChecksumError(
        `${file.name} in ${dir} was edited after it was applied (sha256 ${row.checksum.slice(0, 12)}… recorded, ` +
          `${file.checksum.slice(0, 12)}… on disk); migrations are forward-only: revert the edit and add a new migration`,
        { dir, file: file.name, recorded: row.checksum, actual: file.checksum },
      );
    }
  }
  const gap = applied.findIndex((row, index) => row.version !== index + 1);
  if (gap !== -1) {
    const pending = files[gap];
    throw new MigrationInvalidError(
      `${pending?.name ?? `migration ${gap + 1}`} is not applied but later ${applied[gap]?.name ?? '?'} is, in ${table}`,
      { dir, file: pending?.name ?? '' },
    );
  }
}

async function apply(
  connection: Connection,
  file: MigrationFile,
  table: string,
): Promise<AppliedMigration> {
  const started = performance.now();
  const record = (durationMs: number): Promise<unknown> =>
    connection.query(
      `INSERT INTO ${table} (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)`,
      [file.version, file.name, file.checksum, durationMs],
    );

  if (file.transactional) {
    await connection.query('BEGIN');
    try {
      await connection.query(file.sql);
      const durationMs = Math.round(performance.now() - started);
      await record(durationMs);
      await connection.query('COMMIT');
      return { name: file.name, version: file.version, checksum: file.checksum, durationMs };
    } catch (error) {
      await connection.query('ROLLBACK');
      throw failure(file, error, 'rolled back; nothing of it was applied');
    }
  }

  const statements = splitSqlStatements(file.sql);
  for (const [index, statement] of statements.entries()) {
    try {
      await connection.query(statement);
    } catch (error) {
      throw failure(
        file,
        error,
        `ran without a transaction: statements 1-${index} of ${statements.length} took effect; make them idempotent ` +
          `(IF NOT EXISTS) and re-run. A failed CREATE INDEX CONCURRENTLY leaves an INVALID index to drop first`,
        statement,
      );
    }
  }
  const durationMs = Math.round(performance.now() - started);
  await record(durationMs);
  return { name: file.name, version: file.version, checksum: file.checksum, durationMs };
}

function failure(
  file: MigrationFile,
  error: unknown,
  consequence: string,
  sql = file.sql,
): MigrationFailedError {
  if (!isMeridianError(error)) {
    return new MigrationFailedError(
      `${file.name} failed (${consequence}): ${String(error)}`,
      { file: file.name },
      error,
    );
  }
  const line = errorLine(error, sql);
  const where = line === undefined ? '' : ` at line ${line}`;
  return new MigrationFailedError(
    `${file.name} failed${where}: ${error.message} (${consequence})`,
    {
      file: file.name,
      sqlstate: error.metadata['sqlstate'] ?? '',
      ...(line === undefined ? {} : { line }),
    },
    error,
  );
}

/**
 * Applies the pending migrations of one lib, in order, each in its own transaction (unless
 * marked `-- meridian:no-transaction`), recording name, sha256, applied_at and duration.
 * Concurrent runners on the same table are serialised by an advisory lock, so the second one
 * finds everything applied. Refuses to run when an applied file changed or the directory is
 * malformed; a failing migration leaves the earlier ones applied.
 */
export async function runMigrations(
  db: Database,
  options: MigrationOptions,
): Promise<MigrationReport> {
  const schema = options.schema ?? 'public';
  for (const [option, value] of [
    ['schemaTable', options.schemaTable],
    ['schema', schema],
  ] as const) {
    if (!IDENTIFIER.test(value)) {
      throw new DatabaseOptionsError(`${option} "${value}" is not a lower-case SQL identifier`, {
        option,
      });
    }
  }
  const table = `${quote(schema)}.${quote(options.schemaTable)}`;
  const files = await loadMigrationFiles(options.dir);
  const lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 0;

  return db.withConnection(async (connection) => {
    await connection.query(`SET statement_timeout = ${Math.trunc(lockTimeoutMs)}`);
    try {
      await connection.query('SELECT pg_advisory_lock($1, $2)', [
        LOCK_CLASS_ID,
        lockKey(`${schema}.${options.schemaTable}`),
      ]);
    } catch (error) {
      if (error instanceof StatementTimeoutError) {
        throw new MigrationFailedError(
          `another runner has held the migration lock on ${table} for more than ${lockTimeoutMs} ms`,
          { dir: options.dir, file: '' },
          error,
        );
      }
      throw error;
    }
    // Session-level lock: released explicitly below, or by the server if the connection dies.
    try {
      await connection.query(`SET statement_timeout = ${Math.trunc(statementTimeoutMs)}`);
      await connection.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
      await connection.query(`SET search_path TO ${quote(schema)}, public`);
      await connection.query(
        `CREATE TABLE IF NOT EXISTS ${table} (
           version integer PRIMARY KEY,
           name text NOT NULL UNIQUE,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now(),
           duration_ms integer NOT NULL
         )`,
      );
      const { rows } = await connection.query(
        `SELECT version, name, checksum FROM ${table} ORDER BY version`,
        [],
        {
          rowSchema: appliedRow,
        },
      );
      verifyApplied(rows, files, options.dir, table);

      const applied: AppliedMigration[] = [];
      for (const file of files.slice(rows.length)) {
        const result = await apply(connection, file, table);
        options.logger?.info(
          { migration: file.name, table, durationMs: result.durationMs },
          'migration applied',
        );
        applied.push(result);
      }
      return { table, applied, alreadyApplied: rows.length };
    } finally {
      await connection.query('SELECT pg_advisory_unlock($1, $2)', [
        LOCK_CLASS_ID,
        lockKey(`${schema}.${options.schemaTable}`),
      ]);
      await connection.query('RESET statement_timeout; RESET search_path');
    }
  });
}
