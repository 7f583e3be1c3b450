import { z } from 'zod';
import { SecretNotFoundError, SecretsRejectedError } from './secrets.error';
import { type SecretStore } from './secrets.types';
import { type VaultClient } from './vault.client';
import { assertSecretPath } from './secret-path';

export interface VaultSecretStoreOptions {
  /** Mount of the KV v2 engine; default `secret`. */
  readonly kvMount?: string;
  /** How long a read secret is served from memory; default 60 000 ms, 0 disables the cache. */
  readonly cacheTtlMs?: number;
}

const KvV2Response = z.object({
  data: z.object({
    // null when the latest version is deleted or destroyed
    data: z.record(z.string(), z.unknown()).nullable(),
    metadata: z.object({ version: z.number().int() }).passthrough().nullish(),
  }),
});

interface CacheEntry {
  readonly value: Readonly<Record<string, string>>;
  readonly expiresAt: number;
}

/**
 * Static secrets from Vault's KV v2 engine (`GET /v1/<kvMount>/data/<path>`), cached in memory
 * for `cacheTtlMs` so hot paths do not hit Vault; concurrent misses share one request.
 */
export class VaultSecretStore implements SecretStore {
  private readonly kvMount: string;
  private readonly cacheTtlMs: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<Readonly<Record<string, string>>>>();

  constructor(
    private readonly client: VaultClient,
    options: VaultSecretStoreOptions = {},
  ) {
    this.kvMount = options.kvMount ?? 'secret';
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
  }

  async get(path: string, key: string): Promise<string> {
    const secret = await this.getAll(path);
    const value = secret[key];
    if (value === undefined) {
      throw new SecretNotFoundError(`secret ${this.kvMount}/${path} has no key "${key}"`, {
        metadata: { path, key },
      });
    }
    return value;
  }

  async getAll(path: string): Promise<Readonly<Record<string, string>>> {
    assertSecretPath(path);
    const cached = this.cache.get(path);
    if (cached !== undefined && cached.expiresAt > this.client.scheduler.now()) return cached.value;
    const pending = this.inFlight.get(path);
    if (pending !== undefined) return pending;
    const request = this.fetch(path).finally(() => this.inFlight.delete(path));
    this.inFlight.set(path, request);
    return request;
  }

  /** Forgets cached secrets (one path, or all), e.g. after a known rotation. */
  invalidate(path?: string): void {
    if (path === undefined) this.cache.clear();
    else this.cache.delete(path);
  }

  private async fetch(path: string): Promise<Readonly<Record<string, string>>> {
    const apiPath = `${this.kvMount}/data/${path}`;
    let body: unknown;
    try {
      body = await this.client.read(apiPath);
    } catch (error) {
      if (error instanceof SecretNotFoundError) {
        throw new SecretNotFoundError(`secret ${this.kvMount}/${path} does not exist in Vault`, {
          metadata: { path },
          cause: error,
        });
      }
      throw error;
    }
    const parsed = KvV2Response.safeParse(body);
    if (!parsed.success) {
      throw new SecretsRejectedError(
        `unexpected KV v2 response for ${apiPath}: ${z.prettifyError(parsed.error)}`,
      );
    }
    if (parsed.data.data.data === null) {
      throw new SecretNotFoundError(`secret ${this.kvMount}/${path} is deleted in Vault`, {
        metadata: { path },
      });
    }
    const value = Object.freeze(
      Object.fromEntries(
        Object.entries(parsed.data.data.data).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : JSON.stringify(v),
        ]),
      ),
    );
    if (this.cacheTtlMs > 0) {
      this.cache.set(path, { value, expiresAt: this.client.scheduler.now() + this.cacheTtlMs });
    }
    return value;
  }
}
