import { common, orders } from '@meridian/contracts';
import { isOnIncrement } from '@meridian/orders-client';
import { AgentBook, type SimOrder } from './agent.book';
import { LoserStrategy } from './loser.strategy';
import { MarketMakerStrategy } from './market-maker.strategy';
import { MomentumTakerStrategy } from './momentum-taker.strategy';
import { RandomNoiseStrategy } from './random-noise.strategy';
import { type SimInstrument } from './sim-instrument';
import { type Strategy, type StrategyAction, type StrategyContext } from './strategy';

const ACME: SimInstrument = {
  symbol: 'ACME',
  tickSize: '0.01',
  lotSize: '1',
  referencePrice: '100.00',
};
const { BUY, SELL } = common.Side;

/** Plays the runner's part: records sent orders in the book and scripts the reports. */
class Script {
  readonly book = new AgentBook();
  readonly context: StrategyContext = { instrument: ACME, book: this.book };
  private sequence = 0n;
  private ids = 0;

  constructor(readonly strategy: Strategy) {}

  /** Records `actions` as sent and acknowledged (new orders get ids 1, 2, ...). */
  send(actions: StrategyAction[]): StrategyAction[] {
    for (const action of actions) {
      if (action.kind === 'submit') {
        this.ids += 1;
        const clientOrderId = `c${this.ids}`;
        this.book.added({ clientOrderId, ...action, limitPrice: action.limitPrice });
        this.book.acknowledged(clientOrderId, String(this.ids));
      } else this.book.markPending(action.orderId, true);
    }
    return actions;
  }

  timer(): StrategyAction[] {
    return this.send(this.strategy.onTimer(this.context));
  }

  /** Applies a report of order `orderId` and returns (and sends) the strategy's reaction. */
  report(
    orderId: string,
    status: orders.OrderStatus,
    body: orders.OrderEvent['event'],
  ): StrategyAction[] {
    const order = this.book.get(orderId) as SimOrder;
    this.sequence += 1n;
    const event = orders.OrderEvent.fromPartial({
      symbol: ACME.symbol,
      sequence: this.sequence,
      orderId,
      clientOrderId: order.clientOrderId,
      status,
      event: body,
    });
    this.book.apply(event);
    return this.send(this.strategy.onReport(event, this.context));
  }

  accepted(orderId: string): StrategyAction[] {
    return this.report(orderId, orders.OrderStatus.NEW, {
      $case: 'accepted',
      value: { status: orders.OrderStatus.NEW },
    });
  }

  filled(orderId: string, price: string, quantity: string): StrategyAction[] {
    return this.report(orderId, orders.OrderStatus.FILLED, {
      $case: 'filled',
      value: {
        fill: {
          executionId: `x${this.sequence}`,
          tradeId: 't',
          price: { value: price },
          quantity: { value: quantity },
          liquidity: 1,
        },
      },
    });
  }

  canceled(orderId: string): StrategyAction[] {
    return this.report(orderId, orders.OrderStatus.CANCELED, {
      $case: 'canceled',
      value: { reason: orders.CancelReason.IMMEDIATE_OR_CANCEL },
    });
  }

  replaced(orderId: string, price: string): StrategyAction[] {
    return this.report(orderId, orders.OrderStatus.NEW, {
      $case: 'replaced',
      value: { limitPrice: { value: price }, priorityRetained: false },
    });
  }
}

const limit = (
  tag: string,
  side: common.Side,
  price: string,
  tif = orders.TimeInForce.GTC,
  quantity = '1',
) => ({
  kind: 'submit',
  tag,
  side,
  orderType: orders.OrderType.LIMIT,
  timeInForce: tif,
  quantity,
  limitPrice: price,
});

describe('MarketMakerStrategy', () => {
  it('quotes both sides around the reference, then stays put while nothing changes', () => {
    const s = new Script(new MarketMakerStrategy());
    expect(s.timer()).toEqual([limit('bid', BUY, '99.98'), limit('ask', SELL, '100.02')]);
    s.accepted('1');
    s.accepted('2');
    expect(s.timer()).toEqual([]);
  });

  it('after its bid fills, re-posts the bid and replaces the ask, both skewed down by its inventory', () => {
    const s = new Script(new MarketMakerStrategy());
    s.timer();
    s.accepted('1');
    s.accepted('2');
    expect(s.filled('1', '99.98', '1')).toEqual([
      limit('bid', BUY, '99.97'),
      { kind: 'replace', orderId: '2', limitPrice: '100.01', quantity: '1' },
    ]);
    expect(s.book.position).toBe('1');
    expect(s.book.cash).toBe('-99.98');
    // The replace is in flight: nothing more until its report.
    expect(s.timer()).toEqual([]);
    s.replaced('2', '100.01');
    s.accepted('3');
    expect(s.timer()).toEqual([]);
    // The ask fills: flat again, quotes go back to the centre.
    expect(s.filled('2', '100.01', '1')).toEqual([
      { kind: 'replace', orderId: '3', limitPrice: '99.98', quantity: '1' },
      limit('ask', SELL, '100.02'),
    ]);
    expect(s.book.position).toBe('0');
    expect(s.book.pnlAt('100.00')).toBe('0.03');
  });

  it('cancels the side that would push inventory beyond its limit', () => {
    const s = new Script(new MarketMakerStrategy({ maxInventory: '1', skewTicksPerQuantity: 0 }));
    s.timer();
    s.accepted('1');
    s.accepted('2');
    const after = s.filled('1', '99.98', '1');
    // Long 1 = the limit: no new bid, the ask stays.
    expect(after).toEqual([]);
    const t = new Script(new MarketMakerStrategy({ maxInventory: '1', skewTicksPerQuantity: 0 }));
    t.book.position = '1';
    expect(t.timer()).toEqual([limit('ask', SELL, '100.02')]);
    t.accepted('1');
    t.book.position = '-1';
    expect(t.timer()).toEqual([limit('bid', BUY, '99.98'), { kind: 'cancel', orderId: '1' }]);
  });
});

