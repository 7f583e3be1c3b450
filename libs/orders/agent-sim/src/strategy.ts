import { type common, type orders } from '@meridian/contracts';
import { type AgentBook } from './agent.book';
import { type SimInstrument } from './sim-instrument';

/** A new order a strategy wants sent (prices and quantities on the instrument's grid). */
export interface SubmitAction {
  readonly kind: 'submit';
  /** The strategy's name for the order (e.g. `bid`), kept on the SimOrder. */
  readonly tag: string;
  readonly side: common.Side;
  readonly orderType: orders.OrderType;
  readonly timeInForce: orders.TimeInForce;
  readonly quantity: string;
  readonly limitPrice?: string;
}

export interface CancelAction {
  readonly kind: 'cancel';
  readonly orderId: string;
}

export interface ReplaceAction {
  readonly kind: 'replace';
  readonly orderId: string;
  readonly quantity?: string;
  readonly limitPrice?: string;
}

export type StrategyAction = SubmitAction | CancelAction | ReplaceAction;

/** What a strategy sees when it decides. */
export interface StrategyContext {
  readonly instrument: SimInstrument;
  /** The agent's orders, position and fills so far (read-only for the strategy). */
  readonly book: AgentBook;
}

/**
 * A trading strategy: pure decisions, no I/O. The runner calls `onTimer` every
 * `intervalMs` and `onReport` for each of the agent's execution reports (after the book has
 * applied it), and sends the returned actions in order. Given the same reports and seed, a
 * strategy returns the same actions.
 */
export interface Strategy {
  readonly name: string;
  /** How often `onTimer` runs. */
  readonly intervalMs: number;
  onTimer(context: StrategyContext): StrategyAction[];
  onReport(event: orders.OrderEvent, context: StrategyContext): StrategyAction[];
}

/** The price to act around: the agent's last fill, else the instrument's reference price. */
export function fairPrice(context: StrategyContext): string {
  return context.book.lastFillPrice ?? context.instrument.referencePrice;
}
