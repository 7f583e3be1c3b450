import { decodeStrict, grpcHealth, marketdata, type MessageCodec } from '@meridian/contracts';
import type { GrpcServerMetrics } from '@meridian/shared-observability';
import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  status as GrpcCode,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { GetBarsUseCase } from './get-bars.usecase';
import type { GetLastPriceUseCase } from './get-last-price.usecase';
import { type ErrorLogger, toGrpcError } from './grpc-error.mapper';
import {
  MarketDataRequestMalformedError,
  MarketDataRequestTooLargeError,
  MarketDataShuttingDownError,
} from './market-data-api.error';
import type { StreamTicksUseCase, TickStreamCall } from './stream-ticks.usecase';

/** Full proto name of the service (the `grpc_service` metric label). */
export const MARKETDATA_SERVICE = 'meridian.marketdata.v1.MarketDataService';
/** Transport cap: above it grpc-js answers RESOURCE_EXHAUSTED before our code runs. */
const TRANSPORT_MAX_BYTES = 1024 * 1024;

export interface MarketDataHandlers {
  readonly getBars: GetBarsUseCase;
  readonly getLastPrice: GetLastPriceUseCase;
  /** Without it StreamTicks answers UNIMPLEMENTED. */
  readonly streamTicks?: StreamTicksUseCase;
}

export interface MarketDataGrpcServerOptions {
  readonly logger: ErrorLogger;
  /** Largest request decoded (bytes). Default 64 KiB (a StreamTicks request with many symbols). */
  readonly maxRequestBytes?: number;
  /** grpc_server_* metrics (go-grpc-prometheus names); default none. */
  readonly metrics?: GrpcServerMetrics;
  /** Dependencies up? grpc.health.v1 answers SERVING only while this resolves true. */
  readonly ready?: () => Promise<boolean>;
  /** Called when the server closes, to end open streams (e.g. the hub's stop). */
  readonly onClose?: () => Promise<void>;
}

/**
 * MarketDataService and grpc.health.v1.Health on a grpc-js Server with the generated service
 * definition. Requests arrive as raw bytes and are decoded strictly here, so malformed bytes
 * become INVALID_ARGUMENT (MARKETDATA_REQUEST_MALFORMED); every error carries a
 * google.rpc.ErrorInfo with its reason code.
 */
export class MarketDataGrpcServer {
  private readonly server: Server;
  private readonly maxRequestBytes: number;
  private serving = false;

  constructor(
    private readonly handlers: MarketDataHandlers,
    private readonly options: MarketDataGrpcServerOptions,
  ) {
    this.maxRequestBytes = options.maxRequestBytes ?? 64 * 1024;
    this.server = new Server({
      'grpc.max_receive_message_length': TRANSPORT_MAX_BYTES,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const definition = rawRequests(marketdata.MarketDataServiceService);
    const implementation = this.service();
    this.server.addService(
      definition,
      options.metrics?.instrument(MARKETDATA_SERVICE, definition, implementation) ?? implementation,
    );
    this.server.addService(grpcHealth.HealthService, this.health());
  }

  /** Binds `host:port` (0 = ephemeral) and returns the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const bound = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(error) : resolve(p),
      );
    });
    this.serving = true;
    return bound;
  }

  /** NOT_SERVING, open streams end UNAVAILABLE, unary calls get `graceMs` to finish. */
  async close(graceMs = 5000): Promise<void> {
    this.serving = false;
    await this.options.onClose?.();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private decode<T>(codec: MessageCodec<T>, typeName: string, bytes: Buffer): T {
    if (bytes.length > this.maxRequestBytes)
      throw new MarketDataRequestTooLargeError(bytes.length, this.maxRequestBytes);
    try {
      return decodeStrict(codec, typeName, bytes);
    } catch (error) {
      throw new MarketDataRequestMalformedError(typeName, error);
    }
  }

  private unary<Req, Res>(
    codec: MessageCodec<Req>,
    typeName: string,
    run: (request: Req) => Promise<Res>,
  ): handleUnaryCall<Buffer, Res> {
    return (call, callback) => {
      const handle = async (): Promise<Res> => {
        if (!this.serving) throw new MarketDataShuttingDownError();
        return run(this.decode(codec, typeName, call.request));
      };
      handle().then(
        (response) => callback(null, response),
        (error: unknown) => callback(toGrpcError(error, this.options.logger)),
      );
    };
  }

  private service(): UntypedServiceImplementation {
    const h = this.handlers;
    return {
      getBars: this.unary(marketdata.GetBarsRequest, 'meridian.marketdata.v1.GetBarsRequest', (r) =>
        h.getBars.execute(r),
      ),
      getLastPrice: this.unary(
        marketdata.GetLastPriceRequest,
        'meridian.marketdata.v1.GetLastPriceRequest',
        (r) => h.getLastPrice.execute(r),
      ),
      streamTicks: this.streamTicks(),
    };
  }

  private streamTicks(): handleServerStreamingCall<Buffer, marketdata.StreamTicksResponse> {
    return (call) => {
      const useCase = this.handlers.streamTicks;
      const fail = (error: unknown): void => {
        call.emit('error', toGrpcError(error, this.options.logger));
      };
      if (useCase === undefined) {
        call.emit('error', {
          code: GrpcCode.UNIMPLEMENTED,
          details: 'StreamTicks is not served by this process',
        });
        return;
      }
      try {
        if (!this.serving) throw new MarketDataShuttingDownError();
        const request = this.decode(
          marketdata.StreamTicksRequest,
          'meridian.marketdata.v1.StreamTicksRequest',
          call.request,
        );
        const adapter: TickStreamCall = {
          write: (response) => call.write(response),
          onDrain: (listener) => call.once('drain', listener),
          onCancel: (listener) => {
            if (call.cancelled) queueMicrotask(listener);
            else call.once('cancelled', listener);
          },
          fail,
        };
        useCase.execute(request, adapter);
      } catch (error) {
        fail(error);
      }
    };
  }

  private async status(): Promise<grpcHealth.HealthCheckResponse_ServingStatus> {
    const { SERVING, NOT_SERVING } = grpcHealth.HealthCheckResponse_ServingStatus;
    if (!this.serving) return NOT_SERVING;
    const ready = this.options.ready === undefined ? true : await this.options.ready();
    return ready && this.serving ? SERVING : NOT_SERVING;
  }

  private health(): grpcHealth.HealthServer {
    return {
      check: (call, callback) => {
        const service = call.request.service;
        if (service !== '' && service !== MARKETDATA_SERVICE) {
          callback({ code: GrpcCode.NOT_FOUND, details: `unknown service ${service}` });
          return;
        }
        this.status().then(
          (status) => callback(null, { status }),
          () =>
            callback(null, { status: grpcHealth.HealthCheckResponse_ServingStatus.NOT_SERVING }),
        );
      },
      watch: (call) => {
        void this.status()
          .catch(() => grpcHealth.HealthCheckResponse_ServingStatus.NOT_SERVING)
          .then((status) => {
            call.write({ status });
            call.end();
          });
      },
    };
  }
}

/** The generated definition with identity request deserializers (decoding happens above). */
function rawRequests(definition: ServiceDefinition): ServiceDefinition {
  const raw: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    raw[name] = { ...method, requestDeserialize: (bytes: Buffer): Buffer => bytes };
  }
  return raw as ServiceDefinition;
}
