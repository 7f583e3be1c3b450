import fc from 'fast-check';

import { type BookSnapshot, type OrderSnapshot } from './book-snapshot';
import { type DecimalCommand, type EngineCommand } from './engine-command';
import { type EngineEvent } from './engine-event';
import { EventBuffer } from './event-buffer';
import { MatchingEngine } from './matching-engine';
import { TEST_INSTRUMENT } from './testing';

const SYMBOL = TEST_INSTRUMENT.symbol;

// A narrow price range and a few accounts so orders cross, self-trade and queue often.
const price = fc.integer({ min: 9_995, max: 10_005 });
const orderId = fc.integer({ min: 1, max: 30 });
const account = fc.integer({ min: 1, max: 4 });

const newOrder = fc
  .record({
    orderId,
    account,
    side: fc.constantFrom('buy' as const, 'sell' as const),
    orderType: fc.constantFrom(
      'limit' as const,
      'limit' as const,
      'limit' as const,
      'market' as const,
      'stop' as const,
      'stop-limit' as const,
    ),
    price,
    stopPrice: price,
    quantity: fc.integer({ min: 1, max: 20 }),
    display: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined, freq: 4 }),
    tif: fc.constantFrom(
      'GTC' as const,
      'GTC' as const,
      'DAY' as const,
      'GTD' as const,
      'IOC' as const,
      'FOK' as const,
    ),
    expireAt: fc.integer({ min: 0, max: 100 }),
    postOnly: fc.boolean(),
    stp: fc.constantFrom(
      'cancel-newest' as const,
      'cancel-oldest' as const,
      'cancel-both' as const,
    ),
    raw: fc.integer({ min: 0, max: 9 }),
  })
  .map((o): EngineCommand => {
    const limit = o.orderType === 'limit' || o.orderType === 'stop-limit';
    const stop = o.orderType === 'stop' || o.orderType === 'stop-limit';
    const resting = o.tif !== 'IOC' && o.tif !== 'FOK';
    // Mostly well-formed; one in ten keeps whatever combination was drawn (rejections are fine).
    const keep = o.raw === 0;
    return {
      type: 'new',
      symbol: SYMBOL,
      orderId: o.orderId,
      account: o.account,
      side: o.side,
      orderType: o.orderType,
      price: keep || limit ? o.price : undefined,
      stopPrice: keep || stop ? o.stopPrice : undefined,
      quantity: o.quantity,
      displayQuantity: keep
        ? o.display
        : limit && resting && o.display !== undefined
          ? Math.min(o.display, o.quantity)
          : undefined,
      tif: o.tif,
      expireAt: keep || o.tif === 'GTD' ? o.expireAt : undefined,
      postOnly:
        (keep || (o.orderType === 'limit' && resting)) && o.raw < 3 ? o.postOnly : undefined,
      stp: o.stp,
    };
  });

const cancel = orderId.map((id): EngineCommand => ({
  type: 'cancel',
  symbol: SYMBOL,
  orderId: id,
}));
const replace = fc
  .record({
    orderId,
    price: fc.option(price, { nil: undefined }),
    stopPrice: fc.option(price, { nil: undefined, freq: 4 }),
    quantity: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  })
  .map((r): EngineCommand => ({ type: 'replace', symbol: SYMBOL, ...r }));
const expire = fc
  .record({ now: fc.integer({ min: 0, max: 100 }), endOfDay: fc.boolean() })
  .map((e): EngineCommand => ({
    type: 'expire',
    symbol: SYMBOL,
    now: e.now,
    endOfDay: e.endOfDay && e.now % 5 === 0,
  }));

const command = fc.oneof(
  { arbitrary: newOrder, weight: 10 },
  { arbitrary: cancel, weight: 3 },
  { arbitrary: replace, weight: 3 },
  { arbitrary: expire, weight: 1 },
);
const commands = fc.array(command, { minLength: 1, maxLength: 150, size: 'max' });

function newEngine(): MatchingEngine {
  return new MatchingEngine([TEST_INSTRUMENT], { ordersPerBook: 16, levelsPerBook: 16 });
}

function run(engine: MatchingEngine, cmds: readonly EngineCommand[]): EngineEvent[] {
  const sink = new EventBuffer(16);
  for (const c of cmds) engine.process(c, sink);
  return sink.events();
}

