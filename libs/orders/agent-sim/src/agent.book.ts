import { common, orders } from '@meridian/contracts';
import {
  addDecimals,
  compareDecimals,
  multiplyDecimals,
  subtractDecimals,
} from '@meridian/orders-client';

/** One order of the agent as far as it knows (from its own requests and execution reports). */
export interface SimOrder {
  readonly clientOrderId: string;
  /** Assigned by the gateway: from the ack or the first report, whichever comes first. */
  orderId: string | undefined;
  /** What the strategy called it, e.g. `bid` / `ask`. */
  readonly tag: string;
  readonly side: common.Side;
  readonly orderType: orders.OrderType;
  readonly timeInForce: orders.TimeInForce;
  quantity: string;
  limitPrice: string | undefined;
  /** Open quantity (quantity minus fills) after the last report. */
  leaves: string;
  status: orders.OrderStatus;
  /** A cancel or replace was sent and its report has not arrived yet. */
  pendingCommand: boolean;
}

const OPEN_STATUSES: ReadonlySet<orders.OrderStatus> = new Set([
  orders.OrderStatus.UNSPECIFIED, // sent, not yet reported
  orders.OrderStatus.NEW,
  orders.OrderStatus.PARTIALLY_FILLED,
  orders.OrderStatus.PENDING_TRIGGER,
]);

/**
 * The agent's own view: its orders, position and cash, built only from what it sent and the
 * execution reports it received (exact decimal strings, never floats).
 */
export class AgentBook {
  /** Net position in instrument units (positive long). */
  position = '0';
  /** Cash from fills: sells add price × quantity, buys subtract it. */
  cash = '0';
  fills = 0;
  /** Price of the most recent fill of this agent, if any. */
  lastFillPrice: string | undefined;
  /** The fill before the last one (momentum compares both). */
  previousFillPrice: string | undefined;
  /** Rejection reports by reason name, e.g. `RISK_LIMIT_EXCEEDED`. */
  readonly rejections = new Map<string, number>();

  private readonly byClientId = new Map<string, SimOrder>();
  private readonly byOrderId = new Map<string, SimOrder>();

  /** Records a new order being sent. */
  added(order: Omit<SimOrder, 'orderId' | 'leaves' | 'status' | 'pendingCommand'>): SimOrder {
    const entry: SimOrder = {
      ...order,
      orderId: undefined,
      leaves: order.quantity,
      status: orders.OrderStatus.UNSPECIFIED,
      pendingCommand: false,
    };
    this.byClientId.set(order.clientOrderId, entry);
    return entry;
  }

  /** The gateway acknowledged the order with its id. */
  acknowledged(clientOrderId: string, orderId: string): void {
    const order = this.byClientId.get(clientOrderId);
    if (order === undefined) return;
    order.orderId = orderId;
    this.byOrderId.set(orderId, order);
  }

  /** The gateway refused the order outright (no report will come). */
  refused(clientOrderId: string): void {
    const order = this.byClientId.get(clientOrderId);
    if (order !== undefined) order.status = orders.OrderStatus.REJECTED;
  }

  /** A cancel or replace of `orderId` was sent (true) or failed at the gateway (false). */
  markPending(orderId: string, pending: boolean): void {
    const order = this.byOrderId.get(orderId);
    if (order !== undefined) order.pendingCommand = pending;
  }

  get(orderId: string): SimOrder | undefined {
    return this.byOrderId.get(orderId);
  }

  byClientOrderId(clientOrderId: string): SimOrder | undefined {
    return this.byClientId.get(clientOrderId);
  }

  /** Live orders (sent or resting), oldest first. */
  openOrders(): SimOrder[] {
    return [...this.byClientId.values()].filter((o) => OPEN_STATUSES.has(o.status));
  }

  /** The live order tagged `tag`, if any. */
  openWithTag(tag: string): SimOrder | undefined {
    return this.openOrders().find((o) => o.tag === tag);
  }

  /** Applies one execution report; returns the order it belongs to (undefined: not ours). */
  apply(event: orders.OrderEvent): SimOrder | undefined {
    let order = this.byOrderId.get(event.orderId);
    if (order === undefined) {
      order = this.byClientId.get(event.clientOrderId);
      if (order === undefined) return undefined;
      if (event.orderId !== '') {
        order.orderId = event.orderId;
        this.byOrderId.set(event.orderId, order);
      }
    }
    const body = event.event;
    switch (body?.$case) {
      case 'partiallyFilled':
      case 'filled': {
        const fill = body.value.fill;
        if (fill?.price !== undefined && fill.quantity !== undefined) {
          this.onFill(order.side, fill.price.value, fill.quantity.value);
          order.leaves = subtractDecimals(order.leaves, fill.quantity.value);
        }
        break;
      }
      case 'replaced':
        order.pendingCommand = false;
        if (body.value.quantity !== undefined) order.quantity = body.value.quantity.value;
        if (body.value.leavesQuantity !== undefined) order.leaves = body.value.leavesQuantity.value;
        if (body.value.limitPrice !== undefined) order.limitPrice = body.value.limitPrice.value;
        break;
      case 'canceled':
        order.pendingCommand = false;
        break;
      case 'rejected': {
        order.pendingCommand = false;
        const reason = orders.rejectReasonToJSON(body.value.reason).replace('REJECT_REASON_', '');
        this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
        break;
      }
      default:
        break;
    }
    // A rejected cancel/replace leaves the order as it was: its status comes with the report.
    if (event.status !== orders.OrderStatus.UNSPECIFIED) order.status = event.status;
    return order;
  }

  /** Realized plus marked profit at `markPrice`: cash + position × mark. */
  pnlAt(markPrice: string): string {
    return addDecimals(this.cash, multiplyDecimals(this.position, markPrice));
  }

  /** Whether the position is at least `limit` long (side BUY) or short (side SELL). */
  atLimit(side: common.Side, limit: string): boolean {
    const short = limit === '0' ? '0' : `-${limit}`;
    return side === common.Side.BUY
      ? compareDecimals(this.position, limit) >= 0
      : compareDecimals(this.position, short) <= 0;
  }

  private onFill(side: common.Side, price: string, quantity: string): void {
    this.fills += 1;
    this.previousFillPrice = this.lastFillPrice;
    this.lastFillPrice = price;
    const notional = multiplyDecimals(price, quantity);
    if (side === common.Side.BUY) {
      this.position = addDecimals(this.position, quantity);
      this.cash = subtractDecimals(this.cash, notional);
    } else {
      this.position = subtractDecimals(this.position, quantity);
      this.cash = addDecimals(this.cash, notional);
    }
  }
}
