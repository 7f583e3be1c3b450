import { common, orders } from '@meridian/contracts';
import { reasonNumber } from '@meridian/orders-domain';

import { EngineWorkerCore } from './engine-worker.core';
import { ExecutionState } from './execution-state';
import {
  averagePriceOf,
  type CommandContext,
  EXEC_REASON,
  ExecutionTranslator,
  type OutgoingRecord,
} from './execution-translator';
import { InstrumentsConfigError } from './execution.error';
import { DEFAULT_INSTRUMENTS_JSON, parseInstruments } from './instruments.config';
import { CB, CMD_KIND, CMD_SLOTS, EVT_SLOTS, RecordBuffer } from './record-layout';
import { TEST_INSTRUMENTS } from './testing';

function newOrder(
  id: number,
  account: string,
  side: common.Side,
  price: string | undefined,
  quantity = '10',
  symbol = 'AAA',
): orders.OrderCommand {
  return {
    commandId: `cmd-${id}`,
    accountId: account,
    agentId: `agent-${account}`,
    symbol,
    clientOrderId: `client-${id}`,
    orderId: String(id),
    receivedAtUnixNanos: 7n,
    publishedAtUnixNanos: 9n,
    command: {
      $case: 'newOrder',
      value: {
        side,
        orderType: orders.OrderType.LIMIT,
        timeInForce: orders.TimeInForce.GTC,
        quantity: { value: quantity },
        limitPrice: price === undefined ? undefined : { value: price },
        stopPrice: undefined,
        displayQuantity: undefined,
        postOnly: false,
        selfTradePrevention: 0,
        expireAtUnixNanos: 0n,
      },
    },
  };
}

function setup(): {
  state: ExecutionState;
  translator: ExecutionTranslator;
  core: EngineWorkerCore;
  rec: RecordBuffer;
  contexts: CommandContext[];
  run: (c: orders.OrderCommand) => orders.OrderEvent[];
} {
  const state = new ExecutionState(2);
  const translator = new ExecutionTranslator(TEST_INSTRUMENTS, state);
  const core = new EngineWorkerCore(
    TEST_INSTRUMENTS,
    TEST_INSTRUMENTS.map((_, i) => i),
  );
  const rec = new RecordBuffer(CMD_SLOTS);
  const contexts: CommandContext[] = [];
  let tag = 0;
  const run = (c: orders.OrderCommand): orders.OrderEvent[] => {
    rec.clear();
    core.out.clear();
    const t = tag++;
    const result = translator.translate(c, 0, t, rec, contexts);
    const out: OutgoingRecord[] = [];
    if (result.kind === 'no-book') out.push(result.record);
    core.processRecords(rec.f64, rec.u8, 0, rec.count, CMD_SLOTS);
    for (let i = 0; i < core.out.count; i++)
      translator.translateEvent(core.out.f64, core.out.u8, i * EVT_SLOTS, contexts[t], (r) =>
        out.push(r),
      );
    return out.filter((r) => r.topic === 'events').map((r) => orders.OrderEvent.decode(r.value));
  };
  return { state, translator, core, rec, contexts, run };
}

const summary = (events: orders.OrderEvent[]): string[] =>
  events.map((e) => {
    const v = e.event;
    const detail =
      v?.$case === 'rejected'
        ? `${orders.RejectReason[v.value.reason]}/${v.value.text}`
        : v?.$case === 'canceled'
          ? orders.CancelReason[v.value.reason]
          : v?.$case === 'filled' || v?.$case === 'partiallyFilled'
            ? `${v.value.fill?.quantity?.value}@${v.value.fill?.price?.value} ${orders.Liquidity[v.value.fill?.liquidity ?? 0]} ${v.value.fill?.tradeId}`
            : '';
    return `${e.symbol}#${e.sequence} ${e.orderId} ${e.clientOrderId} ${e.accountId} ${e.commandId || '-'} ${v?.$case} ${detail}`.trim();
  });

