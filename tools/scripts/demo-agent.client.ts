/**
 * The demo's reference agent: what any trading agent does over the public gRPC API
 * (docs/api.md) with the TypeScript client @meridian/orders-client — an API key in the
 * `x-api-key` metadata, order entry, and its execution reports on a resumable stream.
 */
import { common, orders } from '@meridian/contracts';
import {
  type ExecutionReportStream,
  OrderClient,
  toMeridianClientError,
} from '@meridian/orders-client';

/** One execution of one of the agent's orders, as its execution-report stream delivered it. */
export interface AgentFill {
  readonly symbol: string;
  readonly side: common.Side;
  readonly quantity: string;
  readonly price: string;
  readonly orderId: string;
  readonly liquidity: orders.Liquidity;
}

/** A failed call, decoded the way a client should branch on it: status + ErrorInfo.reason. */
export interface CallFailure {
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** First 8 characters of a UUID; the last 8 digits of a numeric id (its prefix is the clock). */
export const shortId = (id: string): string =>
  /^[0-9]+$/.test(id) ? id.slice(-8) : id.slice(0, 8);
export const sideName = (side: common.Side): string => common.sideToJSON(side).replace('SIDE_', '');
export const statusName = (s: orders.OrderStatus): string =>
  orders.orderStatusToJSON(s).replace('ORDER_STATUS_', '');

const TERMINAL = new Set([
  orders.OrderStatus.FILLED,
  orders.OrderStatus.CANCELED,
  orders.OrderStatus.REJECTED,
  orders.OrderStatus.EXPIRED,
]);

export function isTerminal(s: orders.OrderStatus | undefined): boolean {
  return s !== undefined && TERMINAL.has(s);
}

/** Decodes the google.rpc.Status trailer the gateway attaches to every error. */
export function describeFailure(error: unknown): CallFailure {
  const failure = toMeridianClientError(error);
  return {
    status: failure.codeName,
    reason: failure.hasErrorInfo ? failure.reason : '(no ErrorInfo)',
    message: failure.message,
    metadata: failure.metadata,
  };
}

export interface DemoAgentOptions {
  /** Shown in front of every printed report, e.g. `A maker`. */
  readonly label: string;
  readonly agentId: string;
  readonly accountId: string;
  readonly apiKey: string;
  /** host:port of the order gateway. */
  readonly address: string;
  readonly print: (line: string) => void;
}

/**
 * A trading agent: sends orders and keeps what its execution reports say (last status per order,
 * the fills). Waiting is event-driven: `until` re-checks its condition on every report.
 */
export class DemoAgent {
  readonly fills: AgentFill[] = [];
  /** Every order the agent submitted, in order: order id -> client order id. */
  readonly submitted = new Map<string, string>();
  private readonly lastStatus = new Map<string, orders.OrderStatus>();
  private readonly kinds = new Map<string, string[]>();
  private readonly rejections = new Map<string, string>();
  private readonly cumulative = new Map<string, string>();
  private readonly sides = new Map<string, common.Side>();
  private readonly client: OrderClient;
  private readonly streams: ExecutionReportStream[] = [];
  private readonly waiters = new Set<() => void>();
  private streamError: Error | undefined;

  constructor(private readonly options: DemoAgentOptions) {
    this.client = new OrderClient({ address: options.address, apiKey: options.apiKey });
  }

  get label(): string {
    return this.options.label;
  }

  get accountId(): string {
    return this.options.accountId;
  }

  /**
   * One stream per symbol, replayed from sequence 1: the gateway sends the logged reports first
   * and then live ones without gap or duplicate, so nothing is missed however late the stream
   * is subscribed relative to the first order.
   */
  openStreams(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      // Reconnects (from the last sequence + 1) by itself; ends only on a refusal or close().
      const stream = this.client.executionReports({ symbol, startAt: 1n });
      this.streams.push(stream);
      void (async () => {
        try {
          for await (const event of stream) this.onReport(event);
        } catch (error) {
          this.streamError = new Error(
            `${this.options.label}: execution-report stream of ${symbol} failed: ${JSON.stringify(describeFailure(error))}`,
          );
          this.wake();
        }
      })();
    }
  }

  async submit(
    clientOrderId: string,
    symbol: string,
    order: Partial<orders.NewOrder>,
  ): Promise<string> {
    const response = await this.client.submitOrder({ clientOrderId, symbol, order });
    this.submitted.set(response.orderId, clientOrderId);
    if (order.side !== undefined) this.sides.set(response.orderId, order.side);
    return response.orderId;
  }

