import { orders, Topics } from '@meridian/contracts';
import { RiskLimitsRepository, TradingStatesRepository } from '@meridian/orders-data-access';
import { testRiskLimits } from '@meridian/orders-domain-pretrade/testing';
import { createKafka } from '@meridian/shared-messaging';
import { kafkaBrokers } from '@meridian/shared-testing';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { errorInfoOf } from './grpc-error.mapper';
import { startTestGateway, type TestGateway } from './testing';

let gw: TestGateway;
let trader: string;
let readOnly: string;

beforeAll(async () => {
  gw = await startTestGateway('gwgrpc');
  trader = await gw.addAgent('agent-t', 'acct-t', 'trader');
  readOnly = await gw.addAgent('agent-r', 'acct-t', 'read-only');
});
afterAll(async () => gw.close());

function meta(key: string): Metadata {
  const m = new Metadata();
  m.set('x-api-key', key);
  return m;
}

let seq = 0;
function limitOrder(
  overrides: Partial<orders.SubmitOrderRequest> = {},
  order: Partial<orders.NewOrder> = {},
): orders.SubmitOrderRequest {
  seq += 1;
  return orders.SubmitOrderRequest.fromPartial({
    clientOrderId: `c-${seq}-${Date.now()}`,
    symbol: 'ACME',
    order: {
      side: 1,
      orderType: orders.OrderType.LIMIT,
      timeInForce: orders.TimeInForce.GTC,
      quantity: { value: '10' },
      limitPrice: { value: '100.25' },
      ...order,
    },
    ...overrides,
  });
}