describe('ExecutionTranslator', () => {
  it('maps a cross to accepted, maker and taker fills with the right identities and trade ids', () => {
    const { run } = setup();
    expect(summary(run(newOrder(1, 'alice', common.Side.SELL, '100.00')))).toEqual([
      'AAA#1 1 client-1 alice cmd-1 accepted',
    ]);
    expect(summary(run(newOrder(2, 'bob', common.Side.BUY, '100.50', '4')))).toEqual([
      'AAA#2 2 client-2 bob cmd-2 accepted',
      // seq 3 is the trade (trades.v1)
      'AAA#4 1 client-1 alice - partiallyFilled 4@100.00 MAKER AAA-3',
      'AAA#5 2 client-2 bob cmd-2 filled 4@100.00 TAKER AAA-3',
    ]);
  });

  it('turns invalid input into rejections on the book sequence with the precise engine reason', () => {
    const { run } = setup();
    expect(summary(run(newOrder(1, 'a', common.Side.BUY, '100.005')))).toEqual([
      'AAA#1 1 client-1 a cmd-1 rejected INVALID_PRICE/PRICE_TOO_PRECISE',
    ]);
    expect(summary(run(newOrder(2, 'a', common.Side.BUY, '100.00', '1.5')))).toEqual([
      'AAA#2 2 client-2 a cmd-2 rejected INVALID_QUANTITY/QUANTITY_TOO_PRECISE',
    ]);
    expect(
      summary(run({ ...newOrder(3, 'a', common.Side.BUY, '100.00'), orderId: 'not-a-number' })),
    ).toEqual(['AAA#3 not-a-number client-3 a cmd-3 rejected UNKNOWN_ORDER/INVALID_ORDER_ID']);
    expect(summary(run(newOrder(4, 'a', common.Side.UNSPECIFIED, '100.00')))).toEqual([
      'AAA#4 4 client-4 a cmd-4 rejected INVALID_ORDER_TYPE/INVALID_SIDE',
    ]);
    expect(summary(run({ ...newOrder(5, 'a', common.Side.BUY, '1'), command: undefined }))).toEqual(
      ['AAA#5 5 client-5 a cmd-5 rejected INVALID_ORDER_TYPE/MALFORMED_COMMAND'],
    );
    expect(summary(run(newOrder(6, 'a', common.Side.BUY, '1.00', '1', 'NOPE')))).toEqual([
      'NOPE#0 6 client-6 a cmd-6 rejected UNKNOWN_SYMBOL/UNKNOWN_SYMBOL',
    ]);
    expect(summary(run(newOrder(10, 'a', common.Side.BUY, '1.00')))).toEqual([
      'AAA#6 10 client-10 a cmd-10 accepted',
    ]);
    // A second new order with a live order's id: rejected with the command's identity, the live order untouched.
    expect(summary(run({ ...newOrder(11, 'b', common.Side.BUY, '1.005'), orderId: '10' }))).toEqual(
      ['AAA#7 10 client-11 b cmd-11 rejected DUPLICATE_CLIENT_ORDER_ID/DUPLICATE_ORDER_ID'],
    );
  });

  it('drops a command id it applied within the window, per partition', () => {
    const { translator, rec, contexts } = setup();
    const c = newOrder(1, 'a', common.Side.BUY, '1.00');
    expect(translator.translate(c, 0, 0, rec, contexts).kind).toBe('record');
    expect(translator.translate(c, 0, 1, rec, contexts).kind).toBe('duplicate');
    expect(translator.translate(c, 1, 2, rec, contexts).kind).toBe('record');
    // Window of 2: two newer ids evict it.
    translator.translate(newOrder(2, 'a', common.Side.BUY, '1.00'), 0, 3, rec, contexts);
    translator.translate(newOrder(3, 'a', common.Side.BUY, '1.00'), 0, 4, rec, contexts);
    expect(translator.translate(c, 0, 5, rec, contexts).kind).toBe('record');
  });

  it('rejects new orders and replaces of halted accounts and everything but cancels under a global halt', () => {
    const { state, translator, rec, contexts } = setup();
    state.haltedAccounts.add('bad');
    translator.translate(newOrder(1, 'bad', common.Side.BUY, '1.00'), 0, 0, rec, contexts);
    translator.translate(newOrder(2, 'good', common.Side.BUY, '1.00'), 0, 1, rec, contexts);
    state.globalHalt = true;
    translator.translate(newOrder(3, 'good', common.Side.BUY, '1.00'), 0, 2, rec, contexts);
    translator.translate(
      {
        ...newOrder(4, 'good', common.Side.BUY, '1.00'),
        orderId: '2',
        command: { $case: 'cancelOrder', value: { origClientOrderId: '' } },
      },
      0,
      3,
      rec,
      contexts,
    );
    const kinds = [0, 1, 2, 3].map((r) => [
      rec.u8[r * CMD_SLOTS * 8 + CB.KIND],
      rec.u8[r * CMD_SLOTS * 8 + CB.REASON],
    ]);
    expect(kinds).toEqual([
      [CMD_KIND.REJECT, EXEC_REASON.TRADING_HALTED],
      [CMD_KIND.NEW, 0],
      [CMD_KIND.REJECT, EXEC_REASON.TRADING_HALTED],
      [CMD_KIND.CANCEL, 0],
    ]);
    expect(reasonNumber('GOOD_TILL_DATE')).toBeLessThan(EXEC_REASON.TRADING_HALTED);
  });

  it('round-trips its state through JSON', () => {
    const { state, run } = setup();
    run(newOrder(1, 'alice', common.Side.SELL, '100.00'));
    state.haltedAgents.add('agent-x');
    const copy = new ExecutionState(2);
    copy.load(JSON.parse(JSON.stringify(state.toJSON())));
    expect(copy.toJSON()).toEqual(state.toJSON());
    expect(copy.order(0, 1)).toEqual({
      clientOrderId: 'client-1',
      accountId: 'alice',
      agentId: 'agent-alice',
    });
    expect(() => copy.load({ accounts: 'nope' })).toThrow();
  });
});

