import { type common, orders } from '@meridian/contracts';
import {
  ExecutionsRepository,
  type OrderTransition,
  OrdersRepository,
} from '@meridian/orders-data-access';
import type { Database, Queryable } from '@meridian/shared-persistence';
import { assertUsableEvent, type OrderEventHandler } from './order-events.consumer';

function dec(value: common.Decimal | undefined): string | undefined {
  return value === undefined || value.value === '' ? undefined : value.value;
}

/**
 * The order-store: keeps the order state machine (`orders`) and the executions ledger
 * (`executions`) in PostgreSQL from orders.events.v1. Idempotent: an order row changes only for a
 * sequence above its `last_sequence`, an execution is inserted once per execution id, and both
 * happen in one transaction, so a replayed or redelivered report changes nothing.
 */
export class RecordOrderEventUseCase implements OrderEventHandler {
  constructor(private readonly db: Database) {}

  async execute(event: orders.OrderEvent): Promise<void> {
    assertUsableEvent(event);
    await this.db.withTransaction((tx) => this.apply(tx, event));
  }

  private async apply(tx: Queryable, event: orders.OrderEvent): Promise<void> {
    const ordersRepo = new OrdersRepository(tx);
    const base: OrderTransition = {
      orderId: event.orderId,
      sequence: event.sequence,
      status: event.status,
      updatedAtUnixNanos: event.eventTimeUnixNanos,
    };
    const body = event.event;
    switch (body?.$case) {
      case 'accepted': {
        const terms = body.value.order ?? orders.NewOrder.fromPartial({});
        const inserted = await ordersRepo.insert({
          orderId: event.orderId,
          agentId: event.agentId,
          accountId: event.accountId,
          clientOrderId: event.clientOrderId,
          symbol: event.symbol,
          terms: orders.NewOrder.encode(terms).finish(),
          status: event.status,
          cumulativeQuantity: '0',
          leavesQuantity: dec(terms.quantity) ?? '0',
          averagePrice: null,
          createdAtUnixNanos: event.eventTimeUnixNanos,
          updatedAtUnixNanos: event.eventTimeUnixNanos,
          lastSequence: event.sequence,
        });
        if (!inserted) await ordersRepo.applyTransition(base);
        return;
      }
      case 'rejected':
        if (body.value.commandKind === orders.CommandKind.NEW_ORDER) {
          // The order never lived; keep it so GetOrder answers REJECTED for its ids.
          await ordersRepo.insert({
            orderId: event.orderId,
            agentId: event.agentId,
            accountId: event.accountId,
            clientOrderId: event.clientOrderId,
            symbol: event.symbol,
            terms: new Uint8Array(),
            status: event.status,
            cumulativeQuantity: '0',
            leavesQuantity: '0',
            averagePrice: null,
            createdAtUnixNanos: event.eventTimeUnixNanos,
            updatedAtUnixNanos: event.eventTimeUnixNanos,
            lastSequence: event.sequence,
          });
        } else {
          await ordersRepo.applyTransition(base);
        }
        return;
      case 'partiallyFilled':
      case 'filled': {
        const v = body.value;
        const leaves = body.$case === 'partiallyFilled' ? dec(body.value.leavesQuantity) : '0';
        await ordersRepo.applyTransition({
          ...base,
          ...optional('cumulativeQuantity', dec(v.cumulativeQuantity)),
          ...optional('leavesQuantity', leaves),
          ...optional('averagePrice', dec(v.averagePrice)),
        });
        const fill = v.fill;
        const price = dec(fill?.price);
        const quantity = dec(fill?.quantity);
        if (fill !== undefined && price !== undefined && quantity !== undefined) {
          await new ExecutionsRepository(tx).insert({
            executionId: fill.executionId,
            orderId: event.orderId,
            tradeId: fill.tradeId,
            symbol: event.symbol,
            sequence: event.sequence,
            price,
            quantity,
            liquidity: fill.liquidity,
            executedAtUnixNanos: event.eventTimeUnixNanos,
          });
        }
        return;
      }
      case 'canceled':
      case 'expired':
        await ordersRepo.applyTransition({
          ...base,
          leavesQuantity: '0',
          ...optional('cumulativeQuantity', dec(body.value.cumulativeQuantity)),
        });
        return;
      case 'replaced': {
        const current = await ordersRepo.get(event.orderId);
        const r = body.value;
        let terms: Uint8Array | undefined;
        if (current !== null && current.terms.length > 0) {
          const t = orders.NewOrder.decode(current.terms);
          if (r.quantity !== undefined) t.quantity = r.quantity;
          if (r.limitPrice !== undefined) t.limitPrice = r.limitPrice;
          if (r.stopPrice !== undefined) t.stopPrice = r.stopPrice;
          if (r.displayQuantity !== undefined) t.displayQuantity = r.displayQuantity;
          terms = orders.NewOrder.encode(t).finish();
        }
        await ordersRepo.applyTransition({
          ...base,
          ...optional('leavesQuantity', dec(r.leavesQuantity)),
          ...optional('terms', terms),
        });
        return;
      }
      default:
        // triggered (status only) and any case added later: the status still moves.
        await ordersRepo.applyTransition(base);
    }
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
