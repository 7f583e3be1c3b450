import { portfolio, risk } from '@meridian/contracts';
import { createRiskTestSchema } from '@meridian/risk-data-access/testing';
import {
  PostTradeLimitsRepository,
  RiskOutboxRepository,
  RiskStateStore,
} from '@meridian/risk-data-access';
import {
  initialRiskState,
  parsePostTradeLimits,
  type StateTransition,
} from '@meridian/risk-domain';
import {
  createKafka,
  KafkaProducer,
  MessageHeader,
  silentLogger,
} from '@meridian/shared-messaging';
import { TEST_CONSUMER_TUNING } from '@meridian/shared-messaging/testing';
import { MetricsRegistry } from '@meridian/shared-observability';
import type { TestSchema } from '@meridian/shared-persistence/testing';
import { kafkaBrokers, metricSample, uniqueName, waitFor } from '@meridian/shared-testing';
import type { Kafka } from 'kafkajs';
import { RiskMonitor } from './risk-monitor';
import { RiskMonitorMetrics } from './risk-monitor.metrics';
import { RiskOutboxRelay } from './risk-outbox.relay';
import {
  positionUpdatesTopic,
  riskControlsTopic,
  type RiskMonitorTopics,
} from './risk-monitor.topics';
import { transitionRecords } from './risk-messages';
import {
  adminControl,
  createRiskMonitorTestTopics,
  decodeAlerts,
  decodeControls,
  readTopic,
  testPositionUpdate,
  waitForGroupCaughtUp,
  type UpdateFigures,
} from './testing';

let pg: TestSchema;
let topics: RiskMonitorTopics;
let kafka: Kafka;
let producer: KafkaProducer;
const running: RiskMonitor[] = [];

/** Stops the running instance first: one instance at a time keeps the metrics exact. */
async function startMonitor(groupId = uniqueName('risk-group')) {
  await stopAll();
  const metrics = new MetricsRegistry({ defaultMetrics: false });
  const monitor = new RiskMonitor({
    db: pg.db,
    kafka,
    metrics,
    topics,
    groupId,
    controlsGroupId: uniqueName('risk-controls'),
    consumerTuning: TEST_CONSUMER_TUNING,
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    refreshIntervalMs: 200,
  });
  running.push(monitor);
  await monitor.start();
  await monitor.waitUntilReady(60_000);
  return { monitor, metrics, groupId };
}

async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((m) => m.stop()));
}

async function publish(...updates: UpdateFigures[]): Promise<void> {
  for (const figures of updates) {
    const value = testPositionUpdate(figures);
    await producer.publish(positionUpdatesTopic(topics.positionUpdates), {
      key: value.account?.accountId ?? null,
      value,
    });
  }
}

async function controlsOf(account: string): Promise<risk.RiskControl[]> {
  return decodeControls(await readTopic(kafka, topics.riskControls)).filter(
    (c) => c.targetId === account,
  );
}

async function alertsOf(account: string): Promise<risk.Alert[]> {
  // alerts.v1 has no key: records spread over partitions, so order by when they were raised.
  return decodeAlerts(await readTopic(kafka, topics.alerts))
    .filter((a) => a.labels['account_id'] === account)
    .sort((a, b) => (a.raisedAtUnixNanos < b.raisedAtUnixNanos ? -1 : 1));
}

async function outboxDrained(): Promise<void> {
  const outbox = new RiskOutboxRepository(pg.db);
  await waitFor('the outbox to drain', async () => (await outbox.backlog()) === 0, 30_000, 50);
}

/** A HALT caused by a 7000 loss against a 5000 limit, as the domain would decide it. */
function haltTransition(account: string): StateTransition {
  return {
    from: 'ACTIVE',
    to: 'HALTED',
    reason: `daily loss limit 5000.00 USD breached: day PnL -7000 USD (account ${account}, update v9)`,
    cause: {
      kind: 'DAILY_LOSS',
      observed: { n: 7000n, d: 1n },
      threshold: { n: 5000n, d: 1n },
      observedText: '7000',
      thresholdText: '5000.00',
      action: 'HALTED',
      breached: true,
      nearBreach: true,
      utilization: 1.4,
    },
  };
}

