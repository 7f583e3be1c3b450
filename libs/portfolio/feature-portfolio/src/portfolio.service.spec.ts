import { portfolio, Topics, risk } from '@meridian/contracts';
import {
  formatFixed,
  MONEY_SCALE,
  parseFixed,
  type PositionState,
  QTY_SCALE,
} from '@meridian/portfolio-domain';
import {
  LedgerReader,
  PortfolioRedisView,
  PortfolioRepository,
} from '@meridian/portfolio-data-access';
import {
  createPortfolioTestStores,
  insertLedgerFills,
  type PortfolioTestStores,
} from '@meridian/portfolio-data-access/testing';
import { createKafka, KafkaProducer, protobufCodec, topicOf } from '@meridian/shared-messaging';
import { MetricsRegistry } from '@meridian/shared-observability';
import { kafkaBrokers, metricSample, uniqueName, waitFor } from '@meridian/shared-testing';
import type { Kafka } from 'kafkajs';
import { PortfolioMetrics } from './portfolio.metrics';
import { PortfolioService } from './portfolio.service';
import { ReconcilePortfolioUseCase, RECONCILIATION_ACTOR } from './reconcile-portfolio.usecase';
import { KafkaRiskControlSink } from './risk-control.publisher';
import {
  createPortfolioTestTopics,
  type PortfolioTestTopics,
  fillEvent,
  readWholeTopic,
  TEST_CONSUMER_TUNING,
  tradeScript,
} from './testing';

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const FEES = { makerBps: 0, takerBps: 5 };

function core(p: PositionState): string {
  return `${p.quantity}/${p.costBasis}/${p.realizedPnl}/${p.fees}/${p.fillCount}`;
}

async function storedPositions(stores: PortfolioTestStores): Promise<Record<string, string>> {
  const byAccount = await new PortfolioRepository(stores.pg.db).positionsByAccount();
  return Object.fromEntries(
    [...byAccount].flatMap(([a, ps]) => [...ps].map(([s, p]) => [`${a}/${s}`, core(p)] as const)),
  );
}