  async replace(
    clientOrderId: string,
    symbol: string,
    orderId: string,
    replacement: Partial<orders.ReplaceOrder>,
  ): Promise<void> {
    await this.client.replaceOrder({
      clientOrderId,
      symbol,
      target: { orderId },
      ...(replacement.quantity === undefined ? {} : { quantity: replacement.quantity.value }),
      ...(replacement.limitPrice === undefined ? {} : { limitPrice: replacement.limitPrice.value }),
    });
  }

  async cancel(clientOrderId: string, symbol: string, orderId: string): Promise<void> {
    await this.client.cancelOrder({ clientOrderId, symbol, target: { orderId } });
  }

  getOrder(orderId: string): Promise<orders.Order> {
    return this.client.getOrder({ orderId });
  }

  listOpenOrders(): Promise<orders.Order[]> {
    return this.client.listOpenOrders();
  }

  /** The order's status according to the last execution report received (undefined: none yet). */
  statusOf(orderId: string): orders.OrderStatus | undefined {
    return this.lastStatus.get(orderId);
  }

  /** The kinds of report received for the order so far, e.g. `['accepted', 'replaced']`. */
  reports(orderId: string): readonly string[] {
    return this.kinds.get(orderId) ?? [];
  }

  /** Cumulative filled quantity of the order after its last fill report ('0' before any). */
  cumulativeOf(orderId: string): string {
    return this.cumulative.get(orderId) ?? '0';
  }

  /** `REASON: text` of the order's last OrderRejected report, if any. */
  rejectionOf(orderId: string): string | undefined {
    return this.rejections.get(orderId);
  }

  /** Resolves once `condition` holds (checked now and after every report); rejects after `timeoutMs`. */
  until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        try {
          if (this.streamError !== undefined) finish(this.streamError);
          else if (condition()) finish();
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const timer = setTimeout(
        () => finish(new Error(`${this.options.label}: no ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    for (const stream of this.streams) stream.close();
    this.client.close();
  }

  private onReport(event: orders.OrderEvent): void {
    this.lastStatus.set(event.orderId, event.status);
    const body = event.event;
    this.kinds.set(event.orderId, [...this.reports(event.orderId), body?.$case ?? 'none']);
    const who = `  ${this.options.label.padEnd(8)} ${event.symbol.padEnd(8)}`;
    const order = `order ${shortId(event.orderId)}`;
    switch (body?.$case) {
      case 'accepted': {
        const o = body.value.order;
        if (o !== undefined) this.sides.set(event.orderId, o.side);
        const price = o?.limitPrice === undefined ? 'market' : `@ ${o.limitPrice.value}`;
        this.options.print(
          `${who} accepted  ${sideName(o?.side ?? 0).padEnd(4)} ${o?.quantity?.value ?? '?'} ${price}  ${order}`,
        );
        break;
      }
      case 'partiallyFilled':
      case 'filled': {
        const fill = body.value.fill;
        if (fill === undefined) break;
        const side = this.sides.get(event.orderId) ?? common.Side.UNSPECIFIED;
        const recorded: AgentFill = {
          symbol: event.symbol,
          side,
          quantity: fill.quantity?.value ?? '0',
          price: fill.price?.value ?? '0',
          orderId: event.orderId,
          liquidity: fill.liquidity,
        };
        this.fills.push(recorded);
        this.cumulative.set(event.orderId, body.value.cumulativeQuantity?.value ?? '0');
        const liquidity = orders.liquidityToJSON(fill.liquidity).replace('LIQUIDITY_', '');
        this.options.print(
          `${who} FILL      ${sideName(side).padEnd(4)} ${recorded.quantity} @ ${recorded.price}  ${order}  ${liquidity.toLowerCase()}, cum ${body.value.cumulativeQuantity?.value ?? '?'}, ${statusName(event.status)}`,
        );
        break;
      }
      case 'replaced':
        this.options.print(
          `${who} replaced  now ${body.value.quantity?.value ?? '?'} @ ${body.value.limitPrice?.value ?? '?'} (leaves ${body.value.leavesQuantity?.value ?? '?'}, priority ${body.value.priorityRetained ? 'kept' : 'lost'})  ${order}`,
        );
        break;
      case 'canceled':
        this.options.print(
          `${who} canceled  ${body.value.canceledQuantity?.value ?? '?'} (${orders.cancelReasonToJSON(body.value.reason).replace('CANCEL_REASON_', '').toLowerCase()})  ${order}`,
        );
        break;
      case 'rejected': {
        const reason = `${orders.rejectReasonToJSON(body.value.reason).replace('REJECT_REASON_', '')}: ${body.value.text}`;
        this.rejections.set(event.orderId, reason);
        this.options.print(`${who} rejected  ${reason}  ${order}`);
        break;
      }
      default:
        this.options.print(`${who} ${body?.$case ?? 'report'}  ${order}`);
    }
    this.wake();
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }
}
