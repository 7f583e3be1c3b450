import { randomBytes, randomInt } from 'node:crypto';
import type { DatabaseCredentials, DatabaseCredentialsSource } from '@meridian/shared-secrets';
import type { Database, PgPoolOptions } from './database.types';
import { createPgPool } from './pg-pool';
import { waitFor } from '@meridian/shared-testing';
import { createTestSchema, testPgOptions, type TestSchema } from './testing';

/**
 * What Vault's database engine does, done by hand: every rotation creates a real login role
 * with a password and an expiry, granted on the test schema, and tells the listeners.
 */
class RotatingRoleSource implements DatabaseCredentialsSource {
  readonly roles: string[] = [];
  private readonly listeners = new Set<(next: DatabaseCredentials) => void>();
  private latest: DatabaseCredentials | undefined;
  private readonly prefix = `meridian_rot_${process.pid}_${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly admin: Database,
    private readonly schema: string,
  ) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  async rotate(): Promise<DatabaseCredentials> {
    const username = `${this.prefix}_${this.roles.length + 1}`;
    const password = randomBytes(12).toString('hex');
    const expiresAt = Date.now() + 60 * 60 * 1000;
    await this.admin.query(
      `CREATE ROLE "${username}" LOGIN PASSWORD '${password}' VALID UNTIL '${new Date(expiresAt).toISOString()}'`,
    );
    this.roles.push(username);
    await this.admin.query(`GRANT USAGE ON SCHEMA "${this.schema}" TO "${username}"`);
    await this.admin.query(
      `GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA "${this.schema}" TO "${username}"`,
    );
    await this.admin.query(
      `GRANT USAGE ON ALL SEQUENCES IN SCHEMA "${this.schema}" TO "${username}"`,
    );
    const next = { username, password, leaseId: `test/${username}`, expiresAt };
    this.latest = next;
    for (const listener of this.listeners) listener(next);
    return next;
  }

  current(): Promise<DatabaseCredentials> {
    return this.latest === undefined
      ? Promise.reject(new Error('rotate() first'))
      : Promise.resolve(this.latest);
  }

  onRotate(listener: (next: DatabaseCredentials) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async dropRoles(): Promise<void> {
    for (const role of this.roles) {
      await this.admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1',
        [role],
      );
      await this.admin.query(`DROP OWNED BY "${role}"`);
      await this.admin.query(`DROP ROLE "${role}"`);
    }
  }
}

/** The test server without the superuser: the credentials come from the source. */
function serverOptions(): PgPoolOptions {
  const { user: _superuser, ...server } = testPgOptions();
  return server;
}

describe('credential rotation (real PostgreSQL roles)', () => {
  let test: TestSchema;
  let admin: Database;
  let source: RotatingRoleSource;
  let db: Database;

  const connectionsOf = async (role: string | undefined, state?: string): Promise<number> => {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND ($2::text IS NULL OR state = $2)',
      [role, state ?? null],
    );
    return rows[0]?.n ?? -1;
  };

  beforeAll(async () => {
    test = await createTestSchema('persistence_rotation');
    admin = test.db;
    await admin.query('CREATE TABLE quotes (id serial PRIMARY KEY, symbol text NOT NULL)');
    await admin.query(`INSERT INTO quotes (symbol) VALUES ('EURUSD')`);
    source = new RotatingRoleSource(admin, test.schema);
    await source.rotate();
    db = await createPgPool({
      ...serverOptions(),
      credentials: source,
      searchPath: [test.schema],
      maxConnections: 4,
    });
  });

  afterAll(async () => {
    await db.close();
    await source.dropRoles();
    await test.drop();
  });

  const whoAmI = async (): Promise<string | undefined> =>
    (await db.query<{ who: string }>('SELECT current_user AS who FROM quotes LIMIT 1')).rows[0]
      ?.who;

  it('rotates without failing queries: in-flight work finishes on the old role, then its connections close', async () => {
    const oldRole = source.roles.at(-1);
    expect(await whoAmI()).toBe(oldRole);

    // Hold an advisory lock so one query on the old pool stays in flight until we let it go.
    const lockKey = randomInt(1, 2 ** 31 - 1);
    let releaseBlocker!: () => void;
    const released = new Promise<void>((resolve) => (releaseBlocker = resolve));
    let blockerHeld!: () => void;
    const held = new Promise<void>((resolve) => (blockerHeld = resolve));
    const blocker = admin.withConnection(async (connection) => {
      await connection.query('SELECT pg_advisory_lock($1)', [lockKey]);
      blockerHeld();
      await released;
      await connection.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    });
    await held;

    // Six queries wait for the lock on a pool of four: four on the server, two queued inside the
    // old pg.Pool. pg-pool's own end() would strand those two; a drain must serve them.
    const slow = Array.from({ length: 6 }, () =>
      db.query<{ who: string }>(
        'SELECT current_user AS who FROM (SELECT pg_advisory_xact_lock($1)) AS waited',
        [lockKey],
      ),
    );
    await waitFor(
      'the slow queries to reach the server',
      async () => (await connectionsOf(oldRole, 'active')) === 4,
      5000,
    );

    const before = Array.from({ length: 5 }, () => whoAmI());
    const next = await source.rotate();
    const after = Array.from({ length: 10 }, () => whoAmI());

    // New work goes to the new role right away, while the old pool is still busy.
    expect(await Promise.all(after)).toEqual(Array(10).fill(next.username));
    expect(await connectionsOf(oldRole, 'active')).toBe(4);
    const drained = db.whenDrained();

    releaseBlocker();
    await blocker;
    const finished = await Promise.all([...slow, ...before]);
    expect(
      finished.map((result) => (typeof result === 'string' ? result : result?.rows[0]?.who)),
    ).toEqual(Array(11).fill(oldRole));

    await drained;
    await waitFor(
      `no connection of ${oldRole} left`,
      async () => (await connectionsOf(oldRole)) === 0,
      5000,
    );
    expect(await connectionsOf(next.username)).toBeGreaterThan(0);
  });

  it('keeps serving a steady stream of queries across two rotations', async () => {
    const firstRole = source.roles.at(-1);
    const stream: Promise<string | undefined>[] = [];
    for (let i = 0; i < 30; i += 1) {
      stream.push(whoAmI());
      if (i === 10 || i === 20) await source.rotate();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(stream);
    const [, secondRole, thirdRole] = source.roles.slice(source.roles.indexOf(firstRole ?? ''));
    expect(new Set(results)).toEqual(new Set([firstRole, secondRole, thirdRole]));
    expect(results.at(-1)).toBe(thirdRole);

    await db.whenDrained();
    await waitFor(
      'the two retired roles to have no connections',
      async () => (await connectionsOf(firstRole)) + (await connectionsOf(secondRole)) === 0,
      5000,
    );
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO quotes (symbol) VALUES ('USDJPY') RETURNING id`,
    );
    expect(rows).toHaveLength(1);
  });

  it('stops following the source once closed', async () => {
    const closable = await createPgPool({
      ...serverOptions(),
      credentials: source,
      searchPath: [test.schema],
    });
    const listening = source.listenerCount;
    await closable.close();
    expect(source.listenerCount).toBe(listening - 1);
    const { code } = (await closable.query('SELECT 1').catch((error: unknown) => error)) as {
      code?: string;
    };
    expect(code).toBe('DB_POOL_CLOSED');
  });
});
