import { randomUUID } from 'node:crypto';
import { type common, grpcHealth, orders } from '@meridian/contracts';
import { credentials as grpcCredentials, Metadata } from '@grpc/grpc-js';
import {
  type CallerOptions,
  type CallSettings,
  clientOptionsOf,
  type ConnectionOptions,
  credentialsOf,
  UnaryCaller,
} from './connection';
import { decimal } from './decimal';
import {
  ExecutionReportStream,
  type ExecutionReportStreamOptions,
} from './execution-report.stream';

/** The gRPC service name, as grpc.health.v1 knows it. */
export const ORDER_SERVICE_NAME = 'meridian.orders.v1.OrderService';

export interface OrderClientOptions extends ConnectionOptions, CallerOptions {}

/** Names the order a cancel or replace applies to: exactly one of both. */
export type OrderTarget = { readonly orderId: string } | { readonly origClientOrderId: string };

/** A SubmitOrderRequest whose order terms may be partial (absent = proto default). */
export type SubmitOrderInput = Omit<Partial<orders.SubmitOrderRequest>, 'order'> & {
  readonly order?: Partial<orders.NewOrder>;
};

export interface SubmitResult extends orders.SubmitOrderResponse {
  /** The idempotency key that was sent (generated when the caller gave none). */
  readonly clientOrderId: string;
}

export interface LimitOrderInput {
  /** Idempotency key; generated when absent. Reuse it to retry after an unknown outcome. */
  readonly clientOrderId?: string;
  readonly symbol: string;
  readonly side: common.Side;
  /** Decimal string on the instrument's lot grid, e.g. `"100"`. */
  readonly quantity: string;
  /** Decimal string on the instrument's tick grid, e.g. `"190.25"`. */
  readonly limitPrice: string;
  /** Default GTC. */
  readonly timeInForce?: orders.TimeInForce;
  readonly postOnly?: boolean;
  readonly selfTradePrevention?: orders.SelfTradePrevention;
  readonly displayQuantity?: string;
}

export interface MarketOrderInput {
  readonly clientOrderId?: string;
  readonly symbol: string;
  readonly side: common.Side;
  readonly quantity: string;
  /** IOC (default) or FOK. */
  readonly timeInForce?: orders.TimeInForce;
}

export interface CancelInput {
  readonly clientOrderId?: string;
  readonly symbol: string;
  readonly target: OrderTarget;
}

export interface ReplaceInput {
  readonly clientOrderId?: string;
  readonly symbol: string;
  readonly target: OrderTarget;
  /** New total quantity (absent: unchanged). */
  readonly quantity?: string;
  readonly limitPrice?: string;
  readonly stopPrice?: string;
  readonly displayQuantity?: string;
}

export interface CommandResult {
  readonly orderId: string;
  readonly commandId: string;
  readonly clientOrderId: string;
}

/** A fresh client order id: `<prefix>-<uuid>` (≤ 64 printable ASCII characters). */
export function newClientOrderId(prefix = 'c'): string {
  const id = `${prefix}-${randomUUID()}`;
  if (id.length > 64) throw new RangeError(`client order id prefix too long: ${prefix}`);
  return id;
}

function targetOf(target: OrderTarget): orders.CancelOrderRequest['target'] {
  return 'orderId' in target
    ? { $case: 'orderId', value: target.orderId }
    : { $case: 'origClientOrderId', value: target.origClientOrderId };
}

const optionalDecimal = (value: string | undefined): common.Decimal | undefined =>
  value === undefined ? undefined : decimal(value);

/**
 * OrderService for one agent (one API key), the TypeScript counterpart of
 * clients/python/meridian_client.py. Every call carries the key in `x-api-key` metadata and a
 * deadline; failures are MeridianClientError with the gateway's ErrorInfo reason. Submit, cancel
 * and replace are retried after UNAVAILABLE / DEADLINE_EXCEEDED with the same client_order_id,
 * which the gateway de-duplicates, so a retry never trades twice.
 */
export class OrderClient {
  private readonly client: orders.OrderServiceClient;
  private readonly caller: UnaryCaller;

  constructor(private readonly options: OrderClientOptions) {
    this.client = new orders.OrderServiceClient(
      options.address,
      credentialsOf(options),
      clientOptionsOf(options),
    );
    this.caller = new UnaryCaller(options);
  }

  /** Submits any order (the request as is, no client-side checks beyond the proto types). */
  async submitOrder(request: SubmitOrderInput, settings?: CallSettings): Promise<SubmitResult> {
    const full = orders.SubmitOrderRequest.fromPartial({
      ...request,
      clientOrderId:
        request.clientOrderId === undefined || request.clientOrderId === ''
          ? newClientOrderId()
          : request.clientOrderId,
    });
    const response = await this.caller.call(
      'SubmitOrder',
      this.client.submitOrder.bind(this.client),
      full,
      settings,
    );
    return { ...response, clientOrderId: full.clientOrderId };
  }

