import { common, orders } from '@meridian/contracts';
import { type BookSnapshot } from '@meridian/orders-domain';
import fc from 'fast-check';

import { EngineWorkerCore } from './engine-worker.core';
import { ExecutionState } from './execution-state';
import {
  type CommandContext,
  ExecutionTranslator,
  type OutgoingRecord,
} from './execution-translator';
import { CMD_SLOTS, EVT_SLOTS, RecordBuffer } from './record-layout';
import { TEST_INSTRUMENTS } from './testing';
import { parseTradingDayEnd } from './trading-day';

const MS = 1_000_000n;
const at = (iso: string): number => Date.parse(iso);

interface Order {
  id: number;
  side?: common.Side;
  price?: string;
  quantity?: string;
  tif?: orders.TimeInForce;
  /** GTD expiry, Unix ms. */
  expireAt?: number;
  account?: string;
  symbol?: string;
}

/** A new limit order published by the gateway at `publishedAt` (Unix ms). */
function newOrder(o: Order, publishedAt: number): orders.OrderCommand {
  const account = o.account ?? `acct-${o.id}`;
  return {
    commandId: `cmd-${o.id}`,
    accountId: account,
    agentId: `agent-${account}`,
    symbol: o.symbol ?? 'AAA',
    clientOrderId: `client-${o.id}`,
    orderId: String(o.id),
    receivedAtUnixNanos: BigInt(publishedAt) * MS,
    publishedAtUnixNanos: BigInt(publishedAt) * MS,
    command: {
      $case: 'newOrder',
      value: {
        side: o.side ?? common.Side.SELL,
        orderType: orders.OrderType.LIMIT,
        timeInForce: o.tif ?? orders.TimeInForce.GTC,
        quantity: { value: o.quantity ?? '5' },
        limitPrice: { value: o.price ?? '100.00' },
        stopPrice: undefined,
        displayQuantity: undefined,
        postOnly: false,
        selfTradePrevention: 0,
        expireAtUnixNanos: o.expireAt === undefined ? 0n : BigInt(o.expireAt) * MS,
      },
    },
  };
}

/** Translator + one worker core owning every symbol, as the executor wires them (no threads). */
function pipeline(tradingDayEnd = '21:00'): {
  run: (c: orders.OrderCommand) => string[];
  raw: (c: orders.OrderCommand) => orders.OrderEvent[];
  published: (c: orders.OrderCommand) => string[];
  state: ExecutionState;
  core: EngineWorkerCore;
} {
  const state = new ExecutionState(100);
  const translator = new ExecutionTranslator(TEST_INSTRUMENTS, state);
  const core = new EngineWorkerCore(
    TEST_INSTRUMENTS,
    TEST_INSTRUMENTS.map((_, i) => i),
    { tradingDayEndMs: parseTradingDayEnd(tradingDayEnd) },
  );
  const rec = new RecordBuffer(CMD_SLOTS);
  const contexts: CommandContext[] = [];
  let tag = 0;
  const outgoing = (c: orders.OrderCommand): OutgoingRecord[] => {
    rec.clear();
    core.out.clear();
    const t = tag++;
    translator.translate(c, 0, t, rec, contexts);
    core.processRecords(rec.f64, rec.u8, 0, rec.count, CMD_SLOTS);
    const out: OutgoingRecord[] = [];
    for (let i = 0; i < core.out.count; i++)
      translator.translateEvent(core.out.f64, core.out.u8, i * EVT_SLOTS, contexts[t], (r) =>
        out.push(r),
      );
    return out;
  };
  const raw = (c: orders.OrderCommand): orders.OrderEvent[] =>
    outgoing(c)
      .filter((r) => r.topic === 'events')
      .map((r) => orders.OrderEvent.decode(r.value));
  /** Every Kafka message the command produces, byte for byte. */
  const published = (c: orders.OrderCommand): string[] =>
    outgoing(c).map((r) => `${r.topic} ${r.id} ${Buffer.from(r.value).toString('base64')}`);
  const run = (c: orders.OrderCommand): string[] =>
    raw(c).map((e) => {
      const v = e.event;
      const detail =
        v?.$case === 'rejected'
          ? v.value.text
          : v?.$case === 'expired'
            ? `${v.value.expiredQuantity?.value}`
            : v?.$case === 'filled' || v?.$case === 'partiallyFilled'
              ? `${v.value.fill?.quantity?.value}@${v.value.fill?.price?.value}`
              : '';
      return `${e.symbol}#${e.sequence} ${e.orderId} ${e.commandId || '-'} ${v?.$case} ${detail}`.trim();
    });
  return { run, raw, published, state, core };
}

