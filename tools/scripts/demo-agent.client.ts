/**
 * The demo's reference agent: what any trading agent does over the public gRPC API
 * (docs/api.md) with the generated grpc-js client of @meridian/contracts — an API key in the
 * `x-api-key` metadata, order entry, and its execution reports on StreamExecutionReports.
 */
import {
  credentials,
  Metadata,
  type ClientReadableStream,
  type ServiceError,
  status as grpcStatus,
} from '@grpc/grpc-js';
import { common, googleRpc, orders } from '@meridian/contracts';

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

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/** Decodes the google.rpc.Status trailer the gateway attaches to every error. */
export function describeFailure(error: unknown): CallFailure {
  if (!isServiceError(error))
    return {
      status: 'UNKNOWN',
      reason: '?',
      message: error instanceof Error ? error.message : String(error),
      metadata: {},
    };
  const raw = error.metadata?.get('grpc-status-details-bin')[0];
  let info: googleRpc.ErrorInfo | undefined;
  if (raw instanceof Buffer) {
    const detail = googleRpc.Status.decode(raw).details.find(
      (d) => d.typeUrl === 'type.googleapis.com/google.rpc.ErrorInfo',
    );
    if (detail !== undefined) info = googleRpc.ErrorInfo.decode(detail.value);
  }
  return {
    status: grpcStatus[error.code] ?? String(error.code),
    reason: info?.reason ?? '(no ErrorInfo)',
    message: error.details,
    metadata: info?.metadata ?? {},
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
  private readonly client: orders.OrderServiceClient;
  private readonly streams: ClientReadableStream<orders.StreamExecutionReportsResponse>[] = [];
  private readonly waiters = new Set<() => void>();
  private streamError: Error | undefined;
  private closing = false;

  constructor(private readonly options: DemoAgentOptions) {
    this.client = new orders.OrderServiceClient(options.address, credentials.createInsecure());
  }

  get label(): string {
    return this.options.label;
  }

  /**
   * One stream per symbol, replayed from sequence 1: the gateway sends the logged reports first
   * and then live ones without gap or duplicate, so nothing is missed however late the stream
   * is subscribed relative to the first order.
   */
  openStreams(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      const stream = this.client.streamExecutionReports(
        orders.StreamExecutionReportsRequest.fromPartial({ symbol, fromSequence: 1n }),
        this.metadata(),
      );
      stream.on('data', (message: orders.StreamExecutionReportsResponse) => {
        if (message.event !== undefined) this.onReport(message.event);
      });
      stream.on('error', (error: Error) => {
        if (this.closing && describeFailure(error).status === 'CANCELLED') return;
        this.streamError = new Error(
          `${this.options.label}: execution-report stream of ${symbol} failed: ${JSON.stringify(describeFailure(error))}`,
        );
        this.wake();
      });
      this.streams.push(stream);
    }
  }

  async submit(
    clientOrderId: string,
    symbol: string,
    order: Partial<orders.NewOrder>,
  ): Promise<string> {
    const response = await this.unary<orders.SubmitOrderResponse>((metadata, callback) =>
      this.client.submitOrder(
        orders.SubmitOrderRequest.fromPartial({ clientOrderId, symbol, order }),
        metadata,
        callback,
      ),
    );
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
    await this.unary<orders.ReplaceOrderResponse>((metadata, callback) =>
      this.client.replaceOrder(
        orders.ReplaceOrderRequest.fromPartial({
          clientOrderId,
          symbol,
          target: { $case: 'orderId', value: orderId },
          replacement,
        }),
        metadata,
        callback,
      ),
    );
  }

  async cancel(clientOrderId: string, symbol: string, orderId: string): Promise<void> {
    await this.unary<orders.CancelOrderResponse>((metadata, callback) =>
      this.client.cancelOrder(
        orders.CancelOrderRequest.fromPartial({
          clientOrderId,
          symbol,
          target: { $case: 'orderId', value: orderId },
        }),
        metadata,
        callback,
      ),
    );
  }

  async getOrder(orderId: string): Promise<orders.Order> {
    const response = await this.unary<orders.GetOrderResponse>((metadata, callback) =>
      this.client.getOrder(
        orders.GetOrderRequest.fromPartial({ target: { $case: 'orderId', value: orderId } }),
        metadata,
        callback,
      ),
    );
    if (response.order === undefined) throw new Error(`GetOrder ${orderId}: empty response`);
    return response.order;
  }

  async listOpenOrders(): Promise<orders.Order[]> {
    const all: orders.Order[] = [];
    let pageToken = '';
    do {
      const page = await this.unary<orders.ListOpenOrdersResponse>((metadata, callback) =>
        this.client.listOpenOrders(
          orders.ListOpenOrdersRequest.fromPartial({ pageToken }),
          metadata,
          callback,
        ),
      );
      all.push(...page.orders);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return all;
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
    this.closing = true;
    for (const stream of this.streams) stream.cancel();
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

  private metadata(): Metadata {
    const metadata = new Metadata();
    metadata.set('x-api-key', this.options.apiKey);
    return metadata;
  }

  private unary<T>(
    call: (metadata: Metadata, callback: (error: ServiceError | null, response: T) => void) => void,
  ): Promise<T> {
    return new Promise((resolve, reject) =>
      call(this.metadata(), (error, response) => (error ? reject(error) : resolve(response))),
    );
  }
}
