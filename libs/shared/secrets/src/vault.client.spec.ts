import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SecretsLogger } from './secrets.types';
import { ManualScheduler, VaultDouble } from './testing';
import { VaultClient } from './vault.client';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.executor.signature';

function recordingLogger(): SecretsLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (message: string): void => {
    lines.push(message);
  };
  return { lines, info: (_f, m) => log(m), warn: (_f, m) => log(m), error: (_f, m) => log(m) };
}

describe('VaultClient token lifecycle', () => {
  let dir: string;
  let jwtPath: string;
  let scheduler: ManualScheduler;
  let vault: VaultDouble;
  let client: VaultClient | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-token-'));
    jwtPath = join(dir, 'token');
    await writeFile(jwtPath, JWT);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await vault.close();
  });

  const start = async (tokenTtlSeconds: number, tokenMaxTtlSeconds: number): Promise<void> => {
    scheduler = new ManualScheduler();
    vault = await VaultDouble.start({
      now: () => scheduler.now(),
      kubernetes: { role: 'executor', jwt: JWT, tokenTtlSeconds, tokenMaxTtlSeconds },
      secrets: { 'meridian/executor': { signingKey: 'k' } },
    });
  };
  const connect = async (logger?: SecretsLogger): Promise<VaultClient> => {
    client = await VaultClient.connect({
      address: vault.address,
      auth: { method: 'kubernetes', role: 'executor', jwtPath },
      scheduler,
      ...(logger === undefined ? {} : { logger }),
    });
    return client;
  };

  it('renews its token at 2/3 of the TTL, so it outlives the first TTL', async () => {
    await start(60, 3600);
    const c = await connect();
    expect(scheduler.nextDelay()).toBe(40_000);

    await scheduler.advance(39_000);
    expect(vault.count('POST', 'auth/token/renew-self')).toBe(0);
    await scheduler.advance(1_000);
    expect(vault.count('POST', 'auth/token/renew-self')).toBe(1);

    await scheduler.advance(40_000); // 80 s: past the first TTL, renewed twice
    expect(vault.count('POST', 'auth/token/renew-self')).toBe(2);
    await expect(c.read('secret/data/meridian/executor')).resolves.toMatchObject({
      data: { data: { signingKey: 'k' } },
    });
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(1);
  });

  it('logs in again before the token reaches its max TTL', async () => {
    await start(60, 100);
    const logger = recordingLogger();
    const c = await connect(logger);
    const t0 = scheduler.now();

    await scheduler.advance(40_000); // renewal grants the full 60 s (max at 100 s)
    await scheduler.advance(40_000); // 80 s: renewal is capped to 20 s -> re-login planned
    expect(vault.count('POST', 'auth/token/renew-self')).toBe(2);
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(1);

    await scheduler.advance(13_000); // 93 s
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(1);
    await scheduler.advance(1_000); // 94 s: 2/3 into the capped 20 s, before the old token dies at 100 s
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(2);
    await scheduler.advance(10_000); // 104 s: the first token is dead, the new one works
    await expect(c.read('secret/data/meridian/executor')).resolves.toBeDefined();
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(2);
    expect(c.tokenExpiresAt).toBeGreaterThan(t0 + 150_000);
    expect(logger.lines).toContain('vault kubernetes login');
  });

  it('logs in again at once when renewal is refused, and keeps retrying while Vault is down', async () => {
    await start(60, 3600);
    const logger = recordingLogger();
    await connect(logger);
    vault.faults.denyTokenRenewal = true;

    await scheduler.advance(40_000);
    expect(vault.count('POST', 'auth/token/renew-self')).toBe(1);
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(2);
    expect(logger.lines).toContain('vault token renewal failed');

    vault.faults.status = 503;
    await scheduler.advance(40_000); // renewal and re-login both fail
    expect(logger.lines).toContain('vault re-login failed; retrying');
    expect(scheduler.nextDelay()).toBe(5_000);
    vault.faults.status = undefined;
    await scheduler.advance(5_000);
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(4);
  });

  it('renews a token given through token auth and stops all timers on close', async () => {
    await start(60, 3600);
    const token = vault.createToken({ ttlSeconds: 30, maxTtlSeconds: 3600 });
    client = await VaultClient.connect({
      address: vault.address,
      auth: { method: 'token', token },
      scheduler,
    });
    expect(vault.count('GET', 'auth/token/lookup-self')).toBe(1);

    await scheduler.advance(20_000);
    expect(
      vault.requests.filter((r) => r.path === 'auth/token/renew-self').map((r) => r.token),
    ).toEqual([token]);
    expect(scheduler.pending).toBe(1);
    await client.close();
    expect(scheduler.pending).toBe(0);
  });

  it('plans nothing for a token without expiry', async () => {
    await start(60, 3600);
    client = await VaultClient.connect({
      address: vault.address,
      auth: { method: 'token', token: vault.createToken() },
      scheduler,
    });
    expect(client.tokenExpiresAt).toBeUndefined();
    expect(scheduler.pending).toBe(0);
  });
});