function snap(engine: MatchingEngine): BookSnapshot {
  const s = engine.snapshot(SYMBOL);
  if (s === undefined) throw new Error('no book');
  return s;
}

interface SimOrder {
  id: number;
  price: number;
  shown: number;
  leaves: number;
  peak: number;
}

function simSide(orders: readonly OrderSnapshot[]): SimOrder[] {
  return orders.map((o) => ({
    id: o.orderId,
    price: o.price ?? NaN,
    shown: o.shown,
    leaves: o.leaves,
    peak: o.displayQuantity ?? 0,
  }));
}

/**
 * Replays one command's events over the book as it was before the command and reports every
 * trade (or STP cancel of a resting order) that did not hit the head of the best level on its
 * side: that is price-time priority, with iceberg slices going to the back when replenished.
 * Incoming orders (the new order, a repriced order, each triggered stop) join the simulated
 * book at the back of their level when they stop trading with quantity left, so cascades that
 * trade against them are checked too.
 */
function priorityViolations(
  before: BookSnapshot,
  command: EngineCommand,
  events: readonly EngineEvent[],
): string[] {
  const out: string[] = [];
  const sides: Record<'buy' | 'sell', SimOrder[]> = {
    buy: simSide(before.bids),
    sell: simSide(before.asks),
  };
  const stops = new Map<number, OrderSnapshot>();
  for (const o of [...before.buyStops, ...before.sellStops, ...before.bids, ...before.asks])
    stops.set(o.orderId, o);
  const find = (id: number): ['buy' | 'sell', number] | undefined => {
    for (const side of ['buy', 'sell'] as const) {
      const i = sides[side].findIndex((o) => o.id === id);
      if (i >= 0) return [side, i];
    }
    return undefined;
  };
  const insertAtBack = (side: 'buy' | 'sell', o: SimOrder): void => {
    const book = sides[side];
    const better = (p: number): boolean => (side === 'buy' ? p >= o.price : p <= o.price);
    let at = 0;
    while (at < book.length && better(book[at]?.price ?? NaN)) at++;
    book.splice(at, 0, o);
  };
  let incoming: { side: 'buy' | 'sell'; order: SimOrder } | null = null;
  const settleIncoming = (): void => {
    if (incoming !== null && incoming.order.leaves > 0 && !Number.isNaN(incoming.order.price)) {
      const o = incoming.order;
      o.shown = o.peak > 0 ? Math.min(o.peak, o.leaves) : o.leaves;
      insertAtBack(incoming.side, o);
    }
    incoming = null;
  };
  for (const e of events) {
    if (e.type === 'accepted' && e.orderType !== 'stop' && e.orderType !== 'stop-limit') {
      const display = command.type === 'new' ? command.displayQuantity : undefined;
      incoming = {
        side: e.side,
        order: {
          id: e.orderId,
          price: e.price ?? NaN,
          shown: 0,
          leaves: e.quantity,
          peak: display !== undefined && display < e.quantity ? display : 0,
        },
      };
    } else if (e.type === 'triggered') {
      settleIncoming();
      const o = stops.get(e.orderId);
      if (o === undefined) {
        out.push(`triggered #${e.orderId} was not waiting`);
        return out;
      }
      incoming = {
        side: e.side,
        order: {
          id: e.orderId,
          price: o.price ?? NaN,
          shown: 0,
          leaves: o.leaves,
          peak: o.displayQuantity ?? 0,
        },
      };
    } else if (e.type === 'trade') {
      const book = sides[e.takerSide === 'buy' ? 'sell' : 'buy'];
      const head = book[0];
      if (head?.id !== e.makerOrderId) {
        out.push(`trade seq ${e.seq}: maker #${e.makerOrderId} but head is #${head?.id}`);
        return out;
      }
      if (head.price !== e.price)
        out.push(`trade seq ${e.seq} at ${e.price}, maker rests at ${head.price}`);
      if (incoming?.order.id === e.takerOrderId) incoming.order.leaves -= e.quantity;
      else out.push(`trade seq ${e.seq}: taker #${e.takerOrderId} is not the incoming order`);
      head.shown -= e.quantity;
      head.leaves -= e.quantity;
      if (head.leaves === 0) {
        book.shift();
      } else if (head.shown === 0) {
        head.shown = Math.min(head.peak, head.leaves);
        book.shift();
        let at = 0;
        while (at < book.length && book[at]?.price === head.price) at++;
        book.splice(at, 0, head);
      } else if (head.shown < 0) {
        out.push(`trade seq ${e.seq} took more than the displayed slice`);
      }
    } else if (e.type === 'canceled' && incoming?.order.id === e.orderId) {
      incoming = null;
    } else if (e.type === 'canceled' && e.reason === 'SELF_TRADE_PREVENTED') {
      const where = find(e.orderId);
      if (where === undefined) out.push(`STP cancel of #${e.orderId} which is not resting`);
      else {
        if (where[1] !== 0) out.push(`STP cancel of #${e.orderId} which was not at the head`);
        sides[where[0]].splice(where[1], 1);
      }
    } else if (e.type === 'replaced') {
      const where = find(e.orderId);
      if (where !== undefined) {
        const o = sides[where[0]][where[1]];
        if (o !== undefined && e.priorityKept) {
          o.leaves = e.leaves;
          o.shown = Math.min(o.shown, e.leaves);
        } else if (o !== undefined) {
          sides[where[0]].splice(where[1], 1);
          incoming = { side: e.side, order: { ...o, price: e.price ?? NaN, leaves: e.leaves } };
        }
      }
    }
  }
  settleIncoming();
  return out;
}

