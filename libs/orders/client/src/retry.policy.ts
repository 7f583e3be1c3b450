import { status as GrpcStatus } from '@grpc/grpc-js';

/** How a call that may be re-sent is retried. */
export interface RetryPolicy {
  /** Attempts in total, the first one included (1 = never retry). Default 4. */
  readonly maxAttempts: number;
  /** Pause before the first retry; doubles up to `maxBackoffMs`. Default 50 ms. */
  readonly initialBackoffMs: number;
  /** Default 1000 ms. */
  readonly maxBackoffMs: number;
  /** Random spread of each pause, 0..1 (0.2 = ±20 %). Default 0.2. */
  readonly jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  initialBackoffMs: 50,
  maxBackoffMs: 1000,
  jitter: 0.2,
};

/** A policy that never retries. */
export const NO_RETRY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 };

/**
 * RPCs that may be sent again after an unknown outcome, and why:
 * - SubmitOrder / CancelOrder / ReplaceOrder carry the same `client_order_id` on every attempt;
 *   the gateway answers a repeat with the original response (or re-publishes the same
 *   command id, which the engine applies at most once), so a retry never trades twice.
 * - GetOrder / ListOpenOrders / GetRiskLimits / GetTradingState only read.
 * AdminService mutations are not in the list: CreateAccount/CreateAgent with a server-chosen id
 * and IssueApiKey/RotateApiKey would create a second account, agent or key.
 */
export const RETRY_SAFE_METHODS: ReadonlySet<string> = new Set([
  'SubmitOrder',
  'CancelOrder',
  'ReplaceOrder',
  'GetOrder',
  'ListOpenOrders',
  'GetRiskLimits',
  'GetTradingState',
]);

/**
 * Statuses after which the request may not have been processed (or its answer was lost):
 * the server was unreachable or the deadline passed. Every other status is an answer.
 */
export const RETRYABLE_CODES: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
]);

/** Whether a failed `method` call with `code` may be re-sent unchanged. */
export function isRetryable(method: string, code: GrpcStatus): boolean {
  return RETRY_SAFE_METHODS.has(method) && RETRYABLE_CODES.has(code);
}

/** Pause before retry number `retry` (1-based), with jitter from `random` (0..1). */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (retry - 1));
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}
