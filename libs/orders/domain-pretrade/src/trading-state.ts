/**
 * Who may trade. ACTIVE: everything; REDUCING: only orders that reduce a position, and cancels;
 * HALTED: only cancels. Set per agent, per account and globally; the strictest one applies.
 */
export const TRADING_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;
export type TradingState = (typeof TRADING_STATES)[number];

export type TradingStateScope = 'global' | 'account' | 'agent';

export function isTradingState(value: unknown): value is TradingState {
  return typeof value === 'string' && (TRADING_STATES as readonly string[]).includes(value);
}

/** The strictest of several states (HALTED > REDUCING > ACTIVE) with the scope that set it. */
export function strictestState(
  states: readonly { scope: TradingStateScope; state: TradingState }[],
): { scope: TradingStateScope | null; state: TradingState } {
  let result: { scope: TradingStateScope | null; state: TradingState } = {
    scope: null,
    state: 'ACTIVE',
  };
  for (const entry of states) {
    if (TRADING_STATES.indexOf(entry.state) > TRADING_STATES.indexOf(result.state)) result = entry;
  }
  return result;
}