/** State invariants of a book at rest. */
function restingViolations(s: BookSnapshot): string[] {
  const out: string[] = [];
  const bid = s.bids[0]?.price ?? null;
  const ask = s.asks[0]?.price ?? null;
  if (bid !== null && ask !== null && bid >= ask)
    out.push(`crossed book: bid ${bid} >= ask ${ask}`);
  const checkOrder = (
    orders: readonly OrderSnapshot[],
    better: (a: number, b: number) => boolean,
    key: 'price' | 'stopPrice',
  ): void => {
    for (let i = 1; i < orders.length; i++) {
      const a = orders[i - 1];
      const b = orders[i];
      if (a === undefined || b === undefined) continue;
      const pa = a[key] ?? NaN;
      const pb = b[key] ?? NaN;
      if (better(pb, pa))
        out.push(`#${b.orderId} at ${pb} listed after worse #${a.orderId} at ${pa}`);
      if (pa === pb && b.priority <= a.priority)
        out.push(`#${b.orderId} behind #${a.orderId} with an earlier priority`);
    }
  };
  checkOrder(s.bids, (x, y) => x > y, 'price');
  checkOrder(s.asks, (x, y) => x < y, 'price');
  checkOrder(s.buyStops, (x, y) => x < y, 'stopPrice');
  checkOrder(s.sellStops, (x, y) => x > y, 'stopPrice');
  for (const o of [...s.bids, ...s.asks]) {
    if (o.shown <= 0 || o.shown > o.leaves)
      out.push(`#${o.orderId} shows ${o.shown} of ${o.leaves}`);
    if (o.displayQuantity === null && o.shown !== o.leaves)
      out.push(`#${o.orderId} is not an iceberg but hides quantity`);
    if (o.orderType === 'market' || o.orderType === 'stop')
      out.push(`market order #${o.orderId} rests`);
    if (o.tif === 'IOC' || o.tif === 'FOK') out.push(`${o.tif} order #${o.orderId} rests`);
  }
  return out;
}

interface Ledger {
  quantity: number;
  filled: number;
  closed: number;
  done: boolean;
}

