/**
 * Test helpers (specs only): a scripted in-process OrderService on a real loopback socket, to
 * test client behaviour (retries, deadlines, error decoding, stream resume) that a real gateway
 * cannot be made to show on demand.
 */
import { googleRpc, orders } from '@meridian/contracts';
import {
  Metadata,
  Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  ServerCredentials,
  type ServiceError,
  status as GrpcStatus,
} from '@grpc/grpc-js';

/** A failure the fake answers with: status, ErrorInfo reason and metadata. */
export interface ScriptedFailure {
  readonly code: GrpcStatus;
  readonly reason?: string;
  readonly metadata?: Record<string, string>;
  /** Answer only after this long (to run into the client's deadline); with code OK, succeed then. */
  readonly delayMs?: number;
}

/** A gateway error as the real one sends it: status + google.rpc.Status with an ErrorInfo. */
export function gatewayError(failure: ScriptedFailure, message = 'scripted'): ServiceError {
  const metadata = new Metadata();
  if (failure.reason !== undefined) {
    const info = googleRpc.ErrorInfo.encode({
      reason: failure.reason,
      domain: 'order-gateway.meridian',
      metadata: failure.metadata ?? {},
    }).finish();
    const status = googleRpc.Status.encode({
      code: failure.code,
      message,
      details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }],
    }).finish();
    metadata.set('grpc-status-details-bin', Buffer.from(status));
  }
  return Object.assign(new Error(message), { code: failure.code, details: message, metadata });
}

type Method = 'SubmitOrder' | 'CancelOrder' | 'ReplaceOrder' | 'GetOrder' | 'ListOpenOrders';

export interface FakeGateway {
  readonly address: string;
  readonly apiKey: string;
  /** Requests received per method (including the failed attempts), in order. */
  readonly received: Map<Method, unknown[]>;
  /** Failures answered, in order, to the next calls of `method` (then it succeeds again). */
  fail(method: Method, ...failures: ScriptedFailure[]): void;
  /** Appends a report to the symbol's log and sends it to the open streams of that symbol. */
  emit(event: orders.OrderEvent): void;
  /** `from_sequence` of every StreamExecutionReports call, in order. */
  readonly streamRequests: orders.StreamExecutionReportsRequest[];
  /** Ends every open stream with UNAVAILABLE / GATEWAY_SHUTTING_DOWN (a gateway going away). */
  dropStreams(): void;
  openStreams(): number;
  close(): Promise<void>;
}

/** A report of `orderId` with `sequence` (an OrderAccepted). */
export function fakeReport(
  symbol: string,
  sequence: bigint,
  orderId = `o-${sequence}`,
): orders.OrderEvent {
  return orders.OrderEvent.fromPartial({
    eventId: `e-${symbol}-${sequence}`,
    symbol,
    sequence,
    orderId,
    clientOrderId: `c-${orderId}`,
    status: orders.OrderStatus.NEW,
    event: { $case: 'accepted', value: { status: orders.OrderStatus.NEW } },
  });
}

/**
 * Starts the fake on 127.0.0.1:<ephemeral>. It accepts `apiKey` only (else UNAUTHENTICATED /
 * GATEWAY_UNAUTHENTICATED), answers SubmitOrder idempotently by client_order_id (same id → same
 * order id), and serves StreamExecutionReports from an in-memory log with `from_sequence`.
 */
