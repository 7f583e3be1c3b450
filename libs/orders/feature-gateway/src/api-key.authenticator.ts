import { createHash } from 'node:crypto';
import {
  type ApiKeyHasher,
  type ApiKeyRole,
  type ApiKeysRepository,
  parseApiKey,
} from '@meridian/orders-data-access';
import { UnauthenticatedError } from './gateway.error';

/** Who is calling: the agent behind a verified API key. */
export interface Principal {
  readonly keyId: string;
  readonly agentId: string;
  readonly accountId: string;
  readonly role: ApiKeyRole;
}

export interface ApiKeyAuthenticatorOptions {
  /**
   * How long a verification result (good or bad) is reused in-process. scrypt costs tens of
   * milliseconds by design; the cache keeps it off the order path. A revoked key stops working
   * within this time. Default 5000 ms.
   */
  readonly cacheTtlMs?: number;
  /** Entries kept at most; the cache is cleared when it is full. Default 10000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface CacheEntry {
  readonly principal: Principal | null;
  readonly expiresAt: number;
}

/**
 * Verifies API keys: format, lookup by key id, scrypt+pepper hash compared in constant time.
 * Results are cached by a SHA-256 of the presented key (never the key itself), and concurrent
 * verifications of one key share a single scrypt run.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<Principal | null>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly hasher: ApiKeyHasher,
    options: ApiKeyAuthenticatorOptions = {},
  ) {
    this.ttlMs = options.cacheTtlMs ?? 5000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The principal of `presented`, or UnauthenticatedError. */
  async authenticate(presented: string | undefined): Promise<Principal> {
    if (presented === undefined || presented.length === 0 || presented.length > 128)
      throw new UnauthenticatedError();
    const digest = createHash('sha256').update(presented).digest('base64');
    const cached = this.cache.get(digest);
    let principal: Principal | null;
    if (cached !== undefined && cached.expiresAt > this.now()) {
      principal = cached.principal;
    } else {
      let pending = this.inFlight.get(digest);
      if (pending === undefined) {
        pending = this.verify(presented).finally(() => this.inFlight.delete(digest));
        this.inFlight.set(digest, pending);
      }
      principal = await pending;
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(digest, { principal, expiresAt: this.now() + this.ttlMs });
    }
    if (principal === null) throw new UnauthenticatedError();
    return principal;
  }

  /** Forgets cached results (after a revocation in this process). */
  invalidate(): void {
    this.cache.clear();
  }

  private async verify(presented: string): Promise<Principal | null> {
    const parsed = parseApiKey(presented);
    if (parsed === null) return null;
    const stored = await this.keys.findActive(parsed.keyId);
    if (stored === null) return null;
    if (!(await this.hasher.verify(parsed.secret, stored.salt, stored.hash))) return null;
    return {
      keyId: stored.keyId,
      agentId: stored.agentId,
      accountId: stored.accountId,
      role: stored.role,
    };
  }
}
