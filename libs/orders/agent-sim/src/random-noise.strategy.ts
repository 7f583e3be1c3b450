import { common, orders } from '@meridian/contracts';
import { multiplyDecimals, offsetByIncrements, roundToIncrement } from '@meridian/orders-client';
import { SeededRandom } from './seeded-random';
import { type Strategy, type StrategyAction, type StrategyContext } from './strategy';

export interface RandomNoiseParams {
  readonly seed: number;
  /** Largest order, in lots. Default 5. */
  readonly maxLots?: number;
  /** Prices within ± this many ticks of the reference price. Default 10. */
  readonly maxOffsetTicks?: number;
  /** Share of orders sent IOC instead of GTC. Default 0.3. */
  readonly iocShare?: number;
  /** Chance per timer to cancel a random open order instead of sending one. Default 0.2. */
  readonly cancelChance?: number;
  /** At most this many open orders; above it the oldest is canceled. Default 10. */
  readonly maxOpenOrders?: number;
  readonly intervalMs?: number;
}

/**
 * Noise: random side, size and price around the reference, some IOC, some cancels, all drawn from
 * a seeded PRNG, so a run is reproducible (same seed and reports → same orders).
 */
export class RandomNoiseStrategy implements Strategy {
  readonly name = 'noise';
  readonly intervalMs: number;
  private readonly random: SeededRandom;

  constructor(private readonly params: RandomNoiseParams) {
    this.intervalMs = params.intervalMs ?? 200;
    this.random = new SeededRandom(params.seed);
  }

  onTimer(context: StrategyContext): StrategyAction[] {
    const { instrument, book } = context;
    const open = book.openOrders().filter((o) => o.orderId !== undefined && !o.pendingCommand);
    const maxOpen = this.params.maxOpenOrders ?? 10;
    const oldest = open[0];
    if (oldest?.orderId !== undefined && open.length >= maxOpen)
      return [{ kind: 'cancel', orderId: oldest.orderId }];
    if (open.length > 0 && this.random.chance(this.params.cancelChance ?? 0.2)) {
      const victim = this.random.pick(open);
      if (victim.orderId !== undefined) return [{ kind: 'cancel', orderId: victim.orderId }];
    }
    const side = this.random.chance(0.5) ? common.Side.BUY : common.Side.SELL;
    const lots = this.random.int(1, this.params.maxLots ?? 5);
    const maxOffset = this.params.maxOffsetTicks ?? 10;
    const offset = this.random.int(-maxOffset, maxOffset);
    const ioc = this.random.chance(this.params.iocShare ?? 0.3);
    return [
      {
        kind: 'submit',
        tag: ioc ? 'noise-ioc' : 'noise',
        side,
        orderType: orders.OrderType.LIMIT,
        timeInForce: ioc ? orders.TimeInForce.IOC : orders.TimeInForce.GTC,
        quantity: multiplyDecimals(instrument.lotSize, String(lots)),
        limitPrice: offsetByIncrements(
          roundToIncrement(instrument.referencePrice, instrument.tickSize),
          instrument.tickSize,
          offset,
        ),
      },
    ];
  }

  onReport(): StrategyAction[] {
    return [];
  }
}
