/**
 * Contracts of the secrets lib. Providers (Vault, env/file) implement them; consumers
 * (persistence, the gateway's API-key pepper, ...) depend only on these interfaces.
 */

/** Static secrets: KV v2 in Vault, env vars or files locally. */
export interface SecretStore {
  /** Reads one key of a secret at `path` (e.g. `meridian/order-gateway`, key `apiKeyPepper`). */
  get(path: string, key: string): Promise<string>;
  /** Reads every key of a secret at `path`. */
  getAll(path: string): Promise<Readonly<Record<string, string>>>;
}

/** Credentials for PostgreSQL, static or dynamic (a Vault database-engine lease). */
export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
  /** Vault lease id for dynamic credentials; absent for static ones. */
  readonly leaseId?: string;
  /** Epoch milliseconds after which the credentials stop working; absent = never. */
  readonly expiresAt?: number;
}

/**
 * A source of database credentials that may change over time. Dynamic sources renew their
 * lease and, before it reaches its max TTL, obtain new credentials and call the listeners so
 * the pool can rotate (open new connections with the new ones, drain the old).
 */
export interface DatabaseCredentialsSource {
  current(): Promise<DatabaseCredentials>;
  onRotate(listener: (next: DatabaseCredentials) => void): () => void;
  close(): Promise<void>;
}

/**
 * The logging the secrets lib needs. Its call shape is pino's (`logger.info(fields, message)`),
 * so a pino logger can be passed as is, without this lib depending on pino.
 */
export interface SecretsLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything: the default when none is given. */
export const silentSecretsLogger: SecretsLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