describe('parseInstruments', () => {
  it('accepts the default universe and refuses bad JSON, schema violations, duplicates and unusable instruments', () => {
    expect(parseInstruments(DEFAULT_INSTRUMENTS_JSON).map((i) => i.symbol)).toEqual([
      'AAPL',
      'MSFT',
      'BTC-USD',
      'EUR-USD',
    ]);
    expect(() => parseInstruments('{')).toThrow(InstrumentsConfigError);
    expect(() => parseInstruments('[]')).toThrow(/at least one/);
    const one = JSON.parse(DEFAULT_INSTRUMENTS_JSON) as unknown[];
    expect(() => parseInstruments(JSON.stringify([one[0], one[0]]))).toThrow(/twice/);
    expect(() =>
      parseInstruments(
        JSON.stringify([
          {
            symbol: 'X',
            tickSize: '0.01',
            lotSize: '1',
            minPrice: '5',
            maxPrice: '1',
            currencyDecimals: 2,
          },
        ]),
      ),
    ).toThrow(InstrumentsConfigError);
    expect(() =>
      parseInstruments(
        JSON.stringify([
          {
            symbol: 'X',
            tickSize: '-1',
            lotSize: '1',
            minPrice: '1',
            maxPrice: '5',
            currencyDecimals: 2,
          },
        ]),
      ),
    ).toThrow(/tickSize/);
  });
});

describe('averagePriceOf', () => {
  it('is the exact volume-weighted price in the tick size, trimmed', () => {
    // 100 lots @ 99.00 (9900 ticks of 0.01) + 100 lots @ 98.00 → 98.5
    expect(averagePriceOf(9900n * 100n + 9800n * 100n, 200, '0.01')).toBe('98.5');
    expect(averagePriceOf(9900n * 4n, 4, '0.01')).toBe('99');
  });

  it('rounds half-even six digits past the tick size and never goes through floats', () => {
    // (1 + 2 + 2) ticks of 0.5 over 3 lots = 5/3 ticks = 0.8333333... → 0.8333333 (7 decimals)
    expect(averagePriceOf(5n, 3, '0.5')).toBe('0.8333333');
    // 1/8 tick of 0.00001 = 0.00000125 exactly representable within 11 decimals
    expect(averagePriceOf(1n, 8, '0.00001')).toBe('0.00000125');
    // A sum past 2^53 stays exact.
    expect(averagePriceOf(2n ** 60n, 2 ** 10, '1')).toBe(String(2n ** 50n));
  });
});
