import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, orders } from '@meridian/contracts';
import {
  provisionAgents,
  runLoadGenerator,
  type RunSummary,
  type SimInstrument,
} from '@meridian/orders-agent-sim';
import {
  AdminClient,
  type ExecutionReportStream,
  MeridianClientError,
  OrderClient,
  type RiskLimitsInput,
} from '@meridian/orders-client';
import { exited, startService, uniqueName, waitFor } from '@meridian/shared-testing';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { startCuttableProxy, startTradingStack, type TradingStack } from './testing/trading-stack';

const ACME: SimInstrument = {
  symbol: 'ACME',
  tickSize: '0.01',
  lotSize: '1',
  referencePrice: '100.00',
};
const LIMITS: RiskLimitsInput = {
  maxOrderQuantity: '1000',
  maxOrderNotional: '1000000',
  priceBandBps: 1000,
  maxOpenOrders: 1000,
  maxPosition: '100000',
  maxGrossExposure: '100000000',
  orderRatePerSecond: 10_000,
  orderBurst: 10_000,
};
const { BUY, SELL } = common.Side;

async function rejection(promise: Promise<unknown>): Promise<MeridianClientError> {
  const outcome = await promise.then(
    () => new Error('expected the call to fail'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof MeridianClientError)) throw outcome;
  return outcome;
}

/** Reads reports until `count` arrived. */
async function take(stream: ExecutionReportStream, count: number): Promise<orders.OrderEvent[]> {
  const got: orders.OrderEvent[] = [];
  while (got.length < count) {
    const next = await stream.next();
    if (next.done === true) throw new Error(`stream ended after ${got.length} reports`);
    got.push(next.value);
  }
  return got;
}

/** Reads reports until one of `orderId` has `kind`; returns everything read. */
async function until(
  stream: ExecutionReportStream,
  orderId: string,
  kind: string,
): Promise<orders.OrderEvent[]> {
  const got: orders.OrderEvent[] = [];
  for (;;) {
    const [event] = await take(stream, 1);
    if (event === undefined) continue;
    got.push(event);
    if (event.orderId === orderId && event.event?.$case === kind) return got;
  }
}

