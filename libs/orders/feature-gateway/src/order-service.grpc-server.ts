import {
  admin,
  decodeStrict,
  grpcHealth,
  type MessageCodec,
  orders,
  PROTO_ROOT,
} from '@meridian/contracts';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  status as GrpcCode,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { GrpcServerMetrics } from '@meridian/shared-observability';
import type { ApiKeyAuthenticator, Principal } from './api-key.authenticator';
import type { CancelOrderUseCase } from './cancel-order.usecase';
import type { CreateAccountUseCase } from './create-account.usecase';
import type { CreateAgentUseCase } from './create-agent.usecase';
import type { GetOrderUseCase } from './get-order.usecase';
import type { GetRiskLimitsUseCase } from './get-risk-limits.usecase';
import type { GetTradingStateUseCase } from './get-trading-state.usecase';
import type { IssueApiKeyUseCase } from './issue-api-key.usecase';
import type { RevokeApiKeyUseCase } from './revoke-api-key.usecase';
import type { RotateApiKeyUseCase } from './rotate-api-key.usecase';
import type { SetRiskLimitsUseCase } from './set-risk-limits.usecase';
import type { SetTradingStateUseCase } from './set-trading-state.usecase';
import { RequestMalformedError, RequestTooLargeError } from './gateway.error';
import { type ErrorLogger, toGrpcError } from './grpc-error.mapper';
import type { ListOpenOrdersUseCase } from './list-open-orders.usecase';
import type { ReplaceOrderUseCase } from './replace-order.usecase';
import type {
  ExecutionReportCall,
  StreamExecutionReportsUseCase,
} from './stream-execution-reports.usecase';
import type { SubmitOrderUseCase } from './submit-order.usecase';

const ORDER_SERVICE = 'meridian.orders.v1.OrderService';
const ADMIN_SERVICE = 'meridian.admin.v1.AdminService';
const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** The use cases the server dispatches to. */
export interface OrderServiceHandlers {
  readonly submitOrder: SubmitOrderUseCase;
  readonly cancelOrder: CancelOrderUseCase;
  readonly replaceOrder: ReplaceOrderUseCase;
  readonly getOrder: GetOrderUseCase;
  readonly listOpenOrders: ListOpenOrdersUseCase;
  /** Without it StreamExecutionReports answers UNIMPLEMENTED. */
  readonly streamExecutionReports?: StreamExecutionReportsUseCase;
  /** Without it AdminService is not served (UNIMPLEMENTED). */
  readonly admin?: AdminServiceHandlers;
}

/** The AdminService use cases (each checks the admin role itself). */
export interface AdminServiceHandlers {
  readonly createAccount: CreateAccountUseCase;
  readonly createAgent: CreateAgentUseCase;
  readonly issueApiKey: IssueApiKeyUseCase;
  readonly rotateApiKey: RotateApiKeyUseCase;
  readonly revokeApiKey: RevokeApiKeyUseCase;
  readonly setRiskLimits: SetRiskLimitsUseCase;
  readonly getRiskLimits: GetRiskLimitsUseCase;
  readonly setTradingState: SetTradingStateUseCase;
  readonly getTradingState: GetTradingStateUseCase;
}

export interface OrderGrpcServerOptions {
  /** Largest request the gateway decodes (bytes). Default 16 KiB; an order is ~200 bytes. */
  readonly maxRequestBytes?: number;
  readonly logger: ErrorLogger;
  /**
   * Whether the process can serve (its dependencies are up). grpc.health.v1 answers SERVING only
   * while the server listens, is not shutting down and this resolves true. Default: always.
   */
  readonly ready?: () => Promise<boolean>;
  /** Serve grpc.reflection (v1 and v1alpha) for OrderService, AdminService and Health. Default false. */
  readonly reflection?: boolean;
  /** Per-RPC metrics (grpc_server_*); OrderService and AdminService are measured when given. */
  readonly metrics?: GrpcServerMetrics;
  /** How often a health Watch re-evaluates readiness to push changes. Default 1000 ms. */
  readonly healthWatchIntervalMs?: number;
}

