import { common, orders } from '@meridian/contracts';
import {
  compareDecimals,
  multiplyDecimals,
  offsetByIncrements,
  roundToIncrement,
  toUnits,
  scaleOf,
} from '@meridian/orders-client';
import { type Strategy, type StrategyAction, type StrategyContext } from './strategy';

export interface MarketMakerParams {
  /** Size of each quote (instrument units). Default: one lot. */
  readonly quantity?: string;
  /** Distance of each quote from the fair price, in ticks. Default 2. */
  readonly halfSpreadTicks?: number;
  /** Ticks the quotes move per `quantity` of inventory, against it. Default 1. */
  readonly skewTicksPerQuantity?: number;
  /** Stop quoting the side that would grow |position| beyond this. Default 10 × quantity. */
  readonly maxInventory?: string;
  /** Centre of the quotes; default the instrument's reference price (fixed, not the last fill). */
  readonly referencePrice?: string;
  readonly intervalMs?: number;
}

/**
 * Quotes a bid and an ask around a reference price, skewed against its inventory (long: both
 * quotes move down to sell more and buy less), and keeps them there with replaces: a quote whose
 * price is off target is replaced, a filled one is re-posted, the side at the inventory limit is
 * canceled.
 */
export class MarketMakerStrategy implements Strategy {
  readonly name = 'market-maker';
  readonly intervalMs: number;

  constructor(private readonly params: MarketMakerParams = {}) {
    this.intervalMs = params.intervalMs ?? 250;
  }

  /** Target prices for the current inventory: [bid, ask]. */
  quotes(context: StrategyContext): [string, string] {
    const { instrument, book } = context;
    const quantity = this.params.quantity ?? instrument.lotSize;
    const reference = roundToIncrement(
      this.params.referencePrice ?? instrument.referencePrice,
      instrument.tickSize,
    );
    const scale = Math.max(scaleOf(book.position), scaleOf(quantity));
    // Whole quote sizes of inventory, rounded toward zero.
    const inventory = toUnits(book.position, scale) / toUnits(quantity, scale);
    const skew = -inventory * BigInt(this.params.skewTicksPerQuantity ?? 1);
    const half = BigInt(this.params.halfSpreadTicks ?? 2);
    return [
      offsetByIncrements(reference, instrument.tickSize, skew - half),
      offsetByIncrements(reference, instrument.tickSize, skew + half),
    ];
  }

  onTimer(context: StrategyContext): StrategyAction[] {
    const { instrument, book } = context;
    const quantity = this.params.quantity ?? instrument.lotSize;
    const maxInventory = this.params.maxInventory ?? multiplyDecimals(quantity, '10');
    const [bid, ask] = this.quotes(context);
    const actions: StrategyAction[] = [];
    for (const [tag, side, price] of [
      ['bid', common.Side.BUY, bid],
      ['ask', common.Side.SELL, ask],
    ] as const) {
      const resting = book.openWithTag(tag);
      const allowed = !book.atLimit(side, maxInventory);
      if (resting === undefined) {
        if (allowed)
          actions.push({
            kind: 'submit',
            tag,
            side,
            orderType: orders.OrderType.LIMIT,
            timeInForce: orders.TimeInForce.GTC,
            quantity,
            limitPrice: price,
          });
        continue;
      }
      // Not yet acknowledged, or a cancel/replace in flight: wait for its report.
      if (resting.orderId === undefined || resting.pendingCommand) continue;
      if (!allowed) actions.push({ kind: 'cancel', orderId: resting.orderId });
      else if (resting.limitPrice === undefined || compareDecimals(resting.limitPrice, price) !== 0)
        actions.push({ kind: 'replace', orderId: resting.orderId, limitPrice: price, quantity });
    }
    return actions;
  }

  onReport(event: orders.OrderEvent, context: StrategyContext): StrategyAction[] {
    // A fill moves the inventory: re-quote at once rather than at the next timer.
    const kind = event.event?.$case;
    return kind === 'filled' || kind === 'partiallyFilled' ? this.onTimer(context) : [];
  }
}
