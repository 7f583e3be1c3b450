import { readFile } from 'node:fs/promises';
import { type MeridianError } from '@meridian/shared-errors';
import nodeVault from 'node-vault';
import { z } from 'zod';
import { type Scheduler, systemScheduler } from './scheduler';
import {
  SecretNotFoundError,
  SecretsAuthError,
  SecretsForbiddenError,
  SecretsRejectedError,
  SecretsUnavailableError,
} from './secrets.error';
import { type SecretsLogger, silentSecretsLogger } from './secrets.types';

/** Where a pod finds its projected service-account token. */
export const DEFAULT_SERVICE_ACCOUNT_TOKEN_PATH =
  '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** How the client proves who it is to Vault. */
export type VaultAuth =
  | {
      readonly method: 'kubernetes';
      /** Vault role bound to this service account. */
      readonly role: string;
      /** Mount of the Kubernetes auth method; default `kubernetes`. */
      readonly mount?: string;
      /** Service-account JWT file; default {@link DEFAULT_SERVICE_ACCOUNT_TOKEN_PATH}. */
      readonly jwtPath?: string;
    }
  | {
      readonly method: 'token';
      /** The token itself (VAULT_TOKEN), or ... */
      readonly token?: string;
      /** ... a file holding it (e.g. `~/.vault-token`). */
      readonly tokenPath?: string;
    };

export interface VaultClientOptions {
  /** Vault address, e.g. `https://vault.vault.svc:8200`. */
  readonly address: string;
  readonly auth: VaultAuth;
  /** Vault Enterprise namespace (X-Vault-Namespace). */
  readonly namespace?: string;
  /** Every request fails with SECRETS_UNAVAILABLE after this long; default 5000 ms. */
  readonly requestTimeoutMs?: number;
  /** Renew the token when this fraction of its TTL has passed; default 2/3. */
  readonly renewFraction?: number;
  /** Wait before retrying a failed token renewal or login; default 5000 ms. */
  readonly retryDelayMs?: number;
  readonly scheduler?: Scheduler;
  readonly logger?: SecretsLogger;
}

/** Dynamic credentials as Vault's database engine issues them. */
export interface VaultDatabaseLease {
  readonly leaseId: string;
  readonly leaseDurationSeconds: number;
  readonly renewable: boolean;
  readonly username: string;
  readonly password: string;
}

/** What `sys/leases/renew` granted. */
export interface VaultLeaseRenewal {
  readonly leaseId: string;
  readonly leaseDurationSeconds: number;
  readonly renewable: boolean;
}

const AuthResponse = z.object({
  auth: z.object({
    client_token: z.string().min(1),
    lease_duration: z.number().int().nonnegative(),
    renewable: z.boolean(),
  }),
});
const LookupSelfResponse = z.object({
  data: z.object({ ttl: z.number().int().nonnegative(), renewable: z.boolean().optional() }),
});
const CredsResponse = z.object({
  lease_id: z.string().min(1),
  lease_duration: z.number().int().nonnegative(),
  renewable: z.boolean(),
  data: z.object({ username: z.string().min(1), password: z.string().min(1) }),
});
const RenewResponse = z.object({
  lease_id: z.string().min(1),
  lease_duration: z.number().int().nonnegative(),
  renewable: z.boolean(),
});
const ApiErrorShape = z.object({
  response: z.object({
    statusCode: z.number(),
    body: z
      .object({ errors: z.array(z.string()).optional() })
      .passthrough()
      .nullish()
      .catch(null),
  }),
});
const NetworkErrorShape = z.object({ code: z.string().optional(), message: z.string() });

/**
 * A logged-in Vault client on top of node-vault: Kubernetes or token auth, token self-renewal
 * at ~2/3 of its TTL, re-login (Kubernetes) when renewal fails or the token nears its max TTL,
 * request timeouts, and Vault's answers mapped to precise Meridian errors.
 */
export class VaultClient {
  readonly address: string;
  readonly scheduler: Scheduler;
  readonly logger: SecretsLogger;
  private readonly vault: nodeVault.client;
  private readonly loginVault: nodeVault.client;
  private readonly timeoutMs: number;
  private readonly renewFraction: number;
  private readonly retryDelayMs: number;
  private cancelTokenTimer: (() => void) | undefined;
  private relogin: Promise<void> | undefined;
  private tokenTtlSeconds = 0;
  private expiresAt: number | undefined;
  private closed = false;

