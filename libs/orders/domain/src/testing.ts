import { type DecimalCommand } from './engine-command';
import { type DecimalEvent } from './engine-event';
import { EventBuffer } from './event-buffer';
import { type InstrumentSpec } from './instrument';
import { MatchingEngine } from './matching-engine';

/** A golden-file scenario: instruments and commands in, events out (decimal strings). */
export interface GoldenScenario {
  readonly description: string;
  readonly instruments: readonly InstrumentSpec[];
  readonly commands: readonly unknown[];
  /** Hand-written, one line per expected event (see {@link summarizeEvent}); never regenerated. */
  readonly summary: readonly string[];
  readonly events: readonly DecimalEvent[];
}

/** A reference instrument for tests: cents, whole lots, band 0.01-10000.00. */
export const TEST_INSTRUMENT: InstrumentSpec = {
  symbol: 'ACME',
  tickSize: '0.01',
  lotSize: '1',
  minPrice: '0.01',
  maxPrice: '10000.00',
  currencyDecimals: 2,
};

/** Runs decimal commands through a fresh engine and returns the decimal events. */
export function runDecimal(
  instruments: readonly InstrumentSpec[],
  commands: readonly unknown[],
): DecimalEvent[] {
  const engine = new MatchingEngine(instruments);
  const sink = new EventBuffer(64);
  for (const command of commands) engine.processDecimal(command as DecimalCommand, sink);
  return sink.events().map((e) => engine.toDecimalEvent(e));
}

function s(v: unknown): string {
  return v === null || v === undefined ? '-' : String(v as string | number | boolean);
}

/**
 * One-line human summary of an event, e.g. `trade 10 @ 101.00 taker #2 maker #1`. Golden files
 * carry a hand-written list of these, so a regenerated golden file cannot silently bless a bug.
 */
export function summarizeEvent(e: DecimalEvent): string {
  switch (e['type']) {
    case 'accepted':
      return `accepted #${s(e['orderId'])}`;
    case 'rejected':
      return `rejected ${s(e['request'])} #${s(e['orderId'])} ${s(e['reason'])}`;
    case 'trade':
      return `trade ${s(e['quantity'])} @ ${s(e['price'])} taker #${s(e['takerOrderId'])} maker #${s(e['makerOrderId'])}`;
    case 'partially-filled':
      return `partial #${s(e['orderId'])} ${s(e['quantity'])} @ ${s(e['price'])} leaves ${s(e['leaves'])}`;
    case 'filled':
      return `filled #${s(e['orderId'])} ${s(e['quantity'])} @ ${s(e['price'])}`;
    case 'canceled':
      return `canceled #${s(e['orderId'])} ${s(e['quantity'])} ${s(e['reason'])}`;
    case 'expired':
      return `expired #${s(e['orderId'])} ${s(e['quantity'])} ${s(e['reason'])}`;
    case 'replaced':
      return `replaced #${s(e['orderId'])} ${e['priorityKept'] === true ? 'kept' : 'lost'} leaves ${s(e['leaves'])}`;
    case 'triggered':
      return `triggered #${s(e['orderId'])}`;
    default:
      return `unknown ${s(e['type'])}`;
  }
}
