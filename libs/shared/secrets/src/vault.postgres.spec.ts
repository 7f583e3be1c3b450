import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type DatabaseCredentials } from './secrets.types';
import { type IssuedCredentials, ManualScheduler, VaultDouble } from './testing';
import { VaultClient } from './vault.client';
import { VaultDatabaseCredentials } from './vault.database-credentials';

const PG = { host: '127.0.0.1', port: 5432, database: 'test' };

/** Dynamic credentials end to end: the double creates and drops REAL PostgreSQL roles. */
describe('VaultDatabaseCredentials with a real PostgreSQL', () => {
  const role = `secrets_it_${randomBytes(3).toString('hex')}`;
  const created = new Set<string>();
  let admin: Client;
  let scheduler: ManualScheduler;
  let vault: VaultDouble;
  let client: VaultClient;

  const createRole = async (issued: IssuedCredentials): Promise<void> => {
    created.add(issued.username);
    await admin.query(
      `CREATE ROLE ${admin.escapeIdentifier(issued.username)} LOGIN PASSWORD ${admin.escapeLiteral(issued.password)} ` +
        `VALID UNTIL ${admin.escapeLiteral(issued.maxExpiresAt.toISOString())}`,
    );
  };
  const dropRole = async (username: string): Promise<void> => {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
      username,
    ]);
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(username)}`);
  };
  const selectOne = async (creds: DatabaseCredentials): Promise<number> => {
    const conn = new Client({ ...PG, user: creds.username, password: creds.password });
    await conn.connect();
    try {
      const result = await conn.query<{ one: number }>('SELECT 1 AS one');
      return result.rows[0]?.one ?? 0;
    } finally {
      await conn.end();
    }
  };

  beforeAll(async () => {
    admin = new Client({ ...PG, user: 'postgres' });
    await admin.connect();
    scheduler = new ManualScheduler();
    vault = await VaultDouble.start({
      now: () => scheduler.now(),
      database: {
        roles: { [role]: { ttlSeconds: 60, maxTtlSeconds: 100 } },
        onCreds: createRole,
        onRevoke: (issued) => dropRole(issued.username),
      },
    });
    client = await VaultClient.connect({
      address: vault.address,
      auth: { method: 'token', token: vault.createToken() },
      scheduler,
    });
  });

  afterAll(async () => {
    await client.close();
    await vault.close();
    for (const username of created) await dropRole(username);
    await admin.end();
  });

  it('hands out credentials of a real role, rotates to another working role, and revoking drops the old one', async () => {
    const source = await VaultDatabaseCredentials.create(client, {
      role,
      rotationMarginMs: 10_000,
      revokeGraceMs: 20_000,
    });
    const first = await source.current();
    await expect(selectOne(first)).resolves.toBe(1);

    const rotated = new Promise<DatabaseCredentials>((resolve) => source.onRotate(resolve));
    await scheduler.advance(90_000); // renew, capped renew, rotation 10 s before the max TTL
    const second = await rotated;
    expect(second.username).not.toBe(first.username);
    await expect(selectOne(second)).resolves.toBe(1);
    await expect(selectOne(first)).resolves.toBe(1); // still valid while the pool drains

    await scheduler.advance(20_000); // grace over: the old lease is revoked, its role dropped
    await expect(selectOne(first)).rejects.toThrow(/does not exist|authentication failed/);
    await expect(selectOne(second)).resolves.toBe(1);

    await source.close();
    await expect(selectOne(second)).rejects.toThrow(/does not exist|authentication failed/);
    const { rows } = await admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_roles WHERE rolname = ANY($1)',
      [[...created]],
    );
    expect(rows[0]?.n).toBe('0');
  });
});
