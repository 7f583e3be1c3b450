import type {
  OrdersRepository,
  PretradeRiskStore,
  ReserveOutcome,
} from '@meridian/orders-data-access';
import { InvalidRequestReason, OrderRequestInvalidError } from '@meridian/orders-domain-pretrade';
import type { Principal } from './api-key.authenticator';
import { OrderNotFoundError, OrderNotOpenError } from './gateway.error';
import { validateClientOrderId } from './order-request.validator';

export type OrderTarget =
  { $case: 'orderId'; value: string } | { $case: 'origClientOrderId'; value: string } | undefined;

const ORDER_ID = /^[\x21-\x7e]{1,64}$/;
const OPEN = new Set([0, 1, 2, 3]);

/** Finds the order a cancel or replace names, by order id or by the client id it was sent with. */
export class OrderTargetResolver {
  constructor(
    private readonly store: PretradeRiskStore,
    private readonly orders: OrdersRepository,
  ) {}

  async resolve(
    principal: Principal,
    target: OrderTarget,
  ): Promise<{ orderId: string; origClientOrderId: string }> {
    if (target === undefined) {
      throw new OrderRequestInvalidError(
        InvalidRequestReason.INVALID_FIELD,
        'target',
        'missing',
        'give order_id or orig_client_order_id',
      );
    }
    if (target.$case === 'orderId') {
      if (!ORDER_ID.test(target.value))
        throw new OrderRequestInvalidError(
          InvalidRequestReason.INVALID_FIELD,
          'order_id',
          'malformed',
        );
      return { orderId: target.value, origClientOrderId: '' };
    }
    validateClientOrderId(target.value, 'orig_client_order_id');
    const hot = await this.store.getIdempotency(principal.agentId, target.value);
    if (hot !== null) {
      const parsed: unknown = JSON.parse(hot);
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        'o' in parsed &&
        typeof parsed.o === 'string'
      ) {
        return { orderId: parsed.o, origClientOrderId: target.value };
      }
    }
    const stored = await this.orders.findByClientOrderId(principal.agentId, target.value);
    if (stored === null) throw new OrderNotFoundError(target.value);
    return { orderId: stored.orderId, origClientOrderId: target.value };
  }

  /**
   * Runs a reservation against the order; when Redis no longer tracks it, PostgreSQL decides:
   * unknown -> NOT_FOUND, finished -> ORDER_NOT_OPEN, open -> reserve without the order check.
   */
  async reserveAgainst(
    principal: Principal,
    orderId: string,
    run: (skipOrderCheck: boolean) => Promise<ReserveOutcome>,
  ): Promise<ReserveOutcome> {
    const outcome = await run(false);
    if (outcome.kind !== 'no-order') return outcome;
    const stored = await this.orders.findById(principal.accountId, orderId);
    if (stored === null) throw new OrderNotFoundError(orderId);
    if (!OPEN.has(stored.status)) throw new OrderNotOpenError(orderId);
    return run(true);
  }
}