beforeAll(async () => {
  pg = await createRiskTestSchema('risk_fm');
  topics = await createRiskMonitorTestTopics('risk-fm');
  kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'risk-fm-test' });
  producer = new KafkaProducer({ kafka });
  await producer.connect();
  const limits = new PostTradeLimitsRepository(pg.db);
  // Default for everyone: loss 5000 halts, drawdown 2000 reduces.
  await limits.set(
    parsePostTradeLimits({ accountId: '*', maxDailyLoss: '5000.00', maxDrawdown: '2000.00' }),
    'test',
  );
  await limits.set(
    parsePostTradeLimits({
      accountId: 'acct-own',
      maxGrossExposure: '100000',
      maxDailyLoss: '900',
    }),
    'test',
  );
});

afterAll(async () => {
  await stopAll();
  await producer.close();
  await pg.drop();
});

describe('risk-monitor against PostgreSQL and the dev broker', () => {
  it('halts an account once when its day PnL crosses the loss limit, and a restart does not re-fire', async () => {
    const first = await startMonitor();
    await publish(
      { account: 'acct-loss', version: 1n, dayPnl: '-1000.00' },
      { account: 'acct-loss', version: 2n, dayPnl: '-5000.01', equity: '94999.99' },
      { account: 'acct-loss', version: 3n, dayPnl: '-6000.00', equity: '94000.00' },
    );
    await waitForGroupCaughtUp(kafka, first.groupId, topics.positionUpdates);
    await outboxDrained();

    const controls = await controlsOf('acct-loss');
    expect(controls).toEqual([
      expect.objectContaining({
        controlId: 'risk-monitor:acct-loss:v2:HALTED',
        scope: risk.ControlScope.ACCOUNT,
        state: risk.TradingState.HALTED,
        actor: 'risk-monitor',
      }),
    ]);
    expect(controls[0]?.reason).toBe(
      'daily loss limit 5000.00 USD breached: day PnL -5000.01 USD (account acct-loss, update v2)',
    );
    const alerts = await alertsOf('acct-loss');
    expect(alerts).toEqual([
      expect.objectContaining({
        severity: risk.AlertSeverity.CRITICAL,
        code: 'RISK_DAILY_LOSS_LIMIT',
        source: 'risk-monitor',
      }),
    ]);
    expect(alerts[0]?.labels).toMatchObject({
      observed: '5000.01',
      threshold: '5000.00',
      state: 'HALTED',
    });

    const store = new RiskStateStore(pg.db);
    expect(await store.breaches('acct-loss')).toEqual([
      expect.objectContaining({
        limit: 'DAILY_LOSS',
        observed: '5000.01',
        threshold: '5000.00',
        action: 'HALTED',
        controlId: 'risk-monitor:acct-loss:v2:HALTED',
        updateVersion: 2n,
        actor: 'risk-monitor',
      }),
    ]);
    expect(await store.stateChanges('acct-loss')).toEqual([
      expect.objectContaining({ from: 'ACTIVE', to: 'HALTED', actor: 'risk-monitor' }),
    ]);
    const text = await first.metrics.metricsText();
    expect(
      metricSample(text, 'risk_limit_breaches_total{limit="DAILY_LOSS",action="HALTED"}'),
    ).toBe(1);
    expect(metricSample(text, 'risk_controls_published_total{state="HALTED"}')).toBe(1);
    expect(
      metricSample(
        text,
        'alerts_published_total{severity="CRITICAL",code="RISK_DAILY_LOSS_LIMIT"}',
      ),
    ).toBe(1);
    expect(metricSample(text, 'risk_accounts_by_state{state="HALTED"}')).toBe(1);

    // Restart: a new instance with a new group re-reads every update from the beginning.
    const second = await startMonitor();
    await waitForGroupCaughtUp(kafka, second.groupId, topics.positionUpdates);
    await outboxDrained();
    expect(await controlsOf('acct-loss')).toHaveLength(1);
    expect(await alertsOf('acct-loss')).toHaveLength(1);
    expect(await store.breaches('acct-loss')).toHaveLength(1);
    const again = await second.metrics.metricsText();
    expect(metricSample(again, 'risk_controls_published_total{state="HALTED"}')).toBe(0);
    // v1 and v2 were stored with the HALT; v3 is evaluated again and changes nothing.
    expect(metricSample(again, 'risk_updates_skipped_total{reason="replay"}')).toBe(2);
  });

  it('judges an account again when its limits change: a limit set below its loss trips it at once', async () => {
    const { monitor, groupId } = await startMonitor();
    // -700 is inside the default 5000 loss limit: nothing happens.
    await publish({ account: 'acct-late', version: 1n, dayPnl: '-700.00', equity: '99300.00' });
    await waitForGroupCaughtUp(kafka, groupId, topics.positionUpdates);
    await monitor.tick();
    expect(await controlsOf('acct-late')).toEqual([]);

    // The limit is lowered below where the account stands; no further update arrives.
    await new PostTradeLimitsRepository(pg.db).set(
      parsePostTradeLimits({ accountId: 'acct-late', maxDailyLoss: '500.00' }),
      'test',
    );
    await monitor.tick();
    await outboxDrained();
    const controls = await controlsOf('acct-late');
    expect(controls).toEqual([
      expect.objectContaining({
        controlId: 'risk-monitor:acct-late:v1:HALTED',
        state: risk.TradingState.HALTED,
        actor: 'risk-monitor',
      }),
    ]);
    expect(controls[0]?.reason).toBe(
      'daily loss limit 500.00 USD breached: day PnL -700.00 USD (account acct-late, update v1)',
    );
    // Another refresh with the same limits judges nothing again.
    await monitor.tick();
    await outboxDrained();
    expect(await controlsOf('acct-late')).toHaveLength(1);
  });

  it('reduces on drawdown, escalates to HALTED on further loss, and a human reset re-arms', async () => {
    const { groupId, metrics } = await startMonitor();
    await publish(
      { account: 'acct-dd', version: 1n, equity: '98000', drawdown: '2000', dayPnl: '-2000' },
      { account: 'acct-dd', version: 2n, equity: '97500', drawdown: '2500', dayPnl: '-2500' },
    );
    await waitForGroupCaughtUp(kafka, groupId, topics.positionUpdates);
    await outboxDrained();
    expect((await controlsOf('acct-dd')).map((c) => c.state)).toEqual([risk.TradingState.REDUCING]);

    await publish({
      account: 'acct-dd',
      version: 3n,
      equity: '94500',
      drawdown: '5500',
      dayPnl: '-5500',
    });
    await waitForGroupCaughtUp(kafka, groupId, topics.positionUpdates);
    await outboxDrained();
    const escalated = await controlsOf('acct-dd');
    expect(escalated.map((c) => [c.state, c.controlId])).toEqual([
      [risk.TradingState.REDUCING, 'risk-monitor:acct-dd:v1:REDUCING'],
      [risk.TradingState.HALTED, 'risk-monitor:acct-dd:v3:HALTED'],
    ]);
    expect((await alertsOf('acct-dd')).map((a) => [a.severity, a.code])).toEqual([
      [risk.AlertSeverity.WARNING, 'RISK_DRAWDOWN_LIMIT'],
      [risk.AlertSeverity.CRITICAL, 'RISK_DAILY_LOSS_LIMIT'],
    ]);

    // A human resets the account through AdminService: the gateway publishes ACTIVE.
    const reset = adminControl('acct-dd', risk.TradingState.ACTIVE);
    await producer.publish(riskControlsTopic(topics.riskControls), {
      key: `account:acct-dd`,
      value: reset,
    });
    const store = new RiskStateStore(pg.db);
    await waitFor(
      'the reset to be recorded',
      async () => (await store.load('acct-dd')).state === 'ACTIVE',
      30_000,
      50,
    );
    expect(await store.load('acct-dd')).toMatchObject({
      state: 'ACTIVE',
      tripped: {},
      lastVersion: 3n,
    });
    expect((await store.stateChanges('acct-dd')).at(-1)).toMatchObject({
      controlId: reset.controlId,
      from: 'HALTED',
      to: 'ACTIVE',
      actor: 'admin:ops-1',
      reason: expect.stringContaining('re-armed: DRAWDOWN, DAILY_LOSS') as unknown,
    });

    // Still beyond both limits: the next valuation trips them again (re-armed), straight to HALTED.
    await publish({
      account: 'acct-dd',
      version: 4n,
      equity: '94400',
      drawdown: '5600',
      dayPnl: '-5600',
    });
    await waitForGroupCaughtUp(kafka, groupId, topics.positionUpdates);
    await outboxDrained();
    expect((await controlsOf('acct-dd')).map((c) => c.state)).toEqual([
      risk.TradingState.REDUCING,
      risk.TradingState.HALTED,
      risk.TradingState.ACTIVE,
      risk.TradingState.HALTED,
    ]);
    expect((await store.breaches('acct-dd')).map((b) => [b.limit, b.updateVersion])).toEqual([
      ['DRAWDOWN', 1n],
      ['DAILY_LOSS', 3n],
      ['DAILY_LOSS', 4n],
      ['DRAWDOWN', 4n],
    ]);
    expect(
      metricSample(
        await metrics.metricsText(),
        'risk_limit_breaches_total{limit="DRAWDOWN",action="REDUCING"}',
      ),
    ).toBe(2);
  });

  it('warns once a day at 80 % of a limit and keeps utilisation for accounts with own limits', async () => {
    const { groupId, metrics } = await startMonitor();
    await publish(
      { account: 'acct-own', version: 1n, grossExposure: '80000', dayPnl: '-100' },
      { account: 'acct-own', version: 2n, grossExposure: '90000', dayPnl: '-100' },
      { account: 'acct-own', version: 3n, grossExposure: '95000.5', dayPnl: '-100' },
    );
    await waitForGroupCaughtUp(kafka, groupId, topics.positionUpdates);
    await outboxDrained();
    const alerts = await alertsOf('acct-own');
    expect(alerts.map((a) => [a.severity, a.code, a.labels['utilization_pct']])).toEqual([
      [risk.AlertSeverity.WARNING, 'RISK_GROSS_EXPOSURE_WARNING', '80.0'],
    ]);
    expect(await controlsOf('acct-own')).toEqual([]);
    const text = await metrics.metricsText();
    expect(
      metricSample(text, 'risk_limit_utilization_ratio{account="acct-own",limit="GROSS_EXPOSURE"}'),
    ).toBeCloseTo(0.950005, 6);
    // Accounts on the default limits get no per-account series.
    expect(text).not.toContain('risk_limit_utilization_ratio{account="acct-loss"');
    expect(
      metricSample(
        text,
        'alerts_published_total{severity="WARNING",code="RISK_GROSS_EXPOSURE_WARNING"}',
      ),
    ).toBe(1);
  });

  it('dead-letters malformed updates and keeps going', async () => {
    const { groupId } = await startMonitor();
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({
      topic: topics.positionUpdates,
      messages: [
        { key: 'acct-bad', value: Buffer.from([0x0f, 0xff]) },
        {
          key: 'acct-bad',
          value: Buffer.from(
            portfolio.PositionUpdate.encode({
              ...testPositionUpdate({ account: 'acct-bad', version: 1n }),
              account: undefined,
            }).finish(),
          ),
        },
        {
          key: 'acct-bad',
          value: Buffer.from(
            portfolio.PositionUpdate.encode(
              testPositionUpdate({ account: 'acct-bad', version: 2n, dayPnl: '-1.5e3' }),
            ).finish(),
          ),
        },
      ],
    });
    await raw.disconnect();
    await publish({ account: 'acct-bad', version: 3n, dayPnl: '-5000' });
    await waitForGroupCaughtUp(kafka, groupId, topics.positionUpdates);
    await outboxDrained();
    const dlq = await readTopic(kafka, `${topics.positionUpdates}.dlq`);
    const codes = dlq.map((m) => m.headers?.[MessageHeader.dlqErrorCode]?.toString());
    expect(codes).toEqual([
      'MESSAGING_DECODE_FAILED',
      'RISK_SNAPSHOT_INVALID',
      'RISK_SNAPSHOT_INVALID',
    ]);
    expect(dlq.map((m) => m.headers?.[MessageHeader.dlqError]?.toString())).toEqual([
      expect.any(String),
      expect.stringContaining('PositionUpdate.account is missing'),
      expect.stringContaining('dayPnl: "-1.5e3" is not a canonical decimal'),
    ]);
    expect((await controlsOf('acct-bad')).map((c) => c.state)).toEqual([risk.TradingState.HALTED]);
  });

  it('keeps a decision in the outbox while Kafka refuses it, then sends it', async () => {
    await stopAll();
    const store = new RiskStateStore(pg.db);
    const outbox = new RiskOutboxRepository(pg.db);
    const records = transitionRecords(topics, 'acct-down', 1n, haltTransition('acct-down'), 1n);
    await store.transact('acct-down', () => ({
      next: { ...initialRiskState('acct-down'), state: 'HALTED', lastVersion: 1n },
      updatedBy: 'risk-monitor',
      reason: 'test',
      breaches: [],
      stateChange: undefined,
      outbox: records.outbox,
    }));
    const metrics = new RiskMonitorMetrics(new MetricsRegistry({ defaultMetrics: false }));
    // A producer that is not connected refuses every send, like a broker that is down.
    const offline = new KafkaProducer({ kafka });
    const failing = new RiskOutboxRelay(outbox, offline, topics, metrics, silentLogger);
    await expect(failing.flush()).rejects.toMatchObject({ code: 'MESSAGING_NOT_CONNECTED' });
    expect(failing.failure()).toBeDefined();
    expect(await outbox.backlog()).toBe(2);
    expect(await controlsOf('acct-down')).toEqual([]);

    const relay = new RiskOutboxRelay(outbox, producer, topics, metrics, silentLogger);
    expect(await relay.flush()).toBe(2);
    expect(relay.failure()).toBeUndefined();
    expect(await outbox.backlog()).toBe(0);
    expect((await controlsOf('acct-down')).map((c) => c.controlId)).toEqual([records.controlId]);
  });

  it('publishes at start what a crash left in the outbox', async () => {
    await stopAll();
    const store = new RiskStateStore(pg.db);
    const transition = haltTransition('acct-crash');
    const records = transitionRecords(topics, 'acct-crash', 9n, transition, 1n);
    // Committed decision, then the process died before publishing.
    await store.transact('acct-crash', () => ({
      next: {
        ...initialRiskState('acct-crash'),
        state: 'HALTED',
        tripped: { DAILY_LOSS: 'HALTED' },
        lastVersion: 9n,
      },
      updatedBy: 'risk-monitor',
      reason: transition.reason,
      breaches: [],
      stateChange: undefined,
      outbox: records.outbox,
    }));
    expect(await controlsOf('acct-crash')).toEqual([]);
    await startMonitor();
    await outboxDrained();
    expect((await controlsOf('acct-crash')).map((c) => c.controlId)).toEqual([records.controlId]);
    expect((await alertsOf('acct-crash')).map((a) => a.alertId)).toEqual([records.alert.alertId]);
  });
});