export async function startFakeGateway(
  apiKey = 'mrd_0123456789abcdef.secret',
  options: {
    /** Emit an OrderAccepted report (next sequence of the symbol) for every answered submit. */
    readonly autoReports?: boolean;
  } = {},
): Promise<FakeGateway> {
  const received = new Map<Method, unknown[]>();
  const failures = new Map<Method, ScriptedFailure[]>();
  const orderIds = new Map<string, string>();
  const log = new Map<string, orders.OrderEvent[]>();
  const streams = new Set<{
    symbol: string;
    call: ServerWritableStream<
      orders.StreamExecutionReportsRequest,
      orders.StreamExecutionReportsResponse
    >;
  }>();
  const streamRequests: orders.StreamExecutionReportsRequest[] = [];
  let nextOrderId = 1000;

  const authorized = (metadata: Metadata): boolean => metadata.get('x-api-key')[0] === apiKey;

  function unary<Req, Res>(method: Method, answer: (request: Req) => Res) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const list = received.get(method) ?? [];
      list.push(call.request);
      received.set(method, list);
      if (!authorized(call.metadata)) {
        callback(
          gatewayError({ code: GrpcStatus.UNAUTHENTICATED, reason: 'GATEWAY_UNAUTHENTICATED' }),
        );
        return;
      }
      const failure = failures.get(method)?.shift();
      if (failure !== undefined) {
        // Code OK scripts a slow success (to run into the client's deadline).
        const respond = () =>
          failure.code === GrpcStatus.OK
            ? callback(null, answer(call.request))
            : callback(gatewayError(failure));
        if (failure.delayMs === undefined) respond();
        else setTimeout(respond, failure.delayMs);
        return;
      }
      callback(null, answer(call.request));
    };
  }

  const orderIdOf = (clientOrderId: string): string => {
    let id = orderIds.get(clientOrderId);
    if (id === undefined) {
      id = String(nextOrderId++);
      orderIds.set(clientOrderId, id);
    }
    return id;
  };

  function emit(event: orders.OrderEvent): void {
    const events = log.get(event.symbol) ?? [];
    events.push(event);
    log.set(event.symbol, events);
    for (const stream of streams) if (stream.symbol === event.symbol) stream.call.write({ event });
  }

  const server = new Server();
  server.addService(orders.OrderServiceService, {
    submitOrder: unary<orders.SubmitOrderRequest, orders.SubmitOrderResponse>(
      'SubmitOrder',
      (r) => {
        const orderId = orderIdOf(r.clientOrderId);
        if (options.autoReports === true) {
          // After the response is on its way, as the real gateway's reports come later.
          setImmediate(() => {
            const sequence = BigInt((log.get(r.symbol)?.length ?? 0) + 1);
            emit({ ...fakeReport(r.symbol, sequence, orderId), clientOrderId: r.clientOrderId });
          });
        }
        return { orderId, commandId: `cmd-${r.clientOrderId}`, acceptedAtUnixNanos: 1n };
      },
    ),
    cancelOrder: unary<orders.CancelOrderRequest, orders.CancelOrderResponse>(
      'CancelOrder',
      (r) => ({
        orderId: r.target?.$case === 'orderId' ? r.target.value : orderIdOf(r.target?.value ?? ''),
        commandId: `cmd-${r.clientOrderId}`,
      }),
    ),
    replaceOrder: unary<orders.ReplaceOrderRequest, orders.ReplaceOrderResponse>(
      'ReplaceOrder',
      (r) => ({
        orderId: r.target?.$case === 'orderId' ? r.target.value : orderIdOf(r.target?.value ?? ''),
        commandId: `cmd-${r.clientOrderId}`,
      }),
    ),
    getOrder: unary<orders.GetOrderRequest, orders.GetOrderResponse>('GetOrder', (r) => ({
      order: orders.Order.fromPartial({
        orderId: r.target?.value ?? '',
        status: orders.OrderStatus.NEW,
      }),
    })),
    listOpenOrders: unary<orders.ListOpenOrdersRequest, orders.ListOpenOrdersResponse>(
      'ListOpenOrders',
      (r) =>
        r.pageToken === ''
          ? { orders: [orders.Order.fromPartial({ orderId: 'p1' })], nextPageToken: 'page-2' }
          : { orders: [orders.Order.fromPartial({ orderId: 'p2' })], nextPageToken: '' },
    ),
    streamExecutionReports: (
      call: ServerWritableStream<
        orders.StreamExecutionReportsRequest,
        orders.StreamExecutionReportsResponse
      >,
    ) => {
      streamRequests.push(call.request);
      if (!authorized(call.metadata)) {
        call.emit(
          'error',
          gatewayError({ code: GrpcStatus.UNAUTHENTICATED, reason: 'GATEWAY_UNAUTHENTICATED' }),
        );
        return;
      }
      const { symbol, fromSequence } = call.request;
      if (fromSequence > 0n)
        for (const event of log.get(symbol) ?? [])
          if (event.sequence >= fromSequence) call.write({ event });
      const entry = { symbol, call };
      streams.add(entry);
      call.on('cancelled', () => streams.delete(entry));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    apiKey,
    received,
    streamRequests,
    fail(method, ...scripted) {
      failures.set(method, [...(failures.get(method) ?? []), ...scripted]);
    },
    emit,
    dropStreams() {
      for (const stream of [...streams]) {
        streams.delete(stream);
        stream.call.emit(
          'error',
          gatewayError({ code: GrpcStatus.UNAVAILABLE, reason: 'GATEWAY_SHUTTING_DOWN' }),
        );
      }
    },
    openStreams: () => streams.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.call.end();
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
