import { SecretsConfigError } from './secrets.error';
import { type DatabaseCredentials, type DatabaseCredentialsSource } from './secrets.types';

/** Fixed credentials (local runs, tests): never rotate. */
export class StaticDatabaseCredentials implements DatabaseCredentialsSource {
  private readonly credentials: DatabaseCredentials;

  constructor(credentials: DatabaseCredentials) {
    this.credentials = Object.freeze({
      username: credentials.username,
      password: credentials.password,
    });
  }

  /** From libpq's variables: PGUSER (required) and PGPASSWORD (empty when unset, e.g. trust auth). */
  static fromEnv(
    env: Readonly<Record<string, string | undefined>> = process.env,
  ): StaticDatabaseCredentials {
    const username = env['PGUSER'];
    if (username === undefined || username.trim() === '') {
      throw new SecretsConfigError(
        'PGUSER is required for static database credentials (SECRETS_PROVIDER=env|file)',
        {
          metadata: { variable: 'PGUSER' },
        },
      );
    }
    return new StaticDatabaseCredentials({ username, password: env['PGPASSWORD'] ?? '' });
  }

  current(): Promise<DatabaseCredentials> {
    return Promise.resolve(this.credentials);
  }

  onRotate(_listener: (next: DatabaseCredentials) => void): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
