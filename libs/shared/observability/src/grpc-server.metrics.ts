// Type-only imports: this entry must not load @grpc/grpc-js before the gRPC instrumentation
// patches it (see index.ts).
import type {
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedHandleCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Counter, Histogram } from 'prom-client';
import { LOW_LATENCY_BUCKETS, type MetricsRegistry } from './metrics.registry';

/**
 * gRPC status names as go-grpc-prometheus writes them in `grpc_code`, indexed by status number,
 * so dashboards and alert rules written for any gRPC server work unchanged.
 */
export const GRPC_CODE_NAMES: readonly string[] = Object.freeze([
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
]);

/** `grpc_code` label of a status number; out-of-range numbers are reported as Unknown. */
export function grpcCodeName(code: number): string {
  return GRPC_CODE_NAMES[code] ?? 'Unknown';
}

type GrpcType = 'unary' | 'server_stream' | 'client_stream' | 'bidi_stream';
type Labels = 'grpc_service' | 'grpc_method' | 'grpc_type';

function typeOf(method: { requestStream: boolean; responseStream: boolean }): GrpcType {
  if (method.requestStream) return method.responseStream ? 'bidi_stream' : 'client_stream';
  return method.responseStream ? 'server_stream' : 'unary';
}

function codeOf(error: unknown): number {
  if (error === null || error === undefined) return 0;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : 2;
}

/**
 * Per-RPC server metrics with the go-grpc-prometheus names and labels:
 * `grpc_server_started_total`, `grpc_server_handled_total{grpc_code}`,
 * `grpc_server_handling_seconds` (histogram) and `grpc_server_msg_sent_total` for streams.
 * The SLO rules (order ack latency, API availability) are written against these series.
 *
 * Wrap each service's implementation once, before `server.addService`:
 * `server.addService(def, metrics.instrument('meridian.orders.v1.OrderService', def, impl))`.
 */
export class GrpcServerMetrics {
  private readonly started: Counter<Labels>;
  private readonly handled: Counter<Labels | 'grpc_code'>;
  private readonly handling: Histogram<Labels>;
  private readonly sent: Counter<Labels>;

  constructor(registry: MetricsRegistry, buckets: readonly number[] = LOW_LATENCY_BUCKETS) {
    const labelNames: Labels[] = ['grpc_service', 'grpc_method', 'grpc_type'];
    this.started = registry.counter('grpc_server_started_total', {
      help: 'RPCs started on the server',
      labelNames,
    });
    this.handled = registry.counter('grpc_server_handled_total', {
      help: 'RPCs completed on the server, by status code',
      labelNames: [...labelNames, 'grpc_code'],
    });
    this.handling = registry.histogram('grpc_server_handling_seconds', {
      help: 'Time from the request arriving to the status being sent (seconds)',
      labelNames,
      buckets,
    });
    this.sent = registry.counter('grpc_server_msg_sent_total', {
      help: 'Stream messages sent by the server',
      labelNames,
    });
  }

  /**
   * The implementation with every method measured. `service` is the full proto name
   * (e.g. `meridian.orders.v1.OrderService`); method labels are the proto method names.
   */
  instrument<I extends UntypedServiceImplementation>(
    service: string,
    definition: ServiceDefinition,
    implementation: I,
  ): I {
    const wrapped: Record<string, UntypedHandleCall> = {};
    for (const [name, handler] of Object.entries(implementation)) {
      const method = definition[name];
      if (method === undefined) {
        wrapped[name] = handler;
        continue;
      }
      const labels = {
        grpc_service: service,
        grpc_method: protoMethodName(method.path),
        grpc_type: typeOf(method),
      };
      // Zero series for OK from the start: ratios read 0 rather than "no data" before traffic.
      this.handled.inc({ ...labels, grpc_code: 'OK' }, 0);
      wrapped[name] = this.wrap(labels, method.responseStream, method.requestStream, handler);
    }
    return wrapped as I;
  }

  private wrap(
    labels: Record<Labels, string>,
    responseStream: boolean,
    requestStream: boolean,
    handler: UntypedHandleCall,
  ): UntypedHandleCall {
    if (requestStream) return handler; // no client-streaming RPCs here; measured if ever added
    if (!responseStream) {
      const unary = handler as (
        call: ServerUnaryCall<unknown, unknown>,
        cb: sendUnaryData<unknown>,
      ) => void;
      return ((call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const start = process.hrtime.bigint();
        this.started.inc(labels);
        unary(call, (error, value, trailer, flags) => {
          this.finish(labels, start, codeOf(error));
          callback(error, value, trailer, flags);
        });
      }) as UntypedHandleCall;
    }
    const streaming = handler as (call: ServerWritableStream<unknown, unknown>) => void;
    return ((call: ServerWritableStream<unknown, unknown>) => {
      const start = process.hrtime.bigint();
      this.started.inc(labels);
      let done = false;
      const finish = (code: number): void => {
        if (done) return;
        done = true;
        this.finish(labels, start, code);
      };
      const write = call.write.bind(call) as (...args: unknown[]) => boolean;
      (call as { write: (...args: unknown[]) => boolean }).write = (...args) => {
        this.sent.inc(labels);
        return write(...args);
      };
      const emit = call.emit.bind(call) as (event: string | symbol, ...args: unknown[]) => boolean;
      (call as { emit: (event: string | symbol, ...args: unknown[]) => boolean }).emit = (
        event,
        ...args
      ) => {
        if (event === 'error') finish(codeOf(args[0]));
        return emit(event, ...args);
      };
      call.once('finish', () => finish(0));
      call.once('cancelled', () => finish(1));
      streaming(call);
    }) as UntypedHandleCall;
  }

  private finish(labels: Record<Labels, string>, start: bigint, code: number): void {
    this.handled.inc({ ...labels, grpc_code: grpcCodeName(code) });
    this.handling.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
  }
}

/** `/pkg.Service/Method` → `Method`. */
function protoMethodName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
