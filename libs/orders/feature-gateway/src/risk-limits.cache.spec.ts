import type { RiskLimitsRepository } from '@meridian/orders-data-access';
import { RiskLimitExceededError, type RiskLimits } from '@meridian/orders-domain-pretrade';
import { testRiskLimits } from '@meridian/orders-domain-pretrade/testing';
import { RiskLimitsCache } from './risk-limits.cache';

/** A repository whose queries resolve when the test says so, counting them. */
function gatedRepository() {
  const pending: ((limits: RiskLimits | null) => void)[] = [];
  const repository = {
    queries: 0,
    get: () => {
      repository.queries += 1;
      return new Promise<RiskLimits | null>((resolve) => pending.push(resolve));
    },
  };
  const release = (limits: RiskLimits | null) => {
    for (const resolve of pending.splice(0)) resolve(limits);
  };
  return { repository, release, asRepository: repository as unknown as RiskLimitsRepository };
}

describe('RiskLimitsCache', () => {
  it('shares one query among concurrent orders of an account and reuses it until the TTL', async () => {
    let now = 0;
    const { repository, release, asRepository } = gatedRepository();
    const cache = new RiskLimitsCache(asRepository, 1000, () => now);
    const gets = Array.from({ length: 50 }, () => cache.get('acct'));
    expect(repository.queries).toBe(1);
    release(testRiskLimits());
    expect(new Set(await Promise.all(gets)).size).toBe(1);
    now = 999;
    await cache.get('acct');
    expect(repository.queries).toBe(1);
    now = 1000;
    const again = cache.get('acct');
    const alsoAgain = cache.get('acct');
    expect(repository.queries).toBe(2);
    release(testRiskLimits());
    await Promise.all([again, alsoAgain]);
  });

  it('answers LIMITS_MISSING for an account without limits', async () => {
    const { release, asRepository } = gatedRepository();
    const cache = new RiskLimitsCache(asRepository, 1000, () => 0);
    const get = cache.get('nobody');
    release(null);
    await expect(get).rejects.toBeInstanceOf(RiskLimitExceededError);
  });

  it('does not keep what a query read when the account was invalidated during it', async () => {
    const { repository, release, asRepository } = gatedRepository();
    const cache = new RiskLimitsCache(asRepository, 60_000, () => 0);
    const stale = cache.get('acct');
    cache.invalidate('acct');
    release(testRiskLimits());
    await stale;
    const fresh = cache.get('acct');
    expect(repository.queries).toBe(2);
    release(testRiskLimits());
    await fresh;
  });
});
