import { orders } from '@meridian/contracts';
import { ExecutionsRepository, OrdersRepository } from '@meridian/orders-data-access';
import {
  createGatewayTestStores,
  type GatewayTestStores,
} from '@meridian/orders-data-access/testing';
import { RecordOrderEventUseCase } from './record-order-event.usecase';
import { testOrderEvent } from './testing';

let stores: GatewayTestStores;
let store: RecordOrderEventUseCase;
beforeAll(async () => {
  stores = await createGatewayTestStores('gwstore');
  store = new RecordOrderEventUseCase(stores.pg.db);
});
afterAll(async () => stores.cleanup());

const owner = { agentId: 'agent-o', accountId: 'acct-o' };
const d = (value: string) => ({ value });

function fill(executionId: string, quantity: string) {
  return {
    executionId,
    tradeId: `t-${executionId}`,
    price: d('100.50'),
    quantity: d(quantity),
    liquidity: orders.Liquidity.TAKER,
  };
}

/** Accepted 10 @ 100.50, replaced to 12 @ 101.00, 4 filled, 8 filled (FILLED); one rejected new order. */
function lifecycle(orderId: string, rejectedId: string): orders.OrderEvent[] {
  return [
    testOrderEvent({ ...owner, orderId, sequence: 11n }),
    testOrderEvent({
      ...owner,
      orderId,
      sequence: 12n,
      status: orders.OrderStatus.NEW,
      body: {
        $case: 'replaced',
        value: orders.OrderReplaced.fromPartial({
          quantity: d('12'),
          leavesQuantity: d('12'),
          limitPrice: d('101.00'),
        }),
      },
    }),
    testOrderEvent({
      ...owner,
      orderId,
      sequence: 14n,
      status: orders.OrderStatus.PARTIALLY_FILLED,
      body: {
        $case: 'partiallyFilled',
        value: {
          fill: fill(`${orderId}-x1`, '4'),
          cumulativeQuantity: d('4'),
          leavesQuantity: d('8'),
          averagePrice: d('100.50'),
        },
      },
    }),
    testOrderEvent({
      ...owner,
      orderId,
      sequence: 17n,
      status: orders.OrderStatus.FILLED,
      body: {
        $case: 'filled',
        value: {
          fill: fill(`${orderId}-x2`, '8'),
          cumulativeQuantity: d('12'),
          averagePrice: d('100.50'),
        },
      },
    }),
    testOrderEvent({
      ...owner,
      orderId: rejectedId,
      sequence: 18n,
      status: orders.OrderStatus.REJECTED,
      body: {
        $case: 'rejected',
        value: {
          reason: orders.RejectReason.POST_ONLY_WOULD_TAKE,
          text: 'would take',
          commandKind: orders.CommandKind.NEW_ORDER,
        },
      },
    }),
  ];
}

async function snapshot(orderIds: readonly string[]): Promise<unknown> {
  const repo = new OrdersRepository(stores.pg.db);
  const executions = new ExecutionsRepository(stores.pg.db);
  return Promise.all(
    orderIds.map(async (id) => ({
      order: await repo.get(id),
      executions: await executions.listByOrder(id),
    })),
  );
}

describe('order-store (RecordOrderEventUseCase)', () => {
  it('builds the order state machine and the executions ledger from the reports', async () => {
    for (const event of lifecycle('o-1', 'o-1r')) await store.execute(event);
    const repo = new OrdersRepository(stores.pg.db);
    const order = await repo.get('o-1');
    expect(order).toMatchObject({
      status: orders.OrderStatus.FILLED,
      cumulativeQuantity: '12',
      leavesQuantity: '0',
      averagePrice: '100.50',
      lastSequence: 17n,
      agentId: 'agent-o',
      clientOrderId: 'c-o-1',
    });
    const terms = orders.NewOrder.decode(order?.terms ?? new Uint8Array());
    expect(terms.quantity?.value).toBe('12');
    expect(terms.limitPrice?.value).toBe('101.00');
    expect(await repo.get('o-1r')).toMatchObject({
      status: orders.OrderStatus.REJECTED,
      leavesQuantity: '0',
    });
    const ledger = await new ExecutionsRepository(stores.pg.db).listByOrder('o-1');
    expect(ledger.map((e) => [e.executionId, e.quantity, e.sequence])).toEqual([
      ['o-1-x1', '4', 14n],
      ['o-1-x2', '8', 17n],
    ]);
  });

  it('changes nothing when the reports are replayed, in order or not', async () => {
    const events = lifecycle('o-2', 'o-2r');
    for (const event of events) await store.execute(event);
    const before = await snapshot(['o-2', 'o-2r']);
    for (const event of events) await store.execute(event);
    for (const event of [...events].reverse()) await store.execute(event);
    expect(await snapshot(['o-2', 'o-2r'])).toEqual(before);
  });

  it('refuses a report without symbol, sequence or order (it goes to the DLQ, not the tables)', async () => {
    const good = testOrderEvent({ ...owner, orderId: 'o-3', sequence: 30n });
    for (const bad of [
      { ...good, symbol: '' },
      { ...good, sequence: 0n },
      { ...good, orderId: '' },
      { ...good, event: undefined },
    ]) {
      await expect(store.execute(bad)).rejects.toMatchObject({ code: 'GATEWAY_EVENT_INVALID' });
    }
    expect(await new OrdersRepository(stores.pg.db).get('o-3')).toBeNull();
  });
});
