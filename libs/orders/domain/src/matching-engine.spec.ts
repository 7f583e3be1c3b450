import { type BookSnapshot } from './book-snapshot';
import { type DecimalCommand, type EngineCommand } from './engine-command';
import { EventBuffer } from './event-buffer';
import { MatchingEngine } from './matching-engine';
import { BookSnapshotError, InstrumentConfigError } from './orders-engine.error';
import { TEST_INSTRUMENT } from './testing';

const SYMBOL = TEST_INSTRUMENT.symbol;

function limit(
  orderId: number,
  account: number,
  side: 'buy' | 'sell',
  price: number,
  quantity: number,
  displayQuantity?: number,
): EngineCommand {
  return {
    type: 'new',
    symbol: SYMBOL,
    orderId,
    account,
    side,
    orderType: 'limit',
    price,
    quantity,
    tif: 'GTC',
    displayQuantity,
  };
}

function setup(): { engine: MatchingEngine; sink: EventBuffer } {
  const engine = new MatchingEngine([TEST_INSTRUMENT, { ...TEST_INSTRUMENT, symbol: 'OTHER' }]);
  const sink = new EventBuffer(16);
  for (const c of [
    limit(1, 1, 'buy', 9_900, 5),
    limit(2, 2, 'buy', 9_900, 7),
    limit(3, 1, 'buy', 9_850, 1),
    limit(4, 3, 'sell', 10_000, 20, 4),
    limit(5, 3, 'sell', 10_100, 2),
    {
      type: 'new',
      symbol: SYMBOL,
      orderId: 6,
      account: 4,
      side: 'sell',
      orderType: 'stop',
      stopPrice: 9_800,
      quantity: 3,
      tif: 'DAY',
    },
  ] satisfies EngineCommand[]) {
    engine.process(c, sink);
  }
  return { engine, sink };
}