describe('MomentumTakerStrategy', () => {
  it('crosses the spread with one IOC at a time and follows the direction of its fills', () => {
    const s = new Script(new MomentumTakerStrategy({ crossTicks: 5 }));
    expect(s.timer()).toEqual([limit('take', BUY, '100.05', orders.TimeInForce.IOC)]);
    expect(s.timer()).toEqual([]); // the IOC is still open
    s.filled('1', '100.02', '1');
    expect(s.timer()).toEqual([limit('take', BUY, '100.07', orders.TimeInForce.IOC)]);
    s.filled('2', '100.01', '1'); // cheaper: momentum turns down
    expect(s.timer()).toEqual([limit('take', SELL, '99.96', orders.TimeInForce.IOC)]);
  });

  it('turns around at its position limit', () => {
    const s = new Script(new MomentumTakerStrategy({ maxPosition: '2' }));
    s.book.position = '2';
    expect(s.timer()).toEqual([limit('take', SELL, '99.95', orders.TimeInForce.IOC)]);
  });
});

describe('LoserStrategy', () => {
  it('buys high, retries the same side when nothing traded, sells low after a fill', () => {
    const s = new Script(new LoserStrategy({ lossTicks: 10 }));
    expect(s.timer()).toEqual([limit('buy-high', BUY, '100.10', orders.TimeInForce.IOC)]);
    s.accepted('1');
    s.canceled('1'); // no liquidity: IOC remainder canceled
    expect(s.timer()).toEqual([limit('buy-high', BUY, '100.10', orders.TimeInForce.IOC)]);
    s.filled('2', '100.02', '1'); // paid the offer
    expect(s.timer()).toEqual([limit('sell-low', SELL, '99.90', orders.TimeInForce.IOC)]);
    s.filled('3', '99.98', '1'); // hit the bid
    expect(s.book.position).toBe('0');
    expect(s.book.cash).toBe('-0.04');
    expect(s.timer()).toEqual([limit('buy-high', BUY, '100.10', orders.TimeInForce.IOC)]);
  });
});

describe('RandomNoiseStrategy', () => {
  /** 200 timer rounds with every order accepted and every third one filled at its price. */
  function run(seed: number): StrategyAction[] {
    const s = new Script(new RandomNoiseStrategy({ seed }));
    const all: StrategyAction[] = [];
    for (let i = 0; i < 200; i++) {
      const actions = s.timer();
      all.push(...actions);
      for (const action of actions) {
        if (action.kind === 'submit') {
          const order = s.book.openOrders().at(-1) as SimOrder;
          s.accepted(order.orderId ?? '');
          if (i % 3 === 0) s.filled(order.orderId ?? '', action.limitPrice ?? '', action.quantity);
        } else if (action.kind === 'cancel') s.canceled(action.orderId);
      }
    }
    return all;
  }

  it('is deterministic for a seed and differs across seeds', () => {
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
  });

  it('sends prices on the tick grid within the band, quantities on the lot grid, and cancels', () => {
    const actions = run(3);
    const submits = actions.filter((a) => a.kind === 'submit');
    expect(submits.length).toBeGreaterThan(50);
    expect(actions.some((a) => a.kind === 'cancel')).toBe(true);
    for (const a of submits) {
      expect(isOnIncrement(a.limitPrice ?? '', ACME.tickSize)).toBe(true);
      expect(isOnIncrement(a.quantity, ACME.lotSize)).toBe(true);
      const cents = Math.round(Number(a.limitPrice) * 100);
      expect(cents).toBeGreaterThanOrEqual(9990);
      expect(cents).toBeLessThanOrEqual(10010);
    }
    expect(new Set(submits.map((a) => a.timeInForce))).toEqual(
      new Set([orders.TimeInForce.GTC, orders.TimeInForce.IOC]),
    );
  });
});