  private constructor(private readonly options: VaultClientOptions) {
    this.address = options.address.replace(/\/+$/, '');
    this.scheduler = options.scheduler ?? systemScheduler;
    this.logger = options.logger ?? silentSecretsLogger;
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
    this.renewFraction = options.renewFraction ?? 2 / 3;
    this.retryDelayMs = options.retryDelayMs ?? 5000;
    const config: nodeVault.VaultOptions = {
      endpoint: this.address,
      requestOptions: { timeout: this.timeoutMs },
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    };
    this.vault = nodeVault(config);
    // A separate token-less client logs in, so a stale token never rides along on a login.
    this.loginVault = nodeVault(config);
    // node-vault falls back to process.env.VAULT_TOKEN; the token must come from our auth only.
    this.vault.token = '';
    this.loginVault.token = '';
  }

  /** Creates the client and logs in (or validates the given token); fails fast when it cannot. */
  static async connect(options: VaultClientOptions): Promise<VaultClient> {
    const client = new VaultClient(options);
    await client.authenticate();
    return client;
  }

  /** Epoch ms when the current token expires; undefined for a non-expiring token. */
  get tokenExpiresAt(): number | undefined {
    return this.expiresAt;
  }

  /** GET `/v1/<path>`; the raw body (parse it at the call site). */
  read(path: string): Promise<unknown> {
    return this.call(`reading ${path}`, () => this.vault.read(path));
  }

  /** Issues dynamic credentials: GET `/v1/<mount>/creds/<role>`. */
  async generateDatabaseCredentials(mount: string, role: string): Promise<VaultDatabaseLease> {
    const what = `reading ${mount}/creds/${role}`;
    const body = await this.call(what, () =>
      this.vault.generateDatabaseCredentials({ databasePath: mount, name: role }),
    );
    const parsed = this.parse(CredsResponse, body, what);
    return {
      leaseId: parsed.lease_id,
      leaseDurationSeconds: parsed.lease_duration,
      renewable: parsed.renewable,
      username: parsed.data.username,
      password: parsed.data.password,
    };
  }

  /** PUT `/v1/sys/leases/renew`; Vault may grant less than `incrementSeconds` (max TTL). */
  async renewLease(leaseId: string, incrementSeconds: number): Promise<VaultLeaseRenewal> {
    const what = `renewing lease ${leaseId}`;
    const body = await this.call(what, () =>
      this.vault.renew({ lease_id: leaseId, increment: incrementSeconds }),
    );
    const parsed = this.parse(RenewResponse, body, what);
    return {
      leaseId: parsed.lease_id,
      leaseDurationSeconds: parsed.lease_duration,
      renewable: parsed.renewable,
    };
  }

  /** PUT `/v1/sys/leases/revoke`: the credentials stop working now. */
  async revokeLease(leaseId: string): Promise<void> {
    await this.call(`revoking lease ${leaseId}`, () => this.vault.revoke({ lease_id: leaseId }));
  }

  /** Stops token renewal. Leases are the business of their owners. */
  close(): Promise<void> {
    this.closed = true;
    this.cancelTokenTimer?.();
    this.cancelTokenTimer = undefined;
    return Promise.resolve();
  }

