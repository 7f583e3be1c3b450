import type { PostTradeLimitsRepository } from '@meridian/risk-data-access';
import { DEFAULT_LIMITS_ACCOUNT, limitsFor, type PostTradeLimits } from '@meridian/risk-domain';

/**
 * Post-trade limits in memory, refreshed from PostgreSQL on a timer (the limits CLI writes the
 * table; a change takes effect within one refresh interval).
 */
export class LimitsCache {
  private byAccount: ReadonlyMap<string, PostTradeLimits> = new Map();
  private loaded = false;

  constructor(private readonly repository: PostTradeLimitsRepository) {}

  async refresh(): Promise<void> {
    const stored = await this.repository.list();
    this.byAccount = new Map(stored.map((s) => [s.limits.accountId, s.limits]));
    this.loaded = true;
  }

  isLoaded(): boolean {
    return this.loaded;
  }

  /** The account's own limits, else the default ('*'), else undefined (no limits). */
  limitsFor(accountId: string): PostTradeLimits | undefined {
    return limitsFor(accountId, this.byAccount);
  }

  /** Accounts with a row of their own (the default '*' excluded). */
  accountsWithOwnLimits(): ReadonlySet<string> {
    return new Set([...this.byAccount.keys()].filter((a) => a !== DEFAULT_LIMITS_ACCOUNT));
  }
}
