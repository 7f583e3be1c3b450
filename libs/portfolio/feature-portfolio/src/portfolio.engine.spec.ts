import { type marketdata, type orders, portfolio } from '@meridian/contracts';
import {
  AccountBook,
  MONEY_SCALE,
  parseFixed,
  type PositionState,
  replayFills,
  toFill,
} from '@meridian/portfolio-domain';
import { PortfolioRedisView, PortfolioRepository } from '@meridian/portfolio-data-access';
import {
  createPortfolioTestStores,
  type PortfolioTestStores,
} from '@meridian/portfolio-data-access/testing';
import { MetricsRegistry } from '@meridian/shared-observability';
import { metricSample } from '@meridian/shared-testing';
import type { BatchOutcome, BatchRecord } from './kafka-batch.consumer';
import { OrderSideUnknownError, TickInvalidError } from './portfolio.error';
import { PortfolioEngine } from './portfolio.engine';
import { PortfolioMetrics } from './portfolio.metrics';
import { PositionUpdateHub } from './position-update.hub';
import { acceptedEvent, fillEvent, ListUpdateSink, tick, tradeScript } from './testing';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const NOW = 1_767_225_600_000_000_000n + 3_600_000_000_000n; // 2026-01-01T01:00Z

function records<T>(values: readonly T[]): BatchRecord<T>[] {
  return values.map((value, i) => ({ value, partition: 0, offset: String(i) }));
}

function core(p: PositionState): Record<string, bigint> {
  return {
    quantity: p.quantity,
    costBasis: p.costBasis,
    realizedPnl: p.realizedPnl,
    fees: p.fees,
    fillCount: p.fillCount,
  };
}

/** Another writer stores account A at version 5: the engine's next write of A is refused. */
async function accountAtVersionFiveElsewhere(db: PortfolioTestStores['pg']['db']): Promise<void> {
  await new PortfolioRepository(db).writeBatch({
    executions: [],
    positions: [],
    accounts: [
      {
        ...AccountBook.open('A', 'USD', parseFixed('100000', MONEY_SCALE), NOW).record(),
        version: 5n,
      },
    ],
    openedOrders: [],
    closedOrderIds: [],
  });
}

