import { appendFile, cp, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meridianRejection } from '@meridian/shared-testing';
import type { Database } from './database.types';
import { migrationChecksum } from './migration-files';
import { runMigrations } from './migration-runner';
import { createTestSchema, type TestSchema } from './testing';

const FIXTURES = join(__dirname, '__fixtures__');
const fixture = (name: string): string => join(FIXTURES, `migrations-${name}`);

describe('runMigrations (real PostgreSQL)', () => {
  let test: TestSchema;
  let db: Database;
  let scratch: string;
  let schemaCount = 0;
  const schemas: string[] = [];

  /** A fresh schema per test (under this file's random prefix), dropped in afterAll. */
  const freshSchema = (): string => {
    schemaCount += 1;
    const schema = `${test.schema}_${schemaCount}`;
    schemas.push(schema);
    return schema;
  };

  /** A writable copy of a fixture set, for tests that edit or delete files. */
  const copyOf = async (name: string): Promise<string> => {
    const dir = join(scratch, `${name}-${schemaCount}-${Math.random().toString(36).slice(2)}`);
    await cp(fixture(name), dir, { recursive: true });
    return dir;
  };

  const audit = async (schema: string): Promise<string[]> =>
    (
      await db.query<{ note: string }>(`SELECT note FROM "${schema}".migration_audit ORDER BY note`)
    ).rows.map((row) => row.note);

  const recorded = async (
    schema: string,
  ): Promise<{ version: number; name: string; checksum: string }[]> =>
    (
      await db.query<{ version: number; name: string; checksum: string }>(
        `SELECT version, name, checksum FROM "${schema}".instruments_migrations ORDER BY version`,
      )
    ).rows;

  beforeAll(async () => {
    test = await createTestSchema('persistence_migrations', { maxConnections: 4 });
    db = test.db;
    scratch = await mkdtemp(join(tmpdir(), 'meridian-migrations-'));
  });

  afterAll(async () => {
    for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await test.drop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('applies pending migrations in order and records name, sha256, applied_at and duration', async () => {
    const schema = freshSchema();
    const report = await runMigrations(db, {
      dir: fixture('basic'),
      schemaTable: 'instruments_migrations',
      schema,
    });

    expect(report.table).toBe(`"${schema}"."instruments_migrations"`);
    expect(report.alreadyApplied).toBe(0);
    expect(report.applied.map((migration) => migration.name)).toEqual([
      '0001_create_instruments.sql',
      '0002_seed_instruments.sql',
      '0003_add_tick_size_guard.sql',
    ]);

    const { rows } = await db.query<{
      name: string;
      checksum: string;
      applied_at: Date;
      duration_ms: number;
    }>(
      `SELECT name, checksum, applied_at, duration_ms FROM "${schema}".instruments_migrations ORDER BY version`,
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.applied_at).toBeInstanceOf(Date);
    expect(rows.every((row) => Number.isInteger(row.duration_ms) && row.duration_ms >= 0)).toBe(
      true,
    );

    // The SQL ran inside the schema, including the dollar-quoted function.
    const tick = await db.query<{ size: string }>(
      `SELECT "${schema}".tick_size_of('BTCUSD') AS size`,
    );
    expect(tick.rows[0]?.size).toBe('100');
    expect(await audit(schema)).toEqual([
      '0002 applied',
      '0003 applied; with a semicolon in a string',
    ]);
  });

  it('is idempotent: a second run applies nothing', async () => {
    const schema = freshSchema();
    const options = { dir: fixture('basic'), schemaTable: 'instruments_migrations', schema };
    await runMigrations(db, options);
    const again = await runMigrations(db, options);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(3);
    expect(await audit(schema)).toHaveLength(2);
  });

  it('applies only the new migration when one is added later', async () => {
    const schema = freshSchema();
    const dir = await copyOf('basic');
    const options = { dir, schemaTable: 'instruments_migrations', schema };
    await runMigrations(db, options);
    await appendFile(
      join(dir, '0004_add_note.sql'),
      `INSERT INTO migration_audit (note) VALUES ('0004 applied');\n`,
    );
    const report = await runMigrations(db, options);
    expect(report.applied.map((migration) => migration.name)).toEqual(['0004_add_note.sql']);
    expect(report.alreadyApplied).toBe(3);
  });

  it('serialises concurrent runners with an advisory lock: each migration is applied once', async () => {
    const schema = freshSchema();
    const options = { dir: fixture('basic'), schemaTable: 'instruments_migrations', schema };
    const reports = await Promise.all([runMigrations(db, options), runMigrations(db, options)]);

    const appliedCounts = reports.map((report) => report.applied.length).sort();
    expect(appliedCounts).toEqual([0, 3]);
    expect(await audit(schema)).toEqual([
      '0002 applied',
      '0003 applied; with a semicolon in a string',
    ]);
    expect((await recorded(schema)).map((row) => row.version)).toEqual([1, 2, 3]);
  });

  it('refuses to run when an applied migration was edited (MIGRATION_CHECKSUM_MISMATCH)', async () => {
    const schema = freshSchema();
    const dir = await copyOf('basic');
    const options = { dir, schemaTable: 'instruments_migrations', schema };
    await runMigrations(db, options);
    await appendFile(
      join(dir, '0002_seed_instruments.sql'),
      `INSERT INTO instruments VALUES ('XAUUSD', 1);\n`,
    );
    await appendFile(
      join(dir, '0004_never_applied.sql'),
      `INSERT INTO migration_audit (note) VALUES ('0004');\n`,
    );

    const error = await meridianRejection(runMigrations(db, options));
    expect(error.code).toBe('MIGRATION_CHECKSUM_MISMATCH');
    expect(error.message).toContain('0002_seed_instruments.sql');
    expect(error.metadata['file']).toBe('0002_seed_instruments.sql');
    // Refused before anything else ran.
    expect(await audit(schema)).not.toContain('0004');
  });

  it('ignores CRLF vs LF when checksumming, so a Windows checkout is not an edit', () => {
    expect(migrationChecksum('SELECT 1;\r\nSELECT 2;\r\n')).toBe(
      migrationChecksum('SELECT 1;\nSELECT 2;\n'),
    );
    expect(migrationChecksum('SELECT 1;')).not.toBe(migrationChecksum('SELECT 2;'));
  });

  it('refuses to run when an applied migration file is missing', async () => {
    const schema = freshSchema();
    const dir = await copyOf('basic');
    const options = { dir, schemaTable: 'instruments_migrations', schema };
    await runMigrations(db, options);
    await unlink(join(dir, '0003_add_tick_size_guard.sql'));

    const error = await meridianRejection(runMigrations(db, options));
    expect(error.code).toBe('MIGRATION_INVALID');
    expect(error.message).toContain('0003_add_tick_size_guard.sql is recorded as applied');
  });

  it('refuses a renumbered file whose number was applied under another name', async () => {
    const schema = freshSchema();
    const dir = await copyOf('basic');
    await runMigrations(db, { dir, schemaTable: 'instruments_migrations', schema });
    await cp(join(dir, '0003_add_tick_size_guard.sql'), join(dir, '0003_renamed.sql'));
    await unlink(join(dir, '0003_add_tick_size_guard.sql'));

    const error = await meridianRejection(
      runMigrations(db, { dir, schemaTable: 'instruments_migrations', schema }),
    );
    expect(error.code).toBe('MIGRATION_INVALID');
    expect(error.message).toMatch(/0003_renamed\.sql .*records 0003_add_tick_size_guard\.sql/);
  });

  it.each([
    ['gap', /0003_create_c\.sql .*follows 0001_create_a\.sql: 0002 is missing/],
    ['duplicate', /0001_create_a\.sql and 0001_create_b\.sql .*share the number 0001/],
    ['bad-name', /1_create_a\.sql .*must be named NNNN_description\.sql/],
  ])(
    'refuses a malformed directory (%s) with MIGRATION_INVALID naming the file',
    async (name, message) => {
      const schema = freshSchema();
      const error = await meridianRejection(
        runMigrations(db, { dir: fixture(name), schemaTable: 'x_migrations', schema }),
      );
      expect(error.code).toBe('MIGRATION_INVALID');
      expect(error.message).toMatch(message);
      const { rows } = await db.query<{ exists: boolean }>(
        'SELECT to_regclass($1) IS NOT NULL AS exists',
        [`"${schema}".x_migrations`],
      );
      expect(rows[0]?.exists).toBe(false);
    },
  );

  it('refuses a missing directory', async () => {
    const error = await meridianRejection(
      runMigrations(db, {
        dir: join(FIXTURES, 'nope'),
        schemaTable: 'x_migrations',
        schema: freshSchema(),
      }),
    );
    expect(error.code).toBe('MIGRATION_INVALID');
    expect(error.message).toContain('does not exist');
  });

  it('rolls back a failing migration completely and keeps the earlier ones applied', async () => {
    const schema = freshSchema();
    const options = { dir: fixture('failing'), schemaTable: 'orders_migrations', schema };
    const error = await meridianRejection(runMigrations(db, options));

    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('0002_add_order_side.sql failed at line 3');
    expect(error.message).toContain('table_that_does_not_exist');
    expect(error.metadata).toMatchObject({
      file: '0002_add_order_side.sql',
      sqlstate: '42P01',
      line: '3',
    });

    const applied = await db.query<{ name: string }>(
      `SELECT name FROM "${schema}".orders_migrations`,
    );
    expect(applied.rows.map((row) => row.name)).toEqual(['0001_create_orders.sql']);
    const state = await db.query<{ orders: boolean; partial: boolean; side: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS orders, to_regclass($2) IS NOT NULL AS partial,
              EXISTS (SELECT 1 FROM information_schema.columns
                      WHERE table_schema = $3 AND table_name = 'orders' AND column_name = 'side') AS side`,
      [`"${schema}".orders`, `"${schema}".partially_applied`, schema],
    );
    expect(state.rows[0]).toEqual({ orders: true, partial: false, side: false });

    // The lock was released and the connection is healthy: a fixed re-run is possible.
    const again = await meridianRejection(runMigrations(db, options));
    expect(again.code).toBe('MIGRATION_FAILED');
  });

  it('runs a -- meridian:no-transaction migration statement by statement (CREATE INDEX CONCURRENTLY)', async () => {
    const schema = freshSchema();
    const report = await runMigrations(db, {
      dir: fixture('no-transaction'),
      schemaTable: 'ticks_migrations',
      schema,
    });
    expect(report.applied.map((migration) => migration.name)).toEqual([
      '0001_create_ticks.sql',
      '0002_index_ticks_concurrently.sql',
    ]);
    const { rows } = await db.query<{ name: string; valid: boolean }>(
      `SELECT c.relname AS name, i.indisvalid AS valid
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = $1::regclass ORDER BY c.relname`,
      [`"${schema}".ticks`],
    );
    expect(rows).toEqual([
      { name: 'ticks_symbol_idx', valid: true },
      { name: 'ticks_symbol_ts_idx', valid: true },
    ]);
  });

  it('fails CREATE INDEX CONCURRENTLY without the marker, because it cannot run in a transaction', async () => {
    const schema = freshSchema();
    const error = await meridianRejection(
      runMigrations(db, {
        dir: fixture('concurrently-without-marker'),
        schemaTable: 'ticks_migrations',
        schema,
      }),
    );
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('0002_index_ticks_concurrently.sql');
    expect(error.message).toMatch(/transaction block/);
  });

  it('rejects table and schema names that are not plain identifiers', async () => {
    const error = await meridianRejection(
      runMigrations(db, { dir: fixture('basic'), schemaTable: 'x"; DROP TABLE y; --' }),
    );
    expect(error.code).toBe('DB_OPTIONS_INVALID');
  });
});
