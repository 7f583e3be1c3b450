import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvSecretStore, envVarName } from './env.secret-store';
import { FileSecretStore } from './file.secret-store';
import { StaticDatabaseCredentials } from './static.database-credentials';

describe('envVarName', () => {
  it.each([
    ['meridian/order-gateway', 'apiKeyPepper', '', 'MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER'],
    ['meridian/tick-writer', 'dbURL', '', 'MERIDIAN_TICK_WRITER_DB_URL'],
    ['meridian/risk', 'HTTPSProxyHost', '', 'MERIDIAN_RISK_HTTPS_PROXY_HOST'],
    ['svc.v2', 'key_2', 'app', 'APP_SVC_V2_KEY_2'],
  ])('%s#%s (prefix "%s") -> %s', (path, key, prefix, expected) => {
    expect(envVarName(path, key, prefix)).toBe(expected);
  });
});

describe('EnvSecretStore', () => {
  const env = {
    MERIDIAN_ORDER_GATEWAY_API_KEY_PEPPER: 'pepper',
    MERIDIAN_ORDER_GATEWAY_ADMIN_TOKEN: 'admin',
    MERIDIAN_PORTFOLIO_OTHER: 'not mine',
  };
  const store = new EnvSecretStore(env);

  it('reads a key from its variable', async () => {
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe('pepper');
  });

  it('reads every variable under a path, keys camelCased back', async () => {
    await expect(store.getAll('meridian/order-gateway')).resolves.toEqual({
      apiKeyPepper: 'pepper',
      adminToken: 'admin',
    });
  });

  it('names the variable it looked for when a key is missing', async () => {
    await expect(store.get('meridian/order-gateway', 'signingKey')).rejects.toMatchObject({
      code: 'SECRETS_NOT_FOUND',
      message: expect.stringContaining('MERIDIAN_ORDER_GATEWAY_SIGNING_KEY') as unknown,
    });
    await expect(store.getAll('meridian/analytics')).rejects.toMatchObject({
      code: 'SECRETS_NOT_FOUND',
    });
  });

  it('rejects malformed paths and keys', async () => {
    await expect(store.get('meridian//x', 'a')).rejects.toMatchObject({
      code: 'SECRETS_PATH_INVALID',
    });
    await expect(store.get('meridian/x', 'a/b')).rejects.toMatchObject({
      code: 'SECRETS_PATH_INVALID',
    });
  });
});

describe('FileSecretStore', () => {
  let dir: string;
  let store: FileSecretStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-files-'));
    const secret = join(dir, 'meridian', 'order-gateway');
    // the layout of a projected Kubernetes secret volume
    await mkdir(join(secret, '..2026_01_01'), { recursive: true });
    await writeFile(join(secret, '..2026_01_01', 'apiKeyPepper'), 'pepper\n');
    await symlink('..2026_01_01', join(secret, '..data'));
    await symlink(join('..data', 'apiKeyPepper'), join(secret, 'apiKeyPepper'));
    await writeFile(join(secret, 'adminToken'), 'admin');
    store = new FileSecretStore(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads <dir>/<path>/<key>, dropping the trailing newline', async () => {
    await expect(store.get('meridian/order-gateway', 'apiKeyPepper')).resolves.toBe('pepper');
    await expect(store.get('meridian/order-gateway', 'adminToken')).resolves.toBe('admin');
  });

  it('reads every key of a path, ignoring the hidden entries of a mounted volume', async () => {
    await expect(store.getAll('meridian/order-gateway')).resolves.toEqual({
      apiKeyPepper: 'pepper',
      adminToken: 'admin',
    });
  });

  it('reports missing files and directories as SECRETS_NOT_FOUND with the file name', async () => {
    await expect(store.get('meridian/order-gateway', 'nope')).rejects.toMatchObject({
      code: 'SECRETS_NOT_FOUND',
      message: expect.stringContaining(join(dir, 'meridian', 'order-gateway', 'nope')) as unknown,
    });
    await expect(store.getAll('meridian/absent')).rejects.toMatchObject({
      code: 'SECRETS_NOT_FOUND',
    });
  });

  it('refuses to climb out of its directory', async () => {
    await expect(store.get('../etc', 'passwd')).rejects.toMatchObject({
      code: 'SECRETS_PATH_INVALID',
    });
    await expect(store.get('meridian/order-gateway', '..data')).rejects.toMatchObject({
      code: 'SECRETS_PATH_INVALID',
    });
  });
});

describe('StaticDatabaseCredentials', () => {
  it('takes PGUSER and PGPASSWORD and never rotates', async () => {
    const source = StaticDatabaseCredentials.fromEnv({ PGUSER: 'app', PGPASSWORD: 's3cret' });
    const listener = jest.fn();
    source.onRotate(listener)();
    await expect(source.current()).resolves.toEqual({ username: 'app', password: 's3cret' });
    await source.close();
    expect(listener).not.toHaveBeenCalled();
  });

  it('requires PGUSER', () => {
    expect(() => StaticDatabaseCredentials.fromEnv({})).toThrow(/PGUSER is required/);
  });
});
