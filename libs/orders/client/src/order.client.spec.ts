import { common, orders } from '@meridian/contracts';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { DecimalFormatError } from './decimal';
import { MeridianClientError } from './meridian-client.error';
import { OrderClient } from './order.client';
import { type FakeGateway, startFakeGateway } from './testing';

async function rejection(promise: Promise<unknown>): Promise<MeridianClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MeridianClientError))
    throw new Error(`expected a MeridianClientError, got ${String(error)}`);
  return error;
}

describe('OrderClient against a scripted gateway on a loopback socket', () => {
  let gateway: FakeGateway;
  let client: OrderClient;
  const sleeps: number[] = [];

  beforeEach(async () => {
    gateway = await startFakeGateway();
    sleeps.length = 0;
    client = new OrderClient({
      address: gateway.address,
      apiKey: gateway.apiKey,
      deadlineMs: 2000,
      random: () => 0.5,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
  });

  afterEach(async () => {
    client.close();
    await gateway.close();
  });

  const limit = {
    symbol: 'ACME',
    side: common.Side.BUY,
    quantity: '10',
    limitPrice: '100.25',
  } as const;

  it('sends a limit order with the API key and a generated client order id', async () => {
    const result = await client.submitLimit(limit);
    expect(result.orderId).toBe('1000');
    expect(result.clientOrderId).toMatch(/^c-[0-9a-f-]{36}$/);
    const [sent] = (gateway.received.get('SubmitOrder') ?? []) as orders.SubmitOrderRequest[];
    expect(sent?.clientOrderId).toBe(result.clientOrderId);
    expect(sent?.order).toMatchObject({
      side: common.Side.BUY,
      orderType: orders.OrderType.LIMIT,
      timeInForce: orders.TimeInForce.GTC,
      quantity: { value: '10' },
      limitPrice: { value: '100.25' },
    });
  });

  it('retries SubmitOrder after UNAVAILABLE with the same client order id and body, so the order is placed once', async () => {
    gateway.fail(
      'SubmitOrder',
      { code: GrpcStatus.UNAVAILABLE, reason: 'GATEWAY_PUBLISH_FAILED' },
      { code: GrpcStatus.UNAVAILABLE },
    );
    const result = await client.submitLimit({ ...limit, clientOrderId: 'retry-1' });
    const attempts = (gateway.received.get('SubmitOrder') ?? []) as orders.SubmitOrderRequest[];
    expect(attempts).toHaveLength(3);
    expect(
      new Set(attempts.map((a) => JSON.stringify(orders.SubmitOrderRequest.toJSON(a)))).size,
    ).toBe(1);
    expect(result).toMatchObject({ orderId: '1000', clientOrderId: 'retry-1' });
    expect(sleeps).toEqual([50, 100]);
  });

  it('retries after the deadline passed (the answer may have been lost) and keeps the id', async () => {
    // The first answer comes far too late; later attempts are answered at once (a busy machine
    // may still let one of them miss its deadline too: then it is retried as well).
    gateway.fail('SubmitOrder', { code: GrpcStatus.OK, delayMs: 5000 });
    const result = await client.submitLimit(
      { ...limit, clientOrderId: 'slow-1' },
      { deadlineMs: 1000, retry: { maxAttempts: 6 } },
    );
    const attempts = (gateway.received.get('SubmitOrder') ?? []) as orders.SubmitOrderRequest[];
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((a) => a.clientOrderId))).toEqual(new Set(['slow-1']));
    expect(result.orderId).toBe('1000');
  });

  it('gives up after maxAttempts with the last failure', async () => {
    gateway.fail(
      'CancelOrder',
      ...Array.from({ length: 4 }, () => ({
        code: GrpcStatus.UNAVAILABLE,
        reason: 'GATEWAY_SHUTTING_DOWN',
      })),
    );
    const error = await rejection(
      client.cancelOrder({ symbol: 'ACME', target: { orderId: '42' }, clientOrderId: 'x-1' }),
    );
    expect(error).toMatchObject({
      code: GrpcStatus.UNAVAILABLE,
      reason: 'GATEWAY_SHUTTING_DOWN',
      method: 'CancelOrder',
    });
    expect(gateway.received.get('CancelOrder')).toHaveLength(4);
  });

  it('does not retry answers: rate limit, risk rejection, conflict', async () => {
    gateway.fail(
      'SubmitOrder',
      {
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        reason: 'GATEWAY_RATE_LIMITED',
        metadata: { retryAfterMs: '40' },
      },
      { code: GrpcStatus.FAILED_PRECONDITION, reason: 'GATEWAY_RISK_MAX_POSITION' },
      { code: GrpcStatus.ALREADY_EXISTS, reason: 'GATEWAY_IDEMPOTENCY_CONFLICT' },
    );
    const limited = await rejection(client.submitLimit(limit));
    expect(limited).toMatchObject({
      reason: 'GATEWAY_RATE_LIMITED',
      metadata: { retryAfterMs: '40' },
    });
    expect((await rejection(client.submitLimit(limit))).reason).toBe('GATEWAY_RISK_MAX_POSITION');
    expect((await rejection(client.submitLimit(limit))).reason).toBe(
      'GATEWAY_IDEMPOTENCY_CONFLICT',
    );
    expect(gateway.received.get('SubmitOrder')).toHaveLength(3);
    expect(sleeps).toEqual([]);
  });

  it('honours retry: false per call', async () => {
    gateway.fail('ReplaceOrder', { code: GrpcStatus.UNAVAILABLE });
    const error = await rejection(
      client.replaceOrder(
        { symbol: 'ACME', target: { orderId: '7' }, limitPrice: '101.00' },
        { retry: false },
      ),
    );
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(gateway.received.get('ReplaceOrder')).toHaveLength(1);
  });

  it('turns a wrong key into UNAUTHENTICATED / GATEWAY_UNAUTHENTICATED without retrying', async () => {
    const stranger = new OrderClient({
      address: gateway.address,
      apiKey: 'mrd_ffffffffffffffff.nope',
    });
    try {
      const error = await rejection(stranger.submitLimit(limit));
      expect(error).toMatchObject({
        code: GrpcStatus.UNAUTHENTICATED,
        reason: 'GATEWAY_UNAUTHENTICATED',
      });
      expect(gateway.received.get('SubmitOrder')).toHaveLength(1);
    } finally {
      stranger.close();
    }
  });

  it('names the target of cancels and replaces by order id or original client order id', async () => {
    await client.cancelOrder({
      symbol: 'ACME',
      target: { origClientOrderId: 'mine-1' },
      clientOrderId: 'x-2',
    });
    await client.replaceOrder({
      symbol: 'ACME',
      target: { orderId: '99' },
      clientOrderId: 'r-2',
      quantity: '5',
      limitPrice: '100.50',
    });
    const [cancel] = (gateway.received.get('CancelOrder') ?? []) as orders.CancelOrderRequest[];
    const [replace] = (gateway.received.get('ReplaceOrder') ?? []) as orders.ReplaceOrderRequest[];
    expect(cancel?.target).toEqual({ $case: 'origClientOrderId', value: 'mine-1' });
    expect(replace?.target).toEqual({ $case: 'orderId', value: '99' });
    expect(replace?.replacement).toMatchObject({
      quantity: { value: '5' },
      limitPrice: { value: '100.50' },
    });
    expect(replace?.replacement?.stopPrice).toBeUndefined();
  });

  it('follows next_page_token through every page of open orders', async () => {
    const open = await client.listOpenOrders({ symbol: 'ACME' });
    expect(open.map((o) => o.orderId)).toEqual(['p1', 'p2']);
  });

  it('refuses a float-looking or malformed decimal before sending anything', async () => {
    await expect(client.submitLimit({ ...limit, limitPrice: '1e2' })).rejects.toThrow(
      DecimalFormatError,
    );
    await expect(client.submitLimit({ ...limit, quantity: 'NaN' })).rejects.toThrow(
      DecimalFormatError,
    );
    expect(gateway.received.get('SubmitOrder')).toBeUndefined();
  });
});
