export * from './secrets.types';
export * from './secrets.error';
export { type Scheduler, systemScheduler } from './scheduler';
export {
  VaultClient,
  DEFAULT_SERVICE_ACCOUNT_TOKEN_PATH,
  type VaultAuth,
  type VaultClientOptions,
  type VaultDatabaseLease,
  type VaultLeaseRenewal,
} from './vault.client';
export { VaultSecretStore, type VaultSecretStoreOptions } from './vault.secret-store';
export {
  VaultDatabaseCredentials,
  type VaultDatabaseCredentialsOptions,
  type DatabaseCredentialsEvent,
  type RotationReason,
} from './vault.database-credentials';
export { EnvSecretStore, envVarName } from './env.secret-store';
export { FileSecretStore } from './file.secret-store';
export { StaticDatabaseCredentials } from './static.database-credentials';
export { parseSecretsConfig, type SecretsConfig } from './secrets.config';
export { createSecrets, type Secrets, type SecretsDependencies } from './create-secrets';
