import { isMeridianError } from '@meridian/shared-errors';
import { meridianRejection, waitFor } from '@meridian/shared-testing';
import { z } from 'zod';
import type { Database, Queryable } from './database.types';
import { createPgPool } from './pg-pool';
import { START_POSTGRES_HINT } from './persistence.error';
import { createTestSchema, testPgOptions, type TestSchema } from './testing';

/** Resolves for everyone once `parties` callers have arrived. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived += 1;
    if (arrived === parties) open();
    return opened;
  };
}

describe('createPgPool (real PostgreSQL)', () => {
  let test: TestSchema;
  let db: Database;

  beforeAll(async () => {
    test = await createTestSchema('persistence_pool');
    db = test.db;
    await db.query(`
      CREATE TABLE accounts (
        id text PRIMARY KEY,
        owner text NOT NULL,
        balance_minor bigint NOT NULL CHECK (balance_minor >= 0)
      )`);
    await db.query(
      `CREATE TABLE fills (id serial PRIMARY KEY, account_id text NOT NULL REFERENCES accounts (id))`,
    );
    await db.query(`CREATE TABLE duty (id serial PRIMARY KEY, shift text NOT NULL)`);
  });

  afterAll(async () => {
    await test.drop();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE accounts, fills, duty');
  });

  describe('query', () => {
    it('runs parameterised statements and returns bigint columns as strings, never floats', async () => {
      const inserted = await db.query(
        'INSERT INTO accounts (id, owner, balance_minor) VALUES ($1, $2, $3), ($4, $5, $6)',
        ['a1', 'alice', '9007199254740993', 'a2', 'bob', 0],
      );
      expect(inserted.rowCount).toBe(2);

      const { rows } = await db.query<{ id: string; balance_minor: string }>(
        'SELECT id, balance_minor FROM accounts ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 'a1', balance_minor: '9007199254740993' },
        { id: 'a2', balance_minor: '0' },
      ]);
    });

    it('parses rows with a zod schema and types them from it', async () => {
      await db.query(`INSERT INTO accounts VALUES ('a1', 'alice', 5)`);
      const rowSchema = z.object({
        id: z.string(),
        balance: z.string().transform((value) => BigInt(value)),
      });
      const { rows } = await db.query('SELECT id, balance_minor AS balance FROM accounts', [], {
        rowSchema,
      });
      const balance: bigint | undefined = rows[0]?.balance;
      expect(balance).toBe(5n);
    });

    it('refuses rows that do not match the schema with DB_ROW_INVALID naming the field', async () => {
      await db.query(`INSERT INTO accounts VALUES ('a1', 'alice', 5)`);
      const error = await meridianRejection(
        db.query('SELECT id, owner FROM accounts', [], {
          rowSchema: z.object({ id: z.string(), owner: z.number() }),
        }),
      );
      expect(error.code).toBe('DB_ROW_INVALID');
      expect(error.message).toMatch(/row 0 .*owner/);
    });

    it('maps a unique violation to DB_UNIQUE_VIOLATION with the constraint, without row values', async () => {
      await db.query(`INSERT INTO accounts VALUES ('a1', 'alice', 5)`);
      const error = await meridianRejection(
        db.query(`INSERT INTO accounts VALUES ('a1', 'mallory', 7)`),
      );
      expect(error.code).toBe('DB_UNIQUE_VIOLATION');
      expect(error.category).toBe('already-exists');
      expect(error.metadata).toMatchObject({
        constraint: 'accounts_pkey',
        table: 'accounts',
        sqlstate: '23505',
      });
      expect(error.message).not.toContain('mallory');
    });

    it('maps foreign key and check violations to their own codes', async () => {
      const fk = await meridianRejection(
        db.query(`INSERT INTO fills (account_id) VALUES ('missing')`),
      );
      expect(fk.code).toBe('DB_FOREIGN_KEY_VIOLATION');
      expect(fk.metadata['constraint']).toBe('fills_account_id_fkey');

      const check = await meridianRejection(
        db.query(`INSERT INTO accounts VALUES ('a1', 'alice', -1)`),
      );
      expect(check.code).toBe('DB_CHECK_VIOLATION');
      expect(check.category).toBe('invalid-argument');
    });

    it('maps other SQL errors to DB_QUERY_FAILED carrying the SQLSTATE', async () => {
      const error = await meridianRejection(db.query('SELECT * FROM no_such_table'));
      expect(error.code).toBe('DB_QUERY_FAILED');
      expect(error.metadata['sqlstate']).toBe('42P01');
    });

    it('enforces statement_timeout as DB_STATEMENT_TIMEOUT', async () => {
      const impatient = await createPgPool({
        ...testPgOptions(),
        statementTimeoutMs: 50,
        maxConnections: 1,
      });
      try {
        const error = await meridianRejection(impatient.query('SELECT pg_sleep(5)'));
        expect(error.code).toBe('DB_STATEMENT_TIMEOUT');
        expect(error.category).toBe('deadline-exceeded');
      } finally {
        await impatient.close();
      }
    });

    it('sets application_name for pg_stat_activity', async () => {
      const named = await createPgPool({
        ...testPgOptions(),
        applicationName: 'persistence-spec',
        maxConnections: 1,
      });
      try {
        const { rows } = await named.query<{ name: string }>(
          `SELECT current_setting('application_name') AS name`,
        );
        expect(rows[0]?.name).toBe('persistence-spec');
      } finally {
        await named.close();
      }
    });
  });

  describe('withTransaction', () => {
    it('commits when the callback resolves', async () => {
      const result = await db.withTransaction(async (tx) => {
        await tx.query(`INSERT INTO accounts VALUES ('a1', 'alice', 5)`);
        await tx.query(`INSERT INTO fills (account_id) VALUES ('a1')`);
        return 'done';
      });
      expect(result).toBe('done');
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM fills');
      expect(rows[0]?.n).toBe('1');
    });

    it('rolls back and rethrows the callback error unchanged', async () => {
      class DomainRejection extends Error {}
      const rejection = new DomainRejection('insufficient funds');
      await expect(
        db.withTransaction(async (tx) => {
          await tx.query(`INSERT INTO accounts VALUES ('a1', 'alice', 5)`);
          throw rejection;
        }),
      ).rejects.toBe(rejection);
      const { rowCount } = await db.query('SELECT 1 FROM accounts');
      expect(rowCount).toBe(0);
    });

    it('rolls back everything when a statement fails mid-way', async () => {
      const error = await meridianRejection(
        db.withTransaction(async (tx) => {
          await tx.query(`INSERT INTO accounts VALUES ('a1', 'alice', 5)`);
          await tx.query(`INSERT INTO accounts VALUES ('a1', 'alice', 5)`);
        }),
      );
      expect(error.code).toBe('DB_UNIQUE_VIOLATION');
      const { rowCount } = await db.query('SELECT 1 FROM accounts');
      expect(rowCount).toBe(0);
    });

    it('runs at the requested isolation level', async () => {
      const level = await db.withTransaction(
        async (tx) =>
          (
            await tx.query<{ level: string }>(
              `SELECT current_setting('transaction_isolation') AS level`,
            )
          ).rows[0]?.level,
        { isolation: 'repeatable read' },
      );
      expect(level).toBe('repeatable read');
    });

    it('refuses a transaction handle used after its callback settled', async () => {
      let leaked: Queryable | undefined;
      await db.withTransaction(async (tx) => {
        leaked = tx;
        await Promise.resolve();
      });
      const error = await meridianRejection(leaked?.query('SELECT 1') ?? Promise.resolve());
      expect(error.code).toBe('DB_TRANSACTION_FINISHED');
    });

    // Write skew: each reads what the other writes. Under SERIALIZABLE one commit gets 40001.
    function writeSkew(retries: number): {
      run: Promise<PromiseSettledResult<void>[]>;
      attempts: Map<string, number>;
    } {
      const attempts = new Map<string, number>();
      const bothRead = barrier(2);
      const doctor = (name: string, reads: string, writes: string): Promise<void> =>
        db.withTransaction(
          async (tx) => {
            const attempt = (attempts.get(name) ?? 0) + 1;
            attempts.set(name, attempt);
            await tx.query('SELECT count(*) FROM duty WHERE shift = $1', [reads]);
            if (attempt === 1) await bothRead();
            await tx.query('INSERT INTO duty (shift) VALUES ($1)', [writes]);
          },
          { isolation: 'serializable', retries },
        );
      return { run: Promise.allSettled([doctor('a', 'a', 'b'), doctor('b', 'b', 'a')]), attempts };
    }

    it('retries a real serialization failure (40001) and then commits both', async () => {
      const { run, attempts } = writeSkew(3);
      const results = await run;
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
      expect((attempts.get('a') ?? 0) + (attempts.get('b') ?? 0)).toBe(3);
      const { rows } = await db.query<{ shift: string }>('SELECT shift FROM duty ORDER BY shift');
      expect(rows.map((row) => row.shift)).toEqual(['a', 'b']);
    });

    it('gives up after the retries with DB_SERIALIZATION_FAILURE (aborted)', async () => {
      const { run } = writeSkew(0);
      const results = await run;
      const failures = results.flatMap((result) =>
        result.status === 'rejected' ? [result.reason as unknown] : [],
      );
      expect(failures).toHaveLength(1);
      const failure = failures[0];
      expect(isMeridianError(failure) && failure.code).toBe('DB_SERIALIZATION_FAILURE');
      expect(isMeridianError(failure) && failure.category).toBe('aborted');
      expect(isMeridianError(failure) && failure.metadata).toMatchObject({
        sqlstate: '40001',
        attempts: '1',
      });
      const { rowCount } = await db.query('SELECT 1 FROM duty');
      expect(rowCount).toBe(1);
    });

    it('does not retry errors that a retry cannot cure', async () => {
      let attempts = 0;
      const error = await meridianRejection(
        db.withTransaction(
          async (tx) => {
            attempts += 1;
            await tx.query('SELECT * FROM no_such_table');
          },
          { isolation: 'serializable', retries: 5 },
        ),
      );
      expect(error.code).toBe('DB_QUERY_FAILED');
      expect(attempts).toBe(1);
    });
  });

  describe('withConnection', () => {
    const backendAlive = async (pid: number | undefined): Promise<boolean> =>
      (
        await db.query<{ alive: boolean }>(
          'SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1) AS alive',
          [pid],
        )
      ).rows[0]?.alive === true;

    it('lends one session for the whole callback', async () => {
      const pids = await db.withConnection(async (connection) => {
        await connection.query(`SET application_name = 'borrowed'`);
        const first = await connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const second = await connection.query<{ pid: number; name: string }>(
          `SELECT pg_backend_pid() AS pid, current_setting('application_name') AS name`,
        );
        return [first.rows[0]?.pid, second.rows[0]?.pid, second.rows[0]?.name];
      });
      expect(pids[0]).toBe(pids[1]);
      expect(pids[2]).toBe('borrowed');
    });

    it('discards the connection when the callback throws, so its session state cannot leak', async () => {
      let pid: number | undefined;
      await expect(
        db.withConnection(async (connection) => {
          pid = (await connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
            ?.pid;
          await connection.query(`SET search_path = nowhere`);
          throw new Error('callback failed');
        }),
      ).rejects.toThrow('callback failed');
      expect(pid).toBeDefined();
      await waitFor('the tainted backend to exit', async () => !(await backendAlive(pid)), 5000);
    });
  });

  describe('health and lifecycle', () => {
    it('passes the health check against a running server', async () => {
      await expect(db.healthCheck()).resolves.toBeUndefined();
    });

    it('reports an unreachable server as DB_UNAVAILABLE with the command that starts PostgreSQL', async () => {
      const nowhere = await createPgPool({
        ...testPgOptions(),
        host: '127.0.0.1',
        port: 1,
        connectionTimeoutMs: 2000,
      });
      try {
        const error = await meridianRejection(nowhere.query('SELECT 1'));
        expect(error.code).toBe('DB_UNAVAILABLE');
        expect(error.category).toBe('unavailable');
        expect(error.message).toContain('127.0.0.1:1');
        expect(error.message).toContain(START_POSTGRES_HINT);
        expect(error.metadata['reason']).toBe('ECONNREFUSED');

        const health = await meridianRejection(nowhere.healthCheck(1000));
        expect(health.code).toBe('DB_UNAVAILABLE');
      } finally {
        await nowhere.close();
      }
    });

    it('fails the health check with DB_UNAVAILABLE when no connection answers in time', async () => {
      const busy = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const holder = busy.withConnection(() => held);
      try {
        const error = await meridianRejection(busy.healthCheck(100));
        expect(error.code).toBe('DB_UNAVAILABLE');
        expect(error.metadata['reason']).toBe('timeout');
      } finally {
        release();
        await holder;
        await busy.close();
      }
    });

    it('close() lets in-flight queries finish, then refuses new ones with DB_POOL_CLOSED', async () => {
      const closing = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
      const inFlight = closing.query<{ v: number }>('SELECT 42 AS v FROM pg_sleep(0.1)');
      const queued = closing.query<{ v: number }>('SELECT 43 AS v');
      const closed = closing.close();
      const refused = await meridianRejection(closing.query('SELECT 1'));
      expect(refused.code).toBe('DB_POOL_CLOSED');
      expect((await inFlight).rows[0]?.v).toBe(42);
      expect((await queued).rows[0]?.v).toBe(43);
      await closed;
    });

    it('rejects options that cannot work', async () => {
      const error = await meridianRejection(
        createPgPool({ ...testPgOptions(), searchPath: ['ok', 'x; DROP TABLE y'] }),
      );
      expect(error.code).toBe('DB_OPTIONS_INVALID');
      const zero = await meridianRejection(createPgPool({ ...testPgOptions(), maxConnections: 0 }));
      expect(zero.code).toBe('DB_OPTIONS_INVALID');
    });
  });
});