/** Every order's quantity is accounted for: total = filled + canceled/expired + still open. */
function conservationViolations(events: readonly EngineEvent[], final: BookSnapshot): string[] {
  const out: string[] = [];
  const ledger = new Map<number, Ledger>();
  const check = (id: number, l: Ledger, open: number): void => {
    if (l.quantity !== l.filled + l.closed + open)
      out.push(`#${id}: ${l.quantity} != filled ${l.filled} + closed ${l.closed} + open ${open}`);
  };
  let lastSeq = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e === undefined) continue;
    if (e.symbol !== null) {
      if (e.seq !== lastSeq + 1) out.push(`seq ${e.seq} after ${lastSeq}`);
      lastSeq = e.seq;
    }
    switch (e.type) {
      case 'accepted': {
        const previous = ledger.get(e.orderId);
        if (previous !== undefined && !previous.done) out.push(`#${e.orderId} accepted while live`);
        if (previous !== undefined) check(e.orderId, previous, 0);
        ledger.set(e.orderId, { quantity: e.quantity, filled: 0, closed: 0, done: false });
        break;
      }
      case 'trade': {
        const maker = events[i + 1];
        const taker = events[i + 2];
        if (maker?.type !== 'filled' && maker?.type !== 'partially-filled')
          out.push(`trade seq ${e.seq} not followed by the maker's fill`);
        else if (maker.orderId !== e.makerOrderId || maker.quantity !== e.quantity)
          out.push(`maker fill mismatch at ${e.seq}`);
        if (taker?.type !== 'filled' && taker?.type !== 'partially-filled')
          out.push(`trade seq ${e.seq} not followed by the taker's fill`);
        else if (taker.orderId !== e.takerOrderId || taker.quantity !== e.quantity)
          out.push(`taker fill mismatch at ${e.seq}`);
        if (e.makerAccount === e.takerAccount) out.push(`self trade at seq ${e.seq}`);
        if (e.quantity <= 0) out.push(`empty trade at seq ${e.seq}`);
        break;
      }
      case 'partially-filled':
      case 'filled': {
        const l = ledger.get(e.orderId);
        if (l === undefined || l.done) {
          out.push(`fill of unknown or done #${e.orderId}`);
          break;
        }
        l.filled += e.quantity;
        if (l.filled !== e.cum) out.push(`#${e.orderId} cum ${e.cum} but fills add to ${l.filled}`);
        if ((e.type === 'filled') !== (e.leaves === 0))
          out.push(`#${e.orderId} ${e.type} with leaves ${e.leaves}`);
        if (e.type === 'filled') {
          l.done = true;
          check(e.orderId, l, 0);
        }
        break;
      }
      case 'canceled':
      case 'expired': {
        const l = ledger.get(e.orderId);
        if (l === undefined || l.done) {
          out.push(`${e.type} of unknown or done #${e.orderId}`);
          break;
        }
        l.closed += e.quantity;
        l.done = true;
        check(e.orderId, l, 0);
        break;
      }
      case 'replaced': {
        const l = ledger.get(e.orderId);
        if (l === undefined || l.done) {
          out.push(`replace of unknown or done #${e.orderId}`);
          break;
        }
        l.quantity = e.quantity;
        if (e.quantity !== e.cum + e.leaves || e.cum !== l.filled)
          out.push(`replaced #${e.orderId} quantities do not add up`);
        break;
      }
      default:
        break;
    }
  }
  const open = new Map<number, number>();
  for (const o of [...final.bids, ...final.asks, ...final.buyStops, ...final.sellStops])
    open.set(o.orderId, o.leaves);
  for (const [id, l] of ledger) {
    if (!l.done && !open.has(id)) out.push(`#${id} is neither done nor in the book`);
    if (l.done && open.has(id)) out.push(`#${id} is done but still in the book`);
    if (!l.done) check(id, l, open.get(id) ?? 0);
  }
  for (const id of open.keys())
    if (ledger.get(id)?.done !== false) out.push(`#${id} rests without a live ledger entry`);
  return out;
}