  /** A LIMIT order (GTC unless told otherwise). */
  async submitLimit(input: LimitOrderInput, settings?: CallSettings): Promise<SubmitResult> {
    return this.submitOrder(
      {
        ...(input.clientOrderId === undefined ? {} : { clientOrderId: input.clientOrderId }),
        symbol: input.symbol,
        order: orders.NewOrder.fromPartial({
          side: input.side,
          orderType: orders.OrderType.LIMIT,
          timeInForce: input.timeInForce ?? orders.TimeInForce.GTC,
          quantity: decimal(input.quantity),
          limitPrice: decimal(input.limitPrice),
          displayQuantity: optionalDecimal(input.displayQuantity),
          postOnly: input.postOnly ?? false,
          selfTradePrevention: input.selfTradePrevention ?? orders.SelfTradePrevention.UNSPECIFIED,
        }),
      },
      settings,
    );
  }

  /** A MARKET order (IOC unless FOK is asked for). */
  async submitMarket(input: MarketOrderInput, settings?: CallSettings): Promise<SubmitResult> {
    return this.submitOrder(
      {
        ...(input.clientOrderId === undefined ? {} : { clientOrderId: input.clientOrderId }),
        symbol: input.symbol,
        order: orders.NewOrder.fromPartial({
          side: input.side,
          orderType: orders.OrderType.MARKET,
          timeInForce: input.timeInForce ?? orders.TimeInForce.IOC,
          quantity: decimal(input.quantity),
        }),
      },
      settings,
    );
  }

  /** Requests a cancel; the outcome arrives as an OrderCanceled or OrderRejected report. */
  async cancelOrder(input: CancelInput, settings?: CallSettings): Promise<CommandResult> {
    const clientOrderId = input.clientOrderId ?? newClientOrderId('x');
    const response = await this.caller.call(
      'CancelOrder',
      this.client.cancelOrder.bind(this.client),
      orders.CancelOrderRequest.fromPartial({
        clientOrderId,
        symbol: input.symbol,
        target: targetOf(input.target),
      }),
      settings,
    );
    return { ...response, clientOrderId };
  }

  /** Requests new terms; absent terms stay. The outcome arrives as OrderReplaced/OrderRejected. */
  async replaceOrder(input: ReplaceInput, settings?: CallSettings): Promise<CommandResult> {
    const clientOrderId = input.clientOrderId ?? newClientOrderId('r');
    const response = await this.caller.call(
      'ReplaceOrder',
      this.client.replaceOrder.bind(this.client),
      orders.ReplaceOrderRequest.fromPartial({
        clientOrderId,
        symbol: input.symbol,
        target: targetOf(input.target),
        replacement: orders.ReplaceOrder.fromPartial({
          quantity: optionalDecimal(input.quantity),
          limitPrice: optionalDecimal(input.limitPrice),
          stopPrice: optionalDecimal(input.stopPrice),
          displayQuantity: optionalDecimal(input.displayQuantity),
        }),
      }),
      settings,
    );
    return { ...response, clientOrderId };
  }

  /** The order's state as the order-store has it (by order id or the client order id). */
  async getOrder(
    target: { readonly orderId: string } | { readonly clientOrderId: string },
    settings?: CallSettings,
  ): Promise<orders.Order> {
    const response = await this.caller.call(
      'GetOrder',
      this.client.getOrder.bind(this.client),
      orders.GetOrderRequest.fromPartial({
        target:
          'orderId' in target
            ? { $case: 'orderId', value: target.orderId }
            : { $case: 'clientOrderId', value: target.clientOrderId },
      }),
      settings,
    );
    if (response.order === undefined) throw new Error('GetOrder answered without an order');
    return response.order;
  }

  /** Every open order of the agent (all pages), optionally of one symbol. */
  async listOpenOrders(
    filter: { readonly symbol?: string; readonly pageSize?: number } = {},
    settings?: CallSettings,
  ): Promise<orders.Order[]> {
    const found: orders.Order[] = [];
    let pageToken = '';
    do {
      const page = await this.caller.call(
        'ListOpenOrders',
        this.client.listOpenOrders.bind(this.client),
        orders.ListOpenOrdersRequest.fromPartial({
          symbol: filter.symbol ?? '',
          pageSize: filter.pageSize ?? 0,
          pageToken,
        }),
        settings,
      );
      found.push(...page.orders);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return found;
  }

  /** The agent's execution reports of one symbol, resumed after disconnects without gaps. */
  executionReports(options: ExecutionReportStreamOptions): ExecutionReportStream {
    return new ExecutionReportStream(
      (request) => this.client.streamExecutionReports(request, this.caller.metadata()),
      options,
    );
  }

  /** Resolves once grpc.health.v1 reports OrderService SERVING; rejects after `timeoutMs`. */
  async waitUntilServing(timeoutMs = 30_000): Promise<void> {
    const health = new grpcHealth.HealthClient(
      this.options.address,
      this.options.credentials ?? grpcCredentials.createInsecure(),
    );
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const serving = await new Promise<boolean>((resolve) =>
          health.check(
            { service: ORDER_SERVICE_NAME },
            new Metadata(),
            { deadline: Date.now() + 2000 },
            (error, response) =>
              resolve(
                error === null &&
                  response.status === grpcHealth.HealthCheckResponse_ServingStatus.SERVING,
              ),
          ),
        );
        if (serving) return;
        if (Date.now() > deadline)
          throw new Error(`the order gateway at ${this.options.address} is not SERVING`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      health.close();
    }
  }

  /** Closes the channel (unless it was given in the options: its owner closes it). */
  close(): void {
    if (this.options.channel === undefined) this.client.close();
  }
}