describe('portfolio service against PostgreSQL, Redis and the dev broker', () => {
  let kafka: Kafka;
  let producer: KafkaProducer;
  let topics: PortfolioTestTopics;
  const stores: PortfolioTestStores[] = [];
  const services: PortfolioService[] = [];
  const script = tradeScript({
    accounts: ['A1', 'A2', 'A3'],
    symbols: ['S1', 'S2', 'S3', 'S4'],
    orders: 250,
  });
  const eventsTopic = () =>
    topicOf(
      topics.events,
      protobufCodec(Topics.ordersEvents.schema.typeName, Topics.ordersEvents.schema.codec),
    );

  function service(
    s: PortfolioTestStores,
    groupId: string,
    updatesTopic = topics.updates,
    registry = new MetricsRegistry({ defaultMetrics: false }),
  ) {
    const svc = new PortfolioService({
      kafka,
      db: s.pg.db,
      redis: s.redis,
      redisPrefix: s.redisPrefix,
      eventsTopic: topics.events,
      ticksTopic: topics.ticks,
      updatesTopic,
      fillsGroupId: groupId,
      marksGroupId: `${groupId}-marks`,
      clock: () => 1_767_225_600_000_000_000n,
      fees: FEES,
      defaultStartingCash: parseFixed('1000000', MONEY_SCALE),
      defaultCurrency: 'USD',
      markThrottleMs: 0,
      metrics: registry,
      logger: silent,
      // Small fetches: many batches, so a stop lands mid-stream.
      maxBytesPerPartition: 4096,
      consumerTuning: TEST_CONSUMER_TUNING,
    });
    services.push(svc);
    return { svc, registry };
  }

  async function publish(events: typeof script.events): Promise<void> {
    for (let i = 0; i < events.length; i += 200)
      await producer.send(
        eventsTopic(),
        events.slice(i, i + 200).map((value) => ({ key: value.symbol, value })),
      );
  }

  async function applied(
    registry: MetricsRegistry,
    name = 'portfolio_fills_applied_total',
  ): Promise<number> {
    return metricSample(await registry.metricsText(), name) ?? 0;
  }

  beforeAll(async () => {
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: uniqueName('pf-svc') });
    producer = new KafkaProducer({ kafka });
    await producer.connect();
    topics = await createPortfolioTestTopics('pf-svc');
  });

  afterAll(async () => {
    for (const svc of services) await svc.stop().catch(() => undefined);
    await producer.close();
    for (const s of stores) await s.cleanup();
  });

  it('consumes fills into PostgreSQL and Redis and publishes PositionUpdates; a restart mid-stream ends where an uninterrupted run ends; a replay changes nothing', async () => {
    const interrupted = await createPortfolioTestStores('pf_svc_a');
    const uninterrupted = await createPortfolioTestStores('pf_svc_b');
    stores.push(interrupted, uninterrupted);
    const group = uniqueName('pf-fills');
    const cut = Math.floor(script.events.length * 0.4);
    await publish(script.events.slice(0, cut));

    // First instance: stopped while the rest of the stream is arriving.
    const first = service(interrupted, group);
    await first.svc.start();
    await waitFor('some fills applied', async () => (await applied(first.registry)) >= 50, 60_000);
    await publish(script.events.slice(cut));
    await first.svc.stop();
    const byFirst = await applied(first.registry);
    expect(byFirst).toBeGreaterThan(0);
    // Stopped mid-stream: the second instance had work left.
    expect(byFirst).toBeLessThan(script.fills);

    // A new instance in the same group picks up from the committed offsets.
    const second = service(interrupted, group);
    await second.svc.start();
    const repo = new PortfolioRepository(interrupted.pg.db);
    const allIds = script.ledger.map((l) => l.executionId);
    await waitFor(
      'every fill applied',
      async () => (await repo.appliedAmong(allIds)).size === script.fills,
      90_000,
      100,
    );

    // An uninterrupted run on its own schema and group.
    const straightTopics = await createPortfolioTestTopics('pf-straight');
    const straight = service(uninterrupted, uniqueName('pf-straight'), straightTopics.updates);
    await straight.svc.start();
    const repoB = new PortfolioRepository(uninterrupted.pg.db);
    await waitFor(
      'every fill applied (uninterrupted)',
      async () => (await repoB.appliedAmong(allIds)).size === script.fills,
      90_000,
      100,
    );
    const positions = await storedPositions(interrupted);
    expect(Object.keys(positions).length).toBe(12);
    expect(positions).toEqual(await storedPositions(uninterrupted));
    expect((await applied(first.registry)) + (await applied(second.registry))).toBe(script.fills);

    // Redis mirrors PostgreSQL.
    const view = new PortfolioRedisView(interrupted.redis, interrupted.redisPrefix);
    const stored = await repo.positionsByAccount();
    for (const [account, ps] of stored) {
      const open = Object.fromEntries(
        [...ps.values()]
          .filter((p) => p.quantity !== 0n)
          .map((p) => [p.symbol, (Number(p.quantity) / 1e8).toString()]),
      );
      expect(await view.positions(account)).toEqual(open);
    }

    // A replay of the whole stream is a no-op.
    await publish(script.events);
    await waitFor(
      'the replay to be seen',
      async () =>
        (await applied(second.registry, 'portfolio_fills_duplicate_total')) >= script.fills,
      90_000,
      100,
    );
    expect(await storedPositions(interrupted)).toEqual(positions);

    // Per batch one update per position changed (ADR 0015), keyed by account; per account the
    // versions of fresh updates strictly increase across the restart. The replay re-publishes
    // positions the second instance had not published itself, under the version they already
    // had (consumers drop them as seen). Every position's final state was published.
    // Stopping publishes every committed update.
    await second.svc.stop();
    const messages = await readWholeTopic(kafka, topics.updates);
    const updates = messages.map((m) =>
      portfolio.PositionUpdate.decode(m.value ?? Buffer.alloc(0)),
    );
    expect(messages.every((m, i) => m.key?.toString() === updates[i]?.position?.accountId)).toBe(
      true,
    );
    const fresh = updates.filter((u) => u.executionId !== '');
    expect(fresh.every((u) => u.cause === portfolio.PositionUpdateCause.FILL)).toBe(true);
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.length).toBeLessThanOrEqual(script.fills);
    expect(new Set(fresh.map((u) => u.executionId)).size).toBe(fresh.length);
    const highest = new Map<string, bigint>();
    const latest = new Map<string, portfolio.PositionUpdate>();
    const outOfOrder: string[] = [];
    for (const u of updates) {
      const id = u.position?.accountId ?? '';
      const seen = highest.get(id) ?? 0n;
      // Fresh updates move the account's version forward; re-published ones repeat a seen one.
      const isFresh = u.executionId !== '' || u.cause !== portfolio.PositionUpdateCause.FILL;
      if (isFresh ? u.version <= seen : u.version > seen)
        outOfOrder.push(
          `${id} v${u.version} after v${seen} (${isFresh ? 'fresh' : 're-published'})`,
        );
      if (u.version > seen) highest.set(id, u.version);
      if (u.account?.accountId !== id) outOfOrder.push(`${id}: account ${u.account?.accountId}`);
      const k = `${id}/${u.position?.symbol ?? ''}`;
      const before = latest.get(k);
      if (before === undefined || before.version <= u.version) latest.set(k, u);
    }
    expect(outOfOrder).toEqual([]);
    const final: Record<string, string> = {};
    for (const [account, ps] of await repo.positionsByAccount())
      for (const [symbol, p] of ps)
        final[`${account}/${symbol}`] = formatFixed(p.quantity, QTY_SCALE);
    expect(
      Object.fromEntries([...latest].map(([k, u]) => [k, u.position?.quantity?.value])),
    ).toEqual(final);
  });

  it('reconciliation finds nothing on a consistent state, then reports a tampered position and publishes REDUCING', async () => {
    const s = await createPortfolioTestStores('pf_svc_rec');
    stores.push(s);
    const small = tradeScript({
      accounts: ['R1', 'R2'],
      symbols: ['S1', 'S2'],
      orders: 40,
      seed: 7,
      prefix: 'r',
    });
    const localTopics = await createPortfolioTestTopics('pf-rec');
    const svc = new PortfolioService({
      kafka,
      db: s.pg.db,
      redis: s.redis,
      redisPrefix: s.redisPrefix,
      eventsTopic: localTopics.events,
      ticksTopic: localTopics.ticks,
      updatesTopic: localTopics.updates,
      fillsGroupId: uniqueName('pf-rec'),
      marksGroupId: uniqueName('pf-rec-marks'),
      clock: () => 1_767_225_600_000_000_000n,
      fees: FEES,
      defaultStartingCash: parseFixed('1000', MONEY_SCALE),
      defaultCurrency: 'USD',
      markThrottleMs: 0,
      metrics: new MetricsRegistry({ defaultMetrics: false }),
      logger: silent,
      consumerTuning: TEST_CONSUMER_TUNING,
    });
    services.push(svc);
    await svc.start();
    const events = topicOf(
      localTopics.events,
      protobufCodec(Topics.ordersEvents.schema.typeName, Topics.ordersEvents.schema.codec),
    );
    await producer.send(
      events,
      small.events.map((value) => ({ key: value.symbol, value })),
    );
    // The order-store writes the same fills to its ledger.
    await insertLedgerFills(s.pg.db, small.ledger);
    const repo = new PortfolioRepository(s.pg.db);
    await waitFor(
      'fills applied',
      async () =>
        (await repo.appliedAmong(small.ledger.map((l) => l.executionId))).size === small.fills,
      60_000,
      100,
    );
    await svc.stop();

    const registry = new MetricsRegistry({ defaultMetrics: false });
    const metrics = new PortfolioMetrics(registry);
    const reconcile = new ReconcilePortfolioUseCase({
      repository: repo,
      ledger: new LedgerReader(s.pg.db, s.pg.schema),
      fees: FEES,
      controls: new KafkaRiskControlSink(producer, localTopics.controls),
      clock: () => 42n,
      metrics,
    });
    const clean = await reconcile.execute();
    expect(clean.fillsRead).toBe(small.fills);
    expect(clean.differences).toEqual([]);
    expect(clean.controls).toEqual([]);

    await s.pg.db.query(
      `UPDATE portfolio_positions SET quantity = quantity + 1 WHERE account_id = 'R2' AND symbol = 'S1'`,
    );
    const report = await reconcile.execute();
    expect(report.mismatchedAccounts).toEqual(['R2']);
    expect(report.differences.map((d) => [d.accountId, d.symbol, d.field])).toEqual([
      ['R2', 'S1', 'quantity'],
    ]);
    expect(metricSample(await registry.metricsText(), 'portfolio_reconciliation_mismatches')).toBe(
      1,
    );

    const published = await readWholeTopic(kafka, localTopics.controls);
    expect(published).toHaveLength(1);
    const control = risk.RiskControl.decode(published[0]?.value ?? Buffer.alloc(0));
    expect(published[0]?.key?.toString()).toBe('account:R2');
    expect(control).toMatchObject({
      scope: risk.ControlScope.ACCOUNT,
      targetId: 'R2',
      state: risk.TradingState.REDUCING,
      actor: RECONCILIATION_ACTOR,
      effectiveAtUnixNanos: 42n,
    });
    expect(control.reason).toMatch(/S1 quantity ledger -?[0-9.]+ stored -?[0-9.]+/);
  });

  it('dead-letters records it cannot use (undecodable bytes, a fill of an unknown order) and goes on', async () => {
    const s = await createPortfolioTestStores('pf_svc_dlq');
    stores.push(s);
    const t = await createPortfolioTestTopics('pf-dlq');
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const svc = new PortfolioService({
      kafka,
      db: s.pg.db,
      redis: s.redis,
      redisPrefix: s.redisPrefix,
      eventsTopic: t.events,
      ticksTopic: t.ticks,
      updatesTopic: t.updates,
      fillsGroupId: uniqueName('pf-dlq'),
      marksGroupId: uniqueName('pf-dlq-marks'),
      clock: () => 1_767_225_600_000_000_000n,
      fees: FEES,
      defaultStartingCash: 0n,
      defaultCurrency: 'USD',
      markThrottleMs: 0,
      metrics: registry,
      logger: silent,
      consumerTuning: TEST_CONSUMER_TUNING,
    });
    services.push(svc);
    await svc.start();
    const ok = tradeScript({ accounts: ['D1'], symbols: ['S1'], orders: 1, prefix: 'd' });
    const ghost = fillEvent({
      orderId: 'ghost',
      accountId: 'D1',
      symbol: 'S1',
      executionId: 'g',
      quantity: '1',
      price: '1',
      sequence: 99n,
      final: true,
    });
    await producer.sendRaw([
      { topic: t.events, messages: [{ key: 'S1', value: Buffer.from([0xff, 0x01, 0x02]) }] },
    ]);
    const binding = topicOf(
      t.events,
      protobufCodec(Topics.ordersEvents.schema.typeName, Topics.ordersEvents.schema.codec),
    );
    await producer.send(
      binding,
      [...ok.events, ghost].map((value) => ({ key: 'S1', value })),
    );
    await waitFor(
      'the good fills applied',
      async () => (await applied(registry)) === ok.fills,
      60_000,
      100,
    );
    const dead = await readWholeTopic(kafka, `${t.events}.dlq`);
    expect(dead.map((m) => m.headers?.['dlq-error-code']?.toString()).sort()).toEqual([
      'MESSAGING_DECODE_FAILED',
      'PORTFOLIO_ORDER_UNKNOWN',
    ]);
  });
});
