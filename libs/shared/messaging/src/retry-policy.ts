import { MessagingConfigError } from './messaging.error';

/** How often, and how patiently, a failing handler is retried before its record goes to the DLQ. */
export interface RetryPolicy {
  /** Total handler attempts, the first included (1 = no retry). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Randomise each delay within [delay/2, delay] so many consumers don't retry in lockstep. Default true. */
  readonly jitter?: boolean;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  jitter: true,
};

export function assertRetryPolicy(policy: RetryPolicy): void {
  const ok =
    Number.isInteger(policy.attempts) &&
    policy.attempts >= 1 &&
    policy.baseDelayMs >= 0 &&
    policy.maxDelayMs >= policy.baseDelayMs;
  if (!ok) {
    throw new MessagingConfigError(
      `retry policy needs attempts >= 1 and 0 <= baseDelayMs <= maxDelayMs, got ${JSON.stringify(policy)}`,
    );
  }
}

/**
 * Delay before attempt `failedAttempts + 1`: exponential (base * 2^(n-1)), capped at maxDelayMs,
 * optionally jittered. `random` is injectable for tests.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  failedAttempts: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^exponent overflows to Infinity for large n, which Math.min caps.
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  if (policy.jitter === false) return delay;
  return Math.round(delay / 2 + (random() * delay) / 2);
}
