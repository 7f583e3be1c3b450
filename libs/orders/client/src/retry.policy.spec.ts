import { status as GrpcStatus } from '@grpc/grpc-js';
import { backoffMs, DEFAULT_RETRY_POLICY, isRetryable } from './retry.policy';

describe('retry policy', () => {
  const ALL_CODES = Object.values(GrpcStatus).filter((c): c is GrpcStatus => typeof c === 'number');

  it('retries submit, cancel and replace (same client_order_id) and reads, only after UNAVAILABLE or DEADLINE_EXCEEDED', () => {
    for (const method of [
      'SubmitOrder',
      'CancelOrder',
      'ReplaceOrder',
      'GetOrder',
      'ListOpenOrders',
    ])
      for (const code of ALL_CODES)
        expect([method, code, isRetryable(method, code)]).toEqual([
          method,
          code,
          code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED,
        ]);
  });

  it('never retries answers that are not transient (rate limit, risk, conflicts)', () => {
    for (const code of [
      GrpcStatus.RESOURCE_EXHAUSTED,
      GrpcStatus.FAILED_PRECONDITION,
      GrpcStatus.ALREADY_EXISTS,
      GrpcStatus.UNAUTHENTICATED,
      GrpcStatus.INTERNAL,
      GrpcStatus.CANCELLED,
    ])
      expect(isRetryable('SubmitOrder', code)).toBe(false);
  });

  it('never retries mutations that are not idempotent', () => {
    for (const method of [
      'CreateAccount',
      'CreateAgent',
      'IssueApiKey',
      'RotateApiKey',
      'RevokeApiKey',
      'SetRiskLimits',
      'SetTradingState',
      'StreamExecutionReports',
    ]) {
      expect(isRetryable(method, GrpcStatus.UNAVAILABLE)).toBe(false);
      expect(isRetryable(method, GrpcStatus.DEADLINE_EXCEEDED)).toBe(false);
    }
  });

  it('backs off exponentially up to the cap, with bounded jitter', () => {
    const policy = {
      ...DEFAULT_RETRY_POLICY,
      initialBackoffMs: 50,
      maxBackoffMs: 300,
      jitter: 0.2,
    };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n, () => 0.5))).toEqual([
      50, 100, 200, 300, 300,
    ]);
    expect(backoffMs(policy, 1, () => 0)).toBe(40);
    expect(backoffMs(policy, 1, () => 1)).toBe(60);
  });
});