describe('TypeScript client and agent-sim against executor, gateway and order-store processes', () => {
  let stack: TradingStack;
  let admin: AdminClient;
  const run = uniqueName('it').replaceAll('_', '-');

  beforeAll(async () => {
    stack = await startTradingStack('agentsim');
    admin = new AdminClient({ address: stack.gatewayAddress, apiKey: stack.adminKey });
  });

  afterAll(async () => {
    // Service logs on demand (they are long): AGENT_SIM_IT_LOGS=1.
    if (process.env['AGENT_SIM_IT_LOGS'] === '1' && stack !== undefined)
      process.stderr.write(`${stack.logs()}\n`);
    admin?.close();
    await stack?.stop();
  });

  it('submits, replaces, gets a fill, cancels; retries are idempotent; refusals are typed', async () => {
    const maker = await admin.provisionTrader({
      accountId: `${run}-mk-acct`,
      agentId: `${run}-mk`,
      limits: LIMITS,
    });
    const taker = await admin.provisionTrader({
      accountId: `${run}-tk-acct`,
      agentId: `${run}-tk`,
      limits: LIMITS,
    });
    const makerClient = new OrderClient({ address: stack.gatewayAddress, apiKey: maker.apiKey });
    const takerClient = new OrderClient({ address: stack.gatewayAddress, apiKey: taker.apiKey });
    const reports = makerClient.executionReports({ symbol: 'ACME', startAt: 1n });
    try {
      const offer = await makerClient.submitLimit({
        clientOrderId: `${run}-offer`,
        symbol: 'ACME',
        side: SELL,
        quantity: '10',
        limitPrice: '100.05',
      });
      expect(offer.orderId).toMatch(/^[0-9]+$/);
      // Same id, same body: the original acknowledgement, not a second order.
      const again = await makerClient.submitLimit({
        clientOrderId: `${run}-offer`,
        symbol: 'ACME',
        side: SELL,
        quantity: '10',
        limitPrice: '100.05',
      });
      expect(again.orderId).toBe(offer.orderId);
      const conflict = await rejection(
        makerClient.submitLimit({
          clientOrderId: `${run}-offer`,
          symbol: 'ACME',
          side: SELL,
          quantity: '11',
          limitPrice: '100.05',
        }),
      );
      expect(conflict).toMatchObject({
        code: GrpcStatus.ALREADY_EXISTS,
        reason: 'GATEWAY_IDEMPOTENCY_CONFLICT',
      });
      await until(reports, offer.orderId, 'accepted');

      await makerClient.replaceOrder({
        symbol: 'ACME',
        target: { orderId: offer.orderId },
        limitPrice: '100.04',
      });
      const replaced = (await until(reports, offer.orderId, 'replaced')).at(-1);
      expect(replaced?.event).toMatchObject({ value: { limitPrice: { value: '100.04' } } });

      const take4 = await takerClient.submitLimit({
        symbol: 'ACME',
        side: BUY,
        quantity: '4',
        limitPrice: '100.04',
        timeInForce: orders.TimeInForce.IOC,
      });
      expect(take4.orderId).not.toBe(offer.orderId);
      const fill = (await until(reports, offer.orderId, 'partiallyFilled')).at(-1);
      expect(fill?.event).toMatchObject({
        value: {
          fill: { price: { value: '100.04' }, quantity: { value: '4' } },
          leavesQuantity: { value: '6' },
        },
      });

      await makerClient.cancelOrder({
        symbol: 'ACME',
        target: { origClientOrderId: `${run}-offer` },
      });
      const canceled = (await until(reports, offer.orderId, 'canceled')).at(-1);
      expect(canceled?.event).toMatchObject({ value: { canceledQuantity: { value: '6' } } });
      expect(canceled?.status).toBe(orders.OrderStatus.CANCELED);

      // The order-store applies the same reports asynchronously.
      await waitFor(
        'the order-store to show the order canceled',
        async () =>
          (
            await makerClient
              .getOrder({ orderId: offer.orderId })
              .catch(() => orders.Order.fromPartial({}))
          ).status === orders.OrderStatus.CANCELED,
        20_000,
        100,
      );
      const order = await makerClient.getOrder({ clientOrderId: `${run}-offer` });
      expect(order).toMatchObject({
        orderId: offer.orderId,
        cumulativeQuantity: { value: '4' },
        leavesQuantity: { value: '0' },
      });
      expect(await makerClient.listOpenOrders({ symbol: 'ACME' })).toEqual([]);

      expect(
        await rejection(
          makerClient.cancelOrder({ symbol: 'ACME', target: { orderId: offer.orderId } }),
        ),
      ).toMatchObject({ code: GrpcStatus.FAILED_PRECONDITION, reason: 'GATEWAY_ORDER_NOT_OPEN' });
      expect(
        await rejection(
          makerClient.submitLimit({
            symbol: 'ACME',
            side: BUY,
            quantity: '1',
            limitPrice: '100.001',
          }),
        ),
      ).toMatchObject({
        code: GrpcStatus.INVALID_ARGUMENT,
        reason: 'GATEWAY_INVALID_PRICE',
        domain: 'order-gateway.meridian',
        metadata: { field: 'order.limit_price.value' },
      });
    } finally {
      reports.close();
      makerClient.close();
      takerClient.close();
    }
  });

  it('gives a bad key a typed UNAUTHENTICATED and a trader key on AdminService PERMISSION_DENIED', async () => {
    const stranger = new OrderClient({
      address: stack.gatewayAddress,
      apiKey: 'mrd_0123456789abcdef.not-a-real-secret',
    });
    const trader = await admin.provisionTrader({
      accountId: `${run}-pd-acct`,
      agentId: `${run}-pd`,
      limits: LIMITS,
    });
    const traderAsAdmin = new AdminClient({ address: stack.gatewayAddress, apiKey: trader.apiKey });
    try {
      const error = await rejection(
        stranger.submitLimit({ symbol: 'ACME', side: BUY, quantity: '1', limitPrice: '100.00' }),
      );
      expect(error).toBeInstanceOf(MeridianClientError);
      expect(error).toMatchObject({
        code: GrpcStatus.UNAUTHENTICATED,
        codeName: 'UNAUTHENTICATED',
        reason: 'GATEWAY_UNAUTHENTICATED',
        domain: 'order-gateway.meridian',
        method: 'SubmitOrder',
      });
      const streamError = await stranger
        .executionReports({ symbol: 'ACME' })
        .next()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(streamError).toMatchObject({ reason: 'GATEWAY_UNAUTHENTICATED' });
      expect(
        await rejection(traderAsAdmin.createAccount({ name: 'nope', reason: 'test' })),
      ).toMatchObject({ code: GrpcStatus.PERMISSION_DENIED, reason: 'GATEWAY_PERMISSION_DENIED' });
    } finally {
      stranger.close();
      traderAsAdmin.close();
    }
  });

  it('resumes a stream after its channel is cut mid-run, with no gap and no duplicate', async () => {
    const agent = await admin.provisionTrader({
      accountId: `${run}-rs-acct`,
      agentId: `${run}-rs`,
      limits: LIMITS,
    });
    const proxy = await startCuttableProxy(stack.gatewayAddress);
    const viaProxy = new OrderClient({
      address: proxy.address,
      apiKey: agent.apiKey,
      dedicatedConnection: true,
    });
    const direct = new OrderClient({ address: stack.gatewayAddress, apiKey: agent.apiKey });
    const stream = viaProxy.executionReports({
      symbol: 'ACME',
      startAt: 1n,
      reconnectBackoffMs: 20,
    });
    const placed: string[] = [];
    const place = async (n: number) => {
      const { orderId } = await direct.submitLimit({
        clientOrderId: `${run}-rs-${n}`,
        symbol: 'ACME',
        side: BUY,
        quantity: '1',
        limitPrice: '95.00',
      });
      placed.push(orderId);
    };
    try {
      for (const n of [1, 2, 3]) await place(n);
      const before = await take(stream, 3);
      expect(proxy.cut()).toBeGreaterThan(0);
      // While the client is cut off, more reports are logged.
      for (const n of [4, 5, 6]) await place(n);
      const after = await take(stream, 3);
      await place(7);
      const live = await take(stream, 1);

      const received = [...before, ...after, ...live];
      expect(received.map((e) => e.orderId)).toEqual(placed);
      const sequences = received.map((e) => e.sequence);
      for (let i = 1; i < sequences.length; i++)
        expect((sequences[i] ?? 0n) > (sequences[i - 1] ?? 0n)).toBe(true);
      expect(stream.connections).toBeGreaterThanOrEqual(2);
      expect(stream.lastDisconnect?.code).toBe(GrpcStatus.UNAVAILABLE);

      // The same reports as a fresh replay of the log: nothing lost, nothing doubled.
      const replay = direct.executionReports({ symbol: 'ACME', startAt: 1n });
      try {
        expect((await take(replay, 7)).map((e) => e.eventId)).toEqual(
          received.map((e) => e.eventId),
        );
      } finally {
        replay.close();
      }
    } finally {
      stream.close();
      await Promise.all(
        placed.map((orderId) =>
          direct.cancelOrder({ symbol: 'ACME', target: { orderId } }).catch(() => undefined),
        ),
      );
      viaProxy.close();
      direct.close();
      await proxy.close();
    }
  });

  it('agent-sim (the app, as a process) runs a market maker and a momentum taker that trade', async () => {
    const output = join(tmpdir(), `${run}-agent-sim-run.json`);
    const sim = startService('agent-sim', {
      AGENT_SIM_MODE: 'run',
      AGENT_SIM_GATEWAY: stack.gatewayAddress,
      AGENT_SIM_ADMIN_KEY: stack.adminKey,
      AGENT_SIM_STRATEGIES: 'market-maker,momentum',
      AGENT_SIM_DURATION: '4s',
      AGENT_SIM_SYMBOL: 'ACME',
      AGENT_SIM_TICK_SIZE: '0.01',
      AGENT_SIM_LOT_SIZE: '1',
      AGENT_SIM_REFERENCE_PRICE: '100.00',
      AGENT_SIM_RUN_ID: `${run}-r`,
      AGENT_SIM_OUTPUT: output,
    });
    const code = await exited(sim.child);
    if (code !== 0) process.stderr.write(`[agent-sim]\n${sim.output()}\n${stack.logs()}\n`);
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(output, 'utf8')) as RunSummary;
    rmSync(output, { force: true });
    const [mm, momentum] = summary.agents;
    expect(mm?.strategy).toBe('market-maker');
    expect(momentum?.strategy).toBe('momentum');
    // JSON drops an undefined streamFailure: present means the stream failed for good.
    expect(summary.agents.map((a) => a.streamFailure ?? null)).toEqual([null, null]);
    expect(mm?.fills).toBeGreaterThan(0);
    expect(momentum?.fills).toBeGreaterThan(0);
    expect(mm?.submitToAck.count).toBeGreaterThan(0);
    // They only traded with each other: what one bought the other sold.
    expect(BigInt(mm?.position ?? 'x') + BigInt(momentum?.position ?? 'x')).toBe(0n);
    // Every refused call is a late cancel of an order that had just filled, nothing else.
    for (const agent of summary.agents)
      expect(Object.keys(agent.errors).filter((r) => r !== 'GATEWAY_ORDER_NOT_OPEN')).toEqual([]);
  });

  it('the load generator sends 200 orders/s for 3 s with no error and fills both histograms', async () => {
    const agents = await provisionAgents(admin, `${run}-ld`, 4);
    const report = await runLoadGenerator({
      address: stack.gatewayAddress,
      apiKeys: agents.map((a) => a.apiKey),
      channels: 2,
      ratePerSecond: 200,
      durationMs: 3000,
      instrument: ACME,
      runId: `${run}-ld`,
      // This checks that every order is acknowledged and reported, not how fast (a test must not
      // depend on the machine's speed; bench/ measures it): deadlines far above any backlog.
      deadlineMs: 60_000,
      drainTimeoutMs: 60_000,
    });
    process.stderr.write(`load report: ${JSON.stringify(report)}\n`);
    expect(report).toMatchObject({
      scheduled: 600,
      sent: 600,
      acknowledged: 600,
      missingReports: 0,
      agents: 4,
      channels: 2,
    });
    expect(report.errors).toEqual({});
    expect(report.submitToAck.count).toBe(600);
    expect(report.submitToFirstReport.count).toBe(600);
    expect(report.submitToAck.p50Ms).toBeGreaterThan(0);
    // Cross mix: each round of sells trades against the round of buys before it.
    expect(report.fills).toBeGreaterThan(0);
  });
});
