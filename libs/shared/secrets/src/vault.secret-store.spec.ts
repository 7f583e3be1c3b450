import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualScheduler, VaultDouble } from './testing';
import { VaultClient } from './vault.client';
import { VaultSecretStore } from './vault.secret-store';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.service-account.signature';

describe('VaultSecretStore over node-vault against the Vault double', () => {
  let dir: string;
  let jwtPath: string;
  let scheduler: ManualScheduler;
  let vault: VaultDouble;
  let client: VaultClient | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-kv-'));
    jwtPath = join(dir, 'token');
    await writeFile(jwtPath, `${JWT}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    scheduler = new ManualScheduler();
    vault = await VaultDouble.start({
      now: () => scheduler.now(),
      kubernetes: { role: 'order-gateway', jwt: JWT, tokenTtlSeconds: 3600 },
      secrets: { 'meridian/order-gateway': { apiKeyPepper: 'pepper-1', port: 8443 } },
      forbiddenPaths: ['secret/data/meridian/risk'],
    });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await vault.close();
  });

  const connect = async (overrides: { requestTimeoutMs?: number } = {}): Promise<VaultClient> => {
    client = await VaultClient.connect({
      address: vault.address,
      auth: { method: 'kubernetes', role: 'order-gateway', jwtPath },
      scheduler,
      requestTimeoutMs: overrides.requestTimeoutMs ?? 2000,
    });
    return client;
  };

  it('logs in with the service-account JWT, reads KV v2 with the issued token, and serves repeats from cache', async () => {
    const store = new VaultSecretStore(await connect(), { cacheTtlMs: 60_000 });

    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe('pepper-1');
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe('pepper-1');
    await expect(store.getAll('meridian/order-gateway')).resolves.toEqual({
      apiKeyPepper: 'pepper-1',
      port: '8443',
    });

    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(1);
    const reads = vault.requests.filter((r) => r.path === 'secret/data/meridian/order-gateway');
    expect(reads).toHaveLength(1);
    const login = vault.requests.find((r) => r.path === 'auth/kubernetes/login');
    expect(login?.token).toBeUndefined();
    expect(reads[0]?.token).toMatch(/^hvs\./);
  });

  it('reads again once the cache TTL has passed, and sees the new version', async () => {
    const store = new VaultSecretStore(await connect(), { cacheTtlMs: 60_000 });
    await store.get('meridian/order-gateway', 'apiKeyPepper');
    vault.setSecret('meridian/order-gateway', { apiKeyPepper: 'pepper-2' });

    await scheduler.advance(59_000);
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe('pepper-1');
    await scheduler.advance(2_000);
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe('pepper-2');
    expect(vault.count('GET', 'secret/data/')).toBe(2);
  });

  it('shares one request between concurrent misses', async () => {
    const store = new VaultSecretStore(await connect());
    const values = await Promise.all(
      [1, 2, 3].map(() => store.get('meridian/order-gateway', 'apiKeyPepper')),
    );
    expect(values).toEqual(['pepper-1', 'pepper-1', 'pepper-1']);
    expect(vault.count('GET', 'secret/data/')).toBe(1);
  });

  it('reports a missing path and a missing key as SECRETS_NOT_FOUND', async () => {
    const store = new VaultSecretStore(await connect());
    await expect(store.get('meridian/nothing-here', 'x')).rejects.toMatchObject({
      code: 'SECRETS_NOT_FOUND',
      category: 'not-found',
      message: expect.stringContaining('secret/meridian/nothing-here') as unknown,
    });
    await expect(store.get('meridian/order-gateway', 'missingKey')).rejects.toMatchObject({
      code: 'SECRETS_NOT_FOUND',
      metadata: { path: 'meridian/order-gateway', key: 'missingKey' },
    });
  });

  it('reports permission denied as SECRETS_FORBIDDEN without logging in again when the token is fine', async () => {
    const store = new VaultSecretStore(await connect());
    await expect(store.get('meridian/risk', 'killSwitchKey')).rejects.toMatchObject({
      code: 'SECRETS_FORBIDDEN',
      category: 'permission-denied',
      message: expect.stringContaining('permission denied') as unknown,
    });
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(1);
  });

  it('logs in again and retries once when Vault no longer knows the token', async () => {
    const store = new VaultSecretStore(await connect());
    vault.revokeAllTokens();
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe('pepper-1');
    expect(vault.count('POST', 'auth/kubernetes/login')).toBe(2);
  });

  it('rejects malformed paths before asking Vault', async () => {
    const store = new VaultSecretStore(await connect());
    await expect(store.get('meridian/../root', 'x')).rejects.toMatchObject({
      code: 'SECRETS_PATH_INVALID',
    });
    await expect(store.getAll('/meridian')).rejects.toMatchObject({ code: 'SECRETS_PATH_INVALID' });
    expect(vault.count('GET', 'secret/')).toBe(0);
  });

  it('fails with SECRETS_UNAVAILABLE naming the address and the timeout when Vault never answers', async () => {
    const store = new VaultSecretStore(await connect({ requestTimeoutMs: 300 }));
    vault.faults.mode = 'hang';
    const error: unknown = await store
      .get('meridian/order-gateway', 'apiKeyPepper')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SECRETS_UNAVAILABLE', category: 'unavailable' });
    expect((error as Error).message).toContain(vault.address);
    expect((error as Error).message).toContain('timeout after 300 ms');
  });

  it('fails with SECRETS_UNAVAILABLE when Vault answers 500 or is sealed', async () => {
    const store = new VaultSecretStore(await connect(), { cacheTtlMs: 0 });
    vault.faults.status = 500;
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).rejects.toMatchObject({
      code: 'SECRETS_UNAVAILABLE',
      message: expect.stringContaining('HTTP 500') as unknown,
    });
    vault.faults.status = 503;
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).rejects.toMatchObject({
      code: 'SECRETS_UNAVAILABLE',
      message: expect.stringContaining('Vault is sealed') as unknown,
    });
    vault.faults.status = undefined;
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe('pepper-1');
  });

  it('fails with SECRETS_UNAVAILABLE when the connection is reset', async () => {
    const store = new VaultSecretStore(await connect());
    vault.faults.mode = 'reset';
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).rejects.toMatchObject({
      code: 'SECRETS_UNAVAILABLE',
      message: expect.stringContaining(vault.address) as unknown,
    });
  });
});

describe('VaultClient login failures', () => {
  let dir: string;
  let vault: VaultDouble;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-login-'));
    vault = await VaultDouble.start({ kubernetes: { role: 'portfolio', jwt: JWT } });
  });
  afterAll(async () => {
    await vault.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with SECRETS_UNAVAILABLE naming the address and ECONNREFUSED when nothing listens', async () => {
    const gone = await VaultDouble.start();
    const address = gone.address;
    await gone.close();
    const error: unknown = await VaultClient.connect({
      address,
      auth: { method: 'token', token: 'hvs.whatever' },
      requestTimeoutMs: 1000,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SECRETS_UNAVAILABLE' });
    expect((error as Error).message).toContain(address);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('fails with SECRETS_AUTH_FAILED when Vault rejects the JWT', async () => {
    const jwtPath = join(dir, 'wrong');
    await writeFile(jwtPath, 'not-the-jwt');
    await expect(
      VaultClient.connect({
        address: vault.address,
        auth: { method: 'kubernetes', role: 'portfolio', jwtPath },
      }),
    ).rejects.toMatchObject({
      code: 'SECRETS_AUTH_FAILED',
      message: expect.stringContaining('permission denied') as unknown,
    });
  });

  it('fails with SECRETS_AUTH_FAILED naming the file when the service-account token is missing', async () => {
    const jwtPath = join(dir, 'absent');
    await expect(
      VaultClient.connect({
        address: vault.address,
        auth: { method: 'kubernetes', role: 'portfolio', jwtPath },
      }),
    ).rejects.toMatchObject({
      code: 'SECRETS_AUTH_FAILED',
      message: expect.stringContaining(jwtPath) as unknown,
    });
  });

  it('fails with SECRETS_AUTH_FAILED when the configured token is not valid', async () => {
    await expect(
      VaultClient.connect({
        address: vault.address,
        auth: { method: 'token', token: 'hvs.unknown' },
      }),
    ).rejects.toMatchObject({ code: 'SECRETS_AUTH_FAILED' });
  });

  it('reads the token from a file for token auth', async () => {
    const tokenPath = join(dir, 'vault-token');
    await writeFile(tokenPath, `${vault.createToken()}\n`);
    const client = await VaultClient.connect({
      address: vault.address,
      auth: { method: 'token', tokenPath },
    });
    await expect(client.read('secret/data/absent')).rejects.toMatchObject({
      code: 'SECRETS_NOT_FOUND',
    });
    await client.close();
  });
});