describe('MatchingEngine', () => {
  it('reports BBO and L2 depth with displayed quantity only (iceberg reserve hidden), best first', () => {
    const { engine } = setup();
    const book = engine.book(SYMBOL);
    expect(book?.bbo()).toEqual({
      bid: { price: 9_900, quantity: 12, orders: 2 },
      ask: { price: 10_000, quantity: 4, orders: 1 },
    });
    expect(book?.depth(5)).toEqual({
      bids: [
        { price: 9_900, quantity: 12, orders: 2 },
        { price: 9_850, quantity: 1, orders: 1 },
      ],
      asks: [
        { price: 10_000, quantity: 4, orders: 1 },
        { price: 10_100, quantity: 2, orders: 1 },
      ],
    });
    expect(book?.depth(1).bids).toHaveLength(1);
    expect(book?.bestBid()).toBe(9_900);
    expect(book?.bestAsk()).toBe(10_000);
    expect(book?.ordersInPriority('buy')).toEqual([1, 2, 3]);
    expect(book?.orderCount).toBe(6);
    const empty = engine.book('OTHER');
    expect(empty?.bbo()).toEqual({ bid: null, ask: null });
    expect(empty?.bestBid()).toBeNaN();
  });

  it('keeps books independent, each with its own gap-free sequence', () => {
    const { engine, sink } = setup();
    sink.clear();
    engine.process(limit(1, 1, 'buy', 9_900, 5), sink);
    engine.process({ ...limit(1, 1, 'buy', 9_900, 5), symbol: 'OTHER' }, sink);
    expect(sink.events().map((e) => [e.symbol, e.seq, e.type])).toEqual([
      ['ACME', 7, 'rejected'],
      ['OTHER', 1, 'accepted'],
    ]);
  });

  it('gives the same events for a decimal command and its fixed-point twin', () => {
    const a = new MatchingEngine([TEST_INSTRUMENT]);
    const b = new MatchingEngine([TEST_INSTRUMENT]);
    const sa = new EventBuffer();
    const sb = new EventBuffer();
    a.process(limit(1, 1, 'sell', 10_125, 3), sa);
    a.process(limit(2, 2, 'buy', 10_125, 5), sa);
    const decimal: DecimalCommand[] = [
      {
        type: 'new',
        symbol: SYMBOL,
        orderId: 1,
        account: 1,
        side: 'sell',
        orderType: 'limit',
        price: '101.25',
        quantity: '3',
        tif: 'GTC',
      },
      {
        type: 'new',
        symbol: SYMBOL,
        orderId: 2,
        account: 2,
        side: 'buy',
        orderType: 'limit',
        price: '101.25',
        quantity: '5',
        tif: 'GTC',
      },
    ];
    for (const c of decimal) b.processDecimal(c, sb);
    expect(sb.events()).toEqual(sa.events());
    expect(a.toDecimalEvent(sa.event(2))).toMatchObject({
      type: 'trade',
      price: '101.25',
      quantity: '3',
    });
  });

  it('restores a snapshot into a fresh engine with identical state, including iceberg slices and waiting stops', () => {
    const { engine, sink } = setup();
    engine.process(limit(7, 9, 'buy', 10_000, 5), sink); // takes the 4-lot slice and 1 more: the iceberg replenished
    const snapshot = engine.snapshot(SYMBOL) as BookSnapshot;
    expect(
      snapshot.asks.map((o) => [o.orderId, o.leaves, o.shown, o.displayQuantity, o.cum]),
    ).toEqual([
      [4, 15, 3, 4, 5],
      [5, 2, 2, null, 0],
    ]);
    expect(snapshot.sellStops.map((o) => [o.orderId, o.stopPrice, o.shown])).toEqual([
      [6, 9_800, 0],
    ]);
    const copy = new MatchingEngine([TEST_INSTRUMENT, { ...TEST_INSTRUMENT, symbol: 'OTHER' }]);
    copy.restore(JSON.parse(JSON.stringify(snapshot)) as BookSnapshot);
    expect(copy.snapshot(SYMBOL)).toEqual(snapshot);
    expect(copy.book(SYMBOL)?.depth()).toEqual(engine.book(SYMBOL)?.depth());
    // And it keeps numbering where the original left off.
    const next = new EventBuffer();
    copy.process({ type: 'cancel', symbol: SYMBOL, orderId: 6 }, next);
    expect(next.event(0)).toMatchObject({
      type: 'canceled',
      seq: snapshot.seq + 1,
      orderId: 6,
      quantity: 3,
    });
  });

  it('refuses malformed snapshots with BookSnapshotError and leaves no half-restored book', () => {
    const { engine } = setup();
    const good = engine.snapshot(SYMBOL) as BookSnapshot;
    const bids = good.bids;
    const bad: unknown[] = [
      null,
      { ...good, format: 'v0' },
      { ...good, seq: -1 },
      { ...good, bids: 'none' },
      { ...good, bids: [{ ...bids[0], leaves: 999 }] },
      { ...good, bids: [{ ...bids[0], side: 'sell' }] },
      { ...good, bids: [bids[0], bids[0]] },
      { ...good, bids: [{ ...bids[0], priority: good.priority + 1 }] },
      { ...good, bids: [{ ...bids[0], orderType: 'peg' }] },
      { ...good, bids: [{ ...bids[0], price: null }] },
      { ...good, symbol: 'OTHER' },
    ];
    const target = engine.book(SYMBOL);
    for (const snapshot of bad) expect(() => target?.restore(snapshot)).toThrow(BookSnapshotError);
    expect(engine.snapshot(SYMBOL)).toEqual(good);
    expect(() => engine.restore({ ...good, symbol: 'NOPE' })).toThrow(InstrumentConfigError);
    expect(engine.snapshot('NOPE')).toBeUndefined();
  });

  it('bounds the next GTD expiry and DAY presence cheaply, and rebuilds both on restore', () => {
    const engine = new MatchingEngine([TEST_INSTRUMENT]);
    const sink = new EventBuffer();
    const book = engine.book(SYMBOL);
    const resting = (orderId: number, tif: 'GTD' | 'DAY', expireAt?: number): EngineCommand => ({
      type: 'new',
      symbol: SYMBOL,
      orderId,
      account: 1,
      side: 'buy',
      orderType: 'limit',
      price: 9_000 + orderId,
      quantity: 1,
      tif,
      expireAt,
    });
    const gtd = (orderId: number, expireAt: number): EngineCommand =>
      resting(orderId, 'GTD', expireAt);
    const expired = (): [string, number, number][] =>
      sink.events().map((e) => [e.type, e.type === 'expired' ? e.orderId : -1, e.seq]);
    expect([book?.nextExpiry, book?.mayHaveDayOrders, book?.clock]).toEqual([Infinity, false, 0]);
    engine.process(gtd(1, 500), sink);
    engine.process(gtd(2, 300), sink);
    engine.process(resting(3, 'DAY'), sink);
    expect([book?.nextExpiry, book?.mayHaveDayOrders]).toEqual([300, true]);
    // A cancel leaves the bound low (a lower bound): the next scan finds nothing and raises it.
    engine.process({ type: 'cancel', symbol: SYMBOL, orderId: 2 }, sink);
    expect(book?.nextExpiry).toBe(300);
    sink.clear();
    engine.process({ type: 'expire', symbol: SYMBOL, now: 299 }, sink);
    expect([sink.length, book?.clock, book?.nextExpiry]).toEqual([0, 299, 300]);
    engine.process({ type: 'expire', symbol: SYMBOL, now: 300 }, sink);
    expect([sink.length, book?.nextExpiry]).toEqual([0, 500]);

    const snapshot = engine.snapshot(SYMBOL) as BookSnapshot;
    const copy = new MatchingEngine([TEST_INSTRUMENT]);
    copy.restore(JSON.parse(JSON.stringify(snapshot)) as BookSnapshot);
    const restored = copy.book(SYMBOL);
    expect([restored?.clock, restored?.nextExpiry, restored?.mayHaveDayOrders]).toEqual([
      300,
      500,
      true,
    ]);

    engine.process({ type: 'expire', symbol: SYMBOL, now: 400, endOfDay: true }, sink);
    expect(expired()).toEqual([['expired', 3, 5]]);
    expect([book?.nextExpiry, book?.mayHaveDayOrders]).toEqual([500, false]);
    sink.clear();
    engine.process({ type: 'expire', symbol: SYMBOL, now: 500 }, sink);
    expect(expired()).toEqual([['expired', 1, 6]]);
    expect([book?.nextExpiry, book?.mayHaveDayOrders, book?.orderCount]).toEqual([
      Infinity,
      false,
      0,
    ]);
    // The fast path still refuses time going backwards.
    sink.clear();
    engine.process({ type: 'expire', symbol: SYMBOL, now: 499 }, sink);
    expect(sink.event(0)).toMatchObject({ type: 'rejected', reason: 'INVALID_TIME' });
    expect(book?.clock).toBe(500);
  });

  it('refuses duplicate symbols at construction', () => {
    expect(() => new MatchingEngine([TEST_INSTRUMENT, TEST_INSTRUMENT])).toThrow(
      InstrumentConfigError,
    );
  });
});

describe('EventBuffer', () => {
  it('grows past its initial capacity without losing rows, and clear() keeps the capacity', () => {
    const engine = new MatchingEngine([TEST_INSTRUMENT]);
    const sink = new EventBuffer(16);
    for (let i = 1; i <= 40; i++) engine.process(limit(i, i, 'sell', 10_000, 1), sink);
    engine.process(limit(100, 0, 'buy', 10_000, 40), sink);
    expect(sink.length).toBe(40 + 1 + 40 * 3);
    expect(sink.event(sink.length - 1)).toMatchObject({
      type: 'filled',
      orderId: 100,
      cum: 40,
      leaves: 0,
    });
    expect(sink.events().map((e) => e.seq)).toEqual(
      Array.from({ length: sink.length }, (_, i) => i + 1),
    );
    const capacity = sink.type.length;
    sink.clear();
    expect(sink.length).toBe(0);
    expect(sink.type.length).toBe(capacity);
    expect(() => sink.event(0)).toThrow(RangeError);
  });
});
