import { type OrderType, type Side, type StpMode, type TimeInForce } from './engine-event';

/**
 * A new order, in fixed-point: `price`/`stopPrice` in integer ticks, quantities in integer lots
 * (convert decimal strings with `Instrument.parsePrice` / `parseQuantity`, or use
 * `MatchingEngine.processDecimal`). Every field is validated again by the engine; bad values are
 * rejected as events, never thrown.
 */
export interface NewOrderCommand {
  readonly type: 'new';
  readonly symbol: string;
  /** Engine order id: a positive safe integer, unique among the book's live orders (assigned upstream). */
  readonly orderId: number;
  /** Account: a non-negative safe integer; self-trade prevention compares it. */
  readonly account: number;
  readonly side: Side;
  readonly orderType: OrderType;
  /** Limit price (limit, stop-limit); absent for market and stop. */
  readonly price?: number;
  /** Trigger price (stop, stop-limit). */
  readonly stopPrice?: number;
  readonly quantity: number;
  /** Iceberg: the quantity shown in depth; hidden quantity replenishes it (and the order goes to the back). */
  readonly displayQuantity?: number;
  readonly tif: TimeInForce;
  /** GTD only: the order expires on the first `expire` command with `now >= expireAt`. */
  readonly expireAt?: number;
  /** Reject instead of taking liquidity. Limit orders with GTC/DAY/GTD only. */
  readonly postOnly?: boolean;
  /** Defaults to cancel-newest. */
  readonly stp?: StpMode;
}

/** Cancel a live order (resting or waiting for its stop). */
export interface CancelCommand {
  readonly type: 'cancel';
  readonly symbol: string;
  readonly orderId: number;
}

/**
 * Modify a live order. `quantity` is the new TOTAL quantity (filled + open, as in FIX) and must
 * exceed what is already filled. Lowering it keeps time priority; raising it or changing a price
 * sends the order to the back (and, if the new price crosses, it trades first).
 */
export interface ReplaceCommand {
  readonly type: 'replace';
  readonly symbol: string;
  readonly orderId: number;
  readonly price?: number;
  readonly stopPrice?: number;
  readonly quantity?: number;
}

/**
 * Advance the book's clock: GTD orders with `expireAt <= now` expire, and with `endOfDay` every
 * DAY order too. `now` must not go backwards.
 */
export interface ExpireCommand {
  readonly type: 'expire';
  readonly symbol: string;
  readonly now: number;
  readonly endOfDay?: boolean;
}

/** Every command the engine processes (fixed-point form). */
export type EngineCommand = NewOrderCommand | CancelCommand | ReplaceCommand | ExpireCommand;

/** A new order with decimal-string price and quantities, as it arrives from the edge. */
export interface DecimalNewOrderCommand extends Omit<
  NewOrderCommand,
  'price' | 'stopPrice' | 'quantity' | 'displayQuantity'
> {
  readonly price?: string;
  readonly stopPrice?: string;
  readonly quantity: string;
  readonly displayQuantity?: string;
}

/** A replace with decimal-string price and quantity. */
export interface DecimalReplaceCommand extends Omit<
  ReplaceCommand,
  'price' | 'stopPrice' | 'quantity'
> {
  readonly price?: string;
  readonly stopPrice?: string;
  readonly quantity?: string;
}

/** Every command in decimal-string form (golden files, the executor's edge). */
export type DecimalCommand =
  DecimalNewOrderCommand | CancelCommand | DecimalReplaceCommand | ExpireCommand;
