import { orders, risk } from '@meridian/contracts';
import { TradingStatesRepository } from '@meridian/orders-data-access';
import { createKafka, KafkaProducer } from '@meridian/shared-messaging';
import { kafkaBrokers, metricSample, uniqueName, waitFor } from '@meridian/shared-testing';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { errorInfoOf } from './grpc-error.mapper';
import { changeOfControl, KafkaRiskControlPublisher } from './risk-controls';
import { startTestGateway, type TestGateway } from './testing';
import { RiskControlInvalidError } from './gateway.error';

let gw: TestGateway;
let producer: KafkaProducer;
let publisher: KafkaRiskControlPublisher;
let traderKey: string;
let adminKey: string;

const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'risk-controls-spec' });

beforeAll(async () => {
  gw = await startTestGateway('gwctl', { applyControls: true });
  traderKey = await gw.addAgent('agent-ctl', 'acct-ctl', 'trader');
  adminKey = await gw.addAgent('agent-ctl-admin', 'acct-ctl-ops', 'admin');
  producer = new KafkaProducer({ kafka });
  await producer.connect();
  publisher = new KafkaRiskControlPublisher(producer, gw.riskControlsTopic);
});
afterAll(async () => {
  await producer.close();
  await gw.close();
});

function meta(key: string): Metadata {
  const m = new Metadata();
  m.set('x-api-key', key);
  return m;
}

let seq = 0;
function submit(): Promise<orders.SubmitOrderResponse> {
  seq += 1;
  const request = orders.SubmitOrderRequest.fromPartial({
    clientOrderId: `ctl-${seq}-${Date.now()}`,
    symbol: 'ACME',
    order: {
      side: 1,
      orderType: orders.OrderType.LIMIT,
      timeInForce: orders.TimeInForce.GTC,
      quantity: { value: '1' },
      limitPrice: { value: '100.00' },
    },
  });
  return new Promise((resolve, reject) =>
    gw.client.submitOrder(request, meta(traderKey), (e, r) => (e ? reject(e) : resolve(r))),
  );
}

async function rejection(): Promise<string> {
  try {
    await submit();
    return 'accepted';
  } catch (error: unknown) {
    const e = error as ServiceError;
    return `${e.code}:${errorInfoOf(e.metadata)?.reason ?? ''}`;
  }
}

function control(fields: Partial<risk.RiskControl>): risk.RiskControl {
  return risk.RiskControl.fromPartial({
    controlId: uniqueName('ctl'),
    scope: risk.ControlScope.ACCOUNT,
    targetId: 'acct-ctl',
    state: risk.TradingState.HALTED,
    reason: 'daily loss limit 50000.00 USD breached (day PnL -51234.50)',
    actor: 'risk-monitor',
    effectiveAtUnixNanos: BigInt(Date.now()) * 1_000_000n,
    ...fields,
  });
}

const halted = `${status.FAILED_PRECONDITION}:GATEWAY_TRADING_HALTED`;

