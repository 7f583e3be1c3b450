import fc from 'fast-check';
import { MessagingConfigError } from './messaging.error';
import { assertRetryPolicy, backoffDelayMs, type RetryPolicy } from './retry-policy';

describe('backoffDelayMs', () => {
  const policy: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 1000, jitter: false };

  it('doubles from the base delay and caps at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 60].map((n) => backoffDelayMs(policy, n))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('jitters within [delay/2, delay]', () => {
    const jittered = { ...policy, jitter: true };
    expect(backoffDelayMs(jittered, 3, () => 0)).toBe(200);
    expect(backoffDelayMs(jittered, 3, () => 0.999999)).toBe(400);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const delay = backoffDelayMs(jittered, n, () => r);
          const full = backoffDelayMs(policy, n);
          return delay >= Math.floor(full / 2) && delay <= full;
        },
      ),
    );
  });
});

describe('assertRetryPolicy', () => {
  it.each([
    { attempts: 0, baseDelayMs: 1, maxDelayMs: 1 },
    { attempts: 1.5, baseDelayMs: 1, maxDelayMs: 1 },
    { attempts: 3, baseDelayMs: -1, maxDelayMs: 1 },
    { attempts: 3, baseDelayMs: 10, maxDelayMs: 5 },
  ])('rejects %j', (policy) => {
    expect(() => assertRetryPolicy(policy)).toThrow(MessagingConfigError);
  });

  it('accepts a single attempt without delay', () => {
    expect(() => assertRetryPolicy({ attempts: 1, baseDelayMs: 0, maxDelayMs: 0 })).not.toThrow();
  });
});
