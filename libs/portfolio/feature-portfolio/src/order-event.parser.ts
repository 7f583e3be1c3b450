import { common, type marketdata, orders } from '@meridian/contracts';
import {
  divRoundHalfEven,
  type FillInput,
  parseFixed,
  PRICE_SCALE,
} from '@meridian/portfolio-domain';
import type { OpenOrder } from '@meridian/portfolio-data-access';
import { OrderEventInvalidError, TickInvalidError } from './portfolio.error';

/** What an execution report means to the portfolio. */
export type PortfolioOrderEvent =
  | { readonly kind: 'accepted'; readonly order: OpenOrder }
  | {
      readonly kind: 'fill';
      readonly orderId: string;
      /** The fill without its side (that comes from the order). */
      readonly fill: Omit<FillInput, 'side'>;
      /** The order is complete after this fill. */
      readonly terminal: boolean;
    }
  | { readonly kind: 'terminal'; readonly orderId: string }
  | { readonly kind: 'ignored' };

const TERMINAL: ReadonlySet<orders.OrderStatus> = new Set([
  orders.OrderStatus.FILLED,
  orders.OrderStatus.CANCELED,
  orders.OrderStatus.REJECTED,
  orders.OrderStatus.EXPIRED,
]);

function liquidityOf(liquidity: orders.Liquidity): FillInput['liquidity'] {
  if (liquidity === orders.Liquidity.MAKER) return 'maker';
  if (liquidity === orders.Liquidity.TAKER) return 'taker';
  return 'unspecified';
}

/**
 * Interprets an OrderEvent like the order-store's ledger does (record-order-event.usecase.ts):
 * a `partiallyFilled` or `filled` event with a fill is one execution (execution id, last
 * quantity, last price, liquidity) of the event's account; OrderAccepted carries the side.
 * Throws OrderEventInvalidError for a report that cannot be used.
 */
export function parseOrderEvent(event: orders.OrderEvent): PortfolioOrderEvent {
  const body = event.event;
  const terminal = TERMINAL.has(event.status);
  switch (body?.$case) {
    case 'accepted': {
      const side = body.value.order?.side;
      if (side !== common.Side.BUY && side !== common.Side.SELL)
        throw new OrderEventInvalidError(event.eventId, 'accepted order has no side');
      if (event.accountId === '' || event.orderId === '' || event.symbol === '')
        throw new OrderEventInvalidError(
          event.eventId,
          'accepted order lacks account, order id or symbol',
        );
      return {
        kind: 'accepted',
        order: { orderId: event.orderId, accountId: event.accountId, symbol: event.symbol, side },
      };
    }
    case 'partiallyFilled':
    case 'filled': {
      const fill = body.value.fill;
      const price = fill?.price?.value ?? '';
      const quantity = fill?.quantity?.value ?? '';
      if (fill === undefined || price === '' || quantity === '')
        throw new OrderEventInvalidError(
          event.eventId,
          'fill event without fill price and quantity',
        );
      return {
        kind: 'fill',
        orderId: event.orderId,
        terminal,
        fill: {
          executionId: fill.executionId,
          accountId: event.accountId,
          symbol: event.symbol,
          quantity,
          price,
          liquidity: liquidityOf(fill.liquidity),
          sequence: event.sequence,
          executedAtUnixNanos: event.eventTimeUnixNanos,
        },
      };
    }
    default:
      return terminal ? { kind: 'terminal', orderId: event.orderId } : { kind: 'ignored' };
  }
}

/**
 * The mark of a tick (price scale 8): its last trade price, else the mid of bid and ask (half-even
 * at 8 places), else null (a tick with neither carries no price). Throws TickInvalidError for a
 * malformed or non-positive price.
 */
export function markPriceOf(tick: marketdata.Tick): bigint | null {
  const parse = (d: common.Decimal | undefined, field: string): bigint | null => {
    const v = d?.value ?? '';
    if (v === '') return null;
    let price: bigint;
    try {
      price = parseFixed(v, PRICE_SCALE, field);
    } catch (error) {
      throw new TickInvalidError(
        tick.symbol,
        error instanceof Error ? error.message : String(error),
      );
    }
    if (price <= 0n) throw new TickInvalidError(tick.symbol, `${field} must be > 0`);
    return price;
  };
  if (tick.symbol === '') throw new TickInvalidError('(empty)', 'symbol is empty');
  const last = parse(tick.lastPrice, 'last_price');
  if (last !== null) return last;
  const bid = parse(tick.bidPrice, 'bid_price');
  const ask = parse(tick.askPrice, 'ask_price');
  if (bid === null || ask === null) return null;
  return divRoundHalfEven(bid + ask, 2n);
}