const T0 = at('2026-03-02T10:00:00.000Z'); // a Monday

describe('order expiry driven by command time', () => {
  it('expires a GTD order before the first command whose time reaches its expiry; it can no longer be hit', () => {
    const { run, raw, state } = pipeline();
    expect(
      run(newOrder({ id: 1, tif: orders.TimeInForce.GTD, expireAt: T0 + 60_000 }, T0)),
    ).toEqual(['AAA#1 1 cmd-1 accepted']);
    // Before the expiry it trades.
    expect(run(newOrder({ id: 2, side: common.Side.BUY, quantity: '1' }, T0 + 59_999))).toEqual([
      'AAA#2 2 cmd-2 accepted',
      'AAA#4 1 - partiallyFilled 1@100.00',
      'AAA#5 2 cmd-2 filled 1@100.00',
    ]);
    // At the expiry (inclusive): Expired first on the book's sequence, then the command, which
    // finds nothing to trade with and rests.
    const events = raw(newOrder({ id: 3, side: common.Side.BUY, quantity: '2' }, T0 + 60_000));
    expect(events.map((e) => `${e.sequence} ${e.orderId} ${e.event?.$case} ${e.status}`)).toEqual([
      `6 1 expired ${orders.OrderStatus.EXPIRED}`,
      `7 3 accepted ${orders.OrderStatus.NEW}`,
    ]);
    const [expired] = events;
    expect(expired?.event).toEqual({
      $case: 'expired',
      value: { expiredQuantity: { value: '4' }, cumulativeQuantity: { value: '1' } },
    });
    // The identity is the expired order's; the time is the command's that moved the clock.
    expect([expired?.clientOrderId, expired?.accountId, expired?.commandId]).toEqual([
      'client-1',
      'acct-1',
      '',
    ]);
    expect(expired?.eventTimeUnixNanos).toBe(BigInt(T0 + 60_000) * MS);
    expect(state.order(0, 1)).toBeUndefined();
    // A seller now meets order 3 only: order 1 is gone for good.
    expect(
      run(newOrder({ id: 4, side: common.Side.SELL, price: '99.00', quantity: '9' }, T0 + 61_000)),
    ).toEqual([
      'AAA#8 4 cmd-4 accepted',
      'AAA#10 3 - filled 2@100.00',
      'AAA#11 4 cmd-4 partiallyFilled 2@100.00',
    ]);
  });

  it('gives an expiry that names the expired order no command id, and rejects a cancel of it as unknown', () => {
    const { run } = pipeline();
    run(newOrder({ id: 1, tif: orders.TimeInForce.GTD, expireAt: T0 + 1_000 }, T0));
    const cancel: orders.OrderCommand = {
      ...newOrder({ id: 1 }, T0 + 5_000),
      commandId: 'cancel-1',
      command: { $case: 'cancelOrder', value: { origClientOrderId: '' } },
    };
    expect(run(cancel)).toEqual(['AAA#2 1 - expired 5', 'AAA#3 1 cancel-1 rejected UNKNOWN_ORDER']);
  });

  it('keeps one clock per book that never moves back: older timestamps and other books change nothing', () => {
    const { run } = pipeline();
    run(newOrder({ id: 1, tif: orders.TimeInForce.GTD, expireAt: T0 + 60_000 }, T0));
    // Another book's time does not touch AAA.
    expect(run(newOrder({ id: 2, symbol: 'BBB' }, T0 + 3_600_000))).toEqual([
      'BBB#1 2 cmd-2 accepted',
    ]);
    expect(run(newOrder({ id: 3, price: '101.00' }, T0 + 30_000))).toEqual([
      'AAA#2 3 cmd-3 accepted',
    ]);
    // A GTD order moves the clock to its own time (its expiry is checked against it)...
    expect(
      run(
        newOrder(
          { id: 4, tif: orders.TimeInForce.GTD, expireAt: T0 + 40_000, price: '102.00' },
          T0 + 35_000,
        ),
      ),
    ).toEqual(['AAA#3 4 cmd-4 accepted']);
    // ... and an older timestamp (a skewed gateway clock) keeps it there: max, not last.
    expect(
      run(
        newOrder(
          { id: 5, tif: orders.TimeInForce.GTD, expireAt: T0 + 34_000, price: '103.00' },
          T0 + 20_000,
        ),
      ),
    ).toEqual(['AAA#4 5 cmd-5 rejected INVALID_EXPIRY']);
    expect(run(newOrder({ id: 6, price: '104.00' }, T0 + 39_999))).toEqual([
      'AAA#5 6 cmd-6 accepted',
    ]);
    // Both GTD orders due by the same command expire in priority order.
    expect(run(newOrder({ id: 7, price: '105.00' }, T0 + 60_000))).toEqual([
      'AAA#6 1 - expired 5',
      'AAA#7 4 - expired 5',
      'AAA#8 7 cmd-7 accepted',
    ]);
  });

  it('rejects a GTD order whose expiry has passed at its own time, and ignores a command without a time', () => {
    const { run } = pipeline();
    expect(run(newOrder({ id: 1, tif: orders.TimeInForce.GTD, expireAt: T0 }, T0))).toEqual([
      'AAA#1 1 cmd-1 rejected INVALID_EXPIRY',
    ]);
    run(newOrder({ id: 2, tif: orders.TimeInForce.GTD, expireAt: T0 + 10 }, T0));
    const timeless = { ...newOrder({ id: 3, price: '101.00' }, T0), publishedAtUnixNanos: 0n };
    expect(run(timeless)).toEqual(['AAA#3 3 cmd-3 accepted']);
    expect(run(newOrder({ id: 4, price: '101.00' }, T0 + 10))).toEqual([
      'AAA#4 2 - expired 5',
      'AAA#5 4 cmd-4 accepted',
    ]);
  });

  it('expires DAY orders (resting and waiting stops) at the configured end of day, and only those', () => {
    const { run } = pipeline('16:30');
    const stop: orders.OrderCommand = newOrder({ id: 3, side: common.Side.SELL }, T0 + 2);
    if (stop.command?.$case === 'newOrder')
      stop.command.value = {
        ...stop.command.value,
        orderType: orders.OrderType.STOP,
        limitPrice: undefined,
        stopPrice: { value: '90.00' },
        timeInForce: orders.TimeInForce.DAY,
      };
    run(newOrder({ id: 1, tif: orders.TimeInForce.DAY, price: '101.00' }, T0));
    run(newOrder({ id: 2, tif: orders.TimeInForce.GTC, price: '102.00' }, T0 + 1));
    expect(run(stop)).toEqual(['AAA#3 3 cmd-3 accepted']);
    expect(run(newOrder({ id: 4, price: '103.00' }, at('2026-03-02T16:29:59.999Z')))).toEqual([
      'AAA#4 4 cmd-4 accepted',
    ]);
    expect(
      run(
        newOrder(
          { id: 5, tif: orders.TimeInForce.DAY, price: '104.00' },
          at('2026-03-02T16:30:00.000Z'),
        ),
      ),
    ).toEqual(['AAA#5 1 - expired 5', 'AAA#6 3 - expired 5', 'AAA#7 5 cmd-5 accepted']);
    // Order 5 arrived at the close: it belongs to the next trading day and survives its morning.
    expect(run(newOrder({ id: 6, price: '105.00' }, at('2026-03-03T09:00:00.000Z')))).toEqual([
      'AAA#8 6 cmd-6 accepted',
    ]);
    // Two days pass without a command on AAA (idle book): the next command ends them, once.
    expect(run(newOrder({ id: 7, price: '106.00' }, at('2026-03-05T09:00:00.000Z')))).toEqual([
      'AAA#9 5 - expired 5',
      'AAA#10 7 cmd-7 accepted',
    ]);
  });

  it('decides the same after a snapshot restore, across a close, as without it', () => {
    const commands = [
      newOrder({ id: 1, tif: orders.TimeInForce.DAY, price: '101.00' }, at('2026-03-02T20:00:00Z')),
      newOrder({ id: 2, price: '102.00' }, at('2026-03-02T21:30:00Z')), // ends Monday
      newOrder({ id: 3, tif: orders.TimeInForce.DAY, price: '103.00' }, at('2026-03-02T22:00:00Z')),
      newOrder(
        {
          id: 4,
          tif: orders.TimeInForce.GTD,
          expireAt: at('2026-03-03T12:00:00Z'),
          price: '104.00',
        },
        at('2026-03-02T22:30:00Z'),
      ),
      // --- snapshot here: the book's clock is Monday 22:30, after the close ---
      newOrder({ id: 5, price: '105.00' }, at('2026-03-03T10:00:00Z')), // nothing due
      newOrder({ id: 6, price: '106.00' }, at('2026-03-03T12:00:00Z')), // GTD 4 due
      newOrder({ id: 7, price: '107.00' }, at('2026-03-03T21:00:00Z')), // DAY 3 due
    ];
    const live = pipeline();
    const liveEvents = commands.map((c) => live.run(c));

    const first = pipeline();
    commands.slice(0, 4).forEach((c) => first.run(c));
    const books = JSON.parse(JSON.stringify(first.core.snapshot())) as BookSnapshot[];
    const second = pipeline();
    second.core.restore(books);
    second.state.load(first.state.toJSON());
    expect(commands.slice(4).map((c) => second.run(c))).toEqual(liveEvents.slice(4));
    expect(liveEvents.slice(4)).toEqual([
      ['AAA#6 5 cmd-5 accepted'],
      ['AAA#7 4 - expired 5', 'AAA#8 6 cmd-6 accepted'],
      ['AAA#9 3 - expired 5', 'AAA#10 7 cmd-7 accepted'],
    ]);
  });
});

