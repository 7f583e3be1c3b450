import type { RiskLimits } from './risk-limits';

/** Generous limits for tests that are not about limits (override single fields). */
export function testRiskLimits(overrides: Partial<RiskLimits> = {}): RiskLimits {
  return {
    maxOrderQuantity: '1000000',
    maxOrderNotional: '100000000',
    priceBandBps: 5000,
    maxOpenOrders: 10_000,
    maxPosition: '10000000',
    maxGrossExposure: '1000000000',
    orderRatePerSecond: 10_000,
    orderBurst: 10_000,
    ...overrides,
  };
}