  private async authenticate(): Promise<void> {
    const auth = this.options.auth;
    if (auth.method === 'kubernetes') {
      await this.login();
      return;
    }
    const token =
      auth.token ??
      (auth.tokenPath === undefined ? undefined : await readSecretFile(auth.tokenPath));
    if (token === undefined || token === '') {
      throw new SecretsAuthError(
        'Vault token auth needs a token: set VAULT_TOKEN or VAULT_TOKEN_FILE',
      );
    }
    this.vault.token = token;
    let body: unknown;
    try {
      body = await this.call(
        'looking up the token (auth/token/lookup-self)',
        () => this.vault.tokenLookupSelf(),
        false,
      );
    } catch (error) {
      if (error instanceof SecretsForbiddenError) {
        throw new SecretsAuthError(
          `Vault at ${this.address} rejected the configured token (lookup-self: permission denied)`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    const lookup = this.parse(LookupSelfResponse, body, 'looking up the token');
    this.tokenTtlSeconds = lookup.data.ttl;
    // ttl 0 is a token without expiry (root/dev): nothing to renew.
    if (lookup.data.ttl > 0 && lookup.data.renewable !== false) {
      this.expiresAt = this.scheduler.now() + lookup.data.ttl * 1000;
      this.scheduleToken(lookup.data.ttl * 1000 * this.renewFraction, () => this.renewToken());
    } else if (lookup.data.ttl > 0) {
      this.expiresAt = this.scheduler.now() + lookup.data.ttl * 1000;
      this.logger.warn(
        { ttlSeconds: lookup.data.ttl },
        'vault token is not renewable; it will expire',
      );
    }
  }

  private async login(): Promise<void> {
    const auth = this.options.auth;
    if (auth.method !== 'kubernetes') return;
    const mount = auth.mount ?? 'kubernetes';
    const jwtPath = auth.jwtPath ?? DEFAULT_SERVICE_ACCOUNT_TOKEN_PATH;
    let jwt: string;
    try {
      jwt = await readSecretFile(jwtPath);
    } catch (error) {
      throw new SecretsAuthError(
        `cannot read the service-account token at ${jwtPath} for Vault Kubernetes auth`,
        {
          cause: error,
        },
      );
    }
    const what = `logging in at auth/${mount}/login as role ${auth.role}`;
    this.loginVault.token = '';
    let body: unknown;
    try {
      body = await this.call(
        what,
        () => this.loginVault.kubernetesLogin({ role: auth.role, jwt, mount_point: mount }),
        false,
      );
    } catch (error) {
      if (error instanceof SecretsUnavailableError) throw error;
      throw new SecretsAuthError(
        `Vault at ${this.address} rejected the Kubernetes login (auth/${mount}/login, role ${auth.role}): ${messageOf(error)}`,
        { cause: error },
      );
    }
    const parsed = this.parse(AuthResponse, body, what);
    this.vault.token = parsed.auth.client_token;
    this.tokenTtlSeconds = parsed.auth.lease_duration;
    this.expiresAt =
      parsed.auth.lease_duration > 0
        ? this.scheduler.now() + parsed.auth.lease_duration * 1000
        : undefined;
    this.logger.info(
      { role: auth.role, ttlSeconds: parsed.auth.lease_duration },
      'vault kubernetes login',
    );
    if (parsed.auth.lease_duration === 0) return;
    const delay = parsed.auth.lease_duration * 1000 * this.renewFraction;
    this.scheduleToken(
      delay,
      parsed.auth.renewable ? () => this.renewToken() : () => this.reloginNow(),
    );
  }

  private async renewToken(): Promise<void> {
    if (this.closed) return;
    const kubernetes = this.options.auth.method === 'kubernetes';
    try {
      const body = await this.call(
        'renewing the token (auth/token/renew-self)',
        () => this.vault.tokenRenewSelf({ increment: this.tokenTtlSeconds }),
        false,
      );
      const parsed = this.parse(AuthResponse, body, 'renewing the token');
      const granted = parsed.auth.lease_duration;
      this.expiresAt = this.scheduler.now() + granted * 1000;
      this.logger.info({ ttlSeconds: granted }, 'vault token renewed');
      const nearMaxTtl = granted < this.tokenTtlSeconds || !parsed.auth.renewable;
      if (nearMaxTtl && kubernetes) {
        // Renewal can no longer restore the full TTL: log in again before this token dies.
        this.scheduleToken(granted * 1000 * this.renewFraction, () => this.reloginNow());
      } else if (granted > 0 && parsed.auth.renewable) {
        if (nearMaxTtl) this.logger.warn({ ttlSeconds: granted }, 'vault token nears its max TTL');
        this.scheduleToken(granted * 1000 * this.renewFraction, () => this.renewToken());
      } else {
        this.logger.warn({ ttlSeconds: granted }, 'vault token can no longer be renewed');
      }
    } catch (error) {
      this.logger.warn({ err: messageOf(error) }, 'vault token renewal failed');
      if (kubernetes) {
        await this.reloginNow();
        return;
      }
      const remaining = (this.expiresAt ?? 0) - this.scheduler.now();
      if (remaining > 0) {
        this.scheduleToken(Math.min(this.retryDelayMs, remaining / 2), () => this.renewToken());
      } else {
        this.logger.error({}, 'vault token expired; set a fresh VAULT_TOKEN');
      }
    }
  }

  /** Logs in again (Kubernetes auth); concurrent callers share one login; retries on failure. */
  private reloginNow(): Promise<void> {
    if (this.closed || this.options.auth.method !== 'kubernetes') return Promise.resolve();
    this.relogin ??= this.login()
      .catch((error: unknown) => {
        this.logger.error({ err: messageOf(error) }, 'vault re-login failed; retrying');
        this.scheduleToken(this.retryDelayMs, () => this.reloginNow());
      })
      .finally(() => {
        this.relogin = undefined;
      });
    return this.relogin;
  }

  private scheduleToken(delayMs: number, task: () => Promise<void>): void {
    this.cancelTokenTimer?.();
    this.cancelTokenTimer = this.closed ? undefined : this.scheduler.schedule(delayMs, task);
  }

  /**
   * Runs one Vault request with a hard deadline and maps failures. A 403 under Kubernetes auth
   * may mean our token died (e.g. Vault restarted without persistence): when lookup-self is
   * denied too, log in again and retry once.
   */
  private async call(
    what: string,
    request: () => Promise<unknown>,
    mayRelogin = true,
  ): Promise<unknown> {
    try {
      return await this.withDeadline(what, request);
    } catch (error) {
      const mapped = this.mapError(error, what);
      if (
        !(mapped instanceof SecretsForbiddenError) ||
        !mayRelogin ||
        this.options.auth.method !== 'kubernetes'
      ) {
        throw mapped;
      }
      const tokenValid = await this.withDeadline('looking up the token', () =>
        this.vault.tokenLookupSelf(),
      ).then(
        () => true,
        () => false,
      );
      if (tokenValid) throw mapped;
      this.logger.warn({}, 'vault token no longer valid; logging in again');
      await this.reloginNow();
      try {
        return await this.withDeadline(what, request);
      } catch (retryError) {
        throw this.mapError(retryError, what);
      }
    }
  }

  private withDeadline(what: string, request: () => Promise<unknown>): Promise<unknown> {
    // axios' own timeout is a socket idle timeout; this one bounds the whole request.
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new SecretsUnavailableError(
            `Vault at ${this.address} is unreachable while ${what}: timeout after ${this.timeoutMs} ms`,
            { metadata: { address: this.address, cause: 'timeout' } },
          ),
        );
      }, this.timeoutMs + 50);
      timer.unref();
      request().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error as Error);
        },
      );
    });
  }

  private mapError(error: unknown, what: string): MeridianError {
    if (error instanceof SecretsUnavailableError) return error;
    const api = ApiErrorShape.safeParse(error);
    if (api.success) {
      const status = api.data.response.statusCode;
      const vaultMessage = api.data.response.body?.errors?.join('; ') ?? '';
      const metadata = { address: this.address, status: String(status) };
      const detail = vaultMessage === '' ? `HTTP ${status}` : `HTTP ${status}: ${vaultMessage}`;
      if (status === 404)
        return new SecretNotFoundError(`not found in Vault while ${what} (${detail})`, {
          metadata,
        });
      if (status === 403) {
        return new SecretsForbiddenError(`Vault at ${this.address} denied ${what} (${detail})`, {
          metadata,
          cause: error,
        });
      }
      if (status >= 500 || status === 429) {
        return new SecretsUnavailableError(
          `Vault at ${this.address} failed while ${what} (${detail})`,
          {
            metadata,
            cause: error,
          },
        );
      }
      return new SecretsRejectedError(`Vault at ${this.address} rejected ${what} (${detail})`, {
        metadata,
        cause: error,
      });
    }
    const network = NetworkErrorShape.safeParse(error);
    const code = network.success ? network.data.code : undefined;
    const message = network.success ? network.data.message : String(error);
    const cause =
      code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(message)
        ? `timeout after ${this.timeoutMs} ms`
        : [code, message].filter((part) => part !== undefined && part !== '').join(': ') ||
          'connection failed';
    return new SecretsUnavailableError(
      `Vault at ${this.address} is unreachable while ${what}: ${cause}`,
      {
        metadata: { address: this.address, cause: code ?? 'unknown' },
        cause: error,
      },
    );
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
    const result = schema.safeParse(body);
    if (!result.success) {
      throw new SecretsRejectedError(
        `unexpected response from Vault at ${this.address} while ${what}: ${z.prettifyError(result.error)}`,
      );
    }
    return result.data;
  }
}

async function readSecretFile(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
