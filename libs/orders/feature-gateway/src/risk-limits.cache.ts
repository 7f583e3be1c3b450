import type { RiskLimitsRepository } from '@meridian/orders-data-access';
import {
  type RiskLimits,
  RiskLimitExceededError,
  RiskReason,
} from '@meridian/orders-domain-pretrade';

interface Entry {
  limits: RiskLimits | null;
  expiresAt: number;
}

/**
 * Per-account limits from PostgreSQL, reused for `ttlMs` (default 1000 ms) so the order path does
 * not query the database; an edit takes effect within that time, or at once in the process that
 * made it (`invalidate`). One query per account at a time: concurrent orders of an account whose
 * entry expired share the refresh instead of each taking a pool connection (at thousands of
 * orders per second a stampede would exhaust the pool).
 */
export class RiskLimitsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(
    private readonly repository: RiskLimitsRepository,
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The account's limits; RiskLimitExceededError(LIMITS_MISSING) when it has none. */
  async get(accountId: string): Promise<RiskLimits> {
    let entry = this.entries.get(accountId);
    if (entry === undefined || entry.expiresAt <= this.now()) entry = await this.load(accountId);
    if (entry.limits === null) {
      throw new RiskLimitExceededError(
        RiskReason.LIMITS_MISSING,
        `account ${accountId} has no risk limits`,
        { accountId },
      );
    }
    return entry.limits;
  }

  invalidate(accountId?: string): void {
    if (accountId === undefined) {
      this.entries.clear();
      this.loading.clear();
    } else {
      this.entries.delete(accountId);
      this.loading.delete(accountId);
    }
  }

  private load(accountId: string): Promise<Entry> {
    const inFlight = this.loading.get(accountId);
    if (inFlight !== undefined) return inFlight;
    const loading = this.repository.get(accountId).then((limits) => {
      const entry = { limits, expiresAt: this.now() + this.ttlMs };
      // An invalidation during the query dropped this load: don't store what it read.
      if (this.loading.get(accountId) === loading) this.entries.set(accountId, entry);
      return entry;
    });
    this.loading.set(accountId, loading);
    void loading.then(
      () => this.loading.get(accountId) === loading && this.loading.delete(accountId),
      () => this.loading.get(accountId) === loading && this.loading.delete(accountId),
    );
    return loading;
  }
}