/** Transport cap: above it grpc-js itself answers RESOURCE_EXHAUSTED before any of our code runs. */
const TRANSPORT_MAX_BYTES = 1024 * 1024;

function apiKeyOf(metadata: Metadata): string | undefined {
  const key = metadata.get('x-api-key')[0];
  if (typeof key === 'string') return key;
  const auth = metadata.get('authorization')[0];
  return typeof auth === 'string' && auth.startsWith('Bearer ')
    ? auth.slice('Bearer '.length)
    : undefined;
}

/**
 * OrderService, AdminService (when given) and grpc.health.v1.Health on a grpc-js Server, using the generated service
 * definitions (see docs/adr/0006-grpc-serving.md). Requests arrive as raw bytes and are decoded
 * strictly here, so malformed bytes become INVALID_ARGUMENT with a reason instead of grpc-js'
 * generic INTERNAL.
 */
export class OrderGrpcServer {
  private readonly server: Server;
  private readonly maxRequestBytes: number;
  private serving: grpcHealth.HealthCheckResponse_ServingStatus =
    grpcHealth.HealthCheckResponse_ServingStatus.NOT_SERVING;
  /** Open health Watch streams: each ends itself (after a last NOT_SERVING) when called. */
  private readonly watchers = new Set<() => void>();

  constructor(
    private readonly auth: ApiKeyAuthenticator,
    private readonly handlers: OrderServiceHandlers,
    private readonly options: OrderGrpcServerOptions,
  ) {
    this.maxRequestBytes = options.maxRequestBytes ?? 16 * 1024;
    this.server = new Server({
      'grpc.max_receive_message_length': TRANSPORT_MAX_BYTES,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const measured = <I extends UntypedServiceImplementation>(
      name: string,
      definition: ServiceDefinition,
      implementation: I,
    ): I => options.metrics?.instrument(name, definition, implementation) ?? implementation;
    const orderDefinition = this.rawRequests(orders.OrderServiceService);
    this.server.addService(
      orderDefinition,
      measured(ORDER_SERVICE, orderDefinition, this.orderService()),
    );
    if (handlers.admin !== undefined) {
      const adminDefinition = this.rawRequests(admin.AdminServiceService);
      this.server.addService(
        adminDefinition,
        measured(ADMIN_SERVICE, adminDefinition, this.adminService(handlers.admin)),
      );
    }
    this.server.addService(grpcHealth.HealthService, this.healthService());
    if (options.reflection === true) {
      // Descriptors for reflection only (ADR 0006); requests are decoded by the generated code.
      const files = ['meridian/orders/v1/order_service.proto', 'grpc/health/v1/health.proto'];
      const services = [ORDER_SERVICE, HEALTH_SERVICE];
      if (handlers.admin !== undefined) {
        files.push('meridian/admin/v1/admin_service.proto');
        services.push(ADMIN_SERVICE);
      }
      const definitions = loadSync(files, { includeDirs: [PROTO_ROOT] });
      new ReflectionService(definitions, { services }).addToServer(this.server);
    }
  }

  /** Binds `host:port` (port 0 = ephemeral) and returns the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const bound = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(error) : resolve(p),
      );
    });
    this.serving = grpcHealth.HealthCheckResponse_ServingStatus.SERVING;
    return bound;
  }

  /**
   * Health turns NOT_SERVING, new calls are refused, open streams end with UNAVAILABLE
   * (GATEWAY_SHUTTING_DOWN), in-flight unary calls finish (up to `graceMs`), then the rest is cut.
   */
  async close(graceMs = 5000): Promise<void> {
    this.serving = grpcHealth.HealthCheckResponse_ServingStatus.NOT_SERVING;
    for (const end of this.watchers) end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
      // Streams never finish on their own: end them so the drain waits only for unary calls.
      this.handlers.streamExecutionReports?.closeAll();
    });
  }