describe('PortfolioEngine (PostgreSQL + Redis, no broker)', () => {
  let stores: PortfolioTestStores;
  let registry: MetricsRegistry;
  let metrics: PortfolioMetrics;
  let sink: ListUpdateSink;
  let clockMs: number;

  // Most cases check per-fill versioning; the default granularity ('position') has its own.
  function engine(
    markThrottleMs = 0,
    more: Partial<ConstructorParameters<typeof PortfolioEngine>[0]> = {},
  ): PortfolioEngine {
    return new PortfolioEngine({
      repository: new PortfolioRepository(stores.pg.db),
      view: new PortfolioRedisView(stores.redis, stores.redisPrefix),
      sink,
      hub: new PositionUpdateHub(),
      metrics,
      logger: silent,
      clock: () => NOW,
      monotonicMs: () => clockMs,
      fees: { makerBps: 0, takerBps: 10 },
      defaultStartingCash: parseFixed('100000', MONEY_SCALE),
      defaultCurrency: 'USD',
      markThrottleMs,
      updateGranularity: 'fill',
      ...more,
    });
  }

  beforeEach(async () => {
    stores = await createPortfolioTestStores('pf_engine');
    registry = new MetricsRegistry({ defaultMetrics: false });
    metrics = new PortfolioMetrics(registry);
    sink = new ListUpdateSink();
    clockMs = 0;
  });
  afterEach(() => stores.cleanup());

  const buy = [
    acceptedEvent({
      orderId: 'o1',
      accountId: 'A',
      symbol: 'AAA',
      side: 'buy',
      quantity: '10',
      sequence: 1n,
    }),
    fillEvent({
      orderId: 'o1',
      accountId: 'A',
      symbol: 'AAA',
      executionId: 'x1',
      quantity: '4',
      price: '100',
      sequence: 2n,
      final: false,
    }),
    fillEvent({
      orderId: 'o1',
      accountId: 'A',
      symbol: 'AAA',
      executionId: 'x2',
      quantity: '6',
      price: '110',
      sequence: 3n,
      final: true,
    }),
  ];

  it('applies fills to memory, PostgreSQL and Redis and publishes versioned updates', async () => {
    const e = engine();
    await e.start();
    const outcome = await e.applyOrderEvents(records(buy));
    await e.flushUpdates();
    expect(outcome.rejected).toEqual([]);
    expect(
      sink.updates.map((u) => [u.version, u.cause, u.executionId, u.position?.quantity?.value]),
    ).toEqual([
      [1n, portfolio.PositionUpdateCause.FILL, 'x1', '4'],
      [2n, portfolio.PositionUpdateCause.FILL, 'x2', '10'],
    ]);
    const last = sink.updates[1];
    // 4 @ 100 + 6 @ 110 = 1060, average 106; taker fees 10 bps: 0.4 + 0.66.
    expect(last?.position?.averageCost?.value).toBe('106');
    expect(last?.position?.realizedPnl?.value).toBe('-1.06');
    expect(last?.account).toMatchObject({
      accountId: 'A',
      currency: 'USD',
      version: 2n,
      positions: [],
      fees: { value: '1.06' },
      equity: { value: '99998.94' },
      highWaterMark: { value: '100000' },
      drawdown: { value: '1.06' },
      dayPnl: { value: '-1.06' },
    });
    const stored = await new PortfolioRepository(stores.pg.db).loadAll();
    expect(stored.positions.map(core)).toEqual([
      {
        quantity: 1_000_000_000n,
        costBasis: parseFixed('1060', MONEY_SCALE),
        realizedPnl: 0n,
        fees: parseFixed('1.06', MONEY_SCALE),
        fillCount: 2n,
      },
    ]);
    expect(stored.accounts[0]?.version).toBe(2n);
    // The order is complete: its side is no longer kept.
    expect(await new PortfolioRepository(stores.pg.db).openOrders()).toEqual([]);
    const view = new PortfolioRedisView(stores.redis, stores.redisPrefix);
    expect(await view.positions('A')).toEqual({ AAA: '10' });
    expect(await view.account('A')).toMatchObject({ version: '2', equity: '99998.94' });
    expect(metricSample(await registry.metricsText(), 'portfolio_fills_applied_total')).toBe(2);
  });

  it('ignores a replay of the same events, also after a restart from PostgreSQL', async () => {
    const first = engine();
    await first.start();
    await first.applyOrderEvents(records(buy));
    await first.applyOrderEvents(records(buy));
    await first.flushUpdates();
    expect(sink.updates).toHaveLength(2);
    const restarted = engine();
    await restarted.start();
    await restarted.applyOrderEvents(records(buy));
    await restarted.flushUpdates();
    // After a restart the replayed position is published once more, under the version it
    // already had (ADR 0015): consumers drop it as seen, unless it was lost in a crash.
    expect(sink.updates.map((u) => [u.version, u.position?.quantity?.value])).toEqual([
      [1n, '4'],
      [2n, '10'],
      [2n, '10'],
    ]);
    expect(metricSample(await registry.metricsText(), 'portfolio_fills_duplicate_total')).toBe(4);
    expect(restarted.account('A').version).toBe(2n);
    expect(restarted.positions('A').map((p) => p.quantity?.value)).toEqual(['10']);
  });

  it('rejects fills of unknown orders and malformed fills (to the DLQ) and applies the rest', async () => {
    const e = engine();
    await e.start();
    const bad = fillEvent({
      orderId: 'ghost',
      accountId: 'A',
      symbol: 'AAA',
      executionId: 'g1',
      quantity: '1',
      price: '1',
      sequence: 4n,
      final: true,
    });
    const malformed = fillEvent({
      orderId: 'o1',
      accountId: 'A',
      symbol: 'AAA',
      executionId: 'm1',
      quantity: '1',
      price: '1e3',
      sequence: 5n,
      final: false,
    });
    const outcome = await e.applyOrderEvents(records([...buy.slice(0, 2), bad, malformed]));
    expect(outcome.rejected.map((r) => [r.index, (r.error as Error).constructor.name])).toEqual([
      [2, OrderSideUnknownError.name],
      [3, 'DecimalFormatError'],
    ]);
    expect(e.positions('A').map((p) => p.quantity?.value)).toEqual(['4']);
    // A redelivered fill of an order that completed since is a duplicate, not a poison record.
    await e.applyOrderEvents(records(buy));
    const again = await e.applyOrderEvents(
      records([buy[2], buy[1]].filter((x) => x !== undefined)),
    );
    expect(again.rejected).toEqual([]);
    expect(e.account('A').version).toBe(2n);
  });

  it('merges batches handed in concurrently into one write and maps rejections back', async () => {
    // Both calls are queued before the engine runs: one write (one histogram observation).
    const e = engine();
    await e.start();
    const ghost = fillEvent({
      orderId: 'ghost',
      accountId: 'B',
      symbol: 'BBB',
      executionId: 'g',
      quantity: '1',
      price: '1',
      sequence: 1n,
      final: true,
    });
    const other = [
      acceptedEvent({
        orderId: 'o9',
        accountId: 'B',
        symbol: 'CCC',
        side: 'sell',
        quantity: '3',
        sequence: 1n,
      }),
      ghost,
      fillEvent({
        orderId: 'o9',
        accountId: 'B',
        symbol: 'CCC',
        executionId: 'y1',
        quantity: '3',
        price: '50',
        sequence: 2n,
        final: true,
      }),
    ];
    const [first, second] = await Promise.all([
      e.applyOrderEvents(records(buy)),
      e.applyOrderEvents(records(other)),
    ]);
    expect(first.rejected).toEqual([]);
    expect(second.rejected.map((r) => [r.index, r.error instanceof OrderSideUnknownError])).toEqual(
      [[1, true]],
    );
    expect(e.positions('A').map((p) => p.quantity?.value)).toEqual(['10']);
    expect(e.positions('B').map((p) => p.quantity?.value)).toEqual(['-3']);
    expect(metricSample(await registry.metricsText(), 'portfolio_fill_apply_seconds_count')).toBe(
      1,
    );
  });

  it('retries a failed publish of committed updates in order, once each', async () => {
    const e = engine();
    await e.start();
    sink.failNext = 2;
    await e.applyOrderEvents(records(buy));
    await e.flushUpdates();
    expect(sink.updates.map((u) => u.version)).toEqual([1n, 2n]);
    expect(e.account('A').version).toBe(2n);
  });

  it('reloads the accounts of a batch whose write fails, so a retry applies it exactly once', async () => {
    const e = engine();
    await e.start();
    // Another writer got the account to version 5 first: this batch's write is refused.
    await accountAtVersionFiveElsewhere(stores.pg.db);
    await e.applyOrderEvents(records(buy));
    await e.flushUpdates();
    // Reloaded at version 5, then applied on top: versions 6 and 7.
    expect(sink.updates.map((u) => u.version)).toEqual([6n, 7n]);
    expect(e.positions('A').map((p) => p.quantity?.value)).toEqual(['10']);
  });

  it('publishes one update per position changed in a batch: the one of its last fill (default)', async () => {
    const e = engine(0, { updateGranularity: 'position' });
    await e.start();
    const other = [
      acceptedEvent({
        orderId: 'o2',
        accountId: 'A',
        symbol: 'BBB',
        side: 'sell',
        quantity: '5',
        sequence: 1n,
      }),
      fillEvent({
        orderId: 'o2',
        accountId: 'A',
        symbol: 'BBB',
        executionId: 'z1',
        quantity: '5',
        price: '20',
        sequence: 2n,
        final: true,
      }),
    ];
    // A/AAA x1, A/BBB z1, A/AAA x2: versions 1, 2, 3.
    const [accepted, x1, x2] = buy;
    const [accepted2, z1] = other;
    const batch = [accepted, accepted2, x1, z1, x2].flatMap((ev) => (ev === undefined ? [] : [ev]));
    await e.applyOrderEvents(records(batch));
    await e.flushUpdates();
    expect(
      sink.updates.map((u) => [
        u.version,
        u.executionId,
        u.position?.symbol,
        u.position?.quantity?.value,
        u.account?.version,
      ]),
    ).toEqual([
      [2n, 'z1', 'BBB', '-5', 2n],
      [3n, 'x2', 'AAA', '10', 3n],
    ]);
    // The account figures are those right after that fill: BBB's update has AAA at 4 @ 100.
    expect(sink.updates[0]?.account?.grossExposure?.value).toBe('500');
    expect(sink.updates[1]?.account?.grossExposure?.value).toBe('1160');
    expect(e.account('A').version).toBe(3n);
  });

  it('publishes the updates of a batch lost between its commit and its publish after a restart', async () => {
    let crash = true;
    const crashing = engine(0, {
      updateGranularity: 'position',
      afterCommitHook: () => {
        if (crash) throw new Error('crash between commit and publish (test)');
      },
    });
    await crashing.start();
    // The consumer does not commit the offset of a batch that failed: it is delivered again.
    await expect(crashing.applyOrderEvents(records(buy))).rejects.toThrow('crash between');
    await crashing.flushUpdates();
    expect(sink.updates).toEqual([]);
    crash = false;
    const restarted = engine(0, { updateGranularity: 'position' });
    await restarted.start();
    const outcome = await restarted.applyOrderEvents(records(buy));
    await restarted.flushUpdates();
    expect(outcome.rejected).toEqual([]);
    expect(sink.updates.map((u) => [u.version, u.position?.quantity?.value])).toEqual([[2n, '10']]);
    expect(sink.updates[0]?.account).toMatchObject({ version: 2n, equity: { value: '99998.94' } });
    // Applied once: the redelivery changed nothing.
    expect(restarted.account('A').version).toBe(2n);
    const stored = await new PortfolioRepository(stores.pg.db).loadAll();
    expect(stored.positions.map((p) => p.fillCount)).toEqual([2n]);
    expect(stored.positionVersions).toEqual([2n]);
    expect(metricSample(await registry.metricsText(), 'portfolio_fills_duplicate_total')).toBe(2);
  });

  it('fills an order accepted in the batch before while that one is still being written', async () => {
    const e = engine();
    await e.start();
    const [first, second] = await Promise.all([
      e.applyOrderEvents(records(buy.slice(0, 2))),
      // Handed in once the first is applied in memory: pipelined, not merged.
      new Promise<BatchOutcome>((resolve, reject) =>
        setImmediate(() => {
          e.applyOrderEvents(records(buy.slice(2))).then(resolve, reject);
        }),
      ),
    ]);
    expect([first.rejected, second.rejected]).toEqual([[], []]);
    await e.flushUpdates();
    expect(sink.updates.map((u) => [u.version, u.executionId])).toEqual([
      [1n, 'x1'],
      [2n, 'x2'],
    ]);
    expect(metricSample(await registry.metricsText(), 'portfolio_fill_apply_seconds_count')).toBe(
      2,
    );
    expect(await new PortfolioRepository(stores.pg.db).openOrders()).toEqual([]);
  });

  it('applies a batch while the one before is written; a failed write re-applies both in order', async () => {
    const e = engine();
    await e.start();
    // Another writer got the account to version 5 first: the first batch's write is refused,
    // the second was applied on top of it in memory and is not written either.
    await accountAtVersionFiveElsewhere(stores.pg.db);
    const sell = [
      acceptedEvent({
        orderId: 'o3',
        accountId: 'A',
        symbol: 'AAA',
        side: 'sell',
        quantity: '3',
        sequence: 4n,
      }),
      fillEvent({
        orderId: 'o3',
        accountId: 'A',
        symbol: 'AAA',
        executionId: 'x3',
        quantity: '3',
        price: '120',
        sequence: 5n,
        final: true,
      }),
    ];
    const first = e.applyOrderEvents(records(buy));
    // Handed in once the first is applied in memory: applied while the first is being written.
    const second = new Promise<BatchOutcome>((resolve, reject) =>
      setImmediate(() => {
        e.applyOrderEvents(records(sell)).then(resolve, reject);
      }),
    );
    expect(await first).toEqual({ rejected: [] });
    expect(await second).toEqual({ rejected: [] });
    await e.flushUpdates();
    expect(sink.updates.map((u) => [u.version, u.executionId])).toEqual([
      [6n, 'x1'],
      [7n, 'x2'],
      [8n, 'x3'],
    ]);
    const stored = await new PortfolioRepository(stores.pg.db).loadAll();
    expect(stored.positions.map((p) => [p.quantity, p.fillCount])).toEqual([[700_000_000n, 3n]]);
    expect(stored.accounts[0]?.version).toBe(8n);
    expect(e.positions('A').map((p) => p.quantity?.value)).toEqual(['7']);
    // Two failed batches (the second never reached PostgreSQL), then both again in one.
    expect(metricSample(await registry.metricsText(), 'portfolio_fill_apply_seconds_count')).toBe(
      3,
    );
  });

  it('marks positions from ticks (last price, else mid) and throttles per account and symbol', async () => {
    const e = engine(250);
    await e.start();
    await e.applyOrderEvents(records(buy));
    const ticks: marketdata.Tick[] = [
      tick('AAA', '120'),
      tick('AAA', undefined, '121', '122'),
      tick('ZZZ', '5'),
    ];
    const outcome = await e.applyTicks(records(ticks));
    await e.flushUpdates();
    expect(outcome.rejected).toEqual([]);
    // One mark update now (the first tick); the second waits for the throttle window.
    const marks = () => sink.updates.filter((u) => u.cause === portfolio.PositionUpdateCause.MARK);
    expect(marks().map((u) => [u.version, u.position?.markPrice?.value])).toEqual([[3n, '121.5']]);
    clockMs = 100;
    await e.applyTicks(records([tick('AAA', '119')]));
    await e.flushUpdates();
    expect(marks()).toHaveLength(1);
    clockMs = 300;
    await e.applyTicks(records([tick('AAA', '118')]));
    await e.flushUpdates();
    expect(
      marks().map((u) => [
        u.version,
        u.position?.markPrice?.value,
        u.position?.unrealizedPnl?.value,
      ]),
    ).toEqual([
      [3n, '121.5', '155'],
      [4n, '118', '120'],
    ]);
    await e.applyTicks(records([tick('AAA', '130')]));
    await e.close();
    // close() flushes what the throttle held back.
    expect(marks().map((u) => u.position?.markPrice?.value)).toEqual(['121.5', '118', '130']);
    // Per batch only a symbol's last price is applied: 1 + 1 + 1 + 1.
    expect(metricSample(await registry.metricsText(), 'portfolio_marks_applied_total')).toBe(4);
    const stored = await new PortfolioRepository(stores.pg.db).loadAll();
    expect(stored.positions[0]?.markPrice).toBe(13_000_000_000n);
    expect(stored.accounts[0]?.version).toBe(5n);
  });

  it('rejects ticks with unusable prices', async () => {
    const e = engine();
    await e.start();
    const outcome = await e.applyTicks(
      records([tick('AAA', '-1'), tick('AAA', '1.000000001'), tick('', '1')]),
    );
    expect(outcome.rejected.map((r) => r.error instanceof TickInvalidError)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('ends up where a replay of the same fills in the domain ends up', async () => {
    const script = tradeScript({ accounts: ['A', 'B', 'C'], symbols: ['S1', 'S2'], orders: 120 });
    const e = engine();
    await e.start();
    for (let i = 0; i < script.events.length; i += 37)
      await e.applyOrderEvents(records<orders.OrderEvent>(script.events.slice(i, i + 37)));
    const expected = replayFills(
      script.ledger
        .slice()
        .sort((a, b) =>
          a.symbol === b.symbol ? Number(a.sequence - b.sequence) : a.symbol < b.symbol ? -1 : 1,
        )
        .map((l) =>
          toFill(
            { ...l, liquidity: 'taker', executedAtUnixNanos: 0n },
            { makerBps: 0, takerBps: 10 },
          ),
        ),
    );
    const stored = await new PortfolioRepository(stores.pg.db).positionsByAccount();
    const flatten = (m: Map<string, Map<string, PositionState>>) =>
      Object.fromEntries(
        [...m].flatMap(([a, ps]) => [...ps].map(([s, p]) => [`${a}/${s}`, core(p)] as const)),
      );
    expect(Object.keys(flatten(stored)).length).toBeGreaterThanOrEqual(5);
    expect(flatten(stored)).toEqual(flatten(expected));
  });
});