/** One generated command: a new order or a cancel, and the step of the gateway's clock. */
interface Op {
  cancel: boolean;
  symbol: 'AAA' | 'BBB';
  orderId: number;
  side: common.Side;
  /** Ticks around 100.00. */
  price: number;
  quantity: number;
  tif: orders.TimeInForce;
  expireIn: number;
  /** Time since the previous command (negative: a skewed gateway clock). */
  step: number;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  cancel: fc.constantFrom(false, false, false, true),
  symbol: fc.constantFrom<'AAA' | 'BBB'>('AAA', 'BBB'),
  orderId: fc.integer({ min: 1, max: 40 }),
  side: fc.constantFrom(common.Side.BUY, common.Side.SELL),
  price: fc.integer({ min: -5, max: 5 }),
  quantity: fc.integer({ min: 1, max: 5 }),
  tif: fc.constantFrom(orders.TimeInForce.GTC, orders.TimeInForce.DAY, orders.TimeInForce.GTD),
  expireIn: fc.integer({ min: -1_000, max: 7_200_000 }),
  step: fc.oneof(
    fc.integer({ min: 0, max: 120_000 }),
    fc.integer({ min: -30_000, max: 0 }),
    fc.integer({ min: 3_600_000, max: 30 * 3_600_000 }),
  ),
});