  /** The generated definition with identity request deserializers (decoding happens in `unary`). */
  private rawRequests(definition: ServiceDefinition): ServiceDefinition {
    const raw: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(definition)) {
      raw[name] = { ...method, requestDeserialize: (bytes: Buffer): Buffer => bytes };
    }
    return raw as ServiceDefinition;
  }

  private unary<Req, Res>(
    codec: MessageCodec<Req>,
    typeName: string,
    run: (principal: Principal, request: Req) => Promise<Res>,
  ): handleUnaryCall<Buffer, Res> {
    return (call, callback) => {
      const handle = async (): Promise<Res> => {
        const bytes = call.request;
        if (bytes.length > this.maxRequestBytes)
          throw new RequestTooLargeError(bytes.length, this.maxRequestBytes);
        let request: Req;
        try {
          request = decodeStrict(codec, typeName, bytes);
        } catch (error: unknown) {
          throw new RequestMalformedError(typeName, error);
        }
        const principal = await this.auth.authenticate(apiKeyOf(call.metadata));
        return run(principal, request);
      };
      handle().then(
        (response) => callback(null, response),
        (error: unknown) => callback(toGrpcError(error, this.options.logger)),
      );
    };
  }

  private orderService(): UntypedServiceImplementation {
    const h = this.handlers;
    return {
      submitOrder: this.unary(
        orders.SubmitOrderRequest,
        'meridian.orders.v1.SubmitOrderRequest',
        (p, r) => h.submitOrder.execute(p, r),
      ),
      cancelOrder: this.unary(
        orders.CancelOrderRequest,
        'meridian.orders.v1.CancelOrderRequest',
        (p, r) => h.cancelOrder.execute(p, r),
      ),
      replaceOrder: this.unary(
        orders.ReplaceOrderRequest,
        'meridian.orders.v1.ReplaceOrderRequest',
        (p, r) => h.replaceOrder.execute(p, r),
      ),
      getOrder: this.unary(orders.GetOrderRequest, 'meridian.orders.v1.GetOrderRequest', (p, r) =>
        h.getOrder.execute(p, r),
      ),
      listOpenOrders: this.unary(
        orders.ListOpenOrdersRequest,
        'meridian.orders.v1.ListOpenOrdersRequest',
        (p, r) => h.listOpenOrders.execute(p, r),
      ),
      streamExecutionReports: this.streamExecutionReports(),
    };
  }

  private adminService(h: AdminServiceHandlers): UntypedServiceImplementation {
    const type = (name: string): string => `meridian.admin.v1.${name}`;
    return {
      createAccount: this.unary(admin.CreateAccountRequest, type('CreateAccountRequest'), (p, r) =>
        h.createAccount.execute(p, r),
      ),
      createAgent: this.unary(admin.CreateAgentRequest, type('CreateAgentRequest'), (p, r) =>
        h.createAgent.execute(p, r),
      ),
      issueApiKey: this.unary(admin.IssueApiKeyRequest, type('IssueApiKeyRequest'), (p, r) =>
        h.issueApiKey.execute(p, r),
      ),
      rotateApiKey: this.unary(admin.RotateApiKeyRequest, type('RotateApiKeyRequest'), (p, r) =>
        h.rotateApiKey.execute(p, r),
      ),
      revokeApiKey: this.unary(admin.RevokeApiKeyRequest, type('RevokeApiKeyRequest'), (p, r) =>
        h.revokeApiKey.execute(p, r),
      ),
      setRiskLimits: this.unary(admin.SetRiskLimitsRequest, type('SetRiskLimitsRequest'), (p, r) =>
        h.setRiskLimits.execute(p, r),
      ),
      getRiskLimits: this.unary(admin.GetRiskLimitsRequest, type('GetRiskLimitsRequest'), (p, r) =>
        h.getRiskLimits.execute(p, r),
      ),
      setTradingState: this.unary(
        admin.SetTradingStateRequest,
        type('SetTradingStateRequest'),
        (p, r) => h.setTradingState.execute(p, r),
      ),
      getTradingState: this.unary(
        admin.GetTradingStateRequest,
        type('GetTradingStateRequest'),
        (p, r) => h.getTradingState.execute(p, r),
      ),
    };
  }

  private streamExecutionReports(): handleServerStreamingCall<
    Buffer,
    orders.StreamExecutionReportsResponse
  > {
    const useCase = this.handlers.streamExecutionReports;
    const typeName = 'meridian.orders.v1.StreamExecutionReportsRequest';
    return (call) => {
      const fail = (error: unknown): void => {
        call.emit('error', toGrpcError(error, this.options.logger));
      };
      if (useCase === undefined) {
        call.emit('error', {
          code: GrpcCode.UNIMPLEMENTED,
          details: 'StreamExecutionReports is not served by this process',
        });
        return;
      }
      const adapter: ExecutionReportCall = {
        write: (response) => call.write(response),
        onDrain: (listener) => call.once('drain', listener),
        onCancel: (listener) => {
          if (call.cancelled) queueMicrotask(listener);
          else call.once('cancelled', listener);
        },
        fail,
      };
      const run = async (): Promise<void> => {
        const bytes = call.request;
        if (bytes.length > this.maxRequestBytes)
          throw new RequestTooLargeError(bytes.length, this.maxRequestBytes);
        let request: orders.StreamExecutionReportsRequest;
        try {
          request = decodeStrict(orders.StreamExecutionReportsRequest, typeName, bytes);
        } catch (error: unknown) {
          throw new RequestMalformedError(typeName, error);
        }
        const principal = await this.auth.authenticate(apiKeyOf(call.metadata));
        await useCase.execute(principal, request, adapter);
      };
      run().catch(fail);
    };
  }

  private async currentStatus(): Promise<grpcHealth.HealthCheckResponse_ServingStatus> {
    const { SERVING, NOT_SERVING } = grpcHealth.HealthCheckResponse_ServingStatus;
    if (this.serving !== SERVING) return NOT_SERVING;
    const ready = this.options.ready === undefined ? true : await this.options.ready();
    return ready && this.serving === SERVING ? SERVING : NOT_SERVING;
  }

  private healthService(): grpcHealth.HealthServer {
    return {
      check: (call, callback) => {
        const service = call.request.service;
        const known =
          service === '' ||
          service === ORDER_SERVICE ||
          (service === ADMIN_SERVICE && this.handlers.admin !== undefined);
        if (!known) {
          callback({ code: GrpcCode.NOT_FOUND, details: `unknown service ${service}` });
          return;
        }
        this.currentStatus().then(
          (status) => callback(null, { status }),
          () =>
            callback(null, { status: grpcHealth.HealthCheckResponse_ServingStatus.NOT_SERVING }),
        );
      },
      // Streams the status: the current one at once, then every change, until the client
      // cancels or the server closes (a last NOT_SERVING first, as the protocol asks).
      watch: (call) => {
        const service = call.request.service;
        const known = service === '' || service === ORDER_SERVICE || service === ADMIN_SERVICE;
        const { NOT_SERVING, SERVICE_UNKNOWN } = grpcHealth.HealthCheckResponse_ServingStatus;
        let last: grpcHealth.HealthCheckResponse_ServingStatus | undefined;
        const push = (status: grpcHealth.HealthCheckResponse_ServingStatus): void => {
          if (status === last || call.cancelled) return;
          last = status;
          call.write({ status });
        };
        const evaluate = (): void => {
          if (!known) return push(SERVICE_UNKNOWN);
          void this.currentStatus()
            .catch(() => NOT_SERVING)
            .then(push);
        };
        const timer = setInterval(evaluate, this.options.healthWatchIntervalMs ?? 1000);
        timer.unref();
        const end = (): void => {
          clearInterval(timer);
          this.watchers.delete(end);
          if (!call.cancelled) {
            push(NOT_SERVING);
            call.end();
          }
        };
        this.watchers.add(end);
        call.once('cancelled', () => {
          clearInterval(timer);
          this.watchers.delete(end);
        });
        evaluate();
      },
    };
  }
}
