import { abs, divRoundHalfEven, notional } from './fixed-point';

/** Buy adds to the position, sell subtracts. */
export type FillSide = 'buy' | 'sell';

/**
 * One execution of one order of one account, in fixed point: `quantity` and `price` at scale 8
 * (> 0), `fee` at money scale 16 (>= 0 normally; a negative fee is a rebate).
 */
export interface Fill {
  readonly executionId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: FillSide;
  readonly quantity: bigint;
  readonly price: bigint;
  readonly fee: bigint;
  /** Position in the symbol's event stream (orders.events.v1 sequence); orders replays. */
  readonly sequence: bigint;
  readonly executedAtUnixNanos: bigint;
}

/**
 * One account's holding in one symbol.
 *
 * The position carries its cost basis rather than an average price: `costBasis` is the signed
 * money amount paid for the open quantity (positive for a long, negative for a short: the
 * proceeds of the short sale). The average cost is derived (`averageCost`). This keeps
 * realized + unrealized exactly equal to the cash-flow PnL: rounding only ever moves value
 * between realized and unrealized, never creates or loses it (see docs/portfolio.md).
 */
export interface PositionState {
  readonly accountId: string;
  readonly symbol: string;
  /** Signed, scale 8. */
  readonly quantity: bigint;
  /** Signed, scale 16; 0 exactly when flat. */
  readonly costBasis: bigint;
  /** Realized PnL before fees, scale 16. */
  readonly realizedPnl: bigint;
  /** Fees paid on this symbol, scale 16. */
  readonly fees: bigint;
  /** Last mark (scale 8), or null while the symbol has none. */
  readonly markPrice: bigint | null;
  /** Highest orders.events.v1 sequence applied (0 before any fill). */
  readonly lastSequence: bigint;
  readonly fillCount: bigint;
  readonly updatedAtUnixNanos: bigint;
}

/** A flat position with nothing realized. */
export function emptyPosition(accountId: string, symbol: string): PositionState {
  return {
    accountId,
    symbol,
    quantity: 0n,
    costBasis: 0n,
    realizedPnl: 0n,
    fees: 0n,
    markPrice: null,
    lastSequence: 0n,
    fillCount: 0n,
    updatedAtUnixNanos: 0n,
  };
}

/**
 * Applies a fill with the average-cost method:
 * - same direction (or from flat): the fill's notional is added to the cost basis;
 * - opposite direction, |fill| <= |position|: the closed share of the cost basis,
 *   round-half-even(costBasis * closed / |quantity|) at scale 16, is removed and the difference
 *   to the fill's notional is realized;
 * - through zero: the whole old position is closed at its cost basis (no division), the
 *   remainder opens at the fill price.
 * The fee is added to `fees` (realized PnL is kept gross here; the wire reports it net).
 */
export function applyFill(position: PositionState, fill: Fill): PositionState {
  const delta = fill.side === 'buy' ? fill.quantity : -fill.quantity;
  const q = position.quantity;
  let quantity = q + delta;
  let costBasis = position.costBasis;
  let realized = position.realizedPnl;
  const sameDirection = q === 0n || q > 0n === delta > 0n;
  if (sameDirection) {
    costBasis += delta * fill.price;
  } else {
    const closed = abs(delta) < abs(q) ? abs(delta) : abs(q);
    // A full close removes the whole basis: no division, no rounding residue left on a flat book.
    const removed = closed === abs(q) ? costBasis : divRoundHalfEven(costBasis * closed, abs(q));
    // Closing a long sells `closed` at price (proceeds); closing a short buys it back (cost).
    const closingCash = q > 0n ? closed * fill.price : -closed * fill.price;
    realized += closingCash - removed;
    costBasis -= removed;
    const remainder = abs(delta) - closed;
    if (remainder > 0n) {
      // Flip through zero: the remainder opens a new position at the fill price.
      const opened = delta > 0n ? remainder : -remainder;
      costBasis = opened * fill.price;
      quantity = opened;
    }
  }
  if (quantity === 0n) costBasis = 0n;
  return {
    ...position,
    quantity,
    costBasis,
    realizedPnl: realized,
    fees: position.fees + fill.fee,
    lastSequence: fill.sequence > position.lastSequence ? fill.sequence : position.lastSequence,
    fillCount: position.fillCount + 1n,
    updatedAtUnixNanos: fill.executedAtUnixNanos,
  };
}

/** The position with a new mark price (scale 8). */
export function markPosition(
  position: PositionState,
  price: bigint,
  atUnixNanos: bigint,
): PositionState {
  return { ...position, markPrice: price, updatedAtUnixNanos: atUnixNanos };
}

/** |costBasis| / |quantity| at price scale 8, half-even; null when flat. */
export function averageCost(position: PositionState): bigint | null {
  if (position.quantity === 0n) return null;
  // costBasis is scale 16, quantity scale 8: the quotient is at scale 8 already.
  return divRoundHalfEven(abs(position.costBasis), abs(position.quantity));
}

/** quantity * mark (scale 16), null without a mark. */
export function marketValue(position: PositionState): bigint | null {
  return position.markPrice === null ? null : notional(position.quantity, position.markPrice);
}

/** quantity * mark - costBasis (scale 16), null without a mark. */
export function unrealizedPnl(position: PositionState): bigint | null {
  const mv = marketValue(position);
  return mv === null ? null : mv - position.costBasis;
}

/**
 * What the position contributes to account equity: its market value, or its cost basis while it
 * has no mark (an unmarked position is valued at cost, i.e. unrealized 0).
 */
export function valuationOf(position: PositionState): bigint {
  return marketValue(position) ?? position.costBasis;
}

/** Fee of a fill from a basis-point schedule: notional * bps / 10_000, half-even at scale 16. */
export function basisPointFee(quantity: bigint, price: bigint, bps: number): bigint {
  if (!Number.isInteger(bps)) throw new RangeError(`fee bps must be an integer, got ${bps}`);
  return divRoundHalfEven(notional(quantity, price) * BigInt(bps), 10_000n);
}
