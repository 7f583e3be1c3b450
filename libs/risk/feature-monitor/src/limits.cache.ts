import type { PostTradeLimitsRepository } from '@meridian/risk-data-access';
import { DEFAULT_LIMITS_ACCOUNT, limitsFor, type PostTradeLimits } from '@meridian/risk-domain';

function fingerprint(limits: PostTradeLimits | undefined): string {
  if (limits === undefined) return '';
  return JSON.stringify(limits, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/**
 * Post-trade limits in memory, refreshed from PostgreSQL on a timer (the limits CLI writes the
 * table; a change takes effect within one refresh interval).
 */
export class LimitsCache {
  private byAccount: ReadonlyMap<string, PostTradeLimits> = new Map();
  private loaded = false;

  constructor(private readonly repository: PostTradeLimitsRepository) {}

  /**
   * Reloads every limit. Returns the accounts whose limits changed (`'all'` when the default
   * changed, or on the first load), so their latest valuations can be judged again.
   */
  async refresh(): Promise<ReadonlySet<string> | 'all'> {
    const stored = await this.repository.list();
    const next = new Map(stored.map((s) => [s.limits.accountId, s.limits]));
    const first = !this.loaded;
    const changed = new Set<string>();
    for (const account of new Set([...this.byAccount.keys(), ...next.keys()])) {
      const before = this.byAccount.get(account);
      const after = next.get(account);
      if (fingerprint(before) !== fingerprint(after)) changed.add(account);
    }
    this.byAccount = next;
    this.loaded = true;
    return first || changed.has(DEFAULT_LIMITS_ACCOUNT) ? 'all' : changed;
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
