import { orders } from '@meridian/contracts';
import { OrderClient } from '@meridian/orders-client';
import { type FakeGateway, startFakeGateway } from '@meridian/orders-client/testing';
import { waitFor } from '@meridian/shared-testing';
import { AgentRunner } from './agent.runner';
import { MarketMakerStrategy } from './market-maker.strategy';

describe('AgentRunner against a scripted gateway', () => {
  let gateway: FakeGateway;
  let client: OrderClient;

  beforeEach(async () => {
    gateway = await startFakeGateway(undefined, { autoReports: true });
    client = new OrderClient({ address: gateway.address, apiKey: gateway.apiKey });
  });

  afterEach(async () => {
    client.close();
    await gateway.close();
  });

  it('sends the strategy orders with its id prefix, tracks acks and reports, cancels on stop', async () => {
    const runner = new AgentRunner({
      label: 'mm',
      client,
      strategy: new MarketMakerStrategy({ intervalMs: 20 }),
      instrument: { symbol: 'ACME', tickSize: '0.01', lotSize: '1', referencePrice: '100.00' },
      clientOrderIdPrefix: 'run1-a1',
    });
    runner.start();
    await waitFor(
      'both quotes acknowledged and reported',
      () =>
        runner.book.openOrders().filter((o) => o.status === orders.OrderStatus.NEW).length === 2,
      5000,
      10,
    );
    await runner.stop();
    const submits = (gateway.received.get('SubmitOrder') ?? []) as orders.SubmitOrderRequest[];
    // Quotes on target stay: exactly one bid and one ask, however many timer rounds ran.
    expect(submits.map((s) => [s.clientOrderId, s.order?.limitPrice?.value])).toEqual([
      ['run1-a1-1', '99.98'],
      ['run1-a1-2', '100.02'],
    ]);
    const cancels = (gateway.received.get('CancelOrder') ?? []) as orders.CancelOrderRequest[];
    expect(cancels.map((c) => c.target?.value).sort()).toEqual(['1000', '1001']);
    expect(runner.summary()).toMatchObject({
      label: 'mm',
      strategy: 'market-maker',
      submitted: 2,
      acknowledged: 2,
      reports: 2,
      fills: 0,
      position: '0',
      errors: {},
      streamConnections: 1,
    });
    expect(runner.summary().submitToAck.count).toBe(2);
  });

  it('counts refused submits by reason and marks the order refused', async () => {
    gateway.fail('SubmitOrder', { code: 9, reason: 'GATEWAY_TRADING_HALTED' });
    const runner = new AgentRunner({
      label: 'mm',
      client,
      strategy: new MarketMakerStrategy({ intervalMs: 20 }),
      instrument: { symbol: 'ACME', tickSize: '0.01', lotSize: '1', referencePrice: '100.00' },
      clientOrderIdPrefix: 'run2-a1',
      cancelOnStop: false,
    });
    runner.start();
    await waitFor(
      'a refusal',
      () => runner.summary().errors['GATEWAY_TRADING_HALTED'] === 1,
      5000,
      10,
    );
    await runner.stop();
    expect(runner.book.byClientOrderId('run2-a1-1')?.status).toBe(orders.OrderStatus.REJECTED);
  });
});