describe('risk.controls.v1 applied by the gateway', () => {
  it('a risk-monitor halt takes effect on the next order and is recorded with who, why and when', async () => {
    expect(await rejection()).toBe('accepted');
    const halt = control({});
    await publisher.publish(halt);
    await waitFor('the control to apply', async () => (await rejection()) === halted);

    const history = await new TradingStatesRepository(gw.stores.pg.db).history(
      'account',
      'acct-ctl',
    );
    expect(history).toEqual([
      expect.objectContaining({
        controlId: halt.controlId,
        state: 'HALTED',
        previousState: 'ACTIVE',
        actor: 'risk-monitor',
        reason: halt.reason,
        applied: true,
      }),
    ]);

    // A replay of the same control (the compacted topic is re-read at every start) changes nothing.
    await publisher.publish(halt);
    const reset = control({
      state: risk.TradingState.ACTIVE,
      actor: 'admin:ops',
      reason: 'reviewed',
    });
    await publisher.publish(reset);
    await waitFor('the control to apply', async () => (await rejection()) === 'accepted');
    const after = await new TradingStatesRepository(gw.stores.pg.db).history('account', 'acct-ctl');
    expect(after.map((c) => [c.controlId, c.state, c.applied])).toEqual([
      [halt.controlId, 'HALTED', true],
      [reset.controlId, 'ACTIVE', true],
    ]);
  });

  it('a control older than the state in force is recorded but not applied', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const reducing = control({ state: risk.TradingState.REDUCING, effectiveAtUnixNanos: now });
    const stale = control({
      state: risk.TradingState.ACTIVE,
      effectiveAtUnixNanos: now - 60_000_000_000n,
      reason: 'late message',
    });
    await publisher.publish(reducing);
    await publisher.publish(stale);
    const repo = new TradingStatesRepository(gw.stores.pg.db);
    await waitFor('the control to apply', async () =>
      (await repo.history('account', 'acct-ctl')).some((c) => c.controlId === stale.controlId),
    );
    const rows = await repo.history('account', 'acct-ctl');
    expect(rows.find((c) => c.controlId === stale.controlId)?.applied).toBe(false);
    expect((await repo.get('account', 'acct-ctl'))?.state).toBe('REDUCING');
    // Clean up for the other tests of this file.
    await publisher.publish(control({ state: risk.TradingState.ACTIVE, reason: 'cleanup' }));
    await waitFor(
      'the control to apply',
      async () => (await repo.get('account', 'acct-ctl'))?.state === 'ACTIVE',
    );
  });

  it('AdminService.SetTradingState publishes its control on risk.controls (actor admin:<agent>), keyed by target', async () => {
    await new Promise<void>((resolve, reject) =>
      gw.adminClient.setTradingState(
        {
          scope: risk.ControlScope.AGENT,
          targetId: 'agent-ctl',
          state: risk.TradingState.HALTED,
          reason: 'kill switch drill',
        },
        meta(adminKey),
        (e) => (e ? reject(e) : resolve()),
      ),
    );
    expect(await rejection()).toBe(halted);
    const seen: { key: string; control: risk.RiskControl }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('ctl-reader'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: gw.riskControlsTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          key: message.key?.toString() ?? '',
          control: risk.RiskControl.decode(message.value ?? Buffer.alloc(0)),
        });
      },
    });
    try {
      await waitFor('the control to apply', () =>
        seen.some((s) => s.control.actor === 'admin:agent-ctl-admin'),
      );
    } finally {
      await consumer.disconnect();
    }
    const published = seen.find((s) => s.control.actor === 'admin:agent-ctl-admin');
    expect(published?.key).toBe('agent:agent-ctl');
    expect(published?.control).toMatchObject({
      scope: risk.ControlScope.AGENT,
      targetId: 'agent-ctl',
      state: risk.TradingState.HALTED,
      reason: 'kill switch drill',
    });
    // The gateway's own consumer sees it again: recorded once (by the admin call), not twice.
    const history = await new TradingStatesRepository(gw.stores.pg.db).history(
      'agent',
      'agent-ctl',
    );
    expect(history.filter((c) => c.controlId === published?.control.controlId)).toHaveLength(1);
    await new Promise<void>((resolve, reject) =>
      gw.adminClient.setTradingState(
        {
          scope: risk.ControlScope.AGENT,
          targetId: 'agent-ctl',
          state: risk.TradingState.ACTIVE,
          reason: 'drill over',
        },
        meta(adminKey),
        (e) => (e ? reject(e) : resolve()),
      ),
    );
    expect(await rejection()).toBe('accepted');
  });

  it('an unusable control goes to the DLQ and does not stop the ones after it', async () => {
    const bad = control({ scope: risk.ControlScope.UNSPECIFIED });
    await publisher.publish(bad);
    const good = control({ state: risk.TradingState.REDUCING, reason: 'after the bad one' });
    await publisher.publish(good);
    const repo = new TradingStatesRepository(gw.stores.pg.db);
    await waitFor(
      'the control to apply',
      async () => (await repo.get('account', 'acct-ctl'))?.state === 'REDUCING',
    );
    expect(
      (await repo.history('account', 'acct-ctl')).some((c) => c.controlId === bad.controlId),
    ).toBe(false);
    // Leave the account ACTIVE for the tests after this one (the control applies asynchronously).
    await publisher.publish(control({ state: risk.TradingState.ACTIVE, reason: 'cleanup' }));
    await waitFor('the cleanup to apply', async () => (await rejection()) === 'accepted');
  });
});

describe('changeOfControl', () => {
  const base = control({});
  it.each([
    ['no control id', { controlId: '' }],
    ['unknown scope', { scope: risk.ControlScope.UNSPECIFIED }],
    ['unknown state', { state: risk.TradingState.UNSPECIFIED }],
    ['global with a target', { scope: risk.ControlScope.GLOBAL, targetId: 'x' }],
    ['account without a target', { targetId: '' }],
    ['no actor', { actor: '' }],
    ['no effective time', { effectiveAtUnixNanos: 0n }],
    ['malformed target', { targetId: 'a b' }],
  ])('rejects %s', (_name, fields) => {
    expect(() => changeOfControl({ ...base, ...fields })).toThrow(RiskControlInvalidError);
  });

  it('maps a valid control', () => {
    expect(
      changeOfControl({ ...base, scope: risk.ControlScope.GLOBAL, targetId: '' }),
    ).toMatchObject({
      scope: 'global',
      scopeId: '',
      state: 'HALTED',
      actor: 'risk-monitor',
    });
  });
});

describe('gRPC server metrics', () => {
  it('counts OrderService calls by method and code (go-grpc-prometheus names)', async () => {
    const series =
      'grpc_server_handled_total{grpc_service="meridian.orders.v1.OrderService",grpc_method="SubmitOrder",grpc_type="unary",grpc_code="OK"}';
    const before = metricSample(await gw.metrics.metricsText(), series) ?? 0;
    await submit();
    expect(metricSample(await gw.metrics.metricsText(), series)).toBe(before + 1);
  });
});
