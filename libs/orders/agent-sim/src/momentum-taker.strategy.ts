import { common, orders } from '@meridian/contracts';
import { compareDecimals, multiplyDecimals, offsetByIncrements } from '@meridian/orders-client';
import { fairPrice, type Strategy, type StrategyAction, type StrategyContext } from './strategy';

export interface MomentumTakerParams {
  /** Size of each order. Default: one lot. */
  readonly quantity?: string;
  /** How far through the fair price the IOC limit goes, in ticks (it crosses the spread). Default 5. */
  readonly crossTicks?: number;
  /** Turns around at this |position|. Default 5 × quantity. */
  readonly maxPosition?: string;
  readonly intervalMs?: number;
}

/**
 * Takes liquidity in the direction prices move: an IOC limit crossing the spread, BUY while its
 * fills get more expensive, SELL while they get cheaper (BUY before it has two fills), turning
 * around when |position| reaches `maxPosition`.
 */
export class MomentumTakerStrategy implements Strategy {
  readonly name = 'momentum';
  readonly intervalMs: number;
  private direction: common.Side = common.Side.BUY;

  constructor(private readonly params: MomentumTakerParams = {}) {
    this.intervalMs = params.intervalMs ?? 300;
  }

  onTimer(context: StrategyContext): StrategyAction[] {
    const { instrument, book } = context;
    const quantity = this.params.quantity ?? instrument.lotSize;
    const maxPosition = this.params.maxPosition ?? multiplyDecimals(quantity, '5');
    if (book.lastFillPrice !== undefined && book.previousFillPrice !== undefined) {
      const move = compareDecimals(book.lastFillPrice, book.previousFillPrice);
      if (move > 0) this.direction = common.Side.BUY;
      if (move < 0) this.direction = common.Side.SELL;
    }
    if (book.atLimit(this.direction, maxPosition))
      this.direction = this.direction === common.Side.BUY ? common.Side.SELL : common.Side.BUY;
    // One taker order at a time: wait for the previous IOC to finish.
    if (book.openOrders().length > 0) return [];
    const cross = BigInt(this.params.crossTicks ?? 5);
    const price = offsetByIncrements(
      fairPrice(context),
      instrument.tickSize,
      this.direction === common.Side.BUY ? cross : -cross,
    );
    return [
      {
        kind: 'submit',
        tag: 'take',
        side: this.direction,
        orderType: orders.OrderType.LIMIT,
        timeInForce: orders.TimeInForce.IOC,
        quantity,
        limitPrice: price,
      },
    ];
  }

  onReport(): StrategyAction[] {
    return [];
  }
}
