import type { RiskLimitsRepository } from '@meridian/orders-data-access';
import {
  type RiskLimits,
  RiskLimitExceededError,
  RiskReason,
} from '@meridian/orders-domain-pretrade';

/**
 * Per-account limits from PostgreSQL, reused for `ttlMs` (default 1000 ms) so the order path does
 * not query the database; an edit takes effect within that time, or at once in the process that
 * made it (`invalidate`).
 */
export class RiskLimitsCache {
  private readonly entries = new Map<string, { limits: RiskLimits | null; expiresAt: number }>();

  constructor(
    private readonly repository: RiskLimitsRepository,
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The account's limits; RiskLimitExceededError(LIMITS_MISSING) when it has none. */
  async get(accountId: string): Promise<RiskLimits> {
    let entry = this.entries.get(accountId);
    if (entry === undefined || entry.expiresAt <= this.now()) {
      entry = { limits: await this.repository.get(accountId), expiresAt: this.now() + this.ttlMs };
      this.entries.set(accountId, entry);
    }
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
    if (accountId === undefined) this.entries.clear();
    else this.entries.delete(accountId);
  }
}