function submit(
  request: orders.SubmitOrderRequest,
  key = trader,
): Promise<orders.SubmitOrderResponse> {
  return new Promise((resolve, reject) => {
    gw.client.submitOrder(request, meta(key), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

function cancel(
  request: Partial<orders.CancelOrderRequest>,
  key = trader,
): Promise<orders.CancelOrderResponse> {
  return new Promise((resolve, reject) => {
    gw.client.cancelOrder(
      orders.CancelOrderRequest.fromPartial(request),
      meta(key),
      (error, response) => (error ? reject(error) : resolve(response)),
    );
  });
}

/** Sends raw bytes as a SubmitOrderRequest (the client's serializer is bypassed). */
function submitRaw(bytes: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    gw.client.makeUnaryRequest(
      '/meridian.orders.v1.OrderService/SubmitOrder',
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      meta(trader),
      (error, response) => (error ? reject(error) : resolve(response)),
    );
  });
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; reason: string; metadata: Record<string, string> }> {
  try {
    await promise;
  } catch (error: unknown) {
    const e = error as ServiceError;
    const info = errorInfoOf(e.metadata);
    return { code: e.code, reason: info?.reason ?? '', metadata: info?.metadata ?? {} };
  }
  throw new Error('expected the call to fail');
}

describe('SubmitOrder over gRPC', () => {
  it('acks a valid order after publishing it to orders.commands.v1 keyed by symbol', async () => {
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'gw-test-reader' });
    const admin = kafka.admin();
    await admin.connect();
    const before = await admin.fetchTopicOffsets(Topics.ordersCommands.name);
    await admin.disconnect();
    const request = limitOrder();
    const ack = await submit(request);
    expect(ack.orderId).not.toBe('');
    expect(ack.acceptedAtUnixNanos).toBeGreaterThan(0n);

    const consumer = kafka.consumer({ groupId: `gw-test-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.ordersCommands.name, fromBeginning: false });
    const found = new Promise<{ key: string; command: orders.OrderCommand }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value === null) return;
          const command = orders.OrderCommand.decode(message.value);
          if (command.commandId === ack.commandId)
            resolve({ key: message.key?.toString() ?? '', command });
        },
      });
    });
    for (const p of before)
      consumer.seek({
        topic: Topics.ordersCommands.name,
        partition: p.partition,
        offset: p.offset,
      });
    const { key, command } = await found;
    await consumer.disconnect();
    expect(key).toBe('ACME');
    expect(command).toMatchObject({
      orderId: ack.orderId,
      accountId: 'acct-t',
      agentId: 'agent-t',
      clientOrderId: request.clientOrderId,
      command: { $case: 'newOrder', value: request.order },
    });
  });

  it('returns the original ack for a retry with the same body and refuses a different body', async () => {
    const request = limitOrder();
    const first = await submit(request);
    expect(await submit(request)).toEqual(first);
    const conflict = await failure(
      submit({
        ...request,
        order: { ...(request.order ?? orders.NewOrder.fromPartial({})), quantity: { value: '11' } },
      }),
    );
    expect(conflict).toMatchObject({
      code: status.ALREADY_EXISTS,
      reason: 'GATEWAY_IDEMPOTENCY_CONFLICT',
    });
  });

  it.each([
    ['NaN quantity', { quantity: { value: 'NaN' } }, 'GATEWAY_INVALID_QUANTITY', 'malformed'],
    [
      'negative quantity',
      { quantity: { value: '-5' } },
      'GATEWAY_INVALID_QUANTITY',
      'not-positive',
    ],
    ['zero quantity', { quantity: { value: '0' } }, 'GATEWAY_INVALID_QUANTITY', 'not-positive'],
    ['fractional lots', { quantity: { value: '1.5' } }, 'GATEWAY_INVALID_QUANTITY', 'too-precise'],
    [
      'overflowing quantity',
      { quantity: { value: '9'.repeat(30) } },
      'GATEWAY_INVALID_QUANTITY',
      'overflow',
    ],
    ['exponent', { quantity: { value: '1e3' } }, 'GATEWAY_INVALID_QUANTITY', 'malformed'],
    [
      'too-precise price',
      { limitPrice: { value: '100.251' } },
      'GATEWAY_INVALID_PRICE',
      'too-precise',
    ],
    [
      'price out of band',
      { limitPrice: { value: '20000.00' } },
      'GATEWAY_INVALID_PRICE',
      'out-of-band',
    ],
    ['missing price', { limitPrice: undefined }, 'GATEWAY_INVALID_PRICE', 'missing'],
    ['unknown side', { side: 7 }, 'GATEWAY_UNKNOWN_ENUM_VALUE', 'unknown'],
    ['unspecified order type', { orderType: 0 }, 'GATEWAY_UNKNOWN_ENUM_VALUE', 'unspecified'],
    ['unknown time in force', { timeInForce: 99 }, 'GATEWAY_UNKNOWN_ENUM_VALUE', 'unknown'],
    [
      'market GTC',
      { orderType: orders.OrderType.MARKET, limitPrice: undefined },
      'GATEWAY_INVALID_ORDER_TYPE',
      'not-allowed',
    ],
    [
      'GTD in the past',
      { timeInForce: orders.TimeInForce.GTD, expireAtUnixNanos: 1n },
      'GATEWAY_INVALID_EXPIRY',
      'not-in-future',
    ],
  ])('refuses %s with INVALID_ARGUMENT and a reason', async (_name, order, reason, problem) => {
    const result = await failure(submit(limitOrder({}, order as Partial<orders.NewOrder>)));
    expect(result).toMatchObject({ code: status.INVALID_ARGUMENT, reason });
    expect(result.metadata['problem']).toBe(problem);
  });

  it('refuses an unknown instrument, a bad client_order_id and a missing order', async () => {
    expect(await failure(submit(limitOrder({ symbol: 'NOPE' })))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: 'GATEWAY_UNKNOWN_SYMBOL',
    });
    expect(await failure(submit(limitOrder({ clientOrderId: 'has space' })))).toMatchObject({
      reason: 'GATEWAY_INVALID_FIELD',
    });
    expect(await failure(submit(limitOrder({ clientOrderId: '' })))).toMatchObject({
      reason: 'GATEWAY_INVALID_FIELD',
    });
    expect(
      await failure(
        submit(orders.SubmitOrderRequest.fromPartial({ clientOrderId: 'x1', symbol: 'ACME' })),
      ),
    ).toMatchObject({
      reason: 'GATEWAY_INVALID_FIELD',
      metadata: { field: 'order', problem: 'missing' },
    });
  });

  it('refuses malformed and oversized messages', async () => {
    expect(await failure(submitRaw(Buffer.from([0x0a, 0xff, 0xff])))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: 'GATEWAY_REQUEST_MALFORMED',
    });
    const big = orders.SubmitOrderRequest.encode(
      limitOrder({ symbol: 'A'.repeat(20_000) }),
    ).finish();
    expect(await failure(submitRaw(Buffer.from(big)))).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      reason: 'GATEWAY_REQUEST_TOO_LARGE',
    });
    const huge = Buffer.alloc(2 * 1024 * 1024, 0x41);
    expect((await failure(submitRaw(huge))).code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('authenticates and authorizes', async () => {
    expect(await failure(submit(limitOrder(), `${trader.slice(0, -2)}xx`))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: 'GATEWAY_UNAUTHENTICATED',
    });
    expect(await failure(submit(limitOrder(), 'garbage'))).toMatchObject({
      code: status.UNAUTHENTICATED,
    });
    expect(await failure(submit(limitOrder(), readOnly))).toMatchObject({
      code: status.PERMISSION_DENIED,
      reason: 'GATEWAY_PERMISSION_DENIED',
    });
    expect(await failure(submit(limitOrder({ accountId: 'someone-else' })))).toMatchObject({
      code: status.PERMISSION_DENIED,
    });
  });

  it('applies pre-trade limits and trading states as FAILED_PRECONDITION with a reason', async () => {
    expect(await failure(submit(limitOrder({}, { quantity: { value: '2000000' } })))).toMatchObject(
      {
        code: status.FAILED_PRECONDITION,
        reason: 'GATEWAY_RISK_MAX_ORDER_QUANTITY',
      },
    );
    expect(
      await failure(submit(limitOrder({}, { limitPrice: { value: '160.00' } }))),
    ).toMatchObject({
      reason: 'GATEWAY_RISK_PRICE_BAND',
    });
    const states = new TradingStatesRepository(gw.stores.pg.db);
    await states.set({ scope: 'account', scopeId: 'acct-t', state: 'HALTED' });
    await gw.riskStore.setTradingState('account', 'acct-t', 'HALTED');
    const halted = await failure(submit(limitOrder()));
    expect(halted).toMatchObject({
      code: status.FAILED_PRECONDITION,
      reason: 'GATEWAY_TRADING_HALTED',
      metadata: { scope: 'account' },
    });
    await states.set({ scope: 'account', scopeId: 'acct-t', state: 'ACTIVE' });
    await gw.riskStore.setTradingState('account', 'acct-t', 'ACTIVE');
    await submit(limitOrder());
  });

  it('cancels open orders and refuses a cancel of a filled or unknown order', async () => {
    const ack = await submit(limitOrder());
    const done = await cancel({
      clientOrderId: `x-${Date.now()}`,
      symbol: 'ACME',
      target: { $case: 'orderId', value: ack.orderId },
    });
    expect(done.orderId).toBe(ack.orderId);
    const filled = await submit(limitOrder());
    await gw.riskStore.applyEvent({
      orderId: filled.orderId,
      accountId: 'acct-t',
      symbol: 'ACME',
      sequence: 1n,
      kind: 'fill',
      fillLots: 10,
      fillNotional: 100_250,
      fillPriceTicks: 10_025,
      terminal: true,
    });
    expect(
      await failure(
        cancel({
          clientOrderId: `y-${Date.now()}`,
          symbol: 'ACME',
          target: { $case: 'orderId', value: filled.orderId },
        }),
      ),
    ).toMatchObject({ code: status.FAILED_PRECONDITION, reason: 'GATEWAY_ORDER_NOT_OPEN' });
    expect(
      await failure(
        cancel({
          clientOrderId: `z-${Date.now()}`,
          symbol: 'ACME',
          target: { $case: 'orderId', value: 'no-such-order' },
        }),
      ),
    ).toMatchObject({ code: status.NOT_FOUND, reason: 'GATEWAY_ORDER_NOT_FOUND' });
  });

  it('rate-limits a flood with RESOURCE_EXHAUSTED and a retry hint', async () => {
    const key = await gw.addAgent('agent-flood', 'acct-flood', 'trader');
    await new RiskLimitsRepository(gw.stores.pg.db).upsert(
      'acct-flood',
      testRiskLimits({ orderRatePerSecond: 1, orderBurst: 5 }),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => submit(limitOrder(), key)),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(rejected).toHaveLength(7);
    for (const r of rejected) {
      const e = r.reason as ServiceError;
      expect(e.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(errorInfoOf(e.metadata)?.reason).toBe('GATEWAY_RATE_LIMITED');
    }
  });
});
