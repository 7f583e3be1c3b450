import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { derivedTable, parseArgs } from './migrate.cli';
import { createTestSchema, type TestSchema } from './testing';

const ROOT = resolve(__dirname, '../../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(__dirname, 'migrate.cli.ts');
const FIXTURES = join(__dirname, '__fixtures__');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function migrate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      TSX,
      [CLI, ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PGHOST: '127.0.0.1',
          PGPORT: '5432',
          PGUSER: 'postgres',
          PGDATABASE: 'test',
          DATABASE_URL: '',
          ...env,
        },
      },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}

describe('migrate.cli', () => {
  let test: TestSchema;

  beforeAll(async () => {
    test = await createTestSchema('persistence_cli');
  });

  afterAll(async () => {
    await test.drop();
  });

  it('applies several directories, each into its own table, and reports what it did', async () => {
    const args = [
      '--schema',
      test.schema,
      '--dir',
      join(FIXTURES, 'migrations-basic'),
      '--table',
      'instruments_migrations',
      '--dir',
      join(FIXTURES, 'migrations-no-transaction'),
      '--table',
      'ticks_migrations',
    ];
    const first = await migrate(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      `"${test.schema}"."instruments_migrations": applied 0001_create_instruments.sql`,
    );
    expect(first.stdout).toContain(
      `"${test.schema}"."ticks_migrations": applied 0002_index_ticks_concurrently.sql`,
    );

    const second = await migrate(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      `"${test.schema}"."instruments_migrations": up to date (3 applied earlier)`,
    );
  });

  it('exits non-zero naming the code and the file when a migration fails', async () => {
    const run = await migrate([
      '--schema',
      test.schema,
      '--dir',
      join(FIXTURES, 'migrations-failing'),
      '--table',
      'orders_migrations',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'migrate failed: MIGRATION_FAILED: 0002_add_order_side.sql failed at line 3',
    );
  });

  it('exits non-zero with the start command when PostgreSQL is unreachable', async () => {
    const run = await migrate(
      ['--dir', join(FIXTURES, 'migrations-basic'), '--table', 'x_migrations'],
      { PGPORT: '1' },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DB_UNAVAILABLE');
    expect(run.stderr).toContain('pg_ctlcluster --skip-systemctl-redirect');
  });

  it('exits non-zero with usage on bad arguments', async () => {
    const run = await migrate(['--table', 'x_migrations']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--table x_migrations must follow the --dir it belongs to');
  });

  describe('arguments', () => {
    it('pairs each --table and --schema with the --dir before it; a leading --schema is the default', () => {
      expect(
        parseArgs([
          '--schema',
          's',
          '--dir',
          '/a',
          '--table',
          'a_migrations',
          '--dir',
          '/b',
          '--schema',
          't',
        ]),
      ).toEqual([
        { dir: '/a', table: 'a_migrations', schema: 's' },
        { dir: '/b', schema: 't' },
      ]);
    });

    it('refuses no --dir, a flag without value, unknown flags and two tables for one dir', () => {
      expect(() => parseArgs([])).toThrow(/at least one --dir/);
      expect(() => parseArgs(['--dir'])).toThrow(/--dir needs a value/);
      expect(() => parseArgs(['--dir', '/a', '--force', 'yes'])).toThrow(/unknown option --force/);
      expect(() => parseArgs(['--dir', '/a', '--table', 'x', '--table', 'y'])).toThrow(
        /two --table/,
      );
    });

    it('derives the table from the nearest package.json when --table is omitted', () => {
      expect(derivedTable(join(FIXTURES, 'migrations-basic'))).toBe(
        'shared_persistence_migrations',
      );
    });
  });
});