function toCommands(ops: readonly Op[]): orders.OrderCommand[] {
  let t = at('2026-03-02T20:00:00Z');
  return ops.map((op, i) => {
    t += op.step;
    const command = newOrder(
      {
        id: op.orderId,
        symbol: op.symbol,
        side: op.side,
        price: (100 + op.price / 100).toFixed(2),
        quantity: String(op.quantity),
        tif: op.tif,
        expireAt: op.tif === orders.TimeInForce.GTD ? t + op.expireIn : undefined,
        account: `acct-${op.orderId % 5}`,
      },
      t,
    );
    return {
      ...command,
      commandId: `cmd-${i}`,
      ...(op.cancel
        ? { command: { $case: 'cancelOrder', value: { origClientOrderId: '' } } as const }
        : {}),
    };
  });
}

describe('order expiry determinism (property)', () => {
  it('snapshot at any point + replay of the rest publishes the same messages, byte for byte', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 100 }), fc.nat(), (ops, cutSeed) => {
        const commands = toCommands(ops);
        const cut = cutSeed % (commands.length + 1);
        const whole = pipeline();
        const expected = commands.map((c) => whole.published(c)).slice(cut);

        const before = pipeline();
        commands.slice(0, cut).forEach((c) => before.published(c));
        const after = pipeline();
        after.core.restore(JSON.parse(JSON.stringify(before.core.snapshot())) as BookSnapshot[]);
        after.state.load(JSON.parse(JSON.stringify(before.state.toJSON())));
        expect(commands.slice(cut).map((c) => after.published(c))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("never leaves a GTD order live once its book's clock reached its expiry", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 100 }), (ops) => {
        const { core, published } = pipeline();
        toCommands(ops).forEach((c) => published(c));
        const overdue = core
          .snapshot()
          .flatMap((snap) =>
            [...snap.bids, ...snap.asks].filter(
              (o) => o.tif === 'GTD' && (o.expireAt ?? 0) <= snap.now,
            ),
          );
        expect(overdue).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
