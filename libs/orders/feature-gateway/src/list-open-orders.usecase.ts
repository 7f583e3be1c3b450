import type { orders } from '@meridian/contracts';
import type { OrdersRepository } from '@meridian/orders-data-access';
import { InvalidRequestReason, OrderRequestInvalidError } from '@meridian/orders-domain-pretrade';
import type { Principal } from './api-key.authenticator';
import { toOrderMessage } from './get-order.usecase';
import type { OrderEntryService } from './order-entry.service';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** ListOpenOrders: keyset pages of the account's live orders; the token is the last order id. */
export class ListOpenOrdersUseCase {
  constructor(
    private readonly entry: OrderEntryService,
    private readonly orders: OrdersRepository,
  ) {}

  async execute(
    principal: Principal,
    request: orders.ListOpenOrdersRequest,
  ): Promise<orders.ListOpenOrdersResponse> {
    this.entry.authorizeAccount(principal, request.accountId);
    if (request.symbol.length > 32)
      throw new OrderRequestInvalidError(InvalidRequestReason.INVALID_FIELD, 'symbol', 'too-long');
    const size = Math.min(request.pageSize === 0 ? DEFAULT_PAGE : request.pageSize, MAX_PAGE);
    let after = '';
    if (request.pageToken !== '') {
      after = Buffer.from(request.pageToken, 'base64url').toString('utf8');
      if (after.length === 0 || after.length > 64) {
        throw new OrderRequestInvalidError(
          InvalidRequestReason.INVALID_FIELD,
          'page_token',
          'malformed',
        );
      }
    }
    const page = await this.orders.listOpen(principal.accountId, request.symbol, after, size + 1);
    const shown = page.slice(0, size);
    const last = shown[shown.length - 1];
    return {
      orders: shown.map(toOrderMessage),
      nextPageToken:
        page.length > size && last !== undefined
          ? Buffer.from(last.orderId, 'utf8').toString('base64url')
          : '',
    };
  }
}
