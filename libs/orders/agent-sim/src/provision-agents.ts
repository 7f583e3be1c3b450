import {
  type AdminClient,
  type ProvisionedAgent,
  type RiskLimitsInput,
} from '@meridian/orders-client';

/** Limits for simulated agents: no per-order caps, a token bucket high enough for load tests. */
export const SIM_RISK_LIMITS: RiskLimitsInput = {
  maxOrderQuantity: '1000000',
  priceBandBps: 2000,
  maxOpenOrders: 100_000,
  orderRatePerSecond: 1_000_000,
  orderBurst: 1_000_000,
};

/**
 * Creates `count` trading agents over AdminService, each on its own account (so agents do not
 * self-trade-prevent each other) with `limits`: ids `<prefix>-<i>` (account `<prefix>-<i>-acct`).
 */
export async function provisionAgents(
  admin: AdminClient,
  prefix: string,
  count: number,
  limits: RiskLimitsInput = SIM_RISK_LIMITS,
): Promise<ProvisionedAgent[]> {
  const agents: ProvisionedAgent[] = [];
  for (let i = 1; i <= count; i++)
    agents.push(
      await admin.provisionTrader({
        accountId: `${prefix}-${i}-acct`,
        agentId: `${prefix}-${i}`,
        limits,
        reason: 'agent-sim',
      }),
    );
  return agents;
}
