import { createSecrets } from './create-secrets';
import { parseSecretsConfig } from './secrets.config';
import { registeredErrorCodes } from '@meridian/shared-errors';
import { VaultDouble } from './testing';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toMatchObject({ code: 'SECRETS_CONFIG_INVALID', category: 'invalid-argument' });
    return (error as Error).message;
  }
  throw new Error('expected a SecretsConfigError');
};

describe('parseSecretsConfig', () => {
  it('requires SECRETS_PROVIDER and says which values are allowed', () => {
    expect(messageOf(() => parseSecretsConfig({}))).toContain(
      'SECRETS_PROVIDER is required (vault|env|file)',
    );
    expect(messageOf(() => parseSecretsConfig({ SECRETS_PROVIDER: 'aws' }))).toContain('got "aws"');
  });

  it('lists every missing Vault variable at once', () => {
    const message = messageOf(() => parseSecretsConfig({ SECRETS_PROVIDER: 'vault' }));
    expect(message).toContain('VAULT_ADDR is required');
    expect(message).toContain('VAULT_ROLE is required when VAULT_AUTH=kubernetes');
  });

  it('requires a token for token auth and a number for timeouts', () => {
    const message = messageOf(() =>
      parseSecretsConfig({
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: 'http://vault:8200',
        VAULT_AUTH: 'token',
        VAULT_REQUEST_TIMEOUT_MS: 'soon',
      }),
    );
    expect(message).toContain('VAULT_TOKEN or VAULT_TOKEN_FILE is required when VAULT_AUTH=token');
    expect(message).toContain('VAULT_REQUEST_TIMEOUT_MS: must be a non-negative integer');
    expect(
      messageOf(() =>
        parseSecretsConfig({ SECRETS_PROVIDER: 'vault', VAULT_ADDR: 'vault', VAULT_ROLE: 'r' }),
      ),
    ).toContain('VAULT_ADDR must be a URL');
  });

  it('fills defaults for Kubernetes auth', () => {
    expect(
      parseSecretsConfig({
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: 'https://vault:8200',
        VAULT_ROLE: 'order-gateway',
        VAULT_DB_ROLE: 'orders',
      }),
    ).toEqual({
      provider: 'vault',
      vault: {
        address: 'https://vault:8200',
        auth: {
          method: 'kubernetes',
          role: 'order-gateway',
          mount: 'kubernetes',
          jwtPath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
        },
        requestTimeoutMs: 5000,
        kvMount: 'secret',
        cacheTtlMs: 60_000,
        databaseMount: 'database',
        databaseRole: 'orders',
        rotationMarginMs: 30_000,
        revokeGraceMs: 60_000,
      },
    });
  });

  it('requires SECRETS_DIR for the file provider', () => {
    expect(messageOf(() => parseSecretsConfig({ SECRETS_PROVIDER: 'file' }))).toContain(
      'SECRETS_DIR is required',
    );
  });
});

describe('createSecrets', () => {
  it('builds the env provider with static database credentials from PG*', async () => {
    const secrets = await createSecrets({
      SECRETS_PROVIDER: 'env',
      MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER: 'pepper',
      PGUSER: 'postgres',
    });
    await expect(secrets.store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe(
      'pepper',
    );
    await expect((await secrets.databaseCredentials()).current()).resolves.toEqual({
      username: 'postgres',
      password: '',
    });
    await secrets.close();
  });

  it('fails clearly when database credentials are asked for but not configured', async () => {
    const local = await createSecrets({ SECRETS_PROVIDER: 'env' });
    await expect(local.databaseCredentials()).rejects.toMatchObject({
      code: 'SECRETS_CONFIG_INVALID',
      message: expect.stringContaining('PGUSER') as unknown,
    });

    const vault = await VaultDouble.start({ secrets: { 'meridian/x': { a: '1' } } });
    try {
      const secrets = await createSecrets({
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: vault.address,
        VAULT_AUTH: 'token',
        VAULT_TOKEN: vault.createToken(),
      });
      expect(secrets.provider).toBe('vault');
      await expect(secrets.store.get('meridian/x', 'a')).resolves.toBe('1');
      await expect(secrets.databaseCredentials()).rejects.toMatchObject({
        code: 'SECRETS_CONFIG_INVALID',
        message: expect.stringContaining('VAULT_DB_ROLE') as unknown,
      });
      await secrets.close();
    } finally {
      await vault.close();
    }
  });

  it('creates the dynamic credentials source once and closes it with the secrets', async () => {
    const vault = await VaultDouble.start({
      database: { roles: { orders: { ttlSeconds: 3600, maxTtlSeconds: 7200 } } },
    });
    try {
      const secrets = await createSecrets({
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: vault.address,
        VAULT_AUTH: 'token',
        VAULT_TOKEN: vault.createToken(),
        VAULT_DB_ROLE: 'orders',
      });
      const [a, b] = await Promise.all([
        secrets.databaseCredentials(),
        secrets.databaseCredentials(),
      ]);
      expect(a).toBe(b);
      expect(vault.leases()).toHaveLength(1);
      await secrets.close();
      expect(vault.leases()[0]?.revoked).toBe(true);
    } finally {
      await vault.close();
    }
  });

  it('fails the boot when Vault is unreachable', async () => {
    await expect(
      createSecrets({
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: 'http://127.0.0.1:1',
        VAULT_AUTH: 'token',
        VAULT_TOKEN: 't',
      }),
    ).rejects.toMatchObject({
      code: 'SECRETS_UNAVAILABLE',
      message: expect.stringContaining('http://127.0.0.1:1') as unknown,
    });
  });
});

describe('error codes', () => {
  it('are all reserved under the SECRETS_ prefix by their classes', () => {
    const mine = [...registeredErrorCodes()].filter(([code]) => code.startsWith('SECRETS_'));
    expect(mine.map(([code]) => code).sort()).toEqual([
      'SECRETS_AUTH_FAILED',
      'SECRETS_CONFIG_INVALID',
      'SECRETS_FORBIDDEN',
      'SECRETS_NOT_FOUND',
      'SECRETS_PATH_INVALID',
      'SECRETS_REJECTED',
      'SECRETS_UNAVAILABLE',
    ]);
  });
});
