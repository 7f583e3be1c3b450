import { type DatabaseCredentials } from './secrets.types';
import { ManualScheduler, VaultDouble } from './testing';
import { VaultClient } from './vault.client';
import {
  type DatabaseCredentialsEvent,
  VaultDatabaseCredentials,
} from './vault.database-credentials';

describe('VaultDatabaseCredentials lease lifecycle', () => {
  let scheduler: ManualScheduler;
  let vault: VaultDouble;
  let client: VaultClient;
  let source: VaultDatabaseCredentials | undefined;
  let events: DatabaseCredentialsEvent[];

  const start = async (ttlSeconds: number, maxTtlSeconds: number): Promise<void> => {
    scheduler = new ManualScheduler();
    vault = await VaultDouble.start({
      now: () => scheduler.now(),
      database: { roles: { orders: { ttlSeconds, maxTtlSeconds } } },
    });
    client = await VaultClient.connect({
      address: vault.address,
      auth: { method: 'token', token: vault.createToken() },
      scheduler,
    });
  };
  const create = async (
    options: { rotationMarginMs?: number; revokeGraceMs?: number; revokeOnClose?: boolean } = {},
  ): Promise<VaultDatabaseCredentials> => {
    source = await VaultDatabaseCredentials.create(client, { role: 'orders', ...options });
    events = [];
    source.onEvent((event) => events.push(event));
    return source;
  };

  afterEach(async () => {
    await source?.close();
    source = undefined;
    await client.close();
    await vault.close();
  });

  it('issues credentials with their lease and renews the lease at 2/3 of its duration', async () => {
    await start(60, 3600);
    const creds = await create();
    const first = await creds.current();
    expect(first).toMatchObject({
      username: expect.stringMatching(/^v-orders-/) as unknown,
      leaseId: expect.stringMatching(/^database\/creds\/orders\//) as unknown,
    });
    expect(first.expiresAt).toBe(scheduler.now() + 60_000);

    await scheduler.advance(40_000);
    expect(vault.count('PUT', 'sys/leases/renew')).toBe(1);
    expect(events).toEqual([{ type: 'renewed', leaseId: first.leaseId, ttlSeconds: 60 }]);
    const after = await creds.current();
    expect(after.username).toBe(first.username);
    expect(after.expiresAt).toBe(scheduler.now() + 60_000);
    expect(vault.leases()[0]?.renewals).toBe(1);
  });

  it('rotates before the old lease expires when max TTL nears, then revokes the old lease after the grace period', async () => {
    await start(60, 100);
    const creds = await create({ rotationMarginMs: 10_000, revokeGraceMs: 20_000 });
    const t0 = scheduler.now();
    const first = await creds.current();
    const rotated: DatabaseCredentials[] = [];
    creds.onRotate((next) => rotated.push(next));

    await scheduler.advance(40_000); // renewed to the 100 s max
    await scheduler.advance(40_000); // 80 s: renewal capped to 20 s
    expect(events.map((e) => e.type)).toEqual(['renewed', 'renewed']);
    expect(rotated).toHaveLength(0);

    await scheduler.advance(10_000); // 90 s: margin before the 100 s expiry
    expect(rotated).toHaveLength(1);
    const second = rotated[0];
    expect(second?.username).not.toBe(first.username);
    expect(await creds.current()).toEqual(second);
    expect(events.at(-1)).toEqual({
      type: 'rotated',
      previousLeaseId: first.leaseId,
      leaseId: second?.leaseId,
      reason: 'max-ttl',
    });
    const old = vault.leases().find((l) => l.leaseId === first.leaseId);
    expect(old?.revoked).toBe(false);
    expect(old?.expiresAt).toBe(t0 + 100_000);

    await scheduler.advance(19_000);
    expect(vault.leases().find((l) => l.leaseId === first.leaseId)?.revoked).toBe(false);
    await scheduler.advance(1_000); // 110 s: grace over
    expect(vault.leases().find((l) => l.leaseId === first.leaseId)?.revoked).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'revoked', leaseId: first.leaseId });
    expect(vault.leases().find((l) => l.leaseId === second?.leaseId)?.revoked).toBe(false);
  });

  it('rotates at once when Vault refuses to renew the lease', async () => {
    await start(60, 3600);
    const creds = await create();
    const first = await creds.current();
    const rotated: DatabaseCredentials[] = [];
    creds.onRotate((next) => rotated.push(next));
    vault.faults.denyLeaseRenewal = true;

    await scheduler.advance(40_000);
    expect(events.map((e) => e.type)).toEqual(['failed', 'rotated']);
    expect(events[0]).toMatchObject({ operation: 'renew', error: { code: 'SECRETS_REJECTED' } });
    expect(events[1]).toMatchObject({ reason: 'renewal-failed' });
    expect(rotated[0]?.username).not.toBe(first.username);
  });

  it('retries a failed rotation while the old credentials still work, and recovers when Vault is back', async () => {
    await start(60, 3600);
    const creds = await create({ rotationMarginMs: 10_000 });
    const first = await creds.current();
    vault.faults.status = 503;

    await scheduler.advance(40_000); // renewal fails -> rotation fails -> retry planned
    expect(events.map((e) => e.type)).toEqual(['failed', 'failed']);
    expect(events[1]).toMatchObject({
      operation: 'rotate',
      error: { code: 'SECRETS_UNAVAILABLE' },
    });
    await expect(creds.current()).resolves.toEqual(first);

    vault.faults.status = undefined;
    await scheduler.advance(5_000);
    expect(events.at(-1)).toMatchObject({ type: 'rotated', previousLeaseId: first.leaseId });
    expect((await creds.current()).username).not.toBe(first.username);
  });

  it('fails with SECRETS_UNAVAILABLE when the credentials expired and Vault cannot issue new ones', async () => {
    await start(60, 3600);
    const creds = await create();
    vault.faults.mode = 'reset';
    await scheduler.advance(61_000);
    await expect(creds.current()).rejects.toMatchObject({
      code: 'SECRETS_UNAVAILABLE',
      message: expect.stringContaining(vault.address) as unknown,
    });
  });

  it('revokes the live lease and the draining one on close and leaves no timer behind', async () => {
    await start(60, 100);
    const creds = await create({ rotationMarginMs: 10_000, revokeGraceMs: 60_000 });
    await scheduler.advance(90_000); // rotated; old lease draining
    expect(vault.leases()).toHaveLength(2);

    await creds.close();
    source = undefined;
    expect(vault.leases().every((l) => l.revoked)).toBe(true);
    expect(scheduler.pending).toBe(0);
    await expect(creds.current()).rejects.toMatchObject({ code: 'SECRETS_REJECTED' });
  });

  it('keeps the lease alive on close when asked to', async () => {
    await start(60, 3600);
    const creds = await create({ revokeOnClose: false });
    await creds.close();
    source = undefined;
    expect(vault.leases()[0]?.revoked).toBe(false);
  });

  it('fails to create with a precise error for an unknown role', async () => {
    await start(60, 3600);
    await expect(VaultDatabaseCredentials.create(client, { role: 'nope' })).rejects.toMatchObject({
      code: 'SECRETS_REJECTED',
      message: expect.stringContaining('unknown role: nope') as unknown,
    });
  });
});
