import { common, orders } from '@meridian/contracts';
import { compareDecimals, offsetByIncrements } from '@meridian/orders-client';
import { type Strategy, type StrategyAction, type StrategyContext } from './strategy';

export interface LoserParams {
  /** Size of each order. Default: one lot. */
  readonly quantity?: string;
  /** How far through the reference price it is willing to pay, in ticks. Default 10. */
  readonly lossTicks?: number;
  readonly intervalMs?: number;
}

/**
 * Deliberately loses money: buys at the offer and sells at the bid, turn about, always crossing
 * the spread (IOC limits `lossTicks` through the reference price) and flattening every buy with
 * a sell, so each round trip pays the spread. Used to trip post-trade loss limits on purpose.
 */
export class LoserStrategy implements Strategy {
  readonly name = 'loser';
  readonly intervalMs: number;
  private next: common.Side = common.Side.BUY;

  constructor(private readonly params: LoserParams = {}) {
    this.intervalMs = params.intervalMs ?? 300;
  }

  onTimer(context: StrategyContext): StrategyAction[] {
    const { instrument, book } = context;
    if (book.openOrders().length > 0) return [];
    const side = this.next;
    const ticks = BigInt(this.params.lossTicks ?? 10);
    return [
      {
        kind: 'submit',
        tag: side === common.Side.BUY ? 'buy-high' : 'sell-low',
        side,
        orderType: orders.OrderType.LIMIT,
        timeInForce: orders.TimeInForce.IOC,
        quantity: this.params.quantity ?? instrument.lotSize,
        limitPrice: offsetByIncrements(
          instrument.referencePrice,
          instrument.tickSize,
          side === common.Side.BUY ? ticks : -ticks,
        ),
      },
    ];
  }

  onReport(event: orders.OrderEvent, context: StrategyContext): StrategyAction[] {
    // Turn about once an order is done and something of it traded; an order that found no
    // liquidity is simply tried again on the same side.
    const order = context.book.get(event.orderId);
    if (
      order !== undefined &&
      TERMINAL.has(event.status) &&
      compareDecimals(order.leaves, order.quantity) < 0
    )
      this.next = order.side === common.Side.BUY ? common.Side.SELL : common.Side.BUY;
    return [];
  }
}

const TERMINAL: ReadonlySet<orders.OrderStatus> = new Set([
  orders.OrderStatus.FILLED,
  orders.OrderStatus.CANCELED,
  orders.OrderStatus.EXPIRED,
]);
