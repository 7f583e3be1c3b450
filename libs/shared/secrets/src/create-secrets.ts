import { EnvSecretStore } from './env.secret-store';
import { FileSecretStore } from './file.secret-store';
import { type Scheduler } from './scheduler';
import { parseSecretsConfig, type SecretsConfig } from './secrets.config';
import { SecretsConfigError } from './secrets.error';
import {
  type DatabaseCredentialsSource,
  type SecretsLogger,
  type SecretStore,
} from './secrets.types';
import { StaticDatabaseCredentials } from './static.database-credentials';
import { VaultClient } from './vault.client';
import { VaultDatabaseCredentials } from './vault.database-credentials';
import { VaultSecretStore } from './vault.secret-store';

/** What a service gets from {@link createSecrets}. */
export interface Secrets {
  readonly provider: SecretsConfig['provider'];
  readonly store: SecretStore;
  /**
   * The database credentials source, created on first call (dynamic Vault credentials, or
   * static PGUSER/PGPASSWORD locally). Throws SecretsConfigError when it is not configured.
   */
  databaseCredentials(): Promise<DatabaseCredentialsSource>;
  /** Closes the credentials source (revoking its lease) and stops Vault token renewal. */
  close(): Promise<void>;
}

export interface SecretsDependencies {
  readonly logger?: SecretsLogger;
  readonly scheduler?: Scheduler;
}

/**
 * Builds the secrets provider the configuration names. Takes a parsed {@link SecretsConfig}
 * or the raw environment (validated with {@link parseSecretsConfig}). With Vault it logs in
 * before resolving, so a wrong role or an unreachable Vault fails the boot, not the first read.
 */
export async function createSecrets(
  config: SecretsConfig | Readonly<Record<string, string | undefined>>,
  deps: SecretsDependencies = {},
): Promise<Secrets> {
  const parsed = isParsed(config) ? config : parseSecretsConfig(config);
  if (parsed.provider !== 'vault') {
    const store =
      parsed.provider === 'env'
        ? new EnvSecretStore(isParsed(config) ? process.env : config, parsed.envPrefix)
        : new FileSecretStore(parsed.dir);
    const postgres = parsed.postgres;
    return {
      provider: parsed.provider,
      store,
      databaseCredentials: () => {
        if (postgres === undefined) {
          return Promise.reject(
            new SecretsConfigError(
              `PGUSER is required for database credentials with SECRETS_PROVIDER=${parsed.provider}`,
            ),
          );
        }
        return Promise.resolve(
          new StaticDatabaseCredentials({ username: postgres.user, password: postgres.password }),
        );
      },
      close: () => Promise.resolve(),
    };
  }
  const v = parsed.vault;
  const client = await VaultClient.connect({
    address: v.address,
    auth: v.auth,
    requestTimeoutMs: v.requestTimeoutMs,
    ...(v.namespace === undefined ? {} : { namespace: v.namespace }),
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
    ...(deps.scheduler === undefined ? {} : { scheduler: deps.scheduler }),
  });
  let database: Promise<VaultDatabaseCredentials> | undefined;
  return {
    provider: 'vault',
    store: new VaultSecretStore(client, { kvMount: v.kvMount, cacheTtlMs: v.cacheTtlMs }),
    databaseCredentials: () => {
      const role = v.databaseRole;
      if (role === undefined) {
        return Promise.reject(
          new SecretsConfigError('VAULT_DB_ROLE is required for dynamic database credentials'),
        );
      }
      database ??= VaultDatabaseCredentials.create(client, {
        role,
        mount: v.databaseMount,
        rotationMarginMs: v.rotationMarginMs,
        revokeGraceMs: v.revokeGraceMs,
      }).catch((error: unknown) => {
        database = undefined;
        throw error;
      });
      return database;
    },
    close: async () => {
      const pending = database;
      database = undefined;
      if (pending !== undefined)
        await pending.then((source) => source.close()).catch(() => undefined);
      await client.close();
    },
  };
}

function isParsed(
  config: SecretsConfig | Readonly<Record<string, string | undefined>>,
): config is SecretsConfig {
  const provider = (config as { provider?: unknown }).provider;
  return provider === 'vault' || provider === 'env' || provider === 'file';
}
