import { orders } from '@meridian/contracts';
import type { OrderRecord, OrdersRepository } from '@meridian/orders-data-access';
import { InvalidRequestReason, OrderRequestInvalidError } from '@meridian/orders-domain-pretrade';
import type { Principal } from './api-key.authenticator';
import { OrderNotFoundError } from './gateway.error';
import type { OrderEntryService } from './order-entry.service';

/** The stored order as the API shows it. */
export function toOrderMessage(record: OrderRecord): orders.Order {
  return orders.Order.fromPartial({
    orderId: record.orderId,
    clientOrderId: record.clientOrderId,
    accountId: record.accountId,
    agentId: record.agentId,
    symbol: record.symbol,
    terms: orders.NewOrder.decode(record.terms),
    status: record.status,
    cumulativeQuantity: { value: record.cumulativeQuantity },
    leavesQuantity: { value: record.leavesQuantity },
    ...(record.averagePrice === null ? {} : { averagePrice: { value: record.averagePrice } }),
    createdAtUnixNanos: record.createdAtUnixNanos,
    updatedAtUnixNanos: record.updatedAtUnixNanos,
    lastSequence: record.lastSequence,
  });
}

/** GetOrder: one of the caller's account's orders, by order id or by the caller's client id. */
export class GetOrderUseCase {
  constructor(
    private readonly entry: OrderEntryService,
    private readonly orders: OrdersRepository,
  ) {}

  async execute(
    principal: Principal,
    request: orders.GetOrderRequest,
  ): Promise<orders.GetOrderResponse> {
    this.entry.authorizeAccount(principal, request.accountId);
    const target = request.target;
    if (target === undefined || target.value.length === 0 || target.value.length > 64) {
      throw new OrderRequestInvalidError(
        InvalidRequestReason.INVALID_FIELD,
        'target',
        target === undefined ? 'missing' : 'malformed',
      );
    }
    const record =
      target.$case === 'orderId'
        ? await this.orders.findById(principal.accountId, target.value)
        : await this.orders.findByClientOrderId(principal.agentId, target.value);
    if (record === null || record.accountId !== principal.accountId)
      throw new OrderNotFoundError(target.value);
    return { order: toOrderMessage(record) };
  }
}