describe('order book properties (fast-check)', () => {
  it('is never crossed at rest, keeps its queues ordered, and honours price-time priority on every trade', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const engine = newEngine();
        const sink = new EventBuffer(16);
        const violations: string[] = [];
        const fok = new Set<number>();
        for (const c of cmds) {
          const before = snap(engine);
          sink.clear();
          engine.process(c, sink);
          const events = sink.events();
          violations.push(...priorityViolations(before, c, events));
          for (const e of events) {
            if (e.type === 'accepted' && c.type === 'new' && c.tif === 'FOK') fok.add(e.orderId);
            // All or nothing: a FOK is never canceled after trading (and never rests: see below).
            if (e.type === 'canceled' && fok.has(e.orderId) && e.cum !== 0)
              violations.push(`FOK #${e.orderId} canceled after filling ${e.cum}`);
            if ((e.type === 'canceled' || e.type === 'filled') && fok.has(e.orderId))
              fok.delete(e.orderId);
          }
          violations.push(...restingViolations(snap(engine)));
          if (violations.length > 0) break;
        }
        expect(violations).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('conserves quantity: every order ends filled + canceled + expired + open = its quantity', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const engine = newEngine();
        const events = run(engine, cmds);
        expect(conservationViolations(events, snap(engine))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same commands give byte-identical events and state', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const a = newEngine();
        const b = newEngine();
        expect(JSON.stringify(run(b, cmds))).toBe(JSON.stringify(run(a, cmds)));
        expect(JSON.stringify(snap(b))).toBe(JSON.stringify(snap(a)));
      }),
      { numRuns: 150 },
    );
  });

  it('snapshot at any point + replay of the tail equals the live book (events and state)', () => {
    fc.assert(
      fc.property(commands, fc.nat(), (cmds, cutSeed) => {
        const cut = cmds.length === 0 ? 0 : cutSeed % (cmds.length + 1);
        const live = newEngine();
        run(live, cmds.slice(0, cut));
        // Through JSON, as it would be stored.
        const stored: unknown = JSON.parse(JSON.stringify(snap(live)));
        const restored = newEngine();
        restored.restore(stored as BookSnapshot);
        expect(snap(restored)).toEqual(snap(live));
        const tailLive = run(live, cmds.slice(cut));
        const tailRestored = run(restored, cmds.slice(cut));
        expect(JSON.stringify(tailRestored)).toBe(JSON.stringify(tailLive));
        expect(JSON.stringify(snap(restored))).toBe(JSON.stringify(snap(live)));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws, whatever the input (garbage commands, NaN, negatives, huge numbers, unknown ids), and stays consistent', () => {
    const number = fc.oneof(
      fc.constantFrom(
        NaN,
        Infinity,
        -Infinity,
        -1,
        0,
        0.5,
        2 ** 53,
        Number.MAX_SAFE_INTEGER,
        Number.MAX_VALUE,
        -0,
      ),
      fc.integer({ min: 9_990, max: 10_010 }),
      fc.double(),
    );
    const field = fc.oneof(
      number,
      fc.string(),
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.anything(),
    );
    const garbage = fc.record(
      {
        type: fc.oneof(fc.constantFrom('new', 'cancel', 'replace', 'expire'), field),
        symbol: fc.oneof(fc.constant(SYMBOL), field),
        orderId: fc.oneof(orderId, field),
        account: fc.oneof(account, field),
        side: fc.oneof(fc.constantFrom('buy', 'sell'), field),
        orderType: fc.oneof(fc.constantFrom('limit', 'market', 'stop', 'stop-limit'), field),
        price: fc.oneof(
          price,
          field,
          fc.constantFrom('100.00', '1e2', '-1', '100.001', '0x10', ''),
        ),
        stopPrice: field,
        quantity: fc.oneof(
          fc.integer({ min: 1, max: 20 }),
          field,
          fc.constantFrom('5', '5.5', '9007199254740993'),
        ),
        displayQuantity: field,
        tif: fc.oneof(fc.constantFrom('GTC', 'IOC', 'FOK', 'DAY', 'GTD'), field),
        expireAt: field,
        postOnly: field,
        stp: field,
        now: field,
        endOfDay: field,
      },
      { requiredKeys: [] },
    );
    const input = fc.oneof(
      { arbitrary: command, weight: 2 },
      { arbitrary: garbage, weight: 3 },
      { arbitrary: fc.anything(), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(input, fc.boolean()), { maxLength: 80 }), (inputs) => {
        const engine = newEngine();
        const sink = new EventBuffer(16);
        for (const [c, decimal] of inputs) {
          if (decimal) engine.processDecimal(c as DecimalCommand, sink);
          else engine.process(c as EngineCommand, sink);
        }
        const events = sink.events();
        const final = snap(engine);
        expect(restingViolations(final)).toEqual([]);
        expect(conservationViolations(events, final)).toEqual([]);
        expect(() => JSON.stringify(events)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
